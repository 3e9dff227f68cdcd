//! One-off order properties P-PAY-1, P-PAY-2 and P-WH-1 for orders (spec/properties.md,
//! issue 4) and example-based decider tests.

use onramp_domain::decider::Decider;
use onramp_domain::ids::OrderId;
use onramp_domain::money::Money;
use onramp_domain::order::{
    APPROVAL_WINDOW, OrderCommand, OrderDecider, OrderEvent, OrderFact, OrderState, OrderStatus,
};
use onramp_domain::ports::{CaptureInfo, CaptureStatus, ProviderId};
use proptest::prelude::*;
use time::{Duration, OffsetDateTime};

use crate::support::*;

const PLAN: &str = "receptionist_pro";

fn order_id() -> OrderId {
    OrderId::new(uuid::Uuid::from_u128(0x0de7_0001))
}

/// Any order amount, in a currency with 2 or 0 minor digits.
fn order_amount() -> impl Strategy<Value = Money> {
    (
        1i64..=100_000,
        prop::sample::select(vec!["USD", "EUR", "JPY"]),
    )
        .prop_map(|(minor, currency)| Money::new(minor, currency).expect("a valid amount"))
}

/// The events of an order of `amount` created at `t0()`.
fn created(amount: &Money) -> Vec<OrderEvent> {
    let command = OrderCommand::Create {
        order: order_id(),
        session: Some(session_id()),
        step: None,
        plan: PLAN.into(),
        amount: amount.clone(),
        email: None,
        external_ref: Some("crm-42".into()),
        provider: ProviderId::Paypal,
        provider_order: "5O190127TN364715T".into(),
        approve_url: "https://www.sandbox.paypal.com/checkoutnow?token=5O190127TN364715T".into(),
        at: t0(),
    };
    OrderDecider
        .decide(&OrderState::default(), &command)
        .expect("a new order is created")
}

/// Where a completed capture is reported from: the capture call's answer carries the payer's
/// e-mail (`payer.email_address` of the order), the `PAYMENT.CAPTURE.COMPLETED` webhook's
/// capture resource does not (PROVIDERS.md section 2; `onramp-paypal`'s `to_info`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Source {
    Answer,
    Webhook,
}

/// PayPal's capture `3C679366HH908993F` of `amount`, as `source` reports it.
fn capture(status: CaptureStatus, amount: &Money, source: Source) -> CaptureInfo {
    CaptureInfo {
        capture_id: "3C679366HH908993F".into(),
        status,
        amount: amount.clone(),
        payer_email: (source == Source::Answer).then(|| "buyer@example.com".into()),
    }
}

fn source() -> impl Strategy<Value = Source> {
    prop::sample::select(vec![Source::Answer, Source::Webhook])
}

fn account_openings(events: &[OrderEvent]) -> usize {
    events
        .iter()
        .filter(|e| matches!(e, OrderEvent::AccountOpened { .. }))
        .count()
}

/// A fact as generated, before it is tied to the order's amount.
#[derive(Debug, Clone)]
enum Delivery {
    /// A completed capture of the order's amount.
    Captured(Source),
    /// The buyer approved.
    Approved,
    /// A pending capture: the fact, or a capture answered `PENDING`.
    Pending(bool),
}

impl Delivery {
    fn fact(&self, amount: &Money) -> OrderFact {
        match self {
            Self::Captured(source) => {
                OrderFact::Captured(capture(CaptureStatus::Completed, amount, *source))
            }
            Self::Approved => OrderFact::Approved,
            Self::Pending(true) => {
                OrderFact::Captured(capture(CaptureStatus::Pending, amount, Source::Answer))
            }
            Self::Pending(false) => OrderFact::Pending,
        }
    }
}

fn delivery() -> impl Strategy<Value = Delivery> {
    prop_oneof![
        3 => source().prop_map(Delivery::Captured),
        1 => Just(Delivery::Approved),
        1 => any::<bool>().prop_map(Delivery::Pending),
    ]
}

/// Where one actor (a capture call or a webhook delivery) stands.
#[derive(Debug, Clone)]
enum Phase {
    /// It must read the stream and decide.
    Reading,
    /// It decided `events` on the stream at `version`.
    Decided {
        version: usize,
        events: Vec<OrderEvent>,
    },
    /// It committed.
    Done,
}

proptest! {
    #![proptest_config(cases(512))]

    /// P-PAY-1 (MISSION.md E.1: capturing an order creates exactly one customer account):
    /// capture answers and webhook facts (completed captures, approvals, pending captures,
    /// duplicates), each handled by an actor that reads the stream, decides with its own new
    /// account id and commits only if the stream is still at the version it read (the losers
    /// re-read and decide again), interleaved in any way, commit exactly one `AccountOpened`;
    /// the order ends captured with its account and its plan.
    #[test]
    fn p_pay_1_capturing_an_order_opens_exactly_one_customer_account(
        amount in order_amount(),
        deliveries in (prop::collection::vec(delivery(), 0..8), source())
            .prop_flat_map(|(mut deliveries, first)| {
                deliveries.push(Delivery::Captured(first));
                Just(deliveries).prop_shuffle()
            }),
        schedule in prop::collection::vec(0usize..64, 0..80),
    ) {
        let d = OrderDecider;
        let mut stream = created(&amount);
        let mut phases = vec![Phase::Reading; deliveries.len()];
        let n = deliveries.len();
        let drain = (0..n).flat_map(|i| std::iter::repeat_n(i, 3));
        let order: Vec<usize> = schedule.iter().map(|i| i % n).chain(drain).collect();
        for i in order {
            phases[i] = match std::mem::replace(&mut phases[i], Phase::Done) {
                Phase::Reading => {
                    let state = d.fold(&stream);
                    let command = OrderCommand::Apply {
                        fact: deliveries[i].fact(&amount),
                        account: account_id(i as u128),
                        at: t0() + Duration::seconds(stream.len() as i64),
                    };
                    let events = d.decide(&state, &command).expect("a fact on an order is accepted");
                    Phase::Decided { version: stream.len(), events }
                }
                Phase::Decided { version, events } if version == stream.len() => {
                    stream.extend(events);
                    prop_assert!(account_openings(&stream) <= 1, "a second account: {:?}", stream);
                    Phase::Done
                }
                Phase::Decided { .. } => Phase::Reading,
                Phase::Done => Phase::Done,
            };
        }
        prop_assert!(phases.iter().all(|p| matches!(p, Phase::Done)));
        prop_assert_eq!(account_openings(&stream), 1, "committed: {:?}", stream);
        let state = d.fold(&stream);
        let opened = stream.iter().find_map(|e| match e {
            OrderEvent::AccountOpened { account, .. } => Some(*account),
            _ => None,
        });
        prop_assert!(state.account.is_some());
        prop_assert_eq!(state.account, opened);
        prop_assert_eq!(state.status(), OrderStatus::Captured);
        prop_assert_eq!(state.plan.as_str(), PLAN);
        prop_assert_eq!(state.amount, Some(amount));
    }

    /// P-PAY-2 (MISSION.md E.1: the account gets the matching plan): an account is opened only
    /// with a completed capture of the order's amount; a first capture of another amount or
    /// currency opens none and leaves the order `AmountMismatch` (or `Refunded`); whenever the
    /// order is `Captured`, its capture's amount is the order's.
    #[test]
    fn p_pay_2_the_captured_amount_equals_the_order_amount(
        amount in order_amount(),
        facts in prop::collection::vec(
            prop_oneof![
                3 => (0i64..3, any::<bool>(), source()).prop_map(|(delta, other_currency, source)| (Some((delta, other_currency)), source, 0u8)),
                1 => (0u8..4).prop_map(|kind| (None, Source::Webhook, kind)),
            ],
            1..12,
        ),
    ) {
        let d = OrderDecider;
        let mut state = d.fold(&created(&amount));
        let mut stream: Vec<OrderEvent> = Vec::new();
        let mut first_capture: Option<Money> = None;
        for (n, (captured, source, kind)) in facts.iter().enumerate() {
            let fact = match (captured, kind) {
                (Some((delta, other_currency)), _) => {
                    let currency = if *other_currency && *delta > 0 {
                        if amount.currency == "EUR" { "USD" } else { "EUR" }
                    } else {
                        amount.currency.as_str()
                    };
                    let minor = if *other_currency { amount.amount } else { amount.amount + delta };
                    let paid = Money::new(minor, currency).expect("a valid amount");
                    OrderFact::Captured(capture(CaptureStatus::Completed, &paid, *source))
                }
                (None, 0) => OrderFact::Approved,
                (None, 1) => OrderFact::Pending,
                (None, 2) => OrderFact::Denied,
                (None, _) => OrderFact::Refunded,
            };
            let command = OrderCommand::Apply { fact, account: account_id(1), at: at(n as i64) };
            let events = d.decide(&state, &command).expect("a fact on an order is accepted");
            for e in &events {
                if let OrderEvent::CaptureCompleted { capture, .. } = e {
                    first_capture.get_or_insert_with(|| capture.amount.clone());
                }
            }
            if account_openings(&events) > 0 {
                prop_assert!(
                    events.iter().any(|e| matches!(e, OrderEvent::CaptureCompleted { capture, .. } if capture.amount == amount)),
                    "an account opened without a capture of {}: {:?}", amount, events
                );
            }
            state = events.iter().fold(state, |s, e| d.evolve(s, e));
            stream.extend(events);
            if state.status() == OrderStatus::Captured {
                prop_assert_eq!(state.capture.as_ref().map(|c| &c.amount), Some(&amount));
            }
            if let Some(paid) = first_capture.as_ref().filter(|paid| **paid != amount) {
                prop_assert_eq!(account_openings(&stream), 0, "{} captured for {}, yet an account opened", paid, amount);
                prop_assert_eq!(state.account, None);
                let expected = if state.refunded { OrderStatus::Refunded } else { OrderStatus::AmountMismatch };
                prop_assert_eq!(state.status(), expected);
            }
        }
    }
}

// ------------------------------------------------------------------------------------------
// P-WH-1 for orders
// ------------------------------------------------------------------------------------------

/// A valid PayPal history of an order: approved, perhaps a pending capture first (the
/// capture call answered `PENDING`, then `PAYMENT.CAPTURE.PENDING`), the completed capture as
/// the capture call answered it and/or as `PAYMENT.CAPTURE.COMPLETED` reported it (only the
/// webhook when the capture was pending), perhaps refunded later.
fn paypal_history(amount: &Money, pending: bool, reports: u8, refunded: bool) -> Vec<OrderFact> {
    let mut facts = vec![OrderFact::Approved];
    let completed = |source| OrderFact::Captured(capture(CaptureStatus::Completed, amount, source));
    if pending {
        facts.push(OrderFact::Captured(capture(
            CaptureStatus::Pending,
            amount,
            Source::Answer,
        )));
        facts.push(OrderFact::Pending);
        facts.push(completed(Source::Webhook));
    } else {
        // 0: the answer only, 1: the webhook only (the answer was lost), 2: both.
        if reports != 1 {
            facts.push(completed(Source::Answer));
        }
        if reports != 0 {
            facts.push(completed(Source::Webhook));
        }
    }
    if refunded {
        facts.push(OrderFact::Refunded);
    }
    facts
}

/// Applies `facts` in `order` to a created order, with one account id in every command.
fn apply_all(amount: &Money, facts: &[OrderFact], order: &[usize]) -> OrderState {
    let d = OrderDecider;
    let mut state = d.fold(&created(amount));
    for (n, i) in order.iter().enumerate() {
        let command = OrderCommand::Apply {
            fact: facts[*i].clone(),
            account: account_id(1),
            at: at(60 * n as i64),
        };
        let events = d
            .decide(&state, &command)
            .expect("a fact on an order is accepted");
        state = events.iter().fold(state, |s, e| d.evolve(s, e));
    }
    state
}

proptest! {
    #![proptest_config(cases(512))]

    /// P-WH-1 (MISSION.md E.1 with PayPal's webhooks, which arrive in any order and more than
    /// once): any permutation of a valid order history, with duplicates, leaves the same order
    /// state as its in-order single delivery.
    #[test]
    fn p_wh_1_order_facts_in_any_order_with_duplicates_fold_to_the_in_order_state(
        amount in order_amount(),
        (pending, reports, refunded) in (any::<bool>(), 0u8..3, any::<bool>()),
        arrivals in arrivals(),
    ) {
        let facts = paypal_history(&amount, pending, reports, refunded);
        let order = arrival_order(facts.len(), &arrivals);
        let in_order: Vec<usize> = (0..facts.len()).collect();
        let expected = apply_all(&amount, &facts, &in_order);
        prop_assert!(matches!(expected.status(), OrderStatus::Captured | OrderStatus::Refunded));
        let got = apply_all(&amount, &facts, &order);
        prop_assert_eq!(got, expected);
    }
}

// ------------------------------------------------------------------------------------------
// Examples
// ------------------------------------------------------------------------------------------

fn expire(at: OffsetDateTime) -> OrderCommand {
    OrderCommand::Expire { at }
}

#[test]
fn an_order_expires_only_when_not_approved_within_the_approval_window() {
    let amount = Money::new(4_900, "USD").expect("a valid amount");
    let deadline = t0() + APPROVAL_WINDOW;
    given(OrderDecider, created(&amount))
        .when(expire(deadline - Duration::seconds(1)))
        .then(Ok(vec![]));
    let state = given(OrderDecider, created(&amount))
        .when(expire(deadline))
        .then(Ok(vec![OrderEvent::Expired { at: deadline }]));
    assert_eq!(state.status(), OrderStatus::Expired);
    let mut approved = created(&amount);
    approved.push(OrderEvent::Approved { at: at(60) });
    let state = given(OrderDecider, approved)
        .when(expire(deadline))
        .then(Ok(vec![]));
    assert_eq!(state.status(), OrderStatus::Approved);
    let mut pending = created(&amount);
    pending.push(OrderEvent::CapturePending { at: at(60) });
    given(OrderDecider, pending)
        .when(expire(deadline + Duration::hours(1)))
        .then(Ok(vec![]));
}

/// P-WH-1's shrunk failure, pinned: the `PAYMENT.CAPTURE.COMPLETED` webhook (no payer e-mail in
/// PayPal's capture resource) arrives before the capture call's answer (with the order's
/// `payer.email_address`). In order, the answer's capture is kept; in this order, the webhook's.
#[test]
fn a_capture_webhook_before_the_capture_answer_folds_to_the_in_order_state() {
    let amount = Money::new(1, "USD").expect("a valid amount");
    let facts = paypal_history(&amount, false, 2, false);
    assert_eq!(
        facts,
        [
            OrderFact::Approved,
            OrderFact::Captured(capture(CaptureStatus::Completed, &amount, Source::Answer)),
            OrderFact::Captured(capture(CaptureStatus::Completed, &amount, Source::Webhook)),
        ]
    );
    assert_eq!(
        apply_all(&amount, &facts, &[0, 2, 1]),
        apply_all(&amount, &facts, &[0, 1, 2])
    );
}
