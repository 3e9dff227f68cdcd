//! P-WH-1 for trials: a generated Stripe history delivered in any order, with duplicates, folds
//! to the state of the in-order delivery.

use super::*;

// ------------------------------------------------------------------------------------------
// P-WH-1 for trials
// ------------------------------------------------------------------------------------------

/// One Stripe event as the adapter reports it.
#[derive(Debug, Clone)]
struct Report {
    event_id: String,
    status: Option<SubscriptionStatus>,
    trial_will_end: bool,
    created: i64,
}

/// How a generated history goes on after the trial's end.
#[derive(Debug, Clone, Copy)]
enum Later {
    Nothing,
    ActiveAgain,
    Canceled,
}

/// The shape of a generated Stripe history: the gaps between its events, whether the $0 first
/// invoice is reported, whether `trial_will_end` is (with the subscription's status or not),
/// whether the trial converts, whether `invoice.paid` reports a status, what happens later and
/// when.
#[derive(Debug, Clone)]
struct Shape {
    gaps: Vec<i64>,
    first_invoice: bool,
    will_end: Option<bool>,
    converts: bool,
    paid_reports_status: bool,
    later: Later,
    later_gap: i64,
}

fn shape() -> impl Strategy<Value = Shape> {
    (
        prop::collection::vec(1i64..900, 6),
        any::<bool>(),
        prop::option::of(any::<bool>()),
        any::<bool>(),
        any::<bool>(),
        prop::sample::select(vec![Later::Nothing, Later::ActiveAgain, Later::Canceled]),
        SECONDS_PER_DAY..10 * SECONDS_PER_DAY,
    )
        .prop_map(
            |(gaps, first_invoice, will_end, converts, paid_reports_status, later, later_gap)| {
                Shape {
                    gaps,
                    first_invoice,
                    will_end,
                    converts,
                    paid_reports_status,
                    later,
                    later_gap,
                }
            },
        )
}

/// A valid Stripe history of a trial started at `start` and ending at `end` (unix seconds, at
/// least 4 days apart): the subscription created trialing (and perhaps its $0 first invoice, a
/// report of no status), perhaps `trial_will_end` three days before the end, then at the end
/// either `active` and `invoice.paid` or `past_due` and `invoice.payment_failed`, perhaps later
/// active again or canceled. `created` increases strictly and every event id is unique.
fn stripe_history(start: i64, end: i64, shape: &Shape) -> Vec<Report> {
    use SubscriptionStatus::{Active, Canceled, PastDue, Trialing};
    let gaps = &shape.gaps;
    let mut reports: Vec<Report> = Vec::new();
    let mut push = |status, trial_will_end, created| {
        let event_id = format!("evt_{:03}", reports.len() + 1);
        reports.push(Report {
            event_id,
            status,
            trial_will_end,
            created,
        });
    };
    push(Some(Trialing), false, start + gaps[0]);
    if shape.first_invoice {
        push(None, false, start + gaps[0] + gaps[1]);
    }
    if let Some(with_status) = shape.will_end {
        push(
            with_status.then_some(Trialing),
            true,
            end - 3 * SECONDS_PER_DAY,
        );
    }
    let created = end + gaps[2];
    if shape.converts {
        push(Some(Active), false, created);
        push(
            shape.paid_reports_status.then_some(Active),
            false,
            created + gaps[3],
        );
    } else {
        push(Some(PastDue), false, created);
        push(Some(PastDue), false, created + gaps[3]);
    }
    let created = end + shape.later_gap;
    match shape.later {
        Later::Nothing => {}
        Later::ActiveAgain => {
            push(Some(Active), false, created);
            push(Some(Active), false, created + gaps[4]);
        }
        Later::Canceled => push(Some(Canceled), false, created + gaps[5]),
    }
    reports
}

/// Applies `reports` in `order` to a started trial, each arriving a minute after the last.
fn deliver(
    history: &[TrialEvent],
    reports: &[Report],
    order: &[usize],
    from: OffsetDateTime,
) -> TrialState {
    let d = TrialDecider;
    let mut state = d.fold(history);
    for (n, i) in order.iter().enumerate() {
        let r = &reports[*i];
        let command = TrialCommand::ApplyReport {
            event_id: r.event_id.clone(),
            status: r.status,
            trial_will_end: r.trial_will_end,
            created: r.created,
            account: account_id(1),
            at: from + Duration::minutes(n as i64),
        };
        let events = d
            .decide(&state, &command)
            .expect("a report on a started trial is accepted");
        state = events.iter().fold(state, |s, e| d.evolve(s, e));
    }
    state
}

proptest! {
    #![proptest_config(cases(512))]

    /// P-WH-1 (MISSION.md A: trial status kept current from Stripe webhooks, which arrive in
    /// any order and more than once): any permutation of a valid report sequence, with
    /// duplicates, leaves the same trial state as its in-order single delivery.
    #[test]
    fn p_wh_1_trial_reports_in_any_order_with_duplicates_fold_to_the_in_order_state(
        days in 4u32..=14,
        offset in 0i64..86_400,
        shape in shape(),
        arrivals in arrivals(),
    ) {
        let start = t0() + Duration::seconds(offset);
        let end = start + Duration::seconds(i64::from(days) * SECONDS_PER_DAY);
        let reports = stripe_history(start.unix_timestamp(), end.unix_timestamp(), &shape);
        prop_assert!(reports.len() <= MAX_HISTORY);
        let order = arrival_order(reports.len(), &arrivals);
        let history = started_trial(&terms(days, usd(100)), start);
        let in_order: Vec<usize> = (0..reports.len()).collect();
        let expected = deliver(&history, &reports, &in_order, end);
        let last = reports.iter().rev().find_map(|r| r.status).map(TrialStatus::from_subscription);
        prop_assert_eq!(Some(expected.status()), last, "in order, the last report rules");
        let got = deliver(&history, &reports, &order, end);
        prop_assert_eq!(got, expected);
    }
}
