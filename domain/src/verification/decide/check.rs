//! The code checks of the verification's `decide`: Onramp's own check of a code hash and the
//! provider's verdict on a provider-owned code, with the same expiry and lock limits.

use time::OffsetDateTime;

use crate::verification::model::*;

use super::VerificationDecider;

impl VerificationDecider {
    pub(super) fn check(
        &self,
        state: &VerificationState,
        code_hash: &crate::verification::CodeHash,
        at: OffsetDateTime,
    ) -> Result<Vec<VerificationEvent>, VerificationError> {
        self.check_live(state, at)?;
        if state.failed_checks >= self.policy.max_failed_checks {
            return Err(VerificationError::Locked);
        }
        if state.code_hash.is_some_and(|h| h.matches(code_hash)) {
            return Ok(vec![VerificationEvent::Approved { at }]);
        }
        Ok(self.failed_check(state, at))
    }

    /// The verdict of the provider on a provider-owned code: the same limits as Onramp's own
    /// checks (expiry, lock after `max_failed_checks`).
    pub(super) fn provider_check(
        &self,
        state: &VerificationState,
        approved: bool,
        at: OffsetDateTime,
    ) -> Result<Vec<VerificationEvent>, VerificationError> {
        self.check_live(state, at)?;
        if state.failed_checks >= self.policy.max_failed_checks {
            return Err(VerificationError::Locked);
        }
        if approved {
            return Ok(vec![VerificationEvent::Approved { at }]);
        }
        Ok(self.failed_check(state, at))
    }

    fn failed_check(
        &self,
        state: &VerificationState,
        at: OffsetDateTime,
    ) -> Vec<VerificationEvent> {
        let failed_checks = state.failed_checks.saturating_add(1);
        let mut events = vec![VerificationEvent::CheckFailed { failed_checks, at }];
        if failed_checks >= self.policy.max_failed_checks {
            events.push(VerificationEvent::Locked { at });
        }
        events
    }
}
