//! `SandboxMailbox` through the `Mailer` port: delivery once per key, tenant isolation, and
//! failures on purpose for retry tests.
#![allow(clippy::unwrap_used)] // helpers outside #[test] fns unwrap as well

use std::sync::Arc;

use onramp_domain::ids::TenantId;
use onramp_domain::ports::{Clock, Mail, Mailer, ProviderError};
use onramp_sandbox::{MAILBOX_OUTAGE_REASON, SandboxMail, SandboxMailbox};
use time::OffsetDateTime;
use time::macros::datetime;

struct FixedClock;

impl Clock for FixedClock {
    fn now(&self) -> OffsetDateTime {
        NOW
    }
}

const NOW: OffsetDateTime = datetime!(2026-03-01 12:00:00 UTC);

fn tenant(n: u128) -> TenantId {
    TenantId::new(uuid::Uuid::from_u128(n))
}

fn mail(tenant: TenantId, to: &str, key: &str) -> Mail {
    Mail {
        tenant,
        to: to.into(),
        subject: format!("Subject {key}"),
        body: "Your trial ends in 3 days.".into(),
        key: key.into(),
    }
}

fn mailbox() -> SandboxMailbox {
    SandboxMailbox::new(Arc::new(FixedClock))
}

#[tokio::test]
async fn a_mail_arrives_with_its_fields_and_time() {
    let mailbox = mailbox();
    mailbox
        .send(&mail(tenant(1), "ada@example.com", "job-1"))
        .await
        .unwrap();
    assert_eq!(
        mailbox.mail_to(tenant(1), Some("ada@example.com")),
        [SandboxMail {
            to: "ada@example.com".into(),
            subject: "Subject job-1".into(),
            body: "Your trial ends in 3 days.".into(),
            key: "job-1".into(),
            received_at: NOW,
        }]
    );
}

#[tokio::test]
async fn a_mail_serializes_its_time_as_rfc3339() {
    let mailbox = mailbox();
    mailbox
        .send(&mail(tenant(1), "ada@example.com", "job-1"))
        .await
        .unwrap();
    let json = serde_json::to_value(&mailbox.mail_to(tenant(1), None)[0]).unwrap();
    assert_eq!(json["received_at"], "2026-03-01T12:00:00Z");
    assert_eq!(json["key"], "job-1");
}

#[tokio::test]
async fn the_same_key_is_delivered_once() {
    let mailbox = mailbox();
    for _ in 0..3 {
        mailbox
            .send(&mail(tenant(1), "ada@example.com", "job-1"))
            .await
            .unwrap();
    }
    mailbox
        .send(&mail(tenant(1), "ada@example.com", "job-2"))
        .await
        .unwrap();
    let keys: Vec<_> = mailbox
        .mail_to(tenant(1), None)
        .into_iter()
        .map(|m| m.key)
        .collect();
    assert_eq!(keys, ["job-1", "job-2"], "oldest first, once each");
}

#[tokio::test]
async fn a_tenant_never_sees_another_tenants_mail() {
    let mailbox = mailbox();
    mailbox
        .send(&mail(tenant(1), "ada@example.com", "job-1"))
        .await
        .unwrap();
    // Another tenant's mail with the same key and address is its own, not a duplicate.
    mailbox
        .send(&mail(tenant(2), "ada@example.com", "job-1"))
        .await
        .unwrap();
    mailbox
        .send(&mail(tenant(2), "bob@example.com", "job-3"))
        .await
        .unwrap();
    assert_eq!(mailbox.mail_to(tenant(1), None).len(), 1);
    assert_eq!(mailbox.mail_to(tenant(2), Some("ada@example.com")).len(), 1);
    assert_eq!(mailbox.mail_to(tenant(2), None).len(), 2);
    assert!(mailbox.mail_to(tenant(3), None).is_empty());
    assert!(
        mailbox
            .mail_to(tenant(1), Some("bob@example.com"))
            .is_empty()
    );
}

#[tokio::test]
async fn fail_next_fails_that_many_sends_then_delivers_once() {
    let mailbox = mailbox();
    mailbox.fail_next(2);
    let retried = mail(tenant(1), "ada@example.com", "job-1");
    for _ in 0..2 {
        match mailbox.send(&retried).await {
            Err(ProviderError::Unavailable {
                retry_after: None,
                reason,
            }) => assert_eq!(reason, MAILBOX_OUTAGE_REASON),
            other => panic!("expected unavailable, got {other:?}"),
        }
        assert!(mailbox.mail_to(tenant(1), None).is_empty());
    }
    mailbox.send(&retried).await.unwrap();
    mailbox.send(&retried).await.unwrap();
    assert_eq!(mailbox.mail_to(tenant(1), None).len(), 1);
}
