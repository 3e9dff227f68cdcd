//! The state behind [`SandboxSignup`](crate::SandboxSignup): WABAs, codes, tokens, call counts,
//! and Meta's rules for each operation. Every operation runs under one lock, so two racing
//! exchanges of one code cannot both succeed.

use std::collections::HashMap;

use onramp_domain::ports::{
    BusinessToken, ClearSecret, ClientChannel, OutboundMessage, ProviderError, SentMessage,
};
use onramp_domain::waba::DEFAULT_CODE_TTL;
use time::{Duration, OffsetDateTime};

use crate::conversation::Log;
use crate::ids::{random_digits, random_hex};
use crate::signup::{
    SIGNUP_OUTAGE_REASON, SandboxFinish, SandboxWaba, SignupOperation, TOKEN_LIFETIME_SECS,
    TOKEN_PREFIX,
};

/// [`TOKEN_LIFETIME_SECS`] as a duration.
const TOKEN_LIFETIME: Duration = Duration::days(60);

/// Calls of one operation for one WABA.
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct Calls {
    /// Every call that reached the sandbox.
    pub(crate) attempts: u32,
    /// The calls that succeeded.
    pub(crate) successes: u32,
}

struct Code {
    waba_id: String,
    minted_at: OffsetDateTime,
    used: bool,
}

struct Grant {
    waba_id: String,
    issued_at: OffsetDateTime,
}

#[derive(Default)]
pub(crate) struct State {
    /// By WABA id.
    wabas: HashMap<String, SandboxWaba>,
    /// Phone number id -> WABA id.
    numbers: HashMap<String, String>,
    /// By code.
    codes: HashMap<String, Code>,
    /// By token.
    tokens: HashMap<String, Grant>,
    /// Phone number id -> the two-step verification PIN set by its first registration.
    pins: HashMap<String, ClearSecret>,
    calls: HashMap<(SignupOperation, String), Calls>,
    /// Calls still to fail on purpose, per operation.
    failures: HashMap<SignupOperation, u32>,
    /// Messages sent as clients, per phone number id.
    pub(crate) log: Log<String>,
}

impl State {
    pub(crate) fn add_waba(&mut self, finish: &SandboxFinish, now: OffsetDateTime) {
        let waba_id = finish.waba_id.as_str().to_owned();
        self.codes.insert(
            finish.code.expose().to_owned(),
            Code {
                waba_id: waba_id.clone(),
                minted_at: now,
                used: false,
            },
        );
        self.numbers
            .insert(finish.phone_number_id.as_str().to_owned(), waba_id.clone());
        self.wabas.insert(
            waba_id,
            SandboxWaba {
                waba_id: finish.waba_id.clone(),
                phone_number_id: finish.phone_number_id.clone(),
                business_id: finish.business_id.clone(),
                webhooks_subscribed: false,
                allocation_config_id: None,
                registered: false,
            },
        );
    }

    pub(crate) fn fail_next(&mut self, operation: SignupOperation, times: u32) {
        self.failures.insert(operation, times);
    }

    pub(crate) fn calls(&self, operation: SignupOperation, waba_id: &str) -> Calls {
        self.calls
            .get(&(operation, waba_id.to_owned()))
            .copied()
            .unwrap_or_default()
    }

    pub(crate) fn waba(&self, waba_id: &str) -> Option<SandboxWaba> {
        self.wabas.get(waba_id).cloned()
    }

    pub(crate) fn waba_count(&self) -> usize {
        self.wabas.len()
    }

    pub(crate) fn exchange_code(
        &mut self,
        code: &str,
        now: OffsetDateTime,
    ) -> Result<BusinessToken, ProviderError> {
        let op = SignupOperation::ExchangeCode;
        let waba_id = self.codes.get(code).map(|c| c.waba_id.clone());
        self.attempt(op, waba_id.as_deref())?;
        let (Some(waba_id), Some(minted)) = (waba_id, self.codes.get_mut(code)) else {
            return Err(code_expired("Invalid verification code format."));
        };
        if minted.used {
            return Err(code_expired("This authorization code has been used."));
        }
        if now - minted.minted_at >= DEFAULT_CODE_TTL {
            return Err(code_expired("This authorization code has expired."));
        }
        minted.used = true;
        self.succeeded(op, &waba_id);
        Ok(self.issue_token(waba_id, now))
    }

    pub(crate) fn subscribe_webhooks(
        &mut self,
        waba_id: &str,
        token: &str,
        now: OffsetDateTime,
    ) -> Result<(), ProviderError> {
        let op = SignupOperation::SubscribeWebhooks;
        self.attempt(op, Some(waba_id))?;
        self.authorize(token, waba_id, now)?;
        if let Some(waba) = self.wabas.get_mut(waba_id) {
            waba.webhooks_subscribed = true;
        }
        self.succeeded(op, waba_id);
        Ok(())
    }

    pub(crate) fn share_credit_line(
        &mut self,
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
        let Some(waba) = self.wabas.get_mut(waba_id) else {
            return Err(invalid_parameter(format!(
                "(#100) Object with ID '{waba_id}' does not exist"
            )));
        };
        let allocation = waba
            .allocation_config_id
            .get_or_insert_with(|| random_digits(14))
            .clone();
        self.succeeded(op, waba_id);
        Ok(allocation)
    }

    pub(crate) fn register_phone(
        &mut self,
        phone_number_id: &str,
        token: &str,
        pin: &ClearSecret,
        now: OffsetDateTime,
    ) -> Result<(), ProviderError> {
        let op = SignupOperation::RegisterPhone;
        let waba_id = self.authorize_number(op, phone_number_id, token, now)?;
        let digits = pin.expose();
        if digits.len() != 6 || !digits.bytes().all(|b| b.is_ascii_digit()) {
            return Err(ProviderError::rejected(
                "invalid_pin",
                "(#100) PIN must be exactly 6 digits",
            ));
        }
        match self.pins.get(phone_number_id) {
            Some(first) if first != pin => {
                return Err(ProviderError::rejected(
                    "invalid_pin",
                    "(#133005) Two step verification PIN Mismatch",
                ));
            }
            Some(_) => {}
            None => {
                self.pins.insert(phone_number_id.to_owned(), pin.clone());
            }
        }
        if let Some(waba) = self.wabas.get_mut(&waba_id) {
            waba.registered = true;
        }
        self.succeeded(op, &waba_id);
        Ok(())
    }

    pub(crate) fn refresh_token(
        &mut self,
        token: &str,
        now: OffsetDateTime,
    ) -> Result<BusinessToken, ProviderError> {
        let op = SignupOperation::RefreshToken;
        let waba_id = self.tokens.get(token).map(|g| g.waba_id.clone());
        self.attempt(op, waba_id.as_deref())?;
        let Some(waba_id) = waba_id else {
            return Err(invalid_token());
        };
        self.authorize(token, &waba_id, now)?;
        self.succeeded(op, &waba_id);
        Ok(self.issue_token(waba_id, now))
    }

    pub(crate) fn send_as_client(
        &mut self,
        channel: &ClientChannel,
        message: &OutboundMessage,
        now: OffsetDateTime,
    ) -> Result<SentMessage, ProviderError> {
        let op = SignupOperation::SendAsClient;
        let phone = channel.phone_number_id.as_str();
        let waba_id = self.authorize_number(op, phone, channel.token.expose(), now)?;
        if !self.pins.contains_key(phone) {
            return Err(ProviderError::rejected(
                "graph_error",
                "(#133010) Account not registered",
            ));
        }
        let sent = self.log.send(&phone.to_owned(), message, now)?;
        self.succeeded(op, &waba_id);
        Ok(sent)
    }

    /// Counts a call of `operation` for the WABA of `phone_number_id`, then checks `token`
    /// may act for it; answers the WABA.
    fn authorize_number(
        &mut self,
        operation: SignupOperation,
        phone_number_id: &str,
        token: &str,
        now: OffsetDateTime,
    ) -> Result<String, ProviderError> {
        let waba_id = self.numbers.get(phone_number_id).cloned();
        self.attempt(operation, waba_id.as_deref())?;
        let Some(waba_id) = waba_id else {
            return Err(ProviderError::Unauthorized {
                reason: format!(
                    "(#200) the token cannot act for phone number {phone_number_id} (sandbox)"
                ),
            });
        };
        self.authorize(token, &waba_id, now)?;
        Ok(waba_id)
    }

    /// Counts a call of `operation` (under `waba_id` when known), failing it on purpose while
    /// [`State::fail_next`] says so.
    fn attempt(
        &mut self,
        operation: SignupOperation,
        waba_id: Option<&str>,
    ) -> Result<(), ProviderError> {
        if let Some(waba_id) = waba_id {
            let calls = self
                .calls
                .entry((operation, waba_id.to_owned()))
                .or_default();
            calls.attempts = calls.attempts.saturating_add(1);
        }
        match self.failures.get_mut(&operation) {
            Some(left) if *left > 0 => {
                *left -= 1;
                Err(ProviderError::Unavailable {
                    retry_after: None,
                    reason: SIGNUP_OUTAGE_REASON.to_owned(),
                })
            }
            _ => Ok(()),
        }
    }

    fn succeeded(&mut self, operation: SignupOperation, waba_id: &str) {
        let calls = self
            .calls
            .entry((operation, waba_id.to_owned()))
            .or_default();
        calls.successes = calls.successes.saturating_add(1);
    }

    /// `token` is live and was issued for `waba_id`.
    fn authorize(
        &self,
        token: &str,
        waba_id: &str,
        now: OffsetDateTime,
    ) -> Result<(), ProviderError> {
        let grant = self
            .tokens
            .get(token)
            .filter(|g| now - g.issued_at < TOKEN_LIFETIME)
            .ok_or_else(invalid_token)?;
        if grant.waba_id != waba_id {
            return Err(ProviderError::Unauthorized {
                reason: format!("(#200) the token cannot act for WABA {waba_id} (sandbox)"),
            });
        }
        Ok(())
    }

    fn issue_token(&mut self, waba_id: String, now: OffsetDateTime) -> BusinessToken {
        let token = format!("{TOKEN_PREFIX}{}", random_hex(32));
        self.tokens.insert(
            token.clone(),
            Grant {
                waba_id,
                issued_at: now,
            },
        );
        BusinessToken {
            access_token: ClearSecret::new(token),
            expires_in: Some(TOKEN_LIFETIME_SECS),
        }
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
