//! The `Trial` decider: card check, start, reminder, end, provider reports (P-TRI-1, P-TRI-2,
//! P-TRI-4, P-WH-1 in spec/properties.md).

use time::Duration;

use crate::decider::Decider;
use crate::ports::SubscriptionStatus;

use super::model::*;

/// The trial decider. Stateless: the terms travel in the trial's state.
#[derive(Debug, Clone, Copy, Default)]
pub struct TrialDecider;

impl Decider for TrialDecider {
    type State = TrialState;
    type Command = TrialCommand;
    type Event = TrialEvent;
    type Error = TrialError;

    fn decide(
        &self,
        s: &TrialState,
        command: &TrialCommand,
    ) -> Result<Vec<TrialEvent>, TrialError> {
        use TrialCommand as C;
        if s.id.is_none() && !matches!(command, C::Begin { .. }) {
            return Err(TrialError::NotFound);
        }
        match command {
            C::Begin {
                trial,
                session,
                step,
                terms,
                email,
                phone,
                at,
            } => {
                if s.id.is_some() {
                    return Err(TrialError::AlreadyBegun);
                }
                Ok(vec![TrialEvent::Begun {
                    trial: *trial,
                    session: *session,
                    step: step.clone(),
                    terms: terms.clone(),
                    email: email.clone(),
                    phone: phone.clone(),
                    at: *at,
                }])
            }
            C::SubmitCard { payment_method, at } => {
                expect_card(s)?;
                Ok(vec![TrialEvent::CardSubmitted {
                    attempt: s.attempts + 1,
                    payment_method: payment_method.clone(),
                    at: *at,
                }])
            }
            C::RecordCustomer { customer, at } => Ok(if s.customer.is_some() {
                vec![]
            } else {
                vec![TrialEvent::CustomerCreated {
                    customer: customer.clone(),
                    at: *at,
                }]
            }),
            C::RecordDecline { decline, at } => {
                expect_card(s)?;
                Ok(vec![TrialEvent::CardDeclined {
                    decline: decline.clone(),
                    at: *at,
                }])
            }
            C::RecordAuthorization {
                card,
                authorization,
                at,
            } => {
                expect_card(s)?;
                if s.customer.is_none() {
                    return Err(TrialError::NoCustomer);
                }
                if s.authorizations.iter().any(|a| &a.id == authorization) {
                    return Ok(vec![]);
                }
                let amount = s
                    .terms
                    .as_ref()
                    .map(|t| t.verification_amount.clone())
                    .ok_or(TrialError::NotFound)?;
                Ok(vec![TrialEvent::CardAuthorized {
                    card: card.clone(),
                    authorization: authorization.clone(),
                    amount,
                    at: *at,
                }])
            }
            C::RecordVoid { authorization, at } => Ok(
                match s.authorizations.iter().find(|a| &a.id == authorization) {
                    Some(a) if !a.voided => vec![TrialEvent::AuthorizationVoided {
                        authorization: authorization.clone(),
                        at: *at,
                    }],
                    _ => vec![],
                },
            ),
            C::Start { subscription, at } => {
                if s.started_at.is_some() {
                    return Ok(vec![]);
                }
                if s.status() != TrialStatus::AwaitingPaymentMethod {
                    return Err(TrialError::Finished(s.status()));
                }
                if s.card.is_none() {
                    return Err(TrialError::CardNotVerified("no verified card"));
                }
                if !s.all_voided() {
                    return Err(TrialError::CardNotVerified(
                        "the card check's authorization is not voided yet",
                    ));
                }
                let days = s.terms.as_ref().map_or(0, |t| t.days);
                Ok(vec![TrialEvent::Started {
                    subscription: subscription.id.clone(),
                    status: subscription.status,
                    started_at: *at,
                    ends_at: *at + Duration::seconds(i64::from(days) * SECONDS_PER_DAY),
                }])
            }
            C::SendReminder { at } => Ok(reminder(s, *at).into_iter().collect()),
            C::ApplyReport {
                event_id,
                status,
                trial_will_end,
                created,
                account,
                at,
            } => {
                let mut events = Vec::new();
                if *trial_will_end {
                    events.extend(reminder(s, *at));
                }
                if let Some(status) = status {
                    events.extend(report(
                        s,
                        StatusMark {
                            created: *created,
                            status: *status,
                            source: event_id.clone(),
                        },
                        Some(*account),
                        *at,
                    ));
                }
                Ok(events)
            }
            C::ReachEnd {
                outcome,
                account,
                at,
            } => {
                let Some(ends_at) = s.ends_at else {
                    return Ok(vec![]);
                };
                if *at < ends_at {
                    return Err(TrialError::NotDue { ends_at });
                }
                if s.end_reached {
                    return Ok(vec![]);
                }
                let mut events = vec![TrialEvent::EndReached { at: *at }];
                if let Some(status) = outcome {
                    events.extend(report(
                        s,
                        StatusMark {
                            created: ends_at.unix_timestamp(),
                            status: *status,
                            source: "trial_end".into(),
                        },
                        Some(*account),
                        *at,
                    ));
                }
                Ok(events)
            }
            C::Cancel { at } => {
                let status = s.status();
                if status == TrialStatus::Canceled {
                    return Err(TrialError::Finished(status));
                }
                Ok(report(
                    s,
                    StatusMark {
                        created: at.unix_timestamp(),
                        status: SubscriptionStatus::Canceled,
                        source: "user_cancel".into(),
                    },
                    None,
                    *at,
                ))
            }
        }
    }

    fn evolve(&self, mut s: TrialState, event: &TrialEvent) -> TrialState {
        match event {
            TrialEvent::Begun {
                trial,
                session,
                step,
                terms,
                email,
                phone,
                ..
            } => {
                s.id = Some(*trial);
                s.session_id = Some(*session);
                s.step = Some(step.clone());
                s.terms = Some(terms.clone());
                s.email = Some(email.clone());
                s.phone = phone.clone();
            }
            TrialEvent::CardSubmitted { attempt, .. } => s.attempts = *attempt,
            TrialEvent::CustomerCreated { customer, .. } => s.customer = Some(customer.clone()),
            TrialEvent::CardDeclined { decline, .. } => s.last_decline = Some(decline.clone()),
            TrialEvent::CardAuthorized {
                card,
                authorization,
                amount,
                ..
            } => {
                s.card = Some(card.clone());
                s.last_decline = None;
                s.authorizations.push(Authorization {
                    id: authorization.clone(),
                    amount: amount.clone(),
                    voided: false,
                });
            }
            TrialEvent::AuthorizationVoided { authorization, .. } => {
                for a in s
                    .authorizations
                    .iter_mut()
                    .filter(|a| &a.id == authorization)
                {
                    a.voided = true;
                }
            }
            TrialEvent::Started {
                subscription,
                status,
                started_at,
                ends_at,
            } => {
                s.subscription = Some(subscription.clone());
                s.started_at = Some(*started_at);
                s.ends_at = Some(*ends_at);
                let start = StatusMark {
                    created: started_at.unix_timestamp(),
                    status: *status,
                    source: "start".into(),
                };
                if s.mark.as_ref().is_none_or(|m| start > *m) {
                    s.mark = Some(start);
                }
            }
            TrialEvent::ReminderSent { .. } => s.reminder_sent = true,
            TrialEvent::StatusReported { mark, .. } => {
                if mark.status == SubscriptionStatus::Active {
                    s.converted = true;
                }
                if s.mark.as_ref().is_none_or(|m| mark > m) {
                    s.mark = Some(mark.clone());
                }
            }
            TrialEvent::EndReached { .. } => s.end_reached = true,
            TrialEvent::AccountOpened { account, .. } => s.account = Some(*account),
        }
        s
    }
}

/// A card may be submitted, declined or authorized only while no card is verified.
fn expect_card(s: &TrialState) -> Result<(), TrialError> {
    if s.card.is_some() || s.status() != TrialStatus::AwaitingPaymentMethod {
        let status = if s.card.is_some() && s.status() == TrialStatus::AwaitingPaymentMethod {
            TrialStatus::AwaitingPaymentMethod
        } else {
            s.status()
        };
        return Err(TrialError::CardNotExpected(status));
    }
    Ok(())
}

/// The reminder, once per started trial; it is mailed only while the trial is still trialing
/// (a reminder that arrives after the conversion is recorded, not mailed), so the final state
/// does not depend on the order of reports (P-WH-1).
fn reminder(s: &TrialState, at: time::OffsetDateTime) -> Option<TrialEvent> {
    (!s.reminder_sent && s.started_at.is_some()).then_some(TrialEvent::ReminderSent {
        mailed: s.status() == TrialStatus::Trialing,
        at,
    })
}

/// A status report: recorded when it is news (a later mark, or the first `active`), with the
/// account opened on the first conversion.
fn report(
    s: &TrialState,
    mark: StatusMark,
    account: Option<crate::ids::CustomerId>,
    at: time::OffsetDateTime,
) -> Vec<TrialEvent> {
    let later = s.mark.as_ref().is_none_or(|m| mark > *m);
    let converts = mark.status == SubscriptionStatus::Active && !s.converted;
    if !later && !converts {
        return vec![];
    }
    let mut events = vec![TrialEvent::StatusReported { mark, at }];
    if let Some(account) = account.filter(|_| converts && s.account.is_none())
        && s.started_at.is_some()
    {
        events.push(TrialEvent::AccountOpened { account, at });
    }
    events
}
