//! The error of the payments area.

use crate::flow::FieldError;
use crate::order::OrderError;
use crate::ports::{PaymentError, ProviderError};
use crate::session::SessionError;
use crate::trial::TrialError;

use super::{CoreError, area_error};

/// Why a trial, order or customer use case ([`PaymentService`](crate::app::PaymentService))
/// did not succeed.
#[derive(Debug, thiserror::Error)]
pub enum PaymentServiceError {
    /// The commit path failed, or the session does not exist.
    #[error(transparent)]
    Core(#[from] CoreError),
    /// No such trial for this tenant.
    #[error("trial not found")]
    TrialNotFound,
    /// No such order for this tenant.
    #[error("order not found")]
    OrderNotFound,
    /// No such customer account for this tenant.
    #[error("customer account not found")]
    CustomerNotFound,
    /// The session's flow has no step of that kind (`card_on_file_trial`, `paypal_checkout`)
    /// that fits the request, or the step named is not one (a payment step also needs its
    /// payment terms).
    #[error("the session's flow has no {0} step")]
    NoStepOfKind(&'static str),
    /// The trial decider refused the command.
    #[error(transparent)]
    Trial(#[from] TrialError),
    /// The order decider refused the command.
    #[error(transparent)]
    Order(#[from] OrderError),
    /// This card or phone had a free trial already (P-TRI-3).
    #[error("this customer has had a free trial already")]
    TrialAlreadyUsed,
    /// The card was declined; another card may be tried.
    #[error("card declined ({code}): {message}")]
    CardDeclined {
        /// The provider's code.
        code: String,
        /// The issuer's decline code.
        decline_code: Option<String>,
        /// The provider's message.
        message: String,
    },
    /// The payment provider refused the request (`ORDER_NOT_APPROVED`, an unknown price, ...).
    #[error("payment refused ({code}): {message}")]
    PaymentRefused {
        /// The provider's code.
        code: String,
        /// The provider's message.
        message: String,
    },
    /// A provider call made inside the request failed: 503 for unavailability, 502 otherwise.
    #[error("provider call failed")]
    Provider(#[from] ProviderError),
    /// Request fields failed validation.
    #[error("invalid request")]
    Validation(Vec<FieldError>),
    /// The session refused the step the payment completes.
    #[error(transparent)]
    Session(#[from] SessionError),
}
area_error!(PaymentServiceError);

impl From<PaymentError> for PaymentServiceError {
    fn from(e: PaymentError) -> Self {
        match e {
            PaymentError::CardDeclined {
                code,
                decline_code,
                message,
            } => Self::CardDeclined {
                code,
                decline_code,
                message,
            },
            PaymentError::Refused { code, message } => Self::PaymentRefused { code, message },
            PaymentError::Provider(p) => Self::Provider(p),
        }
    }
}
