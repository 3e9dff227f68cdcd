//! `SandboxVerificationSender` through the `VerificationSender` port: magic numbers,
//! idempotency by delivery id, and tenant isolation of the inbox.
#![allow(clippy::unwrap_used)] // helpers outside #[test] fns unwrap as well

use std::sync::Arc;

use onramp_domain::ids::{JobId, TenantId};
use onramp_domain::phone::{PhoneError, PhoneNumber};
use onramp_domain::ports::{
    Clock, CodeDelivery, CodeOwner, DeliveryReceipt, ProviderError, ProviderId, VerificationSender,
};
use onramp_domain::verification::{Channel, OtpCode};
use onramp_sandbox::{
    DeliveryIdReused, SandboxInbox, SandboxStatus, SandboxVerificationSender, magic,
};
use time::OffsetDateTime;
use time::macros::datetime;

struct FixedClock(OffsetDateTime);

impl Clock for FixedClock {
    fn now(&self) -> OffsetDateTime {
        self.0
    }
}

const NOW: OffsetDateTime = datetime!(2026-03-01 12:00:00 UTC);

fn tenant(n: u128) -> TenantId {
    TenantId::new(uuid::Uuid::from_u128(n))
}

fn delivery(id: u128, tenant: TenantId, to: &str, channel: Channel) -> CodeDelivery {
    CodeDelivery {
        delivery_id: JobId::new(uuid::Uuid::from_u128(id)),
        tenant,
        to: PhoneNumber::parse(to, None).unwrap(),
        channel,
        code: OtpCode::parse("042917").unwrap(),
    }
}

fn sandbox() -> (SandboxInbox, SandboxVerificationSender) {
    let inbox = SandboxInbox::in_memory();
    (
        inbox.clone(),
        SandboxVerificationSender::new(inbox, Arc::new(FixedClock(NOW))),
    )
}

fn receipt_for(d: &CodeDelivery) -> DeliveryReceipt {
    DeliveryReceipt {
        provider: ProviderId::Sandbox,
        code_owner: CodeOwner::Onramp,
        provider_ref: format!("sbx_{}", d.delivery_id),
    }
}

fn rejected_code(result: Result<DeliveryReceipt, ProviderError>) -> String {
    match result {
        Err(ProviderError::Rejected { code, .. }) => code,
        other => panic!("expected a rejection, got {other:?}"),
    }
}

#[test]
fn the_magic_numbers_are_valid_phone_numbers() {
    for n in [
        magic::VOICE_NEVER_ANSWERED,
        magic::SMS_ALWAYS_FAILS,
        magic::UNDELIVERABLE,
        magic::PROVIDER_UNAVAILABLE,
    ] {
        let parsed = PhoneNumber::parse(n, None).unwrap();
        assert_eq!(
            parsed.as_str(),
            n,
            "magic numbers must already be in E.164 form"
        );
    }
    for last in 100..200 {
        let n = format!("+1202555{last:04}");
        assert!(PhoneNumber::parse(&n, None).is_ok(), "{n}");
    }
}

/// Why the magic numbers are not in Ofcom's drama range: libphonenumber rejects it. If this
/// starts failing, the metadata changed and the UK range could be used instead.
#[test]
fn the_uk_drama_mobile_range_is_rejected_by_libphonenumber() {
    assert_eq!(
        PhoneNumber::parse("+447700900001", None),
        Err(PhoneError::Invalid)
    );
}

#[tokio::test]
async fn provider_is_sandbox() {
    assert_eq!(sandbox().1.provider(), ProviderId::Sandbox);
}

#[tokio::test]
async fn an_ordinary_number_gets_the_code_on_both_channels() {
    let (inbox, sender) = sandbox();
    let t = tenant(1);
    let voice = delivery(1, t, "+12025550123", Channel::Voice);
    let sms = delivery(2, t, "+12025550123", Channel::Sms);
    assert_eq!(sender.send_code(&voice).await.unwrap(), receipt_for(&voice));
    assert_eq!(sender.send_code(&sms).await.unwrap(), receipt_for(&sms));

    let seen = inbox.messages_to(t, &voice.to);
    assert_eq!(seen.len(), 2);
    assert_eq!(seen[0].id, voice.delivery_id.to_string());
    assert_eq!(seen[0].channel, Channel::Voice);
    assert_eq!(
        seen[0].body,
        "Your Onramp verification code is 0, 4, 2, 9, 1, 7. Again, your code is 0, 4, 2, 9, 1, 7."
    );
    assert_eq!(seen[1].body, "Your Onramp verification code is 042917.");
    for m in &seen {
        assert_eq!(
            (m.status, m.failure.as_deref(), m.code.as_str()),
            (SandboxStatus::Delivered, None, "042917")
        );
        assert_eq!(
            (m.tenant, m.to.as_str(), m.created_at),
            (t, "+12025550123", NOW)
        );
    }
}

#[tokio::test]
async fn an_unanswered_voice_call_is_recorded_as_failed_and_sms_still_arrives() {
    let (inbox, sender) = sandbox();
    let t = tenant(1);
    let voice = delivery(1, t, magic::VOICE_NEVER_ANSWERED, Channel::Voice);
    let sms = delivery(2, t, magic::VOICE_NEVER_ANSWERED, Channel::Sms);
    assert_eq!(
        rejected_code(sender.send_code(&voice).await),
        "call_not_answered"
    );
    assert_eq!(sender.send_code(&sms).await.unwrap(), receipt_for(&sms));

    let seen = inbox.messages_to(t, &voice.to);
    let statuses: Vec<_> = seen
        .iter()
        .map(|m| (m.channel, m.status, m.failure.as_deref()))
        .collect();
    assert_eq!(
        statuses,
        [
            (
                Channel::Voice,
                SandboxStatus::Failed,
                Some("call_not_answered")
            ),
            (Channel::Sms, SandboxStatus::Delivered, None)
        ]
    );
}

#[tokio::test]
async fn sms_to_the_sms_failure_number_is_rejected_but_voice_is_delivered() {
    let (_, sender) = sandbox();
    let t = tenant(1);
    let sms = delivery(1, t, magic::SMS_ALWAYS_FAILS, Channel::Sms);
    let voice = delivery(2, t, magic::SMS_ALWAYS_FAILS, Channel::Voice);
    assert_eq!(
        rejected_code(sender.send_code(&sms).await),
        "sms_undelivered"
    );
    assert_eq!(sender.send_code(&voice).await.unwrap(), receipt_for(&voice));
}

#[tokio::test]
async fn the_undeliverable_number_is_rejected_on_every_channel() {
    let (inbox, sender) = sandbox();
    let t = tenant(1);
    for (id, channel) in [(1, Channel::Voice), (2, Channel::Sms)] {
        let d = delivery(id, t, magic::UNDELIVERABLE, channel);
        assert_eq!(rejected_code(sender.send_code(&d).await), "undeliverable");
    }
    assert_eq!(
        inbox
            .all(t)
            .iter()
            .filter(|m| m.status == SandboxStatus::Failed)
            .count(),
        2
    );
}

#[tokio::test]
async fn the_outage_number_is_unavailable_on_every_channel_and_records_nothing() {
    let (inbox, sender) = sandbox();
    let t = tenant(1);
    for (id, channel) in [(1, Channel::Voice), (2, Channel::Sms), (1, Channel::Voice)] {
        let d = delivery(id, t, magic::PROVIDER_UNAVAILABLE, channel);
        match sender.send_code(&d).await {
            Err(ProviderError::Unavailable {
                retry_after: None,
                reason,
            }) => assert_eq!(reason, "sandbox outage"),
            other => panic!("expected unavailable, got {other:?}"),
        }
    }
    assert!(inbox.all(t).is_empty());
}

#[tokio::test]
async fn resending_a_delivery_id_returns_the_same_receipt_and_adds_nothing() {
    let (inbox, sender) = sandbox();
    let t = tenant(1);
    let d = delivery(7, t, "+12025550123", Channel::Sms);
    let first = sender.send_code(&d).await.unwrap();
    let again = sender.send_code(&d).await.unwrap();
    assert_eq!(first, again);
    assert_eq!(inbox.all(t).len(), 1);
}

#[tokio::test]
async fn resending_a_rejected_delivery_id_repeats_the_rejection_and_adds_nothing() {
    let (inbox, sender) = sandbox();
    let t = tenant(1);
    let d = delivery(7, t, magic::VOICE_NEVER_ANSWERED, Channel::Voice);
    assert_eq!(
        rejected_code(sender.send_code(&d).await),
        "call_not_answered"
    );
    assert_eq!(
        rejected_code(sender.send_code(&d).await),
        "call_not_answered"
    );
    assert_eq!(inbox.all(t).len(), 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn concurrent_sends_of_one_delivery_id_record_one_message() {
    let (inbox, sender) = sandbox();
    let sender = Arc::new(sender);
    let t = tenant(1);
    let d = delivery(7, t, "+12025550123", Channel::Voice);
    let tasks: Vec<_> = (0..16)
        .map(|_| {
            let (sender, d) = (sender.clone(), d.clone());
            tokio::spawn(async move { sender.send_code(&d).await.unwrap() })
        })
        .collect();
    for task in tasks {
        assert_eq!(task.await.unwrap(), receipt_for(&d));
    }
    assert_eq!(inbox.all(t).len(), 1);
}

#[tokio::test]
async fn reusing_a_delivery_id_for_another_delivery_is_an_unexpected_error() {
    let (inbox, sender) = sandbox();
    let t = tenant(1);
    let voice = delivery(7, t, "+12025550123", Channel::Voice);
    sender.send_code(&voice).await.unwrap();
    let sms_same_id = CodeDelivery {
        channel: Channel::Sms,
        ..voice.clone()
    };
    let other_code = CodeDelivery {
        code: OtpCode::parse("111111").unwrap(),
        ..voice.clone()
    };
    let other_tenant = CodeDelivery {
        tenant: tenant(2),
        ..voice.clone()
    };
    for d in [sms_same_id, other_code, other_tenant] {
        match sender.send_code(&d).await {
            Err(ProviderError::Unexpected(e)) => {
                assert!(e.downcast_ref::<DeliveryIdReused>().is_some())
            }
            other => panic!("expected DeliveryIdReused, got {other:?}"),
        }
    }
    assert_eq!(inbox.all(t).len(), 1);
    assert!(inbox.all(tenant(2)).is_empty());
}

#[tokio::test]
async fn a_tenant_sees_only_its_own_messages() {
    let (inbox, sender) = sandbox();
    let (a, b) = (tenant(1), tenant(2));
    let to = "+12025550123";
    sender
        .send_code(&delivery(1, a, to, Channel::Sms))
        .await
        .unwrap();
    sender
        .send_code(&delivery(2, b, to, Channel::Sms))
        .await
        .unwrap();
    sender
        .send_code(&delivery(3, a, "+12025550124", Channel::Sms))
        .await
        .unwrap();
    sender
        .send_code(&delivery(4, a, to, Channel::Voice))
        .await
        .unwrap();

    let phone = PhoneNumber::parse(to, None).unwrap();
    let ids = |msgs: Vec<onramp_sandbox::SandboxMessage>| {
        msgs.into_iter().map(|m| m.id).collect::<Vec<_>>()
    };
    let id = |n: u128| uuid::Uuid::from_u128(n).to_string();
    assert_eq!(ids(inbox.messages_to(a, &phone)), [id(1), id(4)]);
    assert_eq!(ids(inbox.messages_to(b, &phone)), [id(2)]);
    assert_eq!(ids(inbox.all(a)), [id(1), id(3), id(4)]);
    assert!(inbox.all(tenant(3)).is_empty());
}
