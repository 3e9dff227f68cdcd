//! Card-gated trial properties P-TRI-1..4 and P-WH-1 for trials (spec/properties.md, issue 4)
//! and example-based decider tests.
//!
//! This module holds P-TRI-1..4 and the helpers reading events; `webhooks` holds P-WH-1 for
//! trials (Stripe histories in any order), `examples` the example-based decider tests.

mod examples;
mod webhooks;

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
