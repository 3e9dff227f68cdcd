//! [`PaypalOrders`]: the [`OrderPayments`] port over PayPal Orders v2.

use async_trait::async_trait;
use onramp_domain::ports::{
    CaptureInfo, CreatedOrder, IdempotencyKey, NewOrder, OrderPayments, PaymentError,
    ProviderError, ProviderId,
};
use onramp_provider_kit::http::{CallSafety, Exchange, HttpSettings};
use sha2::{Digest, Sha256};

use crate::auth::Api;
use crate::classify::{classify, is_already_captured, unexpected};
use crate::credentials::PaypalCredentials;
use crate::wire::{
    CaptureRequest, ExperienceContext, MoneyWire, Order, OrderRequest, PaymentSource, PaypalWallet,
    PurchaseUnitRequest,
};

/// The idempotency header of create and capture (PROVIDERS.md section 2, "Orders v2").
pub const REQUEST_ID_HEADER: &str = "PayPal-Request-Id";
/// The longest `PayPal-Request-Id` PayPal takes (the OpenAPI description's
/// `paypal_request_id` parameter: `maxLength 108`).
pub const MAX_REQUEST_ID_LEN: usize = 108;

/// Takes one-off payments through PayPal Orders v2: the buyer approves at PayPal, Onramp
/// captures once.
///
/// Requests (all `Authorization: Bearer <token>`, see the crate docs for the token):
/// - create: `POST {base}/v2/checkout/orders` with `PayPal-Request-Id`,
///   `Prefer: return=representation` and `{intent: "CAPTURE", purchase_units: [{reference_id,
///   custom_id, description, amount}], payment_source?}`; retried after an unknown outcome
///   (the request id makes PayPal answer a repeat with the first order);
/// - capture: `POST {base}/v2/checkout/orders/{id}/capture` with `PayPal-Request-Id`,
///   `Prefer: return=representation` and `{}`; retried likewise;
/// - read (after `ORDER_ALREADY_CAPTURED`): `GET {base}/v2/checkout/orders/{id}`;
/// - health: a fresh token.
pub struct PaypalOrders {
    api: Api,
}

impl std::fmt::Debug for PaypalOrders {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PaypalOrders")
            .field("base_url", &self.api.settings.base_url.as_str())
            .finish_non_exhaustive()
    }
}

/// Wraps a malformed-credentials message as the port's error.
pub(crate) fn invalid_credentials(reason: impl std::fmt::Display) -> ProviderError {
    ProviderError::Unauthorized {
        reason: format!("invalid PayPal credentials: {reason}"),
    }
}

/// The [`HttpSettings`] of `credentials.base_url()` with the default timeouts and retries.
///
/// # Errors
/// [`ProviderError::Unauthorized`] when the base URL does not parse.
pub(crate) fn default_settings(
    credentials: &PaypalCredentials,
) -> Result<HttpSettings, ProviderError> {
    HttpSettings::parse(credentials.base_url())
        .map_err(|e| invalid_credentials(format!("base_url does not parse ({e})")))
}

impl PaypalOrders {
    /// Orders with `credentials` talking to `settings.base_url` (the credentials' own
    /// `base_url` is not consulted: `settings` decides; tests point it at a mock).
    ///
    /// # Errors
    /// [`ProviderError::Unauthorized`] with [`PaypalCredentials::validate`]'s message when the
    /// credentials are malformed; [`ProviderError::Unexpected`] when the HTTP client cannot be
    /// built.
    pub fn new(
        credentials: &PaypalCredentials,
        settings: HttpSettings,
    ) -> Result<Self, ProviderError> {
        credentials.validate().map_err(invalid_credentials)?;
        Ok(Self {
            api: Api::new(credentials, settings)?,
        })
    }

    /// Orders with the default timeouts and retries, talking to
    /// [`PaypalCredentials::base_url`] (live unless the credentials name the sandbox).
    ///
    /// # Errors
    /// As [`Self::new`].
    pub fn from_credentials(credentials: &PaypalCredentials) -> Result<Self, ProviderError> {
        credentials.validate().map_err(invalid_credentials)?;
        Self::new(credentials, default_settings(credentials)?)
    }

    /// `GET /v2/checkout/orders/{id}`.
    async fn get_order(&self, id: &str) -> Result<Order, PaymentError> {
        let url = self.api.settings.url(&format!("/v2/checkout/orders/{id}"));
        self.api
            .call(
                CallSafety::Idempotent,
                |token| self.api.client.get(&url).bearer_auth(token),
                read_order,
            )
            .await
    }
}

/// The `PayPal-Request-Id` of `key`: the key itself when PayPal takes its length, else
/// `onramp-` and the hex SHA-256 of the key (71 characters). Both are a pure function of the
/// key, so a retry sends the same id.
pub fn request_id(key: &IdempotencyKey) -> String {
    let key = key.as_str();
    if key.len() <= MAX_REQUEST_ID_LEN {
        key.to_string()
    } else {
        format!("onramp-{}", hex::encode(Sha256::digest(key.as_bytes())))
    }
}

/// An order id PayPal could have issued: 1 to 36 ASCII letters and digits (the OpenAPI
/// description's `id` path parameter: `maxLength 36`, `^[A-Z0-9]+$`, read case-insensitively).
/// Checked before the id goes into a URL path.
fn is_order_id(id: &str) -> bool {
    !id.is_empty() && id.len() <= 36 && id.bytes().all(|b| b.is_ascii_alphanumeric())
}

/// A 2xx answer as an [`Order`], other answers as `classify.rs` says.
fn read_order(answer: &Exchange) -> Result<Order, PaymentError> {
    if answer.status.is_success() {
        Ok(answer.json::<Order>()?)
    } else {
        Err(classify(answer))
    }
}

/// What a capture request ended with.
enum Captured {
    /// PayPal captured now (or replayed the first capture for the same request id).
    Now(Order),
    /// PayPal answered `ORDER_ALREADY_CAPTURED`: an earlier request captured it.
    Already,
}

/// The order's first capture, with the payer's e-mail.
fn capture_of(order: &Order) -> Result<CaptureInfo, PaymentError> {
    order
        .first_capture()
        .ok_or_else(|| unexpected("an order without purchase_units[0].payments.captures[0]"))?
        .to_info(None, order.payer_email())
        .map_err(unexpected)
}

#[async_trait]
impl OrderPayments for PaypalOrders {
    fn provider(&self) -> ProviderId {
        ProviderId::Paypal
    }

    /// # Errors
    /// [`PaymentError::Refused`] with code `invalid_amount` for an amount in a currency without
    /// minor units; 4xx answers as `classify.rs` says; an accepted answer without an order id
    /// or an approval link is [`ProviderError::Unexpected`].
    #[tracing::instrument(skip_all, fields(provider = "paypal", order_ref = %order.order_ref))]
    async fn create_order(&self, order: &NewOrder) -> Result<CreatedOrder, PaymentError> {
        let value = order
            .amount
            .to_decimal()
            .map_err(|e| PaymentError::Refused {
                code: "invalid_amount".into(),
                message: e.to_string(),
            })?;
        let payment_source =
            (order.return_url.is_some() || order.cancel_url.is_some()).then_some(PaymentSource {
                paypal: PaypalWallet {
                    experience_context: ExperienceContext {
                        return_url: order.return_url.as_deref(),
                        cancel_url: order.cancel_url.as_deref(),
                    },
                },
            });
        let body = OrderRequest {
            intent: "CAPTURE",
            purchase_units: [PurchaseUnitRequest {
                reference_id: &order.order_ref,
                custom_id: &order.order_ref,
                description: &order.plan,
                amount: MoneyWire {
                    currency_code: order.amount.currency.clone(),
                    value,
                },
            }],
            payment_source,
        };
        let request_id = request_id(&order.key);
        let url = self.api.settings.url("/v2/checkout/orders");
        let created = self
            .api
            .call(
                CallSafety::Idempotent,
                |token| {
                    self.api
                        .client
                        .post(&url)
                        .bearer_auth(token)
                        .header(REQUEST_ID_HEADER, &request_id)
                        .header("Prefer", "return=representation")
                        .json(&body)
                },
                read_order,
            )
            .await?;
        if created.id.trim().is_empty() {
            return Err(unexpected("a created order without an id"));
        }
        let approve_url = created
            .approve_url()
            .ok_or_else(|| unexpected("a created order without an approve or payer-action link"))?
            .to_string();
        Ok(CreatedOrder {
            provider_order: created.id,
            approve_url,
        })
    }

    /// Captures, or reads back the capture of an order captured already (HTTP 422
    /// `ORDER_ALREADY_CAPTURED`): both succeed with the order's first capture, whose status
    /// may be `Pending` (held by PayPal; a webhook says how it ends) or `Declined` as PayPal
    /// answered it.
    ///
    /// # Errors
    /// [`PaymentError::Refused`] with code `INVALID_RESOURCE_ID` (no request made) for an id
    /// PayPal could not have issued; `Refused { code: "ORDER_NOT_APPROVED" }` before the buyer
    /// approved; [`PaymentError::CardDeclined`] for a declined funding source
    /// (`INSTRUMENT_DECLINED`, `PAYER_ACTION_REQUIRED`, ...); other 4xx as `classify.rs` says;
    /// an answer without a capture, or with one that does not parse, is
    /// [`ProviderError::Unexpected`].
    #[tracing::instrument(skip_all, fields(provider = "paypal", provider_order = %provider_order))]
    async fn capture_order(
        &self,
        provider_order: &str,
        key: &IdempotencyKey,
    ) -> Result<CaptureInfo, PaymentError> {
        if !is_order_id(provider_order) {
            return Err(PaymentError::Refused {
                code: "INVALID_RESOURCE_ID".into(),
                message: format!("{provider_order:?} is not a PayPal order id"),
            });
        }
        let request_id = request_id(key);
        let url = self
            .api
            .settings
            .url(&format!("/v2/checkout/orders/{provider_order}/capture"));
        let captured = self
            .api
            .call(
                CallSafety::Idempotent,
                |token| {
                    self.api
                        .client
                        .post(&url)
                        .bearer_auth(token)
                        .header(REQUEST_ID_HEADER, &request_id)
                        .header("Prefer", "return=representation")
                        .json(&CaptureRequest {})
                },
                |answer: &Exchange| {
                    if is_already_captured(answer) {
                        return Ok(Captured::Already);
                    }
                    read_order(answer).map(Captured::Now)
                },
            )
            .await?;
        let order = match captured {
            Captured::Now(order) => order,
            Captured::Already => {
                tracing::info!("order captured already: reading its capture back");
                self.get_order(provider_order).await?
            }
        };
        capture_of(&order)
    }

    /// Fetches a new OAuth2 token: proves the client id and secret work.
    ///
    /// # Errors
    /// [`ProviderError::Unauthorized`] for refused credentials, [`ProviderError::Unavailable`]
    /// for timeouts, 429 and 5xx, [`ProviderError::Unexpected`] for other answers.
    #[tracing::instrument(skip_all, fields(provider = "paypal"))]
    async fn health_check(&self) -> Result<(), ProviderError> {
        self.api.fresh_token().await.map(|_| ())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use onramp_domain::ids::TenantId;
    use secrecy::SecretString;

    fn key(scope: &str) -> IdempotencyKey {
        let tenant = TenantId::parse("01920000-0000-7000-8000-0000000000aa").unwrap();
        IdempotencyKey::derive(tenant, scope, 1, "capture")
    }

    #[test]
    fn a_short_key_is_sent_as_it_is() {
        let k = key("order-1");
        assert_eq!(request_id(&k), k.as_str());
    }

    #[test]
    fn a_long_key_is_hashed_to_a_stable_id_paypal_accepts() {
        let k = key(&"s".repeat(120));
        let id = request_id(&k);
        assert!(id.len() <= MAX_REQUEST_ID_LEN, "{id}");
        assert!(id.starts_with("onramp-"));
        assert_eq!(id, request_id(&k.clone()));
        assert_ne!(id, request_id(&key(&"t".repeat(120))));
    }

    #[test]
    fn order_ids_are_letters_and_digits_only() {
        assert!(is_order_id("5O190127TN364715T"));
        assert!(!is_order_id(""));
        assert!(!is_order_id("5O1/../capture"));
        assert!(!is_order_id(&"A".repeat(37)));
    }

    #[test]
    fn from_credentials_defaults_to_live_and_hides_the_secret() {
        let credentials = PaypalCredentials {
            client_id: "client".into(),
            client_secret: SecretString::from("s3cr3t-value"),
            webhook_id: None,
            webhook_verification: None,
            base_url: None,
        };
        let orders = PaypalOrders::from_credentials(&credentials).unwrap();
        assert_eq!(
            orders.api.settings.url("/v2/checkout/orders"),
            "https://api-m.paypal.com/v2/checkout/orders"
        );
        assert!(!format!("{orders:?}").contains("s3cr3t-value"));
    }

    #[test]
    fn malformed_credentials_are_refused_with_the_reason() {
        let credentials = PaypalCredentials {
            client_id: "two words".into(),
            client_secret: SecretString::from("s"),
            webhook_id: None,
            webhook_verification: None,
            base_url: None,
        };
        let e = PaypalOrders::from_credentials(&credentials).unwrap_err();
        assert!(
            matches!(&e, ProviderError::Unauthorized { reason } if reason.contains("client_id")),
            "{e:?}"
        );
    }
}
