//! The code delivery jobs against mocks: the SMS fallback after a rejected voice call, failover
//! to the next provider, and a delivery every provider failed.

use super::*;

fn delivery_job(verification: VerificationId, attempts: u32) -> ClaimedJob {
    ClaimedJob {
        id: JobId::new(Uuid::from_u128(55)),
        tenant: tenant(),
        kind: DELIVER_CODE_JOB.into(),
        payload: json!({ "verification_id": verification, "seq": 1, "channel": "voice", "code": hex::encode("123456") }),
        attempts,
        max_attempts: 3,
    }
}

fn store_with_voice_verification(id: VerificationId) -> MockEventStore {
    let (state, quota) = voice_verification(id);
    let quota = serde_json::to_value(quota).unwrap();
    let mut store = MockEventStore::new();
    reads(&mut store, move |_, stream| {
        Ok(match stream.kind {
            AggregateKind::Verification => Some(loaded(stream.kind, &stream.id, 2, state.clone())),
            AggregateKind::PhoneQuota => Some(loaded(stream.kind, &stream.id, 1, quota.clone())),
            _ => None,
        })
    });
    store
}

#[tokio::test]
async fn a_rejected_voice_call_queues_the_sms_fallback_with_the_same_code_in_the_jobs_completing_commit()
 {
    let id = VerificationId::new(Uuid::from_u128(8));
    let mut store = store_with_voice_verification(id);
    store
        .expect_commit()
        .withf(|c| {
            let fallback = c.jobs.iter().find(|j| j.kind == DELIVER_CODE_JOB);
            c.complete_job == Some(JobId::new(Uuid::from_u128(55)))
                && fallback.is_some_and(|j| {
                    j.payload["channel"] == "sms" && j.payload["code"] == hex::encode("123456")
                })
                && c.streams
                    .iter()
                    .any(|s| s.stream.kind == AggregateKind::PhoneQuota && s.expected_version == 1)
                && c.streams.iter().any(|s| {
                    s.stream.kind == AggregateKind::Verification && s.expected_version == 2
                })
        })
        .times(1)
        .returning(|_| Ok(()));
    let mut sender = MockVerificationSender::new();
    sender.expect_provider().return_const(ProviderId::Telnyx);
    sender
        .expect_send_code()
        .withf(|d| {
            d.channel == Channel::Voice
                && d.code.expose() == "123456"
                && d.delivery_id == JobId::new(Uuid::from_u128(55))
        })
        .times(1)
        .returning(|_| Err(ProviderError::rejected("call_not_answered", "no answer")));
    let s = services(store, sender);
    let outcome = s
        .run_job(&delivery_job(id, 1), |_| time::Duration::seconds(1))
        .await
        .unwrap();
    assert_eq!(outcome, JobOutcome::Done);
}

#[tokio::test]
async fn an_unavailable_provider_fails_over_with_a_new_job_for_the_same_delivery_and_counts_against_its_breaker()
 {
    let id = VerificationId::new(Uuid::from_u128(8));
    let mut store = store_with_voice_verification(id);
    store
        .expect_commit()
        .withf(|c| {
            let next = c.jobs.iter().find(|j| j.kind == DELIVER_CODE_JOB);
            c.complete_job == Some(JobId::new(Uuid::from_u128(55)))
                && next.is_some_and(|j| {
                    j.payload["seq"] == 1
                        && j.payload["channel"] == "voice"
                        && j.payload["code"] == hex::encode("123456")
                })
                && c.streams.iter().any(|s| {
                    s.stream.kind == AggregateKind::Breaker
                        && s.stream.id == "telnyx:voice"
                        && s.events[0].event_type == "breaker.failure_counted"
                })
                && c.streams.iter().any(|s| {
                    s.stream.kind == AggregateKind::Verification
                        && s.events[0].event_type == "verification.provider_failed"
                })
        })
        .times(1)
        .returning(|_| Ok(()));
    let mut sender = MockVerificationSender::new();
    sender.expect_provider().return_const(ProviderId::Telnyx);
    sender.expect_send_code().times(1).returning(|_| {
        Err(ProviderError::Unavailable {
            retry_after: None,
            reason: "http 503".into(),
        })
    });
    let s = services(store, sender);
    assert_eq!(
        s.run_job(&delivery_job(id, 1), |_| time::Duration::seconds(1))
            .await
            .unwrap(),
        JobOutcome::Done
    );
}

#[tokio::test]
async fn a_delivery_every_provider_failed_falls_back_to_sms_without_calling_anyone() {
    let id = VerificationId::new(Uuid::from_u128(8));
    let (mut state, quota) = voice_verification(id);
    state["deliveries"][0]["attempts"] = json!([{
        "provider": "telnyx", "provider_ref": null, "code_owner": null,
        "failure": "unavailable: http 503", "skipped": [], "probe": false,
        "at": "2026-11-21T10:00:00Z"
    }]);
    let quota = serde_json::to_value(quota).unwrap();
    let mut store = MockEventStore::new();
    reads(&mut store, move |_, stream| {
        Ok(match stream.kind {
            AggregateKind::Verification => Some(loaded(stream.kind, &stream.id, 2, state.clone())),
            AggregateKind::PhoneQuota => Some(loaded(stream.kind, &stream.id, 1, quota.clone())),
            _ => None,
        })
    });
    store
        .expect_commit()
        .withf(|c| {
            c.jobs
                .iter()
                .any(|j| j.kind == DELIVER_CODE_JOB && j.payload["channel"] == "sms")
        })
        .times(1)
        .returning(|_| Ok(()));
    let mut sender = MockVerificationSender::new();
    sender.expect_provider().return_const(ProviderId::Telnyx);
    sender.expect_send_code().times(0);
    let s = services(store, sender);
    assert_eq!(
        s.run_job(&delivery_job(id, 1), |_| time::Duration::seconds(1))
            .await
            .unwrap(),
        JobOutcome::Done
    );
}
