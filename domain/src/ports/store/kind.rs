//! The kinds of aggregate: their stored names, and which ones are listed or routed by id.

/// The kinds of aggregate, each with its own streams.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum AggregateKind {
    /// An onboarding session, keyed by session id.
    Session,
    /// A phone verification, keyed by verification id.
    Verification,
    /// The send quota of one phone number, keyed by E.164.
    PhoneQuota,
    /// A provider's circuit breaker for one channel, keyed `{provider}:{channel}`.
    Breaker,
    /// A provider's reference of a delivery, keyed `{provider}:{provider_ref}`: finds the
    /// verification a delivery report is about.
    ProviderRef,
    /// A received provider webhook, keyed `{provider}:{provider event id}`: the webhook log; a
    /// second delivery of the same event conflicts and is ignored.
    WebhookEvent,
    /// A tenant's integration with a provider (credentials, status), keyed by provider.
    Integration,
    /// A card-gated free trial, keyed by trial id.
    Trial,
    /// A key held by one trial: a customer's card or phone (`card:{fingerprint}`,
    /// `phone:{e164}`, P-TRI-3), or a session step's one trial (`session:{id}:{step}`).
    TrialClaim,
    /// A one-off payment order, keyed by order id.
    Order,
    /// The one order of a session's checkout step, keyed `session:{id}:{step}` (issue 11,
    /// item 8: a second request while that order is open answers it).
    OrderClaim,
    /// A customer account, keyed by customer id.
    Customer,
    /// A payment provider's reference (`{provider}:{subscription, order or capture id}`):
    /// finds the trial or order a payment webhook is about.
    PaymentRef,
    /// A WhatsApp Business Account onboarding, keyed by its id (issue 5).
    WabaAccount,
    /// A WhatsApp provider's reference (`{provider}:{waba id, phone number id, sender id or
    /// message id}`): finds the account or conversation a WhatsApp webhook is about.
    WhatsAppRef,
    /// The message history of one session (every user and bot message), keyed by session id.
    Conversation,
    /// The link codes of one phone number, keyed by E.164 (P-LNK-1).
    ChannelLink,
    /// One end-user session token, keyed by token id (P-TOK-1).
    SessionToken,
    /// A tenant's outbound webhook endpoint, keyed by endpoint id (issue 12, item 2).
    WebhookEndpoint,
}

impl AggregateKind {
    /// The kinds the application lists ([`EventStore::list`](super::EventStore::list)). A
    /// store may keep its listing indexes for these kinds only (issue 11, item 4: bytes
    /// stored; a journey's phone quota and delivery reference rows are read by id, never
    /// listed): listing another kind still answers correctly, without an index.
    pub const LISTED: [Self; 7] = [
        Self::Session,
        Self::Verification,
        Self::Integration,
        Self::WebhookEvent,
        Self::Trial,
        Self::Customer,
        Self::WabaAccount,
    ];

    /// The kinds whose owner is looked up across tenants
    /// ([`EventStore::stream_owner`](super::EventStore::stream_owner)): ids unique world-wide
    /// that route a webhook or a token to its tenant. A store may index these kinds only: the
    /// lookup of another kind still answers correctly, without an index.
    pub const ROUTED: [Self; 4] = [
        Self::ProviderRef,
        Self::SessionToken,
        Self::WhatsAppRef,
        Self::PaymentRef,
    ];

    /// The stored name: `session`, `verification`, `phone_quota`.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Session => "session",
            Self::Verification => "verification",
            Self::PhoneQuota => "phone_quota",
            Self::Breaker => "breaker",
            Self::ProviderRef => "provider_ref",
            Self::WebhookEvent => "webhook_event",
            Self::Integration => "integration",
            Self::Trial => "trial",
            Self::TrialClaim => "trial_claim",
            Self::Order => "order",
            Self::OrderClaim => "order_claim",
            Self::Customer => "customer",
            Self::PaymentRef => "payment_ref",
            Self::WabaAccount => "waba_account",
            Self::WhatsAppRef => "whatsapp_ref",
            Self::Conversation => "conversation",
            Self::ChannelLink => "channel_link",
            Self::SessionToken => "session_token",
            Self::WebhookEndpoint => "webhook_endpoint",
        }
    }

    /// Parses a stored name.
    pub fn parse(text: &str) -> Option<Self> {
        match text {
            "session" => Some(Self::Session),
            "verification" => Some(Self::Verification),
            "phone_quota" => Some(Self::PhoneQuota),
            "breaker" => Some(Self::Breaker),
            "provider_ref" => Some(Self::ProviderRef),
            "webhook_event" => Some(Self::WebhookEvent),
            "integration" => Some(Self::Integration),
            "trial" => Some(Self::Trial),
            "trial_claim" => Some(Self::TrialClaim),
            "order" => Some(Self::Order),
            "order_claim" => Some(Self::OrderClaim),
            "customer" => Some(Self::Customer),
            "payment_ref" => Some(Self::PaymentRef),
            "waba_account" => Some(Self::WabaAccount),
            "whatsapp_ref" => Some(Self::WhatsAppRef),
            "conversation" => Some(Self::Conversation),
            "channel_link" => Some(Self::ChannelLink),
            "session_token" => Some(Self::SessionToken),
            "webhook_endpoint" => Some(Self::WebhookEndpoint),
            _ => None,
        }
    }
}
