//! [`StripeCards`]: the [`CardOnFile`] port over Stripe's v1 API.

use async_trait::async_trait;
use onramp_domain::ports::{
    AttachCard, CardAuthorization, CardDetails, CardOnFile, IdempotencyKey, NewCustomer,
    PaymentError, ProviderError, ProviderId, SubscriptionInfo, SubscriptionStatus,
    TrialSubscription,
};
use onramp_provider_kit::http::{self, CallSafety, Exchange, HttpSettings};
use secrecy::{ExposeSecret, SecretString};
use serde::de::DeserializeOwned;

use crate::classify::{
    UnexpectedAnswer, api_error, classify, is_already_canceled, is_resource_missing, unexpected,
};
use crate::credentials::{DEFAULT_BASE_URL, StripeCredentials, check_secret_key};
use crate::wire::{self, Form, Object, PaymentIntent, PaymentMethod, Subscription};

/// The header Stripe reads the idempotency key from (PROVIDERS.md section 1; stripe/stripe-python:
/// stripe/_api_requestor.py).
pub const IDEMPOTENCY_HEADER: &str = "Idempotency-Key";

/// The header Stripe sets on an answer replayed for a key it has seen (doc
/// <https://docs.stripe.com/api/idempotent_requests>).
pub const REPLAYED_HEADER: &str = "idempotent-replayed";

/// The customer id the health check reads: no customer has it, so Stripe answers 404
/// `resource_missing`, which it only does once the key is accepted.
pub const HEALTH_CHECK_CUSTOMER: &str = "cus_onramp_health_check";

/// The PaymentIntent status of a held authorization (stripe/stripe-go: paymentintent.go).
const REQUIRES_CAPTURE: &str = "requires_capture";

/// A card on file, a card check and a card-gated trial subscription at Stripe.
///
/// Requests (all `Authorization: Bearer <secret key>`, form bodies, every POST with
/// `Idempotency-Key: <IdempotencyKey::as_str()>` so that a retry after a timeout or a 5xx, which
/// reuses the key, is applied at most once: every call is [`CallSafety::Idempotent`]):
/// - `POST /v1/customers` (create_customer);
/// - `POST /v1/payment_methods/{pm}/attach` (attach_card);
/// - `POST /v1/payment_intents`, manual capture, confirmed off session (authorize);
/// - `POST /v1/payment_intents/{id}/cancel` (void_authorization);
/// - `POST /v1/subscriptions` with a trial (start_trial);
/// - `DELETE /v1/subscriptions/{id}` (cancel_subscription; DELETE is idempotent by definition
///   and Stripe ignores idempotency keys on it, so none is sent);
/// - `GET /v1/customers/cus_onramp_health_check` (health_check).
pub struct StripeCards {
    settings: HttpSettings,
    client: reqwest::Client,
    secret_key: SecretString,
}

impl std::fmt::Debug for StripeCards {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("StripeCards")
            .field("base_url", &self.settings.base_url.as_str())
            .finish_non_exhaustive()
    }
}

impl StripeCards {
    /// [`DEFAULT_BASE_URL`], also reachable from the type.
    pub const DEFAULT_BASE_URL: &'static str = DEFAULT_BASE_URL;

    /// An adapter using `secret_key` against `settings.base_url` (Stripe's host without `/v1`,
    /// or a wiremock server), with `settings`' timeouts and retries.
    ///
    /// # Errors
    /// [`ProviderError::Unauthorized`] when the key is not a secret or restricted key
    /// (`sk_test_`, `sk_live_`, `rk_test_`, `rk_live_`) or the base URL cannot take a path;
    /// [`ProviderError::Unexpected`] when the HTTP client cannot be built.
    pub fn new(settings: HttpSettings, secret_key: SecretString) -> Result<Self, ProviderError> {
        check_secret_key(secret_key.expose_secret()).map_err(|reason| {
            ProviderError::Unauthorized {
                reason: format!("invalid Stripe credentials: {reason}"),
            }
        })?;
        if settings.base_url.cannot_be_a_base() {
            return Err(ProviderError::Unauthorized {
                reason: format!(
                    "invalid Stripe credentials: base_url {:?} cannot take a path",
                    settings.base_url.as_str()
                ),
            });
        }
        Ok(Self {
            client: http::client(&settings)?,
            settings: settings.for_provider("stripe"),
            secret_key,
        })
    }

    /// An adapter with the default timeouts and retries, talking to
    /// [`StripeCredentials::base_url`].
    ///
    /// # Errors
    /// [`ProviderError::Unauthorized`] with [`StripeCredentials::validate`]'s message when the
    /// credentials are malformed; otherwise as [`Self::new`].
    pub fn from_credentials(credentials: &StripeCredentials) -> Result<Self, ProviderError> {
        credentials
            .validate()
            .map_err(|reason| ProviderError::Unauthorized {
                reason: format!("invalid Stripe credentials: {reason}"),
            })?;
        let settings = HttpSettings::parse(credentials.base_url()).map_err(|e| {
            ProviderError::Unauthorized {
                reason: format!("invalid Stripe credentials: base_url does not parse ({e})"),
            }
        })?;
        Self::new(settings, credentials.secret_key.clone())
    }

    /// The URL of `segments` below the base URL, each segment percent-encoded (ids come from
    /// callers and must not change the path).
    fn endpoint(&self, segments: &[&str]) -> Result<String, ProviderError> {
        let mut url = self.settings.base_url.clone();
        url.path_segments_mut()
            .map_err(|()| {
                ProviderError::Unexpected(Box::new(UnexpectedAnswer(
                    "the base URL cannot take a path".into(),
                )))
            })?
            .pop_if_empty()
            .extend(segments);
        Ok(url.into())
    }

    /// Sends `form` to `url` with the idempotency key, retrying as [`CallSafety::Idempotent`]
    /// allows, and hands every answer the kit does not classify to `read`.
    async fn post<T>(
        &self,
        url: &str,
        form: &Form,
        key: &IdempotencyKey,
        read: impl Fn(&Exchange) -> Result<T, PaymentError>,
    ) -> Result<T, PaymentError> {
        http::execute(
            &self.settings,
            CallSafety::Idempotent,
            || {
                self.client
                    .post(url)
                    .bearer_auth(self.secret_key.expose_secret())
                    .header(IDEMPOTENCY_HEADER, key.as_str())
                    .form(form)
            },
            |answer: &Exchange| {
                note_replay(answer);
                read(answer)
            },
        )
        .await
    }
}

/// A 2xx answer as `T`, any other answer classified.
fn parse<T: DeserializeOwned>(answer: &Exchange) -> Result<T, PaymentError> {
    if answer.status.is_success() {
        Ok(answer.json::<T>()?)
    } else {
        Err(classify(answer))
    }
}

/// Logs Stripe's replay of an earlier answer for the same key (a retry, or a second delivery of
/// the same step): the result is the first call's.
fn note_replay(answer: &Exchange) {
    if answer
        .headers
        .get(REPLAYED_HEADER)
        .is_some_and(|v| v.as_bytes().eq_ignore_ascii_case(b"true"))
    {
        tracing::debug!(
            status = answer.status.as_u16(),
            "stripe replayed an idempotent answer"
        );
    }
}

fn unexpected_answer(what: impl Into<String>) -> PaymentError {
    ProviderError::Unexpected(Box::new(UnexpectedAnswer(what.into()))).into()
}

/// A subscription object as the domain's [`SubscriptionInfo`].
fn subscription_info(subscription: Subscription) -> Result<SubscriptionInfo, PaymentError> {
    let status = SubscriptionStatus::parse(&subscription.status).ok_or_else(|| {
        unexpected_answer(format!(
            "subscription {} has an unknown status {:?}",
            subscription.id, subscription.status
        ))
    })?;
    if subscription.id.trim().is_empty() {
        return Err(unexpected_answer("subscription without an id"));
    }
    Ok(SubscriptionInfo {
        id: subscription.id,
        status,
        trial_end: subscription.trial_end,
    })
}

#[async_trait]
impl CardOnFile for StripeCards {
    fn provider(&self) -> ProviderId {
        ProviderId::Stripe
    }

    /// # Errors
    /// As the trait; an answer without a customer id is [`ProviderError::Unexpected`].
    #[tracing::instrument(skip_all, fields(provider = "stripe", tenant = %customer.tenant))]
    async fn create_customer(&self, customer: &NewCustomer) -> Result<String, PaymentError> {
        let url = self.endpoint(&["v1", "customers"])?;
        let form = wire::customer_form(customer);
        let created: Object = self.post(&url, &form, &customer.key, parse).await?;
        if created.id.trim().is_empty() {
            return Err(unexpected_answer("customer without an id"));
        }
        Ok(created.id)
    }

    /// The card's `fingerprint`, `brand` and `last4` from the attached PaymentMethod's `card`.
    ///
    /// # Errors
    /// As the trait (a card that cannot be attached is [`PaymentError::CardDeclined`], e.g.
    /// `pm_card_visa_chargeDeclined`); a payment method that is not a card is
    /// `Refused { code: "not_a_card" }`; a card without a fingerprint is
    /// [`ProviderError::Unexpected`].
    #[tracing::instrument(skip_all, fields(provider = "stripe", customer = %card.customer))]
    async fn attach_card(&self, card: &AttachCard) -> Result<CardDetails, PaymentError> {
        let url = self.endpoint(&["v1", "payment_methods", &card.payment_method, "attach"])?;
        let form = wire::attach_form(card);
        let method: PaymentMethod = self.post(&url, &form, &card.key, parse).await?;
        let Some(details) = method.card else {
            return Err(PaymentError::Refused {
                code: "not_a_card".into(),
                message: format!(
                    "payment method {} is of type {}, not card",
                    method.id,
                    method.kind.as_deref().unwrap_or("unknown")
                ),
            });
        };
        let fingerprint = details
            .fingerprint
            .filter(|f| !f.trim().is_empty())
            .ok_or_else(|| unexpected_answer(format!("card {} has no fingerprint", method.id)))?;
        Ok(CardDetails {
            payment_method: method.id,
            fingerprint,
            brand: details.brand,
            last4: details.last4,
        })
    }

    /// Creates and confirms a manual-capture PaymentIntent off session; returns its id once it
    /// holds the amount (`requires_capture`).
    ///
    /// # Errors
    /// As the trait (a declined card is [`PaymentError::CardDeclined`]); a PaymentIntent in any
    /// other status (`requires_action` when the issuer asks for authentication, `processing`,
    /// ...) is `Refused { code: "authorization_not_held" }` naming the status.
    #[tracing::instrument(skip_all, fields(provider = "stripe", customer = %auth.customer))]
    async fn authorize(&self, auth: &CardAuthorization) -> Result<String, PaymentError> {
        let url = self.endpoint(&["v1", "payment_intents"])?;
        let form = wire::authorization_form(auth);
        let intent: PaymentIntent = self.post(&url, &form, &auth.key, parse).await?;
        if intent.id.trim().is_empty() {
            return Err(unexpected_answer("PaymentIntent without an id"));
        }
        if intent.status != REQUIRES_CAPTURE {
            return Err(PaymentError::Refused {
                code: "authorization_not_held".into(),
                message: format!(
                    "PaymentIntent {} is in status {}, not {REQUIRES_CAPTURE}",
                    intent.id, intent.status
                ),
            });
        }
        Ok(intent.id)
    }

    /// Cancels the PaymentIntent (`cancellation_reason=abandoned`). A PaymentIntent canceled
    /// already (400 `payment_intent_unexpected_state` with `error.payment_intent.status`
    /// `canceled`) is success.
    ///
    /// # Errors
    /// As the trait; a PaymentIntent in another state that cannot be canceled (`succeeded`) is
    /// `Refused { code: "payment_intent_unexpected_state" }`.
    #[tracing::instrument(skip_all, fields(provider = "stripe", authorization = %authorization))]
    async fn void_authorization(
        &self,
        authorization: &str,
        key: &IdempotencyKey,
    ) -> Result<(), PaymentError> {
        let url = self.endpoint(&["v1", "payment_intents", authorization, "cancel"])?;
        let form = wire::void_form();
        self.post(&url, &form, key, |answer: &Exchange| {
            if is_already_canceled(answer) {
                return Ok(());
            }
            parse::<PaymentIntent>(answer).map(|_| ())
        })
        .await
    }

    /// # Errors
    /// As the trait (an unknown price or customer is `Refused { code: "resource_missing" }`);
    /// an unknown subscription status is [`ProviderError::Unexpected`].
    #[tracing::instrument(skip_all, fields(provider = "stripe", customer = %trial.customer))]
    async fn start_trial(
        &self,
        trial: &TrialSubscription,
    ) -> Result<SubscriptionInfo, PaymentError> {
        let url = self.endpoint(&["v1", "subscriptions"])?;
        let form = wire::trial_form(trial);
        let subscription: Subscription = self.post(&url, &form, &trial.key, parse).await?;
        subscription_info(subscription)
    }

    /// `DELETE /v1/subscriptions/{id}`, without an idempotency key (Stripe ignores one on
    /// DELETE, which is idempotent by definition: doc
    /// <https://docs.stripe.com/api/idempotent_requests>).
    ///
    /// # Errors
    /// As [`Self::start_trial`].
    #[tracing::instrument(skip_all, fields(provider = "stripe", subscription = %subscription))]
    async fn cancel_subscription(
        &self,
        subscription: &str,
        _key: &IdempotencyKey,
    ) -> Result<SubscriptionInfo, PaymentError> {
        let url = self.endpoint(&["v1", "subscriptions", subscription])?;
        let canceled: Subscription = http::execute(
            &self.settings,
            CallSafety::Idempotent,
            || {
                self.client
                    .delete(&url)
                    .bearer_auth(self.secret_key.expose_secret())
            },
            parse,
        )
        .await?;
        subscription_info(canceled)
    }

    /// Always `Ok(None)`: Stripe reports what happened at the trial's end by webhook
    /// (`customer.subscription.updated` to `active`, or `deleted` when the trial ends without a
    /// payment method; `invoice.paid` / `invoice.payment_failed` for the first charge), so the
    /// outcome arrives through [`crate::webhook::parse`]. Polling the subscription here would
    /// answer before Stripe has tried the charge.
    ///
    /// # Errors
    /// None.
    async fn trial_end_outcome(
        &self,
        _subscription: &str,
    ) -> Result<Option<SubscriptionStatus>, PaymentError> {
        Ok(None)
    }

    /// Reads the customer [`HEALTH_CHECK_CUSTOMER`], which does not exist: 404
    /// `resource_missing` (or a 200, should it exist) proves Stripe accepted the key.
    ///
    /// # Errors
    /// [`ProviderError::Unauthorized`] for 401 and 403, [`ProviderError::Unavailable`] for
    /// timeouts, 429 and 5xx, [`ProviderError::Unexpected`] for other answers.
    #[tracing::instrument(skip_all, fields(provider = "stripe"))]
    async fn health_check(&self) -> Result<(), ProviderError> {
        let url = self.endpoint(&["v1", "customers", HEALTH_CHECK_CUSTOMER])?;
        http::execute(
            &self.settings,
            CallSafety::Idempotent,
            || {
                self.client
                    .get(&url)
                    .bearer_auth(self.secret_key.expose_secret())
            },
            |answer: &Exchange| {
                if answer.status.is_success() || is_resource_missing(answer) {
                    return Ok(());
                }
                Err(match classify(answer) {
                    PaymentError::Provider(provider) => provider,
                    _ => unexpected(answer, api_error(answer).as_ref()),
                })
            },
        )
        .await
    }
}

#[cfg(test)]
mod tests;
