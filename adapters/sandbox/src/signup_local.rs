//! What [`SandboxSignup`](crate::SandboxSignup) keeps in this process only: call counts and
//! failures on purpose (instrumentation for tests), and the messages sent as clients.

use std::collections::HashMap;

use onramp_domain::ports::ProviderError;

use crate::conversation::Log;
use crate::signup::{SIGNUP_OUTAGE_REASON, SignupOperation};

/// Calls of one operation for one WABA.
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct Calls {
    /// Every call that reached the sandbox.
    pub(crate) attempts: u32,
    /// The calls that succeeded.
    pub(crate) successes: u32,
}

/// This process's share of the sandbox's Meta.
#[derive(Default)]
pub(crate) struct Local {
    calls: HashMap<(SignupOperation, String), Calls>,
    /// Calls still to fail on purpose, per operation.
    failures: HashMap<SignupOperation, u32>,
    /// WABAs minted by this process.
    pub(crate) minted: usize,
    /// Messages sent as clients, per phone number id.
    pub(crate) log: Log<String>,
}

impl Local {
    /// Makes the next `times` calls of `operation` fail on purpose.
    pub(crate) fn fail_next(&mut self, operation: SignupOperation, times: u32) {
        self.failures.insert(operation, times);
    }

    /// The calls of `operation` counted for `waba_id`.
    pub(crate) fn calls(&self, operation: SignupOperation, waba_id: &str) -> Calls {
        self.calls
            .get(&(operation, waba_id.to_owned()))
            .copied()
            .unwrap_or_default()
    }

    /// Counts a call of `operation` (under `waba_id` when known), failing it on purpose while
    /// [`Local::fail_next`] says so.
    ///
    /// # Errors
    /// `Unavailable` ([`SIGNUP_OUTAGE_REASON`]) for a call failed on purpose.
    pub(crate) fn attempt(
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

    /// Counts a call of `operation` for `waba_id` that succeeded.
    pub(crate) fn succeeded(&mut self, operation: SignupOperation, waba_id: &str) {
        let calls = self
            .calls
            .entry((operation, waba_id.to_owned()))
            .or_default();
        calls.successes = calls.successes.saturating_add(1);
    }
}
