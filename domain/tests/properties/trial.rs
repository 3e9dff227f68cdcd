//! Card-gated trial properties P-TRI-1..4 and P-WH-1 for trials (spec/properties.md, issue 4)
//! and example-based decider tests.

use std::collections::{BTreeMap, BTreeSet};

use onramp_domain::decider::Decider;
use onramp_domain::ports::SubscriptionStatus;
use onramp_domain::trial::{
    ClaimKey, SECONDS_PER_DAY, StatusMark, TrialClaim, TrialCommand, TrialDecider, TrialError,
    TrialEvent, TrialState, TrialStatus, claim,
};
use proptest::prelude::*;
use time::{Duration, OffsetDateTime};

use crate::support::*;

/// True for an event that takes the customer's money. None does (P-TRI-1): the match has no
/// wildcard, so a new event kind must be classified here before it compiles.
fn captures_money(event: &TrialEvent) -> bool {
    match event {
        TrialEvent::Begun { .. }
        | TrialEvent::CardSubmitted { .. }
        | TrialEvent::CustomerCreated { .. }
        | TrialEvent::CardDeclined { .. }
        | TrialEvent::AuthorizationVoided { .. }
        | TrialEvent::Started { .. }
        | TrialEvent::ReminderSent { .. }
        | TrialEvent::StatusReported { .. }
        | TrialEvent::EndReached { .. }
        | TrialEvent::AccountOpened { .. } => false,
        // A hold on the card, voided before the trial starts (checked by P-TRI-1).
        TrialEvent::CardAuthorized { .. } => false,
    }
}

/// What recorded events say of the card check: (a card was authorized, every authorization
/// recorded was voided), read from the events alone, not from the decider's state.
fn card_check(events: &[TrialEvent]) -> (bool, bool) {
    let mut held = BTreeSet::new();
    let mut voided = BTreeSet::new();
    for e in events {
        match e {
            TrialEvent::CardAuthorized { authorization, .. } => {
                held.insert(authorization.clone());
            }
            TrialEvent::AuthorizationVoided { authorization, .. } => {
                voided.insert(authorization.clone());
            }
            _ => {}
        }
    }
    (!held.is_empty(), held.is_subset(&voided))
}

fn started(events: &[TrialEvent]) -> usize {
    events
        .iter()
        .filter(|e| matches!(e, TrialEvent::Started { .. }))
        .count()
}

/// A status mark as a plain tuple, ordered by the provider's `created`, then the status, then
/// the event id: the order P-WH-1 asks for, written independently of `StatusMark`.
type Mark = (i64, SubscriptionStatus, String);

/// The mark an accepted command adds to what the provider (or the user) said, if any.
fn mark_of(
    command: &TrialCommand,
    events: &[TrialEvent],
    ends_at: Option<OffsetDateTime>,
) -> Option<Mark> {
    let emitted = |f: fn(&TrialEvent) -> bool| events.iter().any(f);
    match command {
        TrialCommand::Start { subscription, at }
            if emitted(|e| matches!(e, TrialEvent::Started { .. })) =>
        {
            Some((at.unix_timestamp(), subscription.status, "start".into()))
        }
        TrialCommand::ApplyReport {
            event_id,
            status: Some(status),
            created,
            ..
        } => Some((*created, *status, event_id.clone())),
        TrialCommand::ReachEnd {
            outcome: Some(outcome),
            ..
        } if emitted(|e| matches!(e, TrialEvent::EndReached { .. })) => {
            ends_at.map(|end| (end.unix_timestamp(), *outcome, "trial_end".into()))
        }
        TrialCommand::Cancel { at } => Some((
            at.unix_timestamp(),
            SubscriptionStatus::Canceled,
            "user_cancel".into(),
        )),
        _ => None,
    }
}

proptest! {
    #![proptest_config(cases(512))]

    /// P-TRI-1 (MISSION.md A: no charge during the trial; the $1 check is cancelled): over any
    /// command sequence at any times, no event captures money, every authorization is of the
    /// terms' verification amount, a trial never starts while an authorization is held, and
    /// whenever the trial is trialing every authorization was voided.
    #[test]
    fn p_tri_1_nothing_is_charged_while_trialing(terms in any_terms(), acts in trial_acts()) {
        let mut run = TrialRun::begun(&terms);
        for act in &acts {
            let Some(step) = run.act(act, account_id(1)) else { continue };
            if let Ok(events) = &step.result {
                for e in events {
                    prop_assert!(!captures_money(e), "{:?} takes money", e);
                    if let TrialEvent::CardAuthorized { amount, .. } = e {
                        prop_assert_eq!(amount, &terms.verification_amount);
                    }
                    if matches!(e, TrialEvent::Started { .. }) {
                        let (_, all_voided) = card_check(&step.history);
                        prop_assert!(all_voided, "started while an authorization is held: {:?}", step.history);
                    }
                }
            }
            for a in &run.state.authorizations {
                prop_assert_eq!(&a.amount, &terms.verification_amount);
            }
            if run.state.status() == TrialStatus::Trialing {
                prop_assert!(card_check(&run.events).1, "trialing with an authorization held: {:?}", run.events);
                prop_assert!(run.state.all_voided());
            }
        }
    }

    /// P-TRI-2 (MISSION.md A: card on file is required before the trial starts): `Started` is
    /// emitted only after a `CardAuthorized`, once every authorization was voided, and once;
    /// `Start` before that is refused with `CardNotVerified`.
    #[test]
    fn p_tri_2_a_trial_starts_only_after_the_card_is_verified(terms in any_terms(), acts in trial_acts()) {
        let mut run = TrialRun::begun(&terms);
        for act in &acts {
            let Some(step) = run.act(act, account_id(1)) else { continue };
            let TrialCommand::Start { .. } = step.command else { continue };
            let (authorized, all_voided) = card_check(&step.history);
            let starts = step.result.as_ref().map_or(0, |events| started(events));
            if starts > 0 {
                prop_assert!(authorized, "started without a verified card: {:?}", step.history);
                prop_assert!(all_voided, "started with an authorization held: {:?}", step.history);
                prop_assert_eq!(started(&step.history), 0, "started twice");
                prop_assert_eq!(starts, 1);
            }
            let awaiting = step.before.status() == TrialStatus::AwaitingPaymentMethod;
            if started(&step.history) == 0 && awaiting && !(authorized && all_voided) {
                prop_assert!(
                    matches!(step.result, Err(TrialError::CardNotVerified(_))),
                    "Start before the card check was accepted: {:?} after {:?}", step.result, step.history
                );
            }
        }
        prop_assert!(started(&run.events) <= 1);
    }

    /// P-TRI-4 (MISSION.md A: a 7-day trial, converted at its end): the trial lasts exactly
    /// the terms' days; the end timer before `ends_at` is refused with `NotDue` and changes
    /// nothing; after the end with an outcome the status is the outcome's unless a later-created
    /// report says otherwise; and trialing never turns active or past due but by a provider
    /// report or the end's outcome.
    #[test]
    fn p_tri_4_the_trial_lasts_exactly_the_terms_days(terms in any_terms(), acts in trial_acts()) {
        let length = Duration::seconds(i64::from(terms.days) * SECONDS_PER_DAY);
        let mut run = TrialRun::begun(&terms);
        let mut marks: Vec<Mark> = Vec::new();
        let mut ended_with_outcome = false;
        for act in &acts {
            let Some(step) = run.act(act, account_id(1)) else { continue };
            if let (TrialCommand::ReachEnd { at, .. }, Some(ends_at)) = (&step.command, step.before.ends_at)
                && *at < ends_at
            {
                prop_assert_eq!(&step.result, &Err(TrialError::NotDue { ends_at }));
                prop_assert_eq!(&run.state, &step.before);
            }
            let Ok(events) = &step.result else { continue };
            for e in events {
                if let TrialEvent::Started { started_at, ends_at, .. } = e {
                    prop_assert_eq!(*ends_at - *started_at, length);
                }
            }
            if let (Some(start), Some(end)) = (run.state.started_at, run.state.ends_at) {
                prop_assert_eq!(end - start, length);
            }
            let before = step.before.status();
            let after = run.state.status();
            if before == TrialStatus::Trialing && matches!(after, TrialStatus::Active | TrialStatus::PastDue) {
                prop_assert!(
                    matches!(step.command,
                        TrialCommand::ApplyReport { status: Some(_), .. } | TrialCommand::ReachEnd { outcome: Some(_), .. }),
                    "{:?} turned a trialing trial {:?}", step.command, after
                );
            }
            if matches!(step.command, TrialCommand::ReachEnd { outcome: Some(_), .. })
                && events.iter().any(|e| matches!(e, TrialEvent::EndReached { .. }))
            {
                ended_with_outcome = true;
            }
            marks.extend(mark_of(&step.command, events, run.state.ends_at));
            if ended_with_outcome {
                let latest = marks.iter().max().map(|m| m.1);
                prop_assert_eq!(
                    Some(after), latest.map(TrialStatus::from_subscription),
                    "after the end, the latest report by `created` rules: {:?}", marks
                );
            }
        }
    }

    /// P-TRI-3 (issue 4: one trial per customer per tenant): trials claim their card's
    /// fingerprint and their phone in a tenant's registry, reading the claim streams, deciding
    /// with `claim()` and committing only when the streams they write are still at version 0
    /// (the losers re-read and decide again). No key is ever held by two trials, a claim succeeds
    /// iff none of its keys is held by another trial, and a trial that succeeded keeps its keys.
    #[test]
    fn p_tri_3_one_trial_per_card_and_per_phone_of_a_tenant(
        phones in prop::collection::vec(prop::option::of(0usize..2), 6),
        attempts in prop::collection::vec((0usize..6, 0usize..3), 1..14),
        schedule in prop::collection::vec(0usize..64, 0..60),
    ) {
        let pool = [phone(), onramp_domain::phone::PhoneNumber::parse("+12025550123", None).expect("a valid US number")];
        // Each attempt: a trial and its keys.
        let claims: Vec<(u128, Vec<ClaimKey>)> = attempts
            .iter()
            .map(|&(trial, card)| {
                let phone = phones[trial].map(|p| &pool[p]);
                (trial as u128, ClaimKey::of(&format!("fp_{card}"), phone))
            })
            .collect();
        // Where each attempt stands: `None` to read and decide, `Some(free)` to commit.
        let mut phase: Vec<Option<Vec<ClaimKey>>> = vec![None; claims.len()];
        let mut done = vec![false; claims.len()];
        let mut registry: BTreeMap<String, TrialClaim> = BTreeMap::new();
        let mut believed: BTreeMap<String, BTreeSet<u128>> = BTreeMap::new();
        let mut won: BTreeMap<u128, Vec<ClaimKey>> = BTreeMap::new();
        let mut conflicts = 0u32;
        // The schedule interleaves the attempts; then each one left runs to its end.
        let drain = (0..claims.len()).flat_map(|i| std::iter::repeat_n(i, 2 * claims.len() + 4));
        let order: Vec<usize> = schedule.iter().map(|i| i % claims.len()).chain(drain).collect();
        for i in order {
            if done[i] {
                continue;
            }
            let (trial, keys) = &claims[i];
            match phase[i].take() {
                None => {
                    // Read the claim streams and decide.
                    let held: Vec<TrialClaim> = keys.iter().map(|k| registry.get(&k.stream_id()).cloned().unwrap_or_default()).collect();
                    let others = keys.iter().zip(&held).any(|(_, h)| h.trial.is_some_and(|t| t != trial_id(*trial)));
                    match claim(trial_id(*trial), keys.iter().zip(&held)) {
                        Ok(free) => {
                            prop_assert!(!others, "trial {} claimed keys held by another: {:?}", trial, held);
                            let expected: Vec<ClaimKey> = keys.iter().zip(&held).filter(|(_, h)| h.trial.is_none()).map(|(k, _)| k.clone()).collect();
                            prop_assert_eq!(&free, &expected);
                            phase[i] = Some(free);
                        }
                        Err(used) => {
                            prop_assert!(others, "trial {} was refused keys nobody else holds", trial);
                            let holder = registry.get(&used.key.stream_id()).and_then(|c| c.trial);
                            prop_assert!(holder.is_some_and(|t| t != trial_id(*trial)), "refused for a free key {:?}", used.key);
                            done[i] = true;
                        }
                    }
                }
                Some(free) => {
                    // Commit: every stream written must still be at version 0, all or nothing.
                    if free.iter().any(|k| registry.contains_key(&k.stream_id())) {
                        conflicts += 1;
                        prop_assert!(conflicts < 1_000, "claims keep conflicting");
                        continue; // re-read
                    }
                    for k in &free {
                        registry.insert(k.stream_id(), TrialClaim { trial: Some(trial_id(*trial)) });
                    }
                    for k in keys {
                        believed.entry(k.stream_id()).or_default().insert(*trial);
                    }
                    won.entry(*trial).or_default().extend(keys.iter().cloned());
                    done[i] = true;
                }
            }
            for (key, trials) in &believed {
                prop_assert!(trials.len() <= 1, "{} is held by trials {:?}", key, trials);
            }
            for (trial, keys) in &won {
                for k in keys {
                    prop_assert_eq!(registry.get(&k.stream_id()).and_then(|c| c.trial), Some(trial_id(*trial)), "trial {} lost {:?}", trial, k);
                }
            }
        }
        prop_assert!(done.iter().all(|d| *d), "an attempt never finished");
    }
}

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

// ------------------------------------------------------------------------------------------
// Examples
// ------------------------------------------------------------------------------------------

fn start_command(at: OffsetDateTime) -> TrialCommand {
    TrialCommand::Start {
        subscription: subscription(SubscriptionStatus::Trialing, None),
        at,
    }
}

fn not_verified(result: &Result<Vec<TrialEvent>, TrialError>) -> bool {
    matches!(result, Err(TrialError::CardNotVerified(_)))
}

#[test]
fn a_declined_card_can_be_replaced_and_the_trial_starts_once_the_new_card_is_checked() {
    let terms = seven_days();
    let mut history = started_trial(&terms, at(0));
    // Begun, then pm_0 submitted and declined (not authorized).
    history.truncate(3);
    history.push(TrialEvent::CardDeclined {
        decline: decline("pm_0"),
        at: at(10),
    });
    given(TrialDecider, history.clone())
        .when(start_command(at(20)))
        .then_matches("CardNotVerified", not_verified);
    let next = [
        (
            TrialCommand::SubmitCard {
                payment_method: "pm_1".into(),
                at: at(30),
            },
            TrialEvent::CardSubmitted {
                attempt: 2,
                payment_method: "pm_1".into(),
                at: at(30),
            },
        ),
        (
            TrialCommand::RecordAuthorization {
                card: card(1),
                authorization: "pi_1".into(),
                at: at(31),
            },
            TrialEvent::CardAuthorized {
                card: card(1),
                authorization: "pi_1".into(),
                amount: usd(100),
                at: at(31),
            },
        ),
    ];
    for (command, event) in next {
        given(TrialDecider, history.clone())
            .when(command)
            .then(Ok(vec![event.clone()]));
        history.push(event);
    }
    // The $1 hold is still there: no start yet.
    let state = given(TrialDecider, history.clone())
        .when(start_command(at(32)))
        .then_matches("CardNotVerified", not_verified);
    assert_eq!(state.last_decline, None);
    let voided = TrialEvent::AuthorizationVoided {
        authorization: "pi_1".into(),
        at: at(32),
    };
    given(TrialDecider, history.clone())
        .when(TrialCommand::RecordVoid {
            authorization: "pi_1".into(),
            at: at(32),
        })
        .then(Ok(vec![voided.clone()]));
    history.push(voided);
    let state = given(TrialDecider, history)
        .when(start_command(at(33)))
        .then(Ok(vec![TrialEvent::Started {
            subscription: "sub_1".into(),
            status: SubscriptionStatus::Trialing,
            started_at: at(33),
            ends_at: at(33) + Duration::days(7),
        }]));
    assert_eq!(state.status(), TrialStatus::Trialing);
    assert_eq!(state.card, Some(card(1)));
}

#[test]
fn a_trial_canceled_while_trialing_is_canceled_once_and_its_end_changes_nothing() {
    let history = started_trial(&seven_days(), at(0));
    let canceled = TrialEvent::StatusReported {
        mark: StatusMark {
            created: at(3_600).unix_timestamp(),
            status: SubscriptionStatus::Canceled,
            source: "user_cancel".into(),
        },
        at: at(3_600),
    };
    let state = given(TrialDecider, history.clone())
        .when(TrialCommand::Cancel { at: at(3_600) })
        .then(Ok(vec![canceled.clone()]));
    assert_eq!(state.status(), TrialStatus::Canceled);
    let mut history = history;
    history.push(canceled);
    given(TrialDecider, history.clone())
        .when(TrialCommand::Cancel { at: at(3_700) })
        .then(Err(TrialError::Finished(TrialStatus::Canceled)));
    let end = at(0) + Duration::days(7);
    let state = given(TrialDecider, history)
        .when(TrialCommand::ReachEnd {
            outcome: None,
            account: account_id(1),
            at: end,
        })
        .then(Ok(vec![TrialEvent::EndReached { at: end }]));
    assert_eq!(state.status(), TrialStatus::Canceled);
    assert_eq!(state.account, None);
}

#[test]
fn the_reminder_goes_out_once_when_the_timer_comes_before_stripes_trial_will_end() {
    let history = started_trial(&seven_days(), at(0));
    let due = at(0) + Duration::days(4);
    let sent = TrialEvent::ReminderSent {
        mailed: true,
        at: due,
    };
    let state = given(TrialDecider, history.clone())
        .when(TrialCommand::SendReminder { at: due })
        .then(Ok(vec![sent.clone()]));
    assert!(state.reminder_sent);
    let mut history = history;
    history.push(sent);
    let will_end = |status| TrialCommand::ApplyReport {
        event_id: "evt_will_end".into(),
        status,
        trial_will_end: true,
        created: due.unix_timestamp(),
        account: account_id(1),
        at: due + Duration::seconds(5),
    };
    given(TrialDecider, history.clone())
        .when(will_end(None))
        .then(Ok(vec![]));
    // With the subscription's status, only the status is recorded.
    given(TrialDecider, history)
        .when(will_end(Some(SubscriptionStatus::Trialing)))
        .then(Ok(vec![TrialEvent::StatusReported {
            mark: StatusMark {
                created: due.unix_timestamp(),
                status: SubscriptionStatus::Trialing,
                source: "evt_will_end".into(),
            },
            at: due + Duration::seconds(5),
        }]));
}
