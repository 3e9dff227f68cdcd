//! The checks the `WabaOnboarding` decider's `decide` shares (which path, which step is due) and
//! the recording of a saga step's success.

use time::OffsetDateTime;

use crate::waba::events::{WabaError, WabaEvent};
use crate::waba::model::*;
use crate::waba::saga::{SignupStep, StepResult};

/// `NotFound` before any event, else `other`.
pub(super) fn not_found_or(s: &WabaState, other: WabaError) -> WabaError {
    if s.path.is_none() {
        WabaError::NotFound
    } else {
        other
    }
}

/// Meta's reports apply to an onboarding that exists, on either path.
pub(super) fn exists(s: &WabaState) -> Result<(), WabaError> {
    if s.path.is_none() {
        return Err(WabaError::NotFound);
    }
    Ok(())
}

/// A number command is allowed only on the BSP path, once the BSP created the sender.
pub(super) fn number_command(s: &WabaState) -> Result<(), WabaError> {
    if s.path != Some(WabaPath::Bsp) {
        return Err(not_found_or(s, WabaError::WrongPath));
    }
    if s.sender_id.is_none() {
        return Err(WabaError::NoSender);
    }
    Ok(())
}

/// The code's reception time, when the onboarding is on the Embedded Signup path.
pub(super) fn signup(s: &WabaState) -> Result<OffsetDateTime, WabaError> {
    match (s.path, s.code_received_at) {
        (Some(WabaPath::EmbeddedSignup), Some(received)) => Ok(received),
        _ => Err(not_found_or(s, WabaError::WrongPath)),
    }
}

/// Refuses `step` unless it is the step due.
pub(super) fn due(s: &WabaState, step: SignupStep) -> Result<(), WabaError> {
    let due = s.next_step();
    if due == Some(step) {
        Ok(())
    } else if s.status == WabaStatus::SignupExpired {
        Err(WabaError::CodeExpired)
    } else {
        Err(WabaError::StepOutOfOrder { due, got: step })
    }
}

/// A step's success: recorded once, in order; the last one activates the account.
pub(super) fn record_step(
    s: &WabaState,
    result: &StepResult,
    at: OffsetDateTime,
) -> Result<Vec<WabaEvent>, WabaError> {
    signup(s)?;
    let step = result.step();
    if s.is_done(step) {
        return Ok(vec![]);
    }
    due(s, step)?;
    let event = match result {
        StepResult::CodeExchanged {
            sealed_token,
            expires_at,
        } => {
            if s.exchange_requests == 0 {
                return Err(WabaError::ExchangeNotRequested);
            }
            WabaEvent::CodeExchanged {
                sealed_token: sealed_token.clone(),
                expires_at: *expires_at,
                at,
            }
        }
        StepResult::WebhooksSubscribed => WabaEvent::WebhooksSubscribed { at },
        StepResult::CreditLineShared {
            allocation_config_id,
        } => WabaEvent::CreditLineShared {
            allocation_config_id: allocation_config_id.clone(),
            at,
        },
        StepResult::PhoneRegistered { sealed_pin } => {
            return Ok(vec![
                WabaEvent::PhoneRegistered {
                    sealed_pin: sealed_pin.clone(),
                    at,
                },
                WabaEvent::Activated { at },
            ]);
        }
    };
    Ok(vec![event])
}

/// A BSP status change to `to`, allowed only from `from`; already there is accepted with no
/// event (a duplicate report).
pub(super) fn bsp(
    s: &WabaState,
    to: WabaStatus,
    from: &[WabaStatus],
    event: WabaEvent,
) -> Result<Vec<WabaEvent>, WabaError> {
    if s.path != Some(WabaPath::Bsp) {
        return Err(not_found_or(s, WabaError::WrongPath));
    }
    if s.status == to {
        return Ok(vec![]);
    }
    if !from.contains(&s.status) {
        return Err(WabaError::InvalidTransition { from: s.status, to });
    }
    Ok(vec![event])
}
