//! Channel link codes: P-LNK-1.

use onramp_domain::decider::Decider;
use onramp_domain::ids::SessionId;
use onramp_domain::link::{LinkCommand, LinkDecider, LinkError, LinkEvent, LinkState};
use onramp_domain::verification::CodeHash;
use proptest::prelude::*;

use crate::support::*;

pub(super) fn session(n: u8) -> SessionId {
    SessionId::new(uuid::Uuid::from_u128(0x5e55_2000 + u128::from(n)))
}

pub(super) fn hash(n: u8) -> CodeHash {
    CodeHash([n; 32])
}

#[derive(Debug, Clone)]
enum LinkInput {
    Request(u8, u8),
    Verify(u8),
}

fn link_input() -> impl Strategy<Value = LinkInput> {
    prop_oneof![
        1 => (0u8..3, 0u8..3).prop_map(|(s, c)| LinkInput::Request(s, c)),
        4 => (0u8..3).prop_map(LinkInput::Verify),
    ]
}

proptest! {
    #![proptest_config(config(256))]

    /// P-LNK-1: a link code links only the session that asked for it, once, within its TTL
    /// and before 5 wrong attempts lock it; the right code under those conditions always links.
    #[test]
    fn p_lnk_1_a_link_code_links_only_its_session_once_within_its_ttl(
        inputs in prop::collection::vec(
            (link_input(), prop_oneof![4 => 0i64..60, 1 => prop::sample::select(vec![299i64, 300, 301]), 1 => 0i64..400]),
            1..40),
    ) {
        let decider = LinkDecider::default();
        let mut state = LinkState::default();
        let mut now = 0;
        // The model: the current code (asker, code, asked at, wrong attempts, used).
        let mut model: Option<(u8, u8, i64, u32, bool)> = None;
        for (input, pause) in &inputs {
            now += pause;
            let command = match input {
                LinkInput::Request(s, c) => LinkCommand::Request { session_id: session(*s), code_hash: hash(*c), at: at(now) },
                LinkInput::Verify(c) => LinkCommand::Verify { code_hash: hash(*c), at: at(now) },
            };
            let result = decider.decide(&state, &command);
            match input {
                LinkInput::Request(s, c) => {
                    prop_assert!(result.is_ok());
                    model = Some((*s, *c, now, 0, false));
                }
                LinkInput::Verify(typed) => {
                    let expected = match model.as_mut() {
                        None => Err(LinkError::NoCode),
                        Some((_, _, _, _, true)) => Err(LinkError::AlreadyUsed),
                        Some((_, _, _, wrong, _)) if *wrong >= 5 => Err(LinkError::Locked),
                        Some((_, _, asked, _, _)) if now - *asked > 300 => Err(LinkError::Expired),
                        Some((asker, code, _, _, used)) if code == typed => {
                            *used = true;
                            Ok(vec![LinkEvent::Linked { session_id: session(*asker), at: at(now) }])
                        }
                        Some((_, _, _, wrong, _)) => {
                            *wrong += 1;
                            let mut events = vec![LinkEvent::WrongCode { attempts: *wrong, at: at(now) }];
                            if *wrong == 5 {
                                events.push(LinkEvent::Locked { at: at(now) });
                            }
                            Ok(events)
                        }
                    };
                    prop_assert_eq!(&result, &expected);
                }
            }
            if let Ok(events) = result {
                for event in &events {
                    state = decider.evolve(state, event);
                }
            }
        }
    }
}

#[test]
fn a_new_request_replaces_the_old_code() {
    let decider = LinkDecider::default();
    let requested = |s, c, t| LinkEvent::CodeRequested {
        session_id: session(s),
        code_hash: hash(c),
        at: at(t),
    };
    given(decider, [requested(0, 1, 0), requested(1, 2, 10)])
        .when(LinkCommand::Verify {
            code_hash: hash(1),
            at: at(20),
        })
        .then(Ok(vec![LinkEvent::WrongCode {
            attempts: 1,
            at: at(20),
        }]));
    let state = given(decider, [requested(0, 1, 0), requested(1, 2, 10)])
        .when(LinkCommand::Verify {
            code_hash: hash(2),
            at: at(310),
        })
        .then(Ok(vec![LinkEvent::Linked {
            session_id: session(1),
            at: at(310),
        }]));
    assert_eq!(state.linked, vec![session(1)]);
}
