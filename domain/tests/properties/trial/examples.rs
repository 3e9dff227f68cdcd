//! Example-based tests of the trial decider.

use super::*;

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
