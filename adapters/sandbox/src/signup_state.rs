//! The rules behind [`SandboxSignup`](crate::SandboxSignup), Meta's for each operation, and
//! where its state lives. WABAs, their numbers, codes and tokens are objects of the sandbox's
//! store (issue 11, item 8), so that a business token still works after a restart or on
//! another replica; the secrets among them are kept only as digests (codes and tokens are found
//! by theirs, a PIN is compared by its). Call counts, failures on purpose and the messages sent
//! as clients are this process's.
//!
//! A code is used with a compare-and-set on its object, so two exchanges racing in any
//! processes cannot both succeed.

use std::sync::{Arc, Mutex};

use onramp_domain::ids::TenantId;
use onramp_domain::ports::{
    BusinessToken, ClearSecret, ClientChannel, OutboundMessage, ProviderError, SentMessage,
};
use onramp_domain::waba::DEFAULT_CODE_TTL;
use time::{Duration, OffsetDateTime};

use crate::ids::{lock, random_digits, random_hex};
use crate::objects::{Objects, SandboxStoreError};
use crate::signup::{
    SandboxFinish, SandboxWaba, SignupOperation, TOKEN_LIFETIME_SECS, TOKEN_PREFIX,
};
use crate::signup_local::Local;
use crate::signup_objects::{CODE, Code, Grant, NUMBER, TOKEN, WABA, Waba, digest};

/// [`TOKEN_LIFETIME_SECS`] as a duration.
const TOKEN_LIFETIME: Duration = Duration::days(60);

/// The sandbox's Meta: one tenant's objects in the store, and this process's [`Local`].
#[derive(Clone)]
pub(crate) struct State {
    objects: Objects,
    // A std `Mutex` (see `SandboxInbox`): never held across an `.await`.
    pub(crate) local: Arc<Mutex<Local>>,
}

impl State {
    pub(crate) fn new(objects: Objects) -> Self {
        Self {
            objects,
            local: Arc::default(),
        }
    }

    /// The same process state, on `tenant`'s objects.
    pub(crate) fn scoped(&self, tenant: TenantId) -> Self {
        Self {
            objects: self.objects.scoped(tenant),
            local: self.local.clone(),
        }
    }

    pub(crate) fn tenant(&self) -> TenantId {
        self.objects.tenant()
    }

    /// Stores the WABA, its number and its code (the code last: a code always names a WABA
    /// that exists).
    pub(crate) async fn add_waba(
        &self,
        finish: &SandboxFinish,
        now: OffsetDateTime,
    ) -> Result<(), SandboxStoreError> {
        let waba_id = finish.waba_id.as_str().to_owned();
        let waba = Waba {
            waba: SandboxWaba {
                waba_id: finish.waba_id.clone(),
                phone_number_id: finish.phone_number_id.clone(),
                business_id: finish.business_id.clone(),
                webhooks_subscribed: false,
                allocation_config_id: None,
                registered: false,
            },
            pin: None,
        };
        self.objects.insert(WABA, &waba_id, &waba).await?;
        let number = finish.phone_number_id.as_str();
        self.objects.insert(NUMBER, number, &waba_id).await?;
        let code = Code {
            waba_id,
            minted_at: now,
            used: false,
        };
        let id = digest("code", finish.code.expose());
        self.objects.insert(CODE, &id, &code).await?;
        lock(&self.local).minted += 1;
        Ok(())
    }

    pub(crate) async fn waba(
        &self,
        waba_id: &str,
    ) -> Result<Option<SandboxWaba>, SandboxStoreError> {
        let waba: Option<Waba> = self.objects.get(WABA, waba_id).await?;
        Ok(waba.map(|w| w.waba))
    }

    pub(crate) async fn exchange_code(
        &self,
        code: &str,
        now: OffsetDateTime,
    ) -> Result<BusinessToken, ProviderError> {
        let op = SignupOperation::ExchangeCode;
        let id = digest("code", code);
        let minted: Option<Code> = self.objects.get(CODE, &id).await?;
        let waba_id = minted.map(|c| c.waba_id);
        self.attempt(op, waba_id.as_deref())?;
        let Some(waba_id) = waba_id else {
            return Err(code_expired("Invalid verification code format."));
        };
        self.objects
            .update(CODE, &id, |minted: &mut Code| {
                if minted.used {
                    return Err(code_expired("This authorization code has been used."));
                }
                if now - minted.minted_at >= DEFAULT_CODE_TTL {
                    return Err(code_expired("This authorization code has expired."));
                }
                minted.used = true;
                Ok(())
            })
            .await?
            .ok_or_else(|| code_expired("Invalid verification code format."))?;
        self.succeeded(op, &waba_id);
        Ok(self.issue_token(waba_id, now).await?)
    }

    pub(crate) async fn subscribe_webhooks(
        &self,
        waba_id: &str,
        token: &str,
        now: OffsetDateTime,
    ) -> Result<(), ProviderError> {
        let op = SignupOperation::SubscribeWebhooks;
        self.attempt(op, Some(waba_id))?;
        self.authorize(token, waba_id, now).await?;
        self.objects
            .update(WABA, waba_id, |waba: &mut Waba| {
                waba.waba.webhooks_subscribed = true;
                Ok::<_, ProviderError>(())
            })
            .await?;
        self.succeeded(op, waba_id);
        Ok(())
    }

    pub(crate) async fn share_credit_line(
        &self,
        waba_id: &str,
        currency: &str,
    ) -> Result<String, ProviderError> {
        let op = SignupOperation::ShareCreditLine;
        self.attempt(op, Some(waba_id))?;
        if currency.len() != 3 || !currency.bytes().all(|b| b.is_ascii_uppercase()) {
            return Err(invalid_parameter(format!(
                "(#100) Param waba_currency must be an ISO 4217 code, got {currency:?}"
            )));
        }
        let allocation = self
            .objects
            .update(WABA, waba_id, |waba: &mut Waba| {
                Ok::<_, ProviderError>(
                    waba.waba
                        .allocation_config_id
                        .get_or_insert_with(|| random_digits(14))
                        .clone(),
                )
            })
            .await?
            .ok_or_else(|| {
                invalid_parameter(format!("(#100) Object with ID '{waba_id}' does not exist"))
            })?;
        self.succeeded(op, waba_id);
        Ok(allocation)
    }

    pub(crate) async fn register_phone(
        &self,
        phone_number_id: &str,
        token: &str,
        pin: &ClearSecret,
        now: OffsetDateTime,
    ) -> Result<(), ProviderError> {
        let op = SignupOperation::RegisterPhone;
        let waba_id = self
            .authorize_number(op, phone_number_id, token, now)
            .await?;
        let digits = pin.expose();
        if digits.len() != 6 || !digits.bytes().all(|b| b.is_ascii_digit()) {
            return Err(ProviderError::rejected(
                "invalid_pin",
                "(#100) PIN must be exactly 6 digits",
            ));
        }
        let pin = digest(&format!("pin:{phone_number_id}"), digits);
        self.objects
            .update(WABA, &waba_id, |waba: &mut Waba| {
                match &waba.pin {
                    Some(first) if *first != pin => {
                        return Err(ProviderError::rejected(
                            "invalid_pin",
                            "(#133005) Two step verification PIN Mismatch",
                        ));
                    }
                    Some(_) => {}
                    None => waba.pin = Some(pin.clone()),
                }
                waba.waba.registered = true;
                Ok(())
            })
            .await?;
        self.succeeded(op, &waba_id);
        Ok(())
    }

    pub(crate) async fn refresh_token(
        &self,
        token: &str,
        now: OffsetDateTime,
    ) -> Result<BusinessToken, ProviderError> {
        let op = SignupOperation::RefreshToken;
        let grant: Option<Grant> = self.objects.get(TOKEN, &digest("token", token)).await?;
        let waba_id = grant.map(|g| g.waba_id);
        self.attempt(op, waba_id.as_deref())?;
        let Some(waba_id) = waba_id else {
            return Err(invalid_token());
        };
        self.authorize(token, &waba_id, now).await?;
        self.succeeded(op, &waba_id);
        Ok(self.issue_token(waba_id, now).await?)
    }

    pub(crate) async fn send_as_client(
        &self,
        channel: &ClientChannel,
        message: &OutboundMessage,
        now: OffsetDateTime,
    ) -> Result<SentMessage, ProviderError> {
        let op = SignupOperation::SendAsClient;
        let phone = channel.phone_number_id.as_str();
        let waba_id = self
            .authorize_number(op, phone, channel.token.expose(), now)
            .await?;
        let waba: Option<Waba> = self.objects.get(WABA, &waba_id).await?;
        if waba.and_then(|w| w.pin).is_none() {
            return Err(ProviderError::rejected(
                "graph_error",
                "(#133010) Account not registered",
            ));
        }
        let sent = lock(&self.local)
            .log
            .send(&phone.to_owned(), message, now)?;
        self.succeeded(op, &waba_id);
        Ok(sent)
    }

    /// Counts a call of `operation` for the WABA of `phone_number_id`, then checks `token`
    /// may act for it; answers the WABA.
    async fn authorize_number(
        &self,
        operation: SignupOperation,
        phone_number_id: &str,
        token: &str,
        now: OffsetDateTime,
    ) -> Result<String, ProviderError> {
        let waba_id: Option<String> = self.objects.get(NUMBER, phone_number_id).await?;
        self.attempt(operation, waba_id.as_deref())?;
        let Some(waba_id) = waba_id else {
            return Err(ProviderError::Unauthorized {
                reason: format!(
                    "(#200) the token cannot act for phone number {phone_number_id} (sandbox)"
                ),
            });
        };
        self.authorize(token, &waba_id, now).await?;
        Ok(waba_id)
    }

    /// Counts a call of `operation` (under `waba_id` when known), failing it on purpose while
    /// [`Local::fail_next`] says so.
    fn attempt(
        &self,
        operation: SignupOperation,
        waba_id: Option<&str>,
    ) -> Result<(), ProviderError> {
        lock(&self.local).attempt(operation, waba_id)
    }

    fn succeeded(&self, operation: SignupOperation, waba_id: &str) {
        lock(&self.local).succeeded(operation, waba_id);
    }

    /// `token` is live and was issued for `waba_id`.
    async fn authorize(
        &self,
        token: &str,
        waba_id: &str,
        now: OffsetDateTime,
    ) -> Result<(), ProviderError> {
        let grant: Option<Grant> = self.objects.get(TOKEN, &digest("token", token)).await?;
        let grant = grant
            .filter(|g| now - g.issued_at < TOKEN_LIFETIME)
            .ok_or_else(invalid_token)?;
        if grant.waba_id != waba_id {
            return Err(ProviderError::Unauthorized {
                reason: format!("(#200) the token cannot act for WABA {waba_id} (sandbox)"),
            });
        }
        Ok(())
    }

    async fn issue_token(
        &self,
        waba_id: String,
        now: OffsetDateTime,
    ) -> Result<BusinessToken, SandboxStoreError> {
        let token = format!("{TOKEN_PREFIX}{}", random_hex(32));
        let grant = Grant {
            waba_id,
            issued_at: now,
        };
        self.objects
            .insert(TOKEN, &digest("token", &token), &grant)
            .await?;
        Ok(BusinessToken {
            access_token: ClearSecret::new(token),
            expires_in: Some(TOKEN_LIFETIME_SECS),
        })
    }
}

/// Meta's answer to a used, expired or invalid code: OAuthException, code 100.
fn code_expired(message: &str) -> ProviderError {
    ProviderError::rejected("code_expired", format!("{message} (OAuthException 100)"))
}

fn invalid_parameter(message: String) -> ProviderError {
    ProviderError::rejected("invalid_parameter", message)
}

/// Meta's answer to a token it does not know or that expired: OAuthException, code 190.
fn invalid_token() -> ProviderError {
    ProviderError::Unauthorized {
        reason: "Error validating access token: the session is invalid or has expired \
                 (OAuthException 190)"
            .to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_token_lifetime_is_sixty_days_in_seconds() {
        assert_eq!(
            u64::try_from(TOKEN_LIFETIME.whole_seconds()).ok(),
            Some(TOKEN_LIFETIME_SECS)
        );
    }
}
