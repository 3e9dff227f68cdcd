//! Trial test data (issue 4): the proptest configuration of the trial properties, ids and terms,
//! cards, declines and subscriptions, the command opening a trial, the events of a started
//! trial, and Stripe's subscription statuses.

use onramp_domain::flow::StepId;
use onramp_domain::ids::{CustomerId, TrialId};
use onramp_domain::money::Money;
use onramp_domain::ports::{CardDetails, SubscriptionInfo, SubscriptionStatus};
use onramp_domain::trial::{Decline, SECONDS_PER_DAY, TrialCommand, TrialEvent, TrialTerms};

use super::*;

/// A proptest configuration of `cases` cases that a `PROPTEST_CASES` environment variable
/// overrides (for a deeper run), with no regression files.
pub fn cases(cases: u32) -> ProptestConfig {
    let base = ProptestConfig::default();
    let cases = if std::env::var_os("PROPTEST_CASES").is_some() {
        base.cases
    } else {
        cases
    };
    ProptestConfig {
        cases,
        failure_persistence: None,
        ..base
    }
}

/// Trial number `n` (P-TRI-3 uses several).
pub fn trial_id(n: u128) -> TrialId {
    TrialId::new(uuid::Uuid::from_u128(0x7e1a_0000 + n))
}

/// Customer account number `n`.
pub fn account_id(n: u128) -> CustomerId {
    CustomerId::new(uuid::Uuid::from_u128(0xacc0_0000 + n))
}

/// The `card_on_file_trial` step of every trial scenario.
pub fn trial_step() -> StepId {
    StepId::parse("trial").expect("a valid step id")
}

/// Terms of `days` days whose card check authorizes `verification`.
pub fn terms(days: u32, verification: Money) -> TrialTerms {
    TrialTerms {
        days,
        verification_amount: verification,
        price: "price_pro_monthly".into(),
        plan: "pro".into(),
    }
}

/// The default terms: 7 days, a $1 card check.
pub fn seven_days() -> TrialTerms {
    terms(7, usd(100))
}

/// `minor` US cents.
pub fn usd(minor: i64) -> Money {
    Money::new(minor, "USD").expect("a valid amount")
}

/// Any card-check amount, in a currency with 2 or 0 minor digits.
pub fn verification_amount() -> impl Strategy<Value = Money> {
    (1i64..=500, prop::sample::select(vec!["USD", "EUR", "JPY"]))
        .prop_map(|(minor, currency)| Money::new(minor, currency).expect("a valid amount"))
}

/// Any terms: 1 to 30 days, any card-check amount.
pub fn any_terms() -> impl Strategy<Value = TrialTerms> {
    (1u32..=30, verification_amount()).prop_map(|(days, amount)| terms(days, amount))
}

/// Card number `n`: payment method `pm_{n}`, fingerprint `fp_{n}`.
pub fn card(n: u8) -> CardDetails {
    CardDetails {
        payment_method: format!("pm_{n}"),
        fingerprint: format!("fp_{n}"),
        brand: "visa".into(),
        last4: "4242".into(),
    }
}

/// Stripe's decline of `payment_method`.
pub fn decline(payment_method: &str) -> Decline {
    Decline {
        payment_method: payment_method.into(),
        code: "card_declined".into(),
        decline_code: Some("generic_decline".into()),
        message: "Your card was declined.".into(),
    }
}

/// The subscription `sub_1` as Stripe answers its creation.
pub fn subscription(status: SubscriptionStatus, trial_end: Option<i64>) -> SubscriptionInfo {
    SubscriptionInfo {
        id: "sub_1".into(),
        status,
        trial_end,
    }
}

/// The command opening trial 1 with `terms` at `at`.
pub fn begin(terms: &TrialTerms, at: OffsetDateTime) -> TrialCommand {
    TrialCommand::Begin {
        trial: trial_id(1),
        session: session_id(),
        step: trial_step(),
        terms: terms.clone(),
        email: "ann@example.com".into(),
        phone: Some(phone()),
        at,
    }
}

/// The events of trial 1 begun at `t0()` and started at `started`, after one card check
/// (`pm_0` authorized by `pi_0` and voided).
pub fn started_trial(terms: &TrialTerms, started: OffsetDateTime) -> Vec<TrialEvent> {
    let ends_at = started + Duration::seconds(i64::from(terms.days) * SECONDS_PER_DAY);
    let at = t0();
    vec![
        TrialEvent::Begun {
            trial: trial_id(1),
            session: session_id(),
            step: trial_step(),
            terms: terms.clone(),
            email: "ann@example.com".into(),
            phone: Some(phone()),
            at,
        },
        TrialEvent::CardSubmitted {
            attempt: 1,
            payment_method: "pm_0".into(),
            at,
        },
        TrialEvent::CustomerCreated {
            customer: "cus_1".into(),
            at,
        },
        TrialEvent::CardAuthorized {
            card: card(0),
            authorization: "pi_0".into(),
            amount: terms.verification_amount.clone(),
            at,
        },
        TrialEvent::AuthorizationVoided {
            authorization: "pi_0".into(),
            at,
        },
        TrialEvent::Started {
            subscription: "sub_1".into(),
            status: SubscriptionStatus::Trialing,
            started_at: started,
            ends_at,
        },
    ]
}

/// Any of Stripe's subscription statuses.
pub fn subscription_status() -> impl Strategy<Value = SubscriptionStatus> {
    prop::sample::select(vec![
        SubscriptionStatus::Trialing,
        SubscriptionStatus::Active,
        SubscriptionStatus::Incomplete,
        SubscriptionStatus::IncompleteExpired,
        SubscriptionStatus::PastDue,
        SubscriptionStatus::Unpaid,
        SubscriptionStatus::Paused,
        SubscriptionStatus::Canceled,
    ])
}
