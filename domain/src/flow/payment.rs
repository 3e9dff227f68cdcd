//! Payment terms of `card_on_file_trial` and `paypal_checkout` steps (issue 4, item 2), declared
//! in the template as a `[steps.payment]` table:
//!
//! ```toml
//! [steps.payment]            # card_on_file_trial
//! price_id = "price_pro_monthly"
//! plan = "pro"
//! trial_days = 7             # default 7, 1..=730 (Stripe's longest trial)
//! verification_amount = 100  # minor units, default 100 ($1.00)
//! currency = "USD"           # ISO 4217, default USD
//!
//! [steps.payment]            # paypal_checkout
//! plan = "starter"
//! amount = 4900              # minor units
//! currency = "USD"
//! ```

use serde::{Deserialize, Serialize};

use super::{FlowError, StepKind};
use crate::money::Money;
use crate::trial::TrialTerms;

/// Trial length when the template gives none, in days (MISSION.md A: a 7-day free trial).
pub const DEFAULT_TRIAL_DAYS: u32 = 7;
/// The card check's amount when the template gives none, in minor units (MISSION.md A: $1).
pub const DEFAULT_VERIFICATION_AMOUNT: i64 = 100;
/// Stripe's longest trial, in days.
pub const MAX_TRIAL_DAYS: u32 = 730;

/// The `[steps.payment]` table.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawPayment {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) plan: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) price_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) trial_days: Option<u32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) verification_amount: Option<i64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) amount: Option<i64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) currency: Option<String>,
}

/// A one-off purchase's terms.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CheckoutTerms {
    /// The plan bought, given to the customer account.
    pub plan: String,
    /// The price.
    pub amount: Money,
}

/// What a payment step charges.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PaymentTerms {
    /// `card_on_file_trial`.
    Trial(TrialTerms),
    /// `paypal_checkout`.
    Checkout(CheckoutTerms),
}

pub(crate) fn build_payment(
    step: &str,
    kind: StepKind,
    raw: Option<&RawPayment>,
) -> Result<Option<PaymentTerms>, FlowError> {
    let fail = |message: String| FlowError::InvalidPayment {
        step: step.to_owned(),
        message,
    };
    let is_payment = matches!(kind, StepKind::CardOnFileTrial | StepKind::PaypalCheckout);
    let raw = match (raw, is_payment) {
        (None, false) => return Ok(None),
        (Some(_), false) => {
            return Err(fail(format!(
                "a {} step takes no [steps.payment] table",
                kind.as_str()
            )));
        }
        (None, true) => {
            return Err(fail(format!(
                "a {} step needs a [steps.payment] table",
                kind.as_str()
            )));
        }
        (Some(raw), true) => raw,
    };
    let plan = match raw.plan.as_deref().map(str::trim) {
        Some(p) if !p.is_empty() && p.len() <= 100 => p.to_owned(),
        _ => {
            return Err(fail(
                "`plan` must name the plan (1 to 100 characters)".into(),
            ));
        }
    };
    let currency = raw.currency.as_deref().unwrap_or("USD");
    let money = |amount: i64, what: &str| {
        Money::new(amount, currency).map_err(|e| fail(format!("`{what}`: {e}")))
    };
    if kind == StepKind::CardOnFileTrial {
        if raw.amount.is_some() {
            return Err(fail(
                "`amount` is for paypal_checkout; a trial charges nothing (use `verification_amount`)".into(),
            ));
        }
        let price = match raw.price_id.as_deref() {
            Some(p) if !p.trim().is_empty() => p.to_owned(),
            _ => {
                return Err(fail(
                    "`price_id` (the provider's price, `price_…`) is required".into(),
                ));
            }
        };
        let days = raw.trial_days.unwrap_or(DEFAULT_TRIAL_DAYS);
        if !(1..=MAX_TRIAL_DAYS).contains(&days) {
            return Err(fail(format!(
                "`trial_days` must be 1 to {MAX_TRIAL_DAYS}, not {days}"
            )));
        }
        let verification_amount = money(
            raw.verification_amount
                .unwrap_or(DEFAULT_VERIFICATION_AMOUNT),
            "verification_amount",
        )?;
        return Ok(Some(PaymentTerms::Trial(TrialTerms {
            days,
            verification_amount,
            price,
            plan,
        })));
    }
    if raw.price_id.is_some() || raw.trial_days.is_some() || raw.verification_amount.is_some() {
        return Err(fail(
            "`price_id`, `trial_days` and `verification_amount` are for card_on_file_trial".into(),
        ));
    }
    let amount = raw
        .amount
        .ok_or_else(|| fail("`amount` (minor units) is required".into()))?;
    Ok(Some(PaymentTerms::Checkout(CheckoutTerms {
        plan,
        amount: money(amount, "amount")?,
    })))
}

pub(crate) fn to_raw(terms: &PaymentTerms) -> RawPayment {
    match terms {
        PaymentTerms::Trial(t) => RawPayment {
            plan: Some(t.plan.clone()),
            price_id: Some(t.price.clone()),
            trial_days: Some(t.days),
            verification_amount: Some(t.verification_amount.amount),
            amount: None,
            currency: Some(t.verification_amount.currency.clone()),
        },
        PaymentTerms::Checkout(c) => RawPayment {
            plan: Some(c.plan.clone()),
            amount: Some(c.amount.amount),
            currency: Some(c.amount.currency.clone()),
            ..RawPayment::default()
        },
    }
}
