//! [`SandboxCards`]: the [`CardOnFile`] port in memory, following Stripe's test payment methods
//! (PROVIDERS.md section 1; doc: <https://docs.stripe.com/testing>).

use std::collections::{HashMap, HashSet};
use std::sync::{Arc, Mutex};

use async_trait::async_trait;
use onramp_domain::money::Money;
use onramp_domain::ports::{
    AttachCard, CardAuthorization, CardDetails, CardOnFile, Clock, IdempotencyKey, NewCustomer,
    PaymentError, ProviderError, ProviderId, SubscriptionInfo, SubscriptionStatus,
    TrialSubscription,
};
use serde::{Deserialize, Serialize};

use crate::ids::{lock, random_hex};
use crate::replay::{Failure, Memo, missing};
use crate::test_cards::{self, Behaviour, TestCard};

/// Seconds in a trial day (Stripe's `trial_period_days` counts whole days).
const DAY: i64 = 86_400;

/// Stripe's test cards, simulated: customers, attached cards, card-check authorizations and
/// trial subscriptions, in memory (see the crate documentation for the token table).
///
/// - Only Stripe's test tokens (`pm_card_visa`, ...) can be attached; like Stripe, attaching
///   clones the token into a new payment method id `pm_sbx_<24 hex>`, and authorizations and
///   subscriptions take that id. Unknown tokens and ids are `Refused { code: "resource_missing" }`
///   with Stripe's `No such …: '…'` message.
/// - The declined family fails at attach with [`PaymentError::CardDeclined`] and Stripe's code,
///   decline code and message, as Stripe refuses to attach them.
/// - `pm_card_chargeCustomerFail` (card 4000000000000341) attaches, and here its card-check
///   authorization ALSO succeeds, whereas real Stripe declines every charge on that card,
///   authorizations included. The sandbox lets the card check pass so that the failure surfaces
///   at the trial's end ([`CardOnFile::trial_end_outcome`] answers `PastDue`): that dunning path
///   is what the card exists to exercise here.
/// - Idempotent like Stripe's `Idempotency-Key`: every keyed call remembers its first answer per
///   (key, operation), declines and refusals included, and the same key replays it without a
///   second effect. The same key with different parameters is `Refused { code:
///   "idempotency_error" }` (Stripe's error type for it, which has no code of its own).
///
/// Cheap to clone: clones share the same objects.
#[derive(Clone)]
pub struct SandboxCards {
    clock: Arc<dyn Clock>,
    // A std `Mutex` (see `SandboxInbox`): held for in-memory work only, never across an
    // `.await`, and for a whole call, so concurrent calls with one key apply it once.
    state: Arc<Mutex<State>>,
}

/// A card-check authorization as the sandbox holds it (a PaymentIntent in `requires_capture`,
/// or `canceled` once voided).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct HeldAuthorization {
    /// `pi_sbx_<24 hex>`.
    pub id: String,
    /// The customer (`cus_sbx_…`).
    pub customer: String,
    /// The attached payment method (`pm_sbx_…`).
    pub payment_method: String,
    /// The amount authorized.
    pub amount: Money,
    /// Whether it was voided (nothing is ever captured).
    pub voided: bool,
}

/// A trial subscription as the sandbox holds it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SandboxSubscription {
    /// `sub_sbx_<24 hex>`.
    pub id: String,
    /// The customer (`cus_sbx_…`).
    pub customer: String,
    /// The price id as the request gave it (the sandbox has no catalog: any price is taken).
    pub price: String,
    /// The card charged after the trial (`pm_sbx_…`).
    pub payment_method: String,
    /// Onramp's trial id (Stripe `metadata[onramp_trial]`).
    pub trial_ref: String,
    /// The current status: `trialing`, then the trial-end outcome once asked, or `canceled`.
    pub status: SubscriptionStatus,
    /// Trial end, unix seconds: the sandbox clock at creation plus `trial_days` days.
    pub trial_end: i64,
}

impl SandboxSubscription {
    fn info(&self) -> SubscriptionInfo {
        SubscriptionInfo {
            id: self.id.clone(),
            status: self.status,
            trial_end: Some(self.trial_end),
        }
    }
}

impl SandboxCards {
    /// An empty simulator; `clock` dates trial ends.
    pub fn new(clock: Arc<dyn Clock>) -> Self {
        Self {
            clock,
            state: Arc::new(Mutex::new(State::default())),
        }
    }

    /// Every authorization made, oldest first, voided ones included.
    pub fn held_authorizations(&self) -> Vec<HeldAuthorization> {
        lock(&self.state).world.authorizations.clone()
    }

    /// The subscription `id` (`sub_sbx_…`), if it exists.
    pub fn subscription(&self, id: &str) -> Option<SandboxSubscription> {
        lock(&self.state)
            .world
            .subscriptions
            .get(id)
            .map(|s| s.record.clone())
    }
}

impl std::fmt::Debug for SandboxCards {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let state = lock(&self.state);
        f.debug_struct("SandboxCards")
            .field("customers", &state.world.customers.len())
            .field("authorizations", &state.world.authorizations.len())
            .field("subscriptions", &state.world.subscriptions.len())
            .finish_non_exhaustive()
    }
}

#[async_trait]
impl CardOnFile for SandboxCards {
    fn provider(&self) -> ProviderId {
        ProviderId::Sandbox
    }

    /// Answers `cus_sbx_<24 hex>`.
    async fn create_customer(&self, customer: &NewCustomer) -> Result<String, PaymentError> {
        let mut state = lock(&self.state);
        let State { world, replies } = &mut *state;
        replies
            .create_customer
            .once(&customer.key, format!("{customer:?}"), || {
                let id = format!("cus_sbx_{}", random_hex(24));
                world.customers.insert(id.clone());
                Ok(id)
            })
    }

    /// # Errors
    /// `Refused { code: "resource_missing" }` for a token the sandbox does not know or an
    /// unknown customer; [`PaymentError::CardDeclined`] for the declined family.
    async fn attach_card(&self, card: &AttachCard) -> Result<CardDetails, PaymentError> {
        let mut state = lock(&self.state);
        let State { world, replies } = &mut *state;
        replies
            .attach_card
            .once(&card.key, format!("{card:?}"), || world.attach(card))
    }

    /// Answers `pi_sbx_<24 hex>` and holds the amount (see [`SandboxCards::held_authorizations`]).
    ///
    /// # Errors
    /// `Refused { code: "resource_missing" }` for an unknown customer, or a payment method not
    /// attached to that customer.
    async fn authorize(&self, auth: &CardAuthorization) -> Result<String, PaymentError> {
        let mut state = lock(&self.state);
        let State { world, replies } = &mut *state;
        replies
            .authorize
            .once(&auth.key, format!("{auth:?}"), || world.authorize(auth))
    }

    /// # Errors
    /// `Refused { code: "resource_missing" }` for an unknown authorization.
    async fn void_authorization(
        &self,
        authorization: &str,
        key: &IdempotencyKey,
    ) -> Result<(), PaymentError> {
        let mut state = lock(&self.state);
        let State { world, replies } = &mut *state;
        replies.void.once(key, authorization.to_owned(), || {
            let held = world
                .authorizations
                .iter_mut()
                .find(|held| held.id == authorization)
                .ok_or_else(|| missing("payment_intent", authorization))?;
            held.voided = true;
            Ok(())
        })
    }

    /// Answers `sub_sbx_<24 hex>`, `trialing`, with `trial_end` = now + `trial_days` days.
    ///
    /// # Errors
    /// `Refused { code: "resource_missing" }` for an unknown customer, or a payment method not
    /// attached to that customer.
    async fn start_trial(
        &self,
        trial: &TrialSubscription,
    ) -> Result<SubscriptionInfo, PaymentError> {
        let now = self.clock.now().unix_timestamp();
        let mut state = lock(&self.state);
        let State { world, replies } = &mut *state;
        replies
            .start_trial
            .once(&trial.key, format!("{trial:?}"), || {
                world.start_trial(trial, now)
            })
    }

    /// Cancels now; canceling a canceled subscription answers it again.
    ///
    /// # Errors
    /// `Refused { code: "resource_missing" }` for an unknown subscription.
    async fn cancel_subscription(
        &self,
        subscription: &str,
        key: &IdempotencyKey,
    ) -> Result<SubscriptionInfo, PaymentError> {
        let mut state = lock(&self.state);
        let State { world, replies } = &mut *state;
        replies.cancel.once(key, subscription.to_owned(), || {
            let sub = world.subscription_mut(subscription)?;
            sub.record.status = SubscriptionStatus::Canceled;
            Ok(sub.record.info())
        })
    }

    /// Simulates Stripe's test clock reaching the trial's end, whatever the time: `PastDue`
    /// when the subscription's card is `pm_card_chargeCustomerFail` (the first invoice fails),
    /// `Canceled` when it was canceled, otherwise `Active`. The subscription takes that status
    /// (see [`SandboxCards::subscription`]); asking again answers the same.
    ///
    /// # Errors
    /// `Refused { code: "resource_missing" }` for an unknown subscription.
    async fn trial_end_outcome(
        &self,
        subscription: &str,
    ) -> Result<Option<SubscriptionStatus>, PaymentError> {
        let mut state = lock(&self.state);
        let sub = state
            .world
            .subscription_mut(subscription)
            .map_err(PaymentError::from)?;
        let outcome = match (sub.record.status, sub.charges_fail) {
            (SubscriptionStatus::Canceled, _) => SubscriptionStatus::Canceled,
            (_, true) => SubscriptionStatus::PastDue,
            (_, false) => SubscriptionStatus::Active,
        };
        sub.record.status = outcome;
        Ok(Some(outcome))
    }

    /// The sandbox is always healthy.
    async fn health_check(&self) -> Result<(), ProviderError> {
        Ok(())
    }
}

#[derive(Default)]
struct State {
    world: World,
    replies: Replies,
}

/// The simulated Stripe account.
#[derive(Default)]
struct World {
    customers: HashSet<String>,
    /// `pm_sbx_…` -> its customer and test card.
    cards: HashMap<String, Attached>,
    /// Oldest first.
    authorizations: Vec<HeldAuthorization>,
    subscriptions: HashMap<String, Subscription>,
}

struct Attached {
    customer: String,
    card: &'static TestCard,
}

struct Subscription {
    record: SandboxSubscription,
    /// The card is `pm_card_chargeCustomerFail`: the first invoice after the trial fails.
    charges_fail: bool,
}

impl World {
    fn attach(&mut self, request: &AttachCard) -> Result<CardDetails, Failure> {
        let card = test_cards::find(&request.payment_method)
            .ok_or_else(|| missing("PaymentMethod", &request.payment_method))?;
        self.customer(&request.customer)?;
        if let Behaviour::Declined {
            code,
            decline_code,
            message,
        } = card.behaviour
        {
            return Err(Failure::Declined {
                code,
                decline_code,
                message,
            });
        }
        let id = format!("pm_sbx_{}", random_hex(24));
        self.cards.insert(
            id.clone(),
            Attached {
                customer: request.customer.clone(),
                card,
            },
        );
        Ok(CardDetails {
            payment_method: id,
            fingerprint: card.fingerprint(),
            brand: card.brand.to_owned(),
            last4: card.last4().to_owned(),
        })
    }

    fn authorize(&mut self, request: &CardAuthorization) -> Result<String, Failure> {
        self.customer(&request.customer)?;
        self.attached(&request.customer, &request.payment_method)?;
        let id = format!("pi_sbx_{}", random_hex(24));
        self.authorizations.push(HeldAuthorization {
            id: id.clone(),
            customer: request.customer.clone(),
            payment_method: request.payment_method.clone(),
            amount: request.amount.clone(),
            voided: false,
        });
        Ok(id)
    }

    fn start_trial(
        &mut self,
        request: &TrialSubscription,
        now: i64,
    ) -> Result<SubscriptionInfo, Failure> {
        self.customer(&request.customer)?;
        let card = self.attached(&request.customer, &request.payment_method)?;
        let record = SandboxSubscription {
            id: format!("sub_sbx_{}", random_hex(24)),
            customer: request.customer.clone(),
            price: request.price.clone(),
            payment_method: request.payment_method.clone(),
            trial_ref: request.trial_ref.clone(),
            status: SubscriptionStatus::Trialing,
            trial_end: now.saturating_add(i64::from(request.trial_days).saturating_mul(DAY)),
        };
        let info = record.info();
        self.subscriptions.insert(
            record.id.clone(),
            Subscription {
                record,
                charges_fail: card.behaviour == Behaviour::ChargesFail,
            },
        );
        Ok(info)
    }

    fn customer(&self, id: &str) -> Result<(), Failure> {
        if self.customers.contains(id) {
            Ok(())
        } else {
            Err(missing("customer", id))
        }
    }

    /// The test card behind `payment_method` when it is attached to `customer`.
    fn attached(&self, customer: &str, payment_method: &str) -> Result<&'static TestCard, Failure> {
        self.cards
            .get(payment_method)
            .filter(|attached| attached.customer == customer)
            .map(|attached| attached.card)
            .ok_or_else(|| missing("PaymentMethod", payment_method))
    }

    fn subscription_mut(&mut self, id: &str) -> Result<&mut Subscription, Failure> {
        self.subscriptions
            .get_mut(id)
            .ok_or_else(|| missing("subscription", id))
    }
}

/// The remembered answers, one table per operation.
#[derive(Default)]
struct Replies {
    create_customer: Memo<String>,
    attach_card: Memo<CardDetails>,
    authorize: Memo<String>,
    void: Memo<()>,
    start_trial: Memo<SubscriptionInfo>,
    cancel: Memo<SubscriptionInfo>,
}
