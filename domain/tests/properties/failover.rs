//! P-FO-1..4: provider chains, circuit breakers and one code per verification across
//! providers (issue 3, spec/properties.md).

use onramp_domain::decider::Decider;
use onramp_domain::failover::{
    Availability, BreakerCommand, BreakerDecider, BreakerPolicy, BreakerState, Pick, pick,
};
use onramp_domain::ids::VerificationId;
use onramp_domain::phone::PhoneNumber;
use onramp_domain::ports::{CodeOwner, ProviderId, ReportedStatus};
use onramp_domain::verification::{
    AttemptResult, CodeHash, SendAllowance, VerificationCommand, VerificationDecider,
    VerificationEvent, VerificationState,
};
use proptest::prelude::*;
use time::macros::datetime;
use time::{Duration, OffsetDateTime};
use uuid::Uuid;

const T0: OffsetDateTime = datetime!(2026-11-21 10:00 UTC);

const PROVIDERS: [ProviderId; 3] = [ProviderId::Telnyx, ProviderId::Twilio, ProviderId::Sinch];

/// One call's outcome as a driver sees it.
#[derive(Debug, Clone, Copy)]
enum CallOutcome {
    Success,
    Failure,
}

fn arb_chain() -> impl Strategy<Value = Vec<ProviderId>> {
    Just(PROVIDERS.to_vec())
        .prop_shuffle()
        .prop_flat_map(|v| (1..=v.len()).prop_map(move |n| v[..n].to_vec()))
}

fn arb_availability() -> impl Strategy<Value = Availability> {
    prop_oneof![
        Just(Availability::Available),
        (1i64..600).prop_map(|s| Availability::Open {
            until: T0 + Duration::seconds(s)
        }),
        Just(Availability::ProbeDue),
        Just(Availability::ProbeInFlight),
    ]
}

fn callable(a: Availability) -> bool {
    matches!(a, Availability::Available | Availability::ProbeDue)
}

proptest! {
    /// P-FO-1: a breaker that is open and cooling down (or whose probe is in flight) never lets
    /// a call through: over any sequence of call outcomes and clock steps, every call the
    /// breaker allowed happened when `availability` said so, and an open breaker refuses calls
    /// until `open_until`.
    #[test]
    fn p_fo_1_no_call_goes_to_a_provider_whose_breaker_is_open_before_its_cooldown(
        steps in prop::collection::vec((0i64..90, any::<bool>()), 1..60),
        threshold in 1u32..5,
        cooldown in 1i64..120,
    ) {
        let policy = BreakerPolicy {
            failure_threshold: threshold,
            cooldown: Duration::seconds(cooldown),
            probe_timeout: Duration::seconds(30),
        };
        let d = BreakerDecider { policy };
        let mut state = BreakerState::default();
        let mut now = T0;
        let mut open_until: Option<OffsetDateTime> = None;
        for (advance, ok) in steps {
            now += Duration::seconds(advance);
            let availability = state.availability(&policy, now);
            if let Some(until) = open_until.filter(|u| now < *u) {
                prop_assert!(!callable(availability), "called at {now} while open until {until}");
            }
            let (choice, _) = pick(&[ProviderId::Telnyx], &[], |_| availability);
            let Pick::Use { probe, .. } = choice else { continue };
            prop_assert!(callable(availability));
            if probe {
                let events = d.decide(&state, &BreakerCommand::BeginProbe { at: now }).unwrap();
                state = events.iter().fold(state, |s, e| d.evolve(s, e));
                prop_assert!(!callable(state.availability(&policy, now)), "a second probe could start");
            }
            let outcome = if ok { CallOutcome::Success } else { CallOutcome::Failure };
            let command = match outcome {
                CallOutcome::Success => BreakerCommand::RecordSuccess { at: now },
                CallOutcome::Failure => BreakerCommand::RecordFailure { reason: "http 503".into(), at: now },
            };
            let events = d.decide(&state, &command).unwrap();
            state = events.iter().fold(state, |s, e| d.evolve(s, e));
            open_until = state.open_until;
        }
    }

    /// P-FO-2: the pick is the first provider of the configured chain that was not tried and
    /// whose breaker lets a call through; every provider before it was tried or skipped as open.
    #[test]
    fn p_fo_2_providers_are_tried_in_the_configured_order_open_ones_skipped(
        chain in arb_chain(),
        states in prop::collection::vec(arb_availability(), 3),
        tried_mask in prop::collection::vec(any::<bool>(), 3),
    ) {
        let availability = |p: ProviderId| states[PROVIDERS.iter().position(|x| *x == p).unwrap_or(0)];
        let tried: Vec<ProviderId> = chain.iter().zip(&tried_mask).filter(|(_, t)| **t).map(|(p, _)| *p).collect();
        let (choice, skipped) = pick(&chain, &tried, availability);
        let expected = chain.iter().copied().find(|p| !tried.contains(p) && callable(availability(*p)));
        match choice {
            Pick::Use { provider, probe } => {
                prop_assert_eq!(Some(provider), expected);
                prop_assert_eq!(probe, availability(provider) == Availability::ProbeDue);
                let before: Vec<ProviderId> = chain.iter().copied().take_while(|p| *p != provider).collect();
                for p in before {
                    prop_assert!(tried.contains(&p) || skipped.iter().any(|s| s.provider == p));
                }
            }
            Pick::Exhausted => prop_assert_eq!(expected, None),
        }
    }

    /// P-FO-3: a send fails (the pick is exhausted) only when every provider of the chain was
    /// tried or is open; and the skipped list names exactly the untried providers refused by
    /// their breaker.
    #[test]
    fn p_fo_3_a_send_fails_only_when_every_provider_failed_or_is_open(
        chain in arb_chain(),
        states in prop::collection::vec(arb_availability(), 3),
        tried_mask in prop::collection::vec(any::<bool>(), 3),
    ) {
        let availability = |p: ProviderId| states[PROVIDERS.iter().position(|x| *x == p).unwrap_or(0)];
        let tried: Vec<ProviderId> = chain.iter().zip(&tried_mask).filter(|(_, t)| **t).map(|(p, _)| *p).collect();
        let (choice, skipped) = pick(&chain, &tried, availability);
        if choice == Pick::Exhausted {
            for p in &chain {
                prop_assert!(tried.contains(p) || !callable(availability(*p)));
            }
            let refused: Vec<ProviderId> = chain.iter().copied().filter(|p| !tried.contains(p)).collect();
            prop_assert_eq!(skipped.iter().map(|s| s.provider).collect::<Vec<_>>(), refused);
        }
    }

    /// P-FO-4: whatever providers fail, accept or report, a verification keeps one code: no
    /// failover event carries a new code hash, the code hash never changes without a resend, and
    /// every accepted attempt of a delivery carries the sealed code of the first one.
    #[test]
    fn p_fo_4_a_verification_keeps_one_code_across_all_its_deliveries(
        steps in prop::collection::vec((0usize..3, 0u8..5, 0i64..20), 1..40),
    ) {
        let d = VerificationDecider::default();
        let id = VerificationId::new(Uuid::from_u128(9));
        let phone = PhoneNumber::parse("+12025550123", None).unwrap();
        let start = VerificationCommand::Start {
            id, phone, session_id: None, channel: None,
            code_hash: CodeHash([7; 32]), quota: SendAllowance::Allowed, at: T0,
        };
        let mut state: VerificationState = d.fold(&d.decide(&VerificationState::default(), &start).unwrap());
        let hash = state.code_hash;
        let mut now = T0;
        let mut refs = 0u32;
        for (provider, action, advance) in steps {
            now += Duration::seconds(advance);
            let provider = PROVIDERS[provider];
            let Some(delivery) = state.deliveries.last().cloned() else { break };
            let command = match action {
                0 => { refs += 1; VerificationCommand::RecordAttempt {
                    seq: delivery.seq, provider, skipped: vec![], probe: false,
                    result: AttemptResult::Accepted { provider_ref: format!("ref{refs}"), code_owner: CodeOwner::Onramp, sealed_code: "sealed-1".into(), delivered: false },
                    circuit_opened_until: None, quota: SendAllowance::Allowed, at: now } }
                1 | 2 => VerificationCommand::RecordAttempt {
                    seq: delivery.seq, provider, skipped: vec![], probe: false,
                    result: AttemptResult::Failed { reason: "unavailable: http 503".into(), moves_on: action == 1 },
                    circuit_opened_until: None, quota: SendAllowance::Allowed, at: now },
                3 => VerificationCommand::ApplyReport {
                    provider, provider_ref: format!("ref{refs}"),
                    status: ReportedStatus::Failed { reason: "undelivered".into() },
                    quota: SendAllowance::Allowed, at: now },
                _ => VerificationCommand::ApplyReport {
                    provider, provider_ref: format!("ref{refs}"), status: ReportedStatus::Delivered,
                    quota: SendAllowance::Allowed, at: now },
            };
            let Ok(events) = d.decide(&state, &command) else { continue };
            for e in &events {
                if let VerificationEvent::CodeSent { code_hash, generation, .. } = e {
                    prop_assert_eq!(*code_hash, None, "a failover sent a new code");
                    prop_assert_eq!(*generation, 1);
                }
                if let VerificationEvent::ProviderAccepted { sealed_code, .. } = e {
                    prop_assert_eq!(sealed_code.as_str(), "sealed-1");
                }
            }
            state = events.iter().fold(state, |s, e| d.evolve(s, e));
            prop_assert_eq!(state.code_hash, hash);
            prop_assert_eq!(state.generation, 1);
        }
    }
}
