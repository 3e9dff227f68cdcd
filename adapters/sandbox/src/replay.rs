//! Stripe-style idempotent replay for [`SandboxCards`](crate::SandboxCards): the first answer
//! given under an idempotency key, declines and refusals included, is the answer to every later
//! call with that key (doc: <https://docs.stripe.com/api/idempotent_requests>).

use std::collections::HashMap;

use onramp_domain::ports::{IdempotencyKey, PaymentError};

/// A failure as remembered for idempotent replay ([`PaymentError`] is not `Clone`).
#[derive(Debug, Clone)]
pub(crate) enum Failure {
    Declined {
        code: &'static str,
        decline_code: &'static str,
        message: &'static str,
    },
    Refused {
        code: &'static str,
        message: String,
    },
}

impl From<Failure> for PaymentError {
    fn from(failure: Failure) -> Self {
        match failure {
            Failure::Declined {
                code,
                decline_code,
                message,
            } => PaymentError::CardDeclined {
                code: code.to_owned(),
                decline_code: Some(decline_code.to_owned()),
                message: message.to_owned(),
            },
            Failure::Refused { code, message } => PaymentError::Refused {
                code: code.to_owned(),
                message,
            },
        }
    }
}

/// Stripe's answer for an id that does not exist (`invalid_request_error`, code
/// `resource_missing`, message `No such customer: 'cus_…'`).
pub(crate) fn missing(kind: &str, id: &str) -> Failure {
    Failure::Refused {
        code: "resource_missing",
        message: format!("No such {kind}: '{id}'"),
    }
}

/// The first answer given under each idempotency key, with the request it answered.
pub(crate) struct Memo<T> {
    by_key: HashMap<String, (String, Result<T, Failure>)>,
}

impl<T> Default for Memo<T> {
    fn default() -> Self {
        Self {
            by_key: HashMap::new(),
        }
    }
}

impl<T: Clone> Memo<T> {
    /// Runs `run` the first time `key` is seen and remembers its answer; later calls with the
    /// same key and `request` replay it, and with another `request` are an idempotency error.
    pub(crate) fn once(
        &mut self,
        key: &IdempotencyKey,
        request: String,
        run: impl FnOnce() -> Result<T, Failure>,
    ) -> Result<T, PaymentError> {
        if let Some((first, answer)) = self.by_key.get(key.as_str()) {
            if *first != request {
                return Err(PaymentError::Refused {
                    code: "idempotency_error".to_owned(),
                    message: format!(
                        "Keys for idempotent requests can only be used with the same parameters \
                         they were first used with. Try using a key other than '{}' if you meant \
                         to execute a different request.",
                        key.as_str()
                    ),
                });
            }
            return answer.clone().map_err(PaymentError::from);
        }
        let answer = run();
        self.by_key
            .insert(key.as_str().to_owned(), (request, answer.clone()));
        answer.map_err(PaymentError::from)
    }
}
