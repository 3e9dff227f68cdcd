//! End-user session tokens: P-TOK-1.

use onramp_domain::decider::Decider;
use onramp_domain::ids::TenantId;
use onramp_domain::token::{
    Platform, TokenCommand, TokenDecider, TokenError, TokenEvent, TokenId, TokenState, authorize,
};
use proptest::prelude::*;
use time::Duration;

use super::link::{hash, session};
use crate::support::*;

fn tenant(n: u8) -> TenantId {
    TenantId::new(uuid::Uuid::from_u128(0x7e4a_0000 + u128::from(n)))
}

fn platform(n: u8) -> Platform {
    Platform::new(["web", "partner_app"][usize::from(n % 2)])
}

fn issued(decider: &TokenDecider) -> Vec<TokenEvent> {
    decider
        .decide(
            &TokenState::default(),
            &TokenCommand::Issue {
                token_id: TokenId::new(uuid::Uuid::from_u128(0x70c0_0001)),
                tenant: tenant(0),
                session_id: session(0),
                platform: platform(0),
                token_hash: hash(9),
                at: t0(),
            },
        )
        .expect("a new token is issued")
}

#[derive(Debug, Clone, Copy)]
enum TokenInput {
    Use,
    Refresh(u8),
    Revoke,
    Authorize(u8, u8, u8),
}

fn token_input() -> impl Strategy<Value = TokenInput> {
    prop_oneof![
        4 => Just(TokenInput::Use),
        2 => (10u8..20).prop_map(TokenInput::Refresh),
        1 => Just(TokenInput::Revoke),
        4 => (0u8..2, 0u8..2, 0u8..2).prop_map(|(t, p, s)| TokenInput::Authorize(t, p, s)),
    ]
}

proptest! {
    #![proptest_config(config(256))]

    /// P-TOK-1: a token idle for more than its timeout is refused, a refreshed (or used) one
    /// lives on, and a token never authorizes another tenant's, platform's or session's use.
    #[test]
    fn p_tok_1_idle_tokens_are_refused_refreshed_ones_live_and_none_crosses_tenants(
        timeout in prop::sample::select(vec![60i64, 3_600]),
        inputs in prop::collection::vec(
            (token_input(), prop_oneof![4 => 0i64..1_800, 1 => prop::sample::select(vec![59i64, 60, 61, 3_599, 3_600, 3_601]), 1 => 3_000i64..8_000]),
            1..40),
    ) {
        let decider = TokenDecider { idle_timeout: Duration::seconds(timeout) };
        let mut state = decider.fold(&issued(&decider));
        let (mut now, mut last_seen, mut revoked) = (0i64, 0i64, false);
        for (input, pause) in &inputs {
            now += pause;
            let live = if revoked {
                Err(TokenError::Revoked)
            } else if now - last_seen > timeout {
                Err(TokenError::Expired)
            } else {
                Ok(())
            };
            let command = match input {
                TokenInput::Use => TokenCommand::Use { at: at(now) },
                TokenInput::Refresh(h) => TokenCommand::Refresh { new_token_hash: hash(*h), at: at(now) },
                TokenInput::Revoke => TokenCommand::Revoke { at: at(now) },
                TokenInput::Authorize(t, p, s) => {
                    let expected = if *t != 0 {
                        Err(TokenError::Mismatch("tenant"))
                    } else if *p != 0 {
                        Err(TokenError::Mismatch("platform"))
                    } else if *s != 0 {
                        Err(TokenError::Mismatch("session"))
                    } else {
                        live.clone()
                    };
                    let got = authorize(&decider, &state, tenant(*t), &platform(*p), session(*s), at(now));
                    prop_assert_eq!(got, expected);
                    continue;
                }
            };
            let result = decider.decide(&state, &command);
            match input {
                TokenInput::Revoke => {
                    prop_assert!(result.is_ok());
                    revoked = true;
                }
                _ => {
                    prop_assert_eq!(result.clone().map(|_| ()), live.clone());
                    if live.is_ok() {
                        last_seen = now;
                    }
                }
            }
            if let Ok(events) = result {
                for event in &events {
                    state = decider.evolve(state, event);
                }
            }
            if let TokenInput::Refresh(h) = input && live.is_ok() {
                prop_assert_eq!(state.token_hash, Some(hash(*h)));
            }
        }
    }
}

#[test]
fn a_token_idle_for_an_hour_and_a_second_is_expired_and_a_refreshed_one_is_not() {
    let decider = TokenDecider::default();
    given(decider, issued(&decider))
        .when(TokenCommand::Use { at: at(3_601) })
        .then(Err(TokenError::Expired));
    let mut events = issued(&decider);
    events.push(TokenEvent::Refreshed {
        token_hash: hash(3),
        at: at(3_000),
    });
    let state = given(decider, events)
        .when(TokenCommand::Use { at: at(6_000) })
        .then(Ok(vec![TokenEvent::Used { at: at(6_000) }]));
    assert_eq!(
        authorize(
            &decider,
            &state,
            tenant(0),
            &platform(0),
            session(0),
            at(6_000)
        ),
        Ok(())
    );
    assert_eq!(
        authorize(
            &decider,
            &state,
            tenant(1),
            &platform(0),
            session(0),
            at(6_000)
        ),
        Err(TokenError::Mismatch("tenant"))
    );
}
