//! [`SandboxCards`]: the [`CardOnFile`] port following Stripe's test payment methods
//! (PROVIDERS.md section 1; doc: <https://docs.stripe.com/testing>), its customers, cards,
//! authorizations and subscriptions kept in a [`SandboxObjects`] store so that they outlive the
//! process (issue 11, item 8).

use std::sync::Arc;

use async_trait::async_trait;
use onramp_domain::ids::TenantId;
use onramp_domain::ports::{
    AttachCard, CardAuthorization, CardDetails, CardOnFile, Clock, IdempotencyKey, NewCustomer,
    PaymentError, ProviderError, ProviderId, SandboxObjects, SubscriptionInfo, SubscriptionStatus,
    TrialSubscription,
};

use crate::cards_objects::{
    Attached, CUSTOMER, Customer, DAY, HeldAuthorization, PAYMENT_INTENT, PAYMENT_METHOD,
    SUBSCRIPTION, SandboxSubscription, Subscription,
};
use crate::objects::{Objects, SandboxStoreError, UNSCOPED};
use crate::replay::{Failure, RunError, derived_id, missing, once};
use crate::test_cards::{self, Behaviour, TestCard};

/// The most authorizations [`SandboxCards::held_authorizations`] lists.
pub const LISTED_AT_MOST: u32 = 1_000;

/// Stripe's test cards, simulated: customers, attached cards, card-check authorizations and
/// trial subscriptions (see the crate documentation for the token table).
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
///   "idempotency_error" }` (Stripe's error type for it, which has no code of its own). The ids a
///   keyed call creates are derived from its key, so calls racing with one key, in this process
///   or another, create one object and answer alike.
///
/// The objects live in the [`SandboxObjects`] store it was built on ([`SandboxCards::stored_in`];
/// [`SandboxCards::new`] keeps them in memory), under the tenant of
/// [`SandboxCards::for_tenant`]. A store failure is `Provider(Unexpected)` with the
/// [`SandboxStoreError`], and is not remembered under the key. Cheap to clone: clones share the
/// same objects.
#[derive(Clone)]
pub struct SandboxCards {
    clock: Arc<dyn Clock>,
    objects: Objects,
}

impl SandboxCards {
    /// An empty simulator kept in memory; `clock` dates trial ends.
    pub fn new(clock: Arc<dyn Clock>) -> Self {
        Self {
            clock,
            objects: Objects::in_memory(),
        }
    }

    /// As [`SandboxCards::new`], the objects kept in `store` (the server's database), where
    /// another process on the same store finds them.
    pub fn stored_in(clock: Arc<dyn Clock>, store: Arc<dyn SandboxObjects>) -> Self {
        Self {
            clock,
            objects: Objects::new(store, UNSCOPED),
        }
    }

    /// The same simulator, on `tenant`'s objects: another tenant's customers, cards and
    /// subscriptions are unknown to it, as they would be to another Stripe account.
    pub fn for_tenant(&self, tenant: TenantId) -> Self {
        Self {
            clock: self.clock.clone(),
            objects: self.objects.scoped(tenant),
        }
    }

    /// Every authorization made, oldest first, voided ones included (at most
    /// [`LISTED_AT_MOST`]).
    ///
    /// # Errors
    /// The store failed.
    pub async fn held_authorizations(&self) -> Result<Vec<HeldAuthorization>, SandboxStoreError> {
        self.objects.list(PAYMENT_INTENT, LISTED_AT_MOST).await
    }

    /// The subscription `id` (`sub_sbx_…`), if it exists.
    ///
    /// # Errors
    /// The store failed.
    pub async fn subscription(
        &self,
        id: &str,
    ) -> Result<Option<SandboxSubscription>, SandboxStoreError> {
        let stored: Option<Subscription> = self.objects.get(SUBSCRIPTION, id).await?;
        Ok(stored.map(|s| s.record))
    }

    /// `Ok` when the customer `id` exists.
    async fn customer(&self, id: &str) -> Result<(), RunError> {
        match self.objects.get::<Customer>(CUSTOMER, id).await? {
            Some(_) => Ok(()),
            None => Err(missing("customer", id).into()),
        }
    }

    /// The test card behind `payment_method` when it is attached to `customer`.
    async fn attached(
        &self,
        customer: &str,
        payment_method: &str,
    ) -> Result<&'static TestCard, RunError> {
        let attached: Option<Attached> = self.objects.get(PAYMENT_METHOD, payment_method).await?;
        attached
            .filter(|attached| attached.customer == customer)
            .and_then(|attached| test_cards::find(&attached.token))
            .ok_or_else(|| missing("PaymentMethod", payment_method).into())
    }

    async fn attach(&self, request: &AttachCard) -> Result<CardDetails, RunError> {
        let card = test_cards::find(&request.payment_method)
            .ok_or_else(|| missing("PaymentMethod", &request.payment_method))?;
        self.customer(&request.customer).await?;
        if let Behaviour::Declined {
            code,
            decline_code,
            message,
        } = card.behaviour
        {
            return Err(Failure::Declined {
                code: code.to_owned(),
                decline_code: decline_code.to_owned(),
                message: message.to_owned(),
            }
            .into());
        }
        let id = derived_id("pm_sbx_", "attach_card", &request.key);
        let attached = Attached {
            customer: request.customer.clone(),
            token: card.token.to_owned(),
        };
        self.objects.insert(PAYMENT_METHOD, &id, &attached).await?;
        Ok(CardDetails {
            payment_method: id,
            fingerprint: card.fingerprint(),
            brand: card.brand.to_owned(),
            last4: card.last4().to_owned(),
        })
    }

    async fn authorize_once(&self, request: &CardAuthorization) -> Result<String, RunError> {
        self.customer(&request.customer).await?;
        self.attached(&request.customer, &request.payment_method)
            .await?;
        let id = derived_id("pi_sbx_", "authorize", &request.key);
        let held = HeldAuthorization {
            id: id.clone(),
            customer: request.customer.clone(),
            payment_method: request.payment_method.clone(),
            amount: request.amount.clone(),
            voided: false,
        };
        self.objects.insert(PAYMENT_INTENT, &id, &held).await?;
        Ok(id)
    }

    async fn start_trial_once(
        &self,
        request: &TrialSubscription,
        now: i64,
    ) -> Result<SubscriptionInfo, RunError> {
        self.customer(&request.customer).await?;
        let card = self
            .attached(&request.customer, &request.payment_method)
            .await?;
        let id = derived_id("sub_sbx_", "start_trial", &request.key);
        let record = SandboxSubscription {
            id: id.clone(),
            customer: request.customer.clone(),
            price: request.price.clone(),
            payment_method: request.payment_method.clone(),
            trial_ref: request.trial_ref.clone(),
            status: SubscriptionStatus::Trialing,
            trial_end: now.saturating_add(i64::from(request.trial_days).saturating_mul(DAY)),
        };
        let subscription = Subscription {
            record,
            charges_fail: card.behaviour == Behaviour::ChargesFail,
        };
        let (stored, _) = self
            .objects
            .insert(SUBSCRIPTION, &id, &subscription)
            .await?;
        Ok(stored.record.info())
    }
}

impl std::fmt::Debug for SandboxCards {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SandboxCards")
            .field("tenant", &self.objects.tenant())
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
        let id = derived_id("cus_sbx_", "create_customer", &customer.key);
        let request = format!("{customer:?}");
        once(
            &self.objects,
            "create_customer",
            &customer.key,
            request,
            || async {
                self.objects.insert(CUSTOMER, &id, &Customer {}).await?;
                Ok(id.clone())
            },
        )
        .await
    }

    /// # Errors
    /// `Refused { code: "resource_missing" }` for a token the sandbox does not know or an
    /// unknown customer; [`PaymentError::CardDeclined`] for the declined family.
    async fn attach_card(&self, card: &AttachCard) -> Result<CardDetails, PaymentError> {
        let request = format!("{card:?}");
        once(&self.objects, "attach_card", &card.key, request, || {
            self.attach(card)
        })
        .await
    }

    /// Answers `pi_sbx_<24 hex>` and holds the amount (see [`SandboxCards::held_authorizations`]).
    ///
    /// # Errors
    /// `Refused { code: "resource_missing" }` for an unknown customer, or a payment method not
    /// attached to that customer.
    async fn authorize(&self, auth: &CardAuthorization) -> Result<String, PaymentError> {
        let request = format!("{auth:?}");
        once(&self.objects, "authorize", &auth.key, request, || {
            self.authorize_once(auth)
        })
        .await
    }

    /// # Errors
    /// `Refused { code: "resource_missing" }` for an unknown authorization.
    async fn void_authorization(
        &self,
        authorization: &str,
        key: &IdempotencyKey,
    ) -> Result<(), PaymentError> {
        once(
            &self.objects,
            "void",
            key,
            authorization.to_owned(),
            || async {
                self.objects
                    .update(
                        PAYMENT_INTENT,
                        authorization,
                        |held: &mut HeldAuthorization| {
                            held.voided = true;
                            Ok::<_, RunError>(())
                        },
                    )
                    .await?
                    .ok_or_else(|| missing("payment_intent", authorization).into())
            },
        )
        .await
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
        let request = format!("{trial:?}");
        once(&self.objects, "start_trial", &trial.key, request, || {
            self.start_trial_once(trial, now)
        })
        .await
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
        once(
            &self.objects,
            "cancel",
            key,
            subscription.to_owned(),
            || async {
                self.objects
                    .update(SUBSCRIPTION, subscription, |sub: &mut Subscription| {
                        sub.record.status = SubscriptionStatus::Canceled;
                        Ok::<_, RunError>(sub.record.info())
                    })
                    .await?
                    .ok_or_else(|| missing("subscription", subscription).into())
            },
        )
        .await
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
        self.objects
            .update(SUBSCRIPTION, subscription, |sub: &mut Subscription| {
                let outcome = match (sub.record.status, sub.charges_fail) {
                    (SubscriptionStatus::Canceled, _) => SubscriptionStatus::Canceled,
                    (_, true) => SubscriptionStatus::PastDue,
                    (_, false) => SubscriptionStatus::Active,
                };
                sub.record.status = outcome;
                Ok::<_, PaymentError>(outcome)
            })
            .await?
            .map(Some)
            .ok_or_else(|| missing("subscription", subscription).into())
    }

    /// The sandbox is always healthy.
    async fn health_check(&self) -> Result<(), ProviderError> {
        Ok(())
    }
}
