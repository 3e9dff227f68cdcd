//! Meta's Embedded Signup for a Solution Partner (MISSION.md D): the code is exchanged inside
//! the request that brings it (it lives about 30 s), then the webhook subscription, the credit
//! line and the number's registration run as outbox jobs, one step per job, each step's result
//! committed with the job's completion and the next step's job, so a crash resumes at the step
//! that had not finished and repeats none that had (P-WABA-1).
//!
//! This module holds the request, the sealing of secrets and the saga's job helpers; `exchange`
//! begins a signup and exchanges its code (now or from the outbox within the code's TTL), `steps`
//! runs the saga's later steps, an operator's retry and the token timer.

mod exchange;
mod steps;

use time::{Duration, OffsetDateTime};

use crate::ids::{JobId, SessionId, WabaAccountId};
use crate::ports::{ClearSecret, NewJob, ProviderError};
use crate::waba::SignupIds;

use crate::app::jobs::kinds::{Job, WabaAccount, WabaStep as StepJob};
use crate::app::{CoreError, WhatsAppService};

/// Input of [`WhatsAppService::begin_signup`]: Embedded Signup's FINISH data and the code.
#[derive(Debug, Clone)]
pub struct SignupRequest {
    /// `waba_id`, `phone_number_id`, `business_id` of the FINISH event.
    pub ids: SignupIds,
    /// The authorization code `FB.login` answered.
    pub code: ClearSecret,
    /// When the browser received the code, if it says; only ever makes the code older (a time
    /// in the future counts as now).
    pub code_issued_at: Option<OffsetDateTime>,
    /// The session whose `whatsapp_signup` step this account completes, if any.
    pub session_id: Option<SessionId>,
    /// That step's id, when the flow has several.
    pub step: Option<String>,
}

/// How long after the request the exchange's retry job waits: past the exchange call's own
/// timeout (10 s, the provider kit's default), within the code's 30 s.
const EXCHANGE_RETRY_AFTER: Duration = Duration::seconds(12);

/// The rejection code of an exchange whose code Meta calls used or expired
/// (`EmbeddedSignup`'s `code_expired`).
const DEAD_CODE: &str = "code_expired";

fn token_context(id: WabaAccountId) -> String {
    format!("waba-token:{id}")
}

fn pin_context(id: WabaAccountId) -> String {
    format!("waba-pin:{id}")
}

fn code_context(id: WabaAccountId) -> String {
    format!("waba-code:{id}")
}

fn token_timer_key(id: WabaAccountId) -> String {
    format!("waba:{id}:token")
}

fn exchange_timer_key(id: WabaAccountId) -> String {
    format!("waba:{id}:exchange")
}

impl WhatsAppService {
    pub(crate) fn seal(&self, secret: &ClearSecret, context: &str) -> String {
        hex::encode(self.secrets.encrypt(secret.expose().as_bytes(), context))
    }

    pub(crate) fn unseal(&self, sealed: &str, context: &str) -> Result<ClearSecret, CoreError> {
        let bytes = hex::decode(sealed).map_err(|e| CoreError::Corrupt(e.to_string()))?;
        let clear = self
            .secrets
            .decrypt(&bytes, context)
            .map_err(|e| CoreError::Corrupt(format!("sealed secret: {}", e.0)))?;
        String::from_utf8(clear)
            .map(ClearSecret::new)
            .map_err(|e| CoreError::Corrupt(e.to_string()))
    }

    /// The registration PIN of account `id`: 6 digits derived from a keyed hash of the id, so
    /// every retry of the registration uses the same PIN and the PIN is never stored in clear.
    fn registration_pin(&self, id: WabaAccountId) -> ClearSecret {
        let hash = self.secrets.keyed_hash("waba-pin", id.uuid().as_bytes());
        let n = u32::from_be_bytes([hash[0], hash[1], hash[2], hash[3]]) % 1_000_000;
        ClearSecret::new(format!("{n:06}"))
    }

    fn step_job(
        &self,
        id: WabaAccountId,
        sealed_code: Option<String>,
        run_at: OffsetDateTime,
    ) -> Result<NewJob, CoreError> {
        let timer_key = sealed_code.as_ref().map(|_| exchange_timer_key(id));
        Job::WabaStep(StepJob {
            account_id: id,
            sealed_code,
        })
        .schedule(JobId::new(self.core.ids.new_id()), run_at, timer_key)
    }

    fn token_job(&self, id: WabaAccountId, run_at: OffsetDateTime) -> Result<NewJob, CoreError> {
        Job::WabaToken(WabaAccount { account_id: id }).schedule(
            JobId::new(self.core.ids.new_id()),
            run_at,
            Some(token_timer_key(id)),
        )
    }
}

/// The reason recorded for a failed step: the rejection's stable code, or the failure's kind.
fn failure_reason(e: &ProviderError) -> String {
    e.reason()
}

/// True when retrying the same call cannot succeed.
fn permanent(e: &ProviderError) -> bool {
    matches!(
        e,
        ProviderError::Rejected { .. } | ProviderError::Unauthorized { .. }
    )
}
