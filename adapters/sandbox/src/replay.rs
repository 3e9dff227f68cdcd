//! Stripe-style idempotent replay for [`SandboxCards`](crate::SandboxCards): the first answer
//! given under an idempotency key, declines and refusals included, is the answer to every later
//! call with that key (doc: <https://docs.stripe.com/api/idempotent_requests>). The answers are
//! objects of the sandbox's store, so a restart or another replica replays them too.

use std::future::Future;

use onramp_domain::ports::{IdempotencyKey, PaymentError};
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use sha2::{Digest as _, Sha256};

use crate::objects::{Objects, SandboxStoreError};

/// A failure as remembered for idempotent replay ([`PaymentError`] is neither `Clone` nor
/// serializable).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) enum Failure {
    Declined {
        code: String,
        decline_code: String,
        message: String,
    },
    Refused {
        code: String,
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
                code,
                decline_code: Some(decline_code),
                message,
            },
            Failure::Refused { code, message } => PaymentError::Refused { code, message },
        }
    }
}

/// Stripe's answer for an id that does not exist (`invalid_request_error`, code
/// `resource_missing`, message `No such customer: 'cus_…'`).
pub(crate) fn missing(kind: &str, id: &str) -> Failure {
    Failure::Refused {
        code: "resource_missing".to_owned(),
        message: format!("No such {kind}: '{id}'"),
    }
}

/// Why a keyed call did not give its object: a provider answer, remembered and replayed like a
/// success, or a failure of the sandbox's store, remembered nowhere (a retry runs again).
#[derive(Debug)]
pub(crate) enum RunError {
    Answer(Failure),
    Store(SandboxStoreError),
}

impl From<Failure> for RunError {
    fn from(failure: Failure) -> Self {
        RunError::Answer(failure)
    }
}

impl From<SandboxStoreError> for RunError {
    fn from(error: SandboxStoreError) -> Self {
        RunError::Store(error)
    }
}

/// The first answer given under a key, with a digest of the request it answered.
#[derive(Serialize, Deserialize)]
struct Memo<T> {
    request: String,
    answer: Result<T, Failure>,
}

/// A digest of a request's parameters: enough to tell another request apart, and no customer
/// data kept in the store.
fn digest(request: &str) -> String {
    hex::encode(Sha256::digest(request.as_bytes()))
}

/// Runs `run` the first time `key` is seen for `operation` and remembers its answer; later
/// calls with the same key and `request` replay it, and with another `request` are an
/// idempotency error.
///
/// Two calls racing with one key may both run `run`: its effects MUST be idempotent for the key
/// (ids derived from it, objects inserted once), and both calls answer the one answer the store
/// kept. A [`RunError::Store`] is answered as it is and remembered nowhere, so a retry runs
/// again.
pub(crate) async fn once<T, Fut>(
    objects: &Objects,
    operation: &str,
    key: &IdempotencyKey,
    request: String,
    run: impl FnOnce() -> Fut,
) -> Result<T, PaymentError>
where
    T: Serialize + DeserializeOwned,
    Fut: Future<Output = Result<T, RunError>>,
{
    let kind = format!("stripe.idempotency.{operation}");
    let request = digest(&request);
    if let Some(first) = objects.get::<Memo<T>>(&kind, key.as_str()).await? {
        return replay(first, &request, key);
    }
    let answer = match run().await {
        Ok(object) => Ok(object),
        Err(RunError::Answer(failure)) => Err(failure),
        Err(RunError::Store(e)) => return Err(e.into()),
    };
    let memo = Memo {
        request: request.clone(),
        answer,
    };
    let (first, _) = objects.insert(&kind, key.as_str(), &memo).await?;
    replay(first, &request, key)
}

fn replay<T>(first: Memo<T>, request: &str, key: &IdempotencyKey) -> Result<T, PaymentError> {
    if first.request != request {
        return Err(PaymentError::Refused {
            code: "idempotency_error".to_owned(),
            message: format!(
                "Keys for idempotent requests can only be used with the same parameters they \
                 were first used with. Try using a key other than '{}' if you meant to execute \
                 a different request.",
                key.as_str()
            ),
        });
    }
    first.answer.map_err(PaymentError::from)
}

/// An id of the object `operation` creates under `key`: `prefix` then 24 hex digits of a digest
/// of both. Derived rather than random, so that two calls racing with one key create the same
/// object, once.
pub(crate) fn derived_id(prefix: &str, operation: &str, key: &IdempotencyKey) -> String {
    let digest = Sha256::digest(format!("{operation}\u{0}{}", key.as_str()).as_bytes());
    let mut hex = hex::encode(digest);
    hex.truncate(24);
    format!("{prefix}{hex}")
}
