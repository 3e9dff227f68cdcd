//! A trial as the API shows it.

use serde::Serialize;
use time::OffsetDateTime;

use crate::flow::StepId;
use crate::ids::{CustomerId, SessionId, TrialId};
use crate::money::Money;
use crate::trial::{Authorization, Decline, TrialState, TrialStatus};

use super::super::{CoreError, PaymentServiceError};

/// A trial as the API shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct TrialView {
    /// Id.
    pub id: TrialId,
    /// Session.
    pub session_id: SessionId,
    /// Step.
    #[cfg_attr(feature = "openapi", schema(value_type = String))]
    pub step: StepId,
    /// Status.
    pub status: TrialStatus,
    /// Trial length, days.
    pub trial_days: u32,
    /// The card check's amount (always voided).
    pub verification_amount: Money,
    /// The plan the trial converts to.
    pub plan: String,
    /// Card submissions so far.
    pub attempts: u32,
    /// The verified card: brand and last four digits.
    pub card: Option<CardSummary>,
    /// The last decline, while no card is verified.
    pub last_decline: Option<Decline>,
    /// Card-check authorizations and whether each was voided (P-TRI-1).
    #[cfg_attr(feature = "openapi", schema(value_type = Vec<Object>))]
    pub authorizations: Vec<Authorization>,
    /// Start, RFC 3339.
    #[serde(with = "time::serde::rfc3339::option")]
    pub started_at: Option<OffsetDateTime>,
    /// End, RFC 3339: start + trial days exactly (P-TRI-4).
    #[serde(with = "time::serde::rfc3339::option")]
    pub ends_at: Option<OffsetDateTime>,
    /// The trial-will-end reminder went out.
    pub reminder_sent: bool,
    /// The trial's end was reached.
    pub end_reached: bool,
    /// The customer account opened on conversion.
    pub customer_id: Option<CustomerId>,
}

/// A card as shown: never the fingerprint.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CardSummary {
    /// Brand, e.g. `visa`.
    pub brand: String,
    /// Last four digits.
    pub last4: String,
}

impl TrialView {
    pub(crate) fn of(s: &TrialState) -> Result<Self, PaymentServiceError> {
        let corrupt = || CoreError::Corrupt("trial without id or terms".into());
        let terms = s.terms.as_ref().ok_or_else(corrupt)?;
        Ok(Self {
            id: s.id.ok_or_else(corrupt)?,
            session_id: s.session_id.ok_or_else(corrupt)?,
            step: s.step.clone().ok_or_else(corrupt)?,
            status: s.status(),
            trial_days: terms.days,
            verification_amount: terms.verification_amount.clone(),
            plan: terms.plan.clone(),
            attempts: s.attempts,
            card: s.card.as_ref().map(|c| CardSummary {
                brand: c.brand.clone(),
                last4: c.last4.clone(),
            }),
            last_decline: s.last_decline.clone(),
            authorizations: s.authorizations.clone(),
            started_at: s.started_at,
            ends_at: s.ends_at,
            reminder_sent: s.reminder_sent,
            end_reached: s.end_reached,
            customer_id: s.account,
        })
    }
}
