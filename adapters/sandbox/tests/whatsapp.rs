//! `SandboxWhatsApp` through the `WhatsAppMessaging` port: the per-tenant conversation log,
//! idempotency by message key, and the magic numbers.
#![allow(clippy::unwrap_used)] // helpers outside #[test] fns unwrap as well

use std::sync::Arc;

use onramp_domain::ids::TenantId;
use onramp_domain::ports::{
    Clock, OutboundMessage, ProviderError, ProviderId, SentMessage, WhatsAppMessaging,
};
use onramp_sandbox::{
    MessageKeyReused, SandboxConversations, SandboxWhatsApp, SandboxWhatsAppMessage, magic,
};
use time::OffsetDateTime;
use time::macros::datetime;

struct FixedClock;

impl Clock for FixedClock {
    fn now(&self) -> OffsetDateTime {
        NOW
    }
}

const NOW: OffsetDateTime = datetime!(2026-03-01 12:00:00 UTC);
const ADA: &str = "+12025550123";

fn tenant(n: u128) -> TenantId {
    TenantId::new(uuid::Uuid::from_u128(n))
}

fn message(key: &str, to: &str, text: &str) -> OutboundMessage {
    OutboundMessage {
        key: key.into(),
        to: to.into(),
        text: text.into(),
    }
}

fn channel(n: u128) -> (SandboxConversations, SandboxWhatsApp) {
    let log = SandboxConversations::new(Arc::new(FixedClock));
    let channel = log.for_tenant(tenant(n));
    (log, channel)
}

fn rejected_code(result: Result<SentMessage, ProviderError>) -> String {
    match result {
        Err(ProviderError::Rejected { code, .. }) => code,
        other => panic!("expected a rejection, got {other:?}"),
    }
}

#[tokio::test]
async fn provider_is_sandbox_and_healthy() {
    let (_, channel) = channel(1);
    assert_eq!(channel.provider(), ProviderId::Sandbox);
    assert_eq!(channel.tenant(), tenant(1));
    channel.health_check().await.unwrap();
}

#[tokio::test]
async fn a_message_is_recorded_with_its_wamid_and_time() {
    let (log, channel) = channel(1);
    let sent = channel
        .send_text(&message("k-1", ADA, "Welcome to Onramp"))
        .await
        .unwrap();
    assert_eq!(
        sent,
        SentMessage {
            provider: ProviderId::Sandbox,
            provider_ref: "wamid.sbx_k-1".into(),
        }
    );
    assert_eq!(
        log.messages_to(tenant(1), ADA),
        [SandboxWhatsAppMessage {
            provider_ref: "wamid.sbx_k-1".into(),
            key: "k-1".into(),
            to: ADA.into(),
            text: "Welcome to Onramp".into(),
            sent_at: NOW,
        }]
    );
    let json = serde_json::to_value(&log.all(tenant(1))[0]).unwrap();
    assert_eq!(json["sent_at"], "2026-03-01T12:00:00Z");
}

#[tokio::test]
async fn the_same_key_is_recorded_once_and_answers_the_same_id() {
    let (log, channel) = channel(1);
    let first = channel.send_text(&message("k-1", ADA, "Hi")).await.unwrap();
    let again = channel.send_text(&message("k-1", ADA, "Hi")).await.unwrap();
    channel
        .send_text(&message("k-2", ADA, "Second"))
        .await
        .unwrap();
    assert_eq!(first, again);
    let texts: Vec<_> = log.all(tenant(1)).into_iter().map(|m| m.text).collect();
    assert_eq!(texts, ["Hi", "Second"], "oldest first, once each");
}

#[tokio::test]
async fn a_key_reused_for_another_message_is_an_unexpected_failure() {
    let (log, channel) = channel(1);
    channel.send_text(&message("k-1", ADA, "Hi")).await.unwrap();
    for other in [
        message("k-1", ADA, "Something else"),
        message("k-1", "+12025550124", "Hi"),
    ] {
        match channel.send_text(&other).await {
            Err(ProviderError::Unexpected(source)) => {
                let reused = source.downcast_ref::<MessageKeyReused>().unwrap();
                assert_eq!(reused.key, "k-1");
            }
            result => panic!("expected an unexpected failure, got {result:?}"),
        }
    }
    assert_eq!(log.all(tenant(1)).len(), 1);
}

#[tokio::test]
async fn tenants_have_their_own_logs_and_keys() {
    let (log, first) = channel(1);
    let second = first.for_tenant(tenant(2));
    first
        .send_text(&message("k-1", ADA, "For 1"))
        .await
        .unwrap();
    // The same key for another tenant is its own message, not a duplicate.
    second
        .send_text(&message("k-1", ADA, "For 2"))
        .await
        .unwrap();
    second
        .send_text(&message("k-2", "+12025550124", "Also for 2"))
        .await
        .unwrap();
    assert_eq!(log.all(tenant(1)).len(), 1);
    assert_eq!(log.messages_to(tenant(1), ADA)[0].text, "For 1");
    assert_eq!(log.messages_to(tenant(2), ADA)[0].text, "For 2");
    assert_eq!(log.all(tenant(2)).len(), 2);
    assert!(log.all(tenant(3)).is_empty());
    assert!(log.messages_to(tenant(1), "+12025550124").is_empty());
    // Clones and other views read the same log.
    assert_eq!(second.conversations().all(tenant(1)).len(), 1);
    assert_eq!(log.clone().all(tenant(2)).len(), 2);
}

#[tokio::test]
async fn the_recipient_is_recorded_in_e164() {
    let (log, channel) = channel(1);
    channel
        .send_text(&message("k-1", "+1 (202) 555-0123", "Hi"))
        .await
        .unwrap();
    assert_eq!(log.messages_to(tenant(1), ADA).len(), 1);
}

#[tokio::test]
async fn the_magic_numbers_are_refused_and_nothing_is_recorded() {
    let (log, channel) = channel(1);
    let not_joined = channel
        .send_text(&message("k-1", magic::WHATSAPP_NOT_JOINED, "Hi"))
        .await;
    assert_eq!(rejected_code(not_joined), "not_joined");
    let undeliverable = channel
        .send_text(&message("k-2", magic::UNDELIVERABLE, "Hi"))
        .await;
    assert_eq!(rejected_code(undeliverable), "undeliverable");
    match channel
        .send_text(&message("k-3", magic::PROVIDER_UNAVAILABLE, "Hi"))
        .await
    {
        Err(ProviderError::Unavailable {
            retry_after: None,
            reason,
        }) => assert_eq!(reason, magic::OUTAGE_REASON),
        other => panic!("expected unavailable, got {other:?}"),
    }
    assert!(log.all(tenant(1)).is_empty());
}

#[tokio::test]
async fn voice_and_sms_magic_numbers_receive_whatsapp_messages() {
    let (log, channel) = channel(1);
    for (key, to) in [
        ("k-1", magic::VOICE_NEVER_ANSWERED),
        ("k-2", magic::SMS_ALWAYS_FAILS),
    ] {
        channel.send_text(&message(key, to, "Hi")).await.unwrap();
    }
    assert_eq!(log.all(tenant(1)).len(), 2);
}

#[tokio::test]
async fn an_invalid_number_or_a_text_too_long_is_rejected() {
    let (log, channel) = channel(1);
    let invalid = channel.send_text(&message("k-1", "12", "Hi")).await;
    assert_eq!(rejected_code(invalid), "invalid_number");
    let longest = "é".repeat(4096);
    channel
        .send_text(&message("k-2", ADA, &longest))
        .await
        .unwrap();
    let too_long = channel
        .send_text(&message("k-3", ADA, &format!("{longest}!")))
        .await;
    assert_eq!(rejected_code(too_long), "invalid_parameter");
    assert_eq!(log.all(tenant(1)).len(), 1);
}
