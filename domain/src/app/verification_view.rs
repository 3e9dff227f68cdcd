//! The public view of a verification and the payload of its delivery jobs.

use time::OffsetDateTime;

use crate::verification::{BlockedFallback, Channel, Delivery, VerificationStatus};

/// The public view of a verification.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct VerificationView {
    /// Id (UUID).
    pub id: String,
    /// Status as of now (a pending verification past its expiry reads `expired`).
    pub status: VerificationStatus,
    /// Channel of the latest send.
    pub channel: Option<Channel>,
    /// Destination, E.164.
    pub phone: String,
    /// The session it belongs to.
    pub session_id: Option<String>,
    /// When the current code stops being accepted (RFC 3339).
    #[serde(with = "time::serde::rfc3339::option")]
    #[cfg_attr(feature = "openapi", schema(value_type = Option<String>, format = DateTime))]
    pub expires_at: Option<OffsetDateTime>,
    /// Sends still allowed to this phone in the current rolling hour (all verifications).
    pub sends_remaining: u32,
    /// Wrong checks still allowed before the verification locks.
    pub checks_remaining: u32,
    /// Every delivery attempt, in order.
    pub deliveries: Vec<Delivery>,
    /// A fallback send the per-phone quota refused (cleared by a later send): the person did
    /// not get the code on the fallback channel.
    pub blocked_fallback: Option<BlockedFallback>,
    /// Created at (RFC 3339).
    #[serde(with = "time::serde::rfc3339::option")]
    #[cfg_attr(feature = "openapi", schema(value_type = Option<String>, format = DateTime))]
    pub created_at: Option<OffsetDateTime>,
    /// Approved at (RFC 3339).
    #[serde(with = "time::serde::rfc3339::option")]
    #[cfg_attr(feature = "openapi", schema(value_type = Option<String>, format = DateTime))]
    pub approved_at: Option<OffsetDateTime>,
}
