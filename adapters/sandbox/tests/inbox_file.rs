//! A file-backed `SandboxInbox`: JSON lines that survive a restart and stay deduplicated.
#![allow(clippy::unwrap_used)] // helpers outside #[test] fns unwrap as well

use std::sync::Arc;

use onramp_domain::ids::{JobId, TenantId};
use onramp_domain::phone::PhoneNumber;
use onramp_domain::ports::{Clock, CodeDelivery, VerificationSender};
use onramp_domain::verification::{Channel, OtpCode};
use onramp_sandbox::{SandboxInbox, SandboxStatus, SandboxVerificationSender, magic};
use time::OffsetDateTime;
use time::macros::datetime;

struct FixedClock;

impl Clock for FixedClock {
    fn now(&self) -> OffsetDateTime {
        datetime!(2026-03-01 12:00:00.5 UTC)
    }
}

fn tenant() -> TenantId {
    TenantId::new(uuid::Uuid::from_u128(1))
}

fn delivery(id: u128, to: &str, channel: Channel) -> CodeDelivery {
    CodeDelivery {
        delivery_id: JobId::new(uuid::Uuid::from_u128(id)),
        tenant: tenant(),
        to: PhoneNumber::parse(to, None).unwrap(),
        channel,
        code: OtpCode::parse("042917").unwrap(),
    }
}

fn sender(inbox: &SandboxInbox) -> SandboxVerificationSender {
    SandboxVerificationSender::new(inbox.clone(), Arc::new(FixedClock))
}

#[tokio::test]
async fn messages_survive_a_reopen_and_a_resend_after_restart_adds_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("inbox.jsonl");
    let delivered = delivery(1, "+12025550123", Channel::Sms);
    let failed = delivery(2, magic::VOICE_NEVER_ANSWERED, Channel::Voice);

    let before = {
        let inbox = SandboxInbox::open_file(&path).unwrap();
        let s = sender(&inbox);
        let receipt = s.send_code(&delivered).await.unwrap();
        assert!(s.send_code(&failed).await.is_err());
        (receipt, inbox.all(tenant()))
    };
    assert_eq!(std::fs::read_to_string(&path).unwrap().lines().count(), 2);

    let inbox = SandboxInbox::open_file(&path).unwrap();
    assert_eq!(inbox.all(tenant()), before.1);
    assert_eq!(before.1[1].status, SandboxStatus::Failed);
    assert_eq!(before.1[0].created_at, datetime!(2026-03-01 12:00:00.5 UTC));

    // The outbox re-runs both jobs after the "crash": same answers, nothing appended.
    let s = sender(&inbox);
    assert_eq!(s.send_code(&delivered).await.unwrap(), before.0);
    assert!(s.send_code(&failed).await.is_err());
    assert_eq!(inbox.all(tenant()).len(), 2);
    assert_eq!(std::fs::read_to_string(&path).unwrap().lines().count(), 2);
}

#[tokio::test]
async fn the_file_holds_one_json_object_per_line_with_rfc3339_times() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("inbox.jsonl");
    let inbox = SandboxInbox::open_file(&path).unwrap();
    sender(&inbox)
        .send_code(&delivery(1, "+12025550123", Channel::Sms))
        .await
        .unwrap();

    let text = std::fs::read_to_string(&path).unwrap();
    let line: serde_json::Value = serde_json::from_str(text.trim_end()).unwrap();
    assert_eq!(line["id"], "00000000-0000-0000-0000-000000000001");
    assert_eq!(line["to"], "+12025550123");
    assert_eq!(line["channel"], "sms");
    assert_eq!(line["status"], "delivered");
    assert_eq!(line["failure"], serde_json::Value::Null);
    assert_eq!(line["created_at"], "2026-03-01T12:00:00.5Z");

    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt as _;
        assert_eq!(
            std::fs::metadata(&path).unwrap().permissions().mode() & 0o777,
            0o600
        );
    }
}

#[tokio::test]
async fn duplicate_lines_in_the_file_load_once() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("inbox.jsonl");
    {
        let inbox = SandboxInbox::open_file(&path).unwrap();
        sender(&inbox)
            .send_code(&delivery(1, "+12025550123", Channel::Sms))
            .await
            .unwrap();
    }
    let line = std::fs::read_to_string(&path).unwrap();
    std::fs::write(&path, format!("{line}\n{line}")).unwrap();

    let inbox = SandboxInbox::open_file(&path).unwrap();
    assert_eq!(inbox.all(tenant()).len(), 1);
}

#[tokio::test]
async fn a_torn_last_line_is_cut_off_and_the_next_send_starts_a_clean_line() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("inbox.jsonl");
    {
        let inbox = SandboxInbox::open_file(&path).unwrap();
        sender(&inbox)
            .send_code(&delivery(1, "+12025550123", Channel::Sms))
            .await
            .unwrap();
    }
    let mut text = std::fs::read_to_string(&path).unwrap();
    text.push_str(r#"{"id":"00000000-0000-0000-0000-0000000"#);
    std::fs::write(&path, &text).unwrap();

    let inbox = SandboxInbox::open_file(&path).unwrap();
    assert_eq!(inbox.all(tenant()).len(), 1);
    sender(&inbox)
        .send_code(&delivery(2, "+12025550123", Channel::Sms))
        .await
        .unwrap();
    drop(inbox);

    let reopened = SandboxInbox::open_file(&path).unwrap();
    assert_eq!(reopened.all(tenant()).len(), 2);
}

#[test]
fn a_corrupt_complete_line_is_reported_with_its_number() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("inbox.jsonl");
    std::fs::write(&path, "\nnot json\n").unwrap();
    let err = SandboxInbox::open_file(&path).unwrap_err();
    assert_eq!(err.kind(), std::io::ErrorKind::InvalidData);
    assert!(err.to_string().contains("line 2"), "{err}");
}

#[test]
fn opening_a_missing_file_creates_an_empty_inbox() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("inbox.jsonl");
    let inbox = SandboxInbox::open_file(&path).unwrap();
    assert!(inbox.all(tenant()).is_empty());
    assert!(path.exists());
}

// See: issue 11 item 8 (`GET /v1/sandbox/messages?to=` scanned every stored message): a
// recipient's messages come from an index kept at every insert and rebuilt at open.
#[tokio::test]
async fn a_recipients_messages_are_read_from_its_index_in_order_after_a_reopen_too() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("inbox.jsonl");
    let (a, b) = ("+12025550123", "+12025550124");
    let mut other_tenant = delivery(9, a, Channel::Sms);
    other_tenant.tenant = TenantId::new(uuid::Uuid::from_u128(2));
    let ids = |messages: Vec<onramp_sandbox::SandboxMessage>| -> Vec<String> {
        messages.into_iter().map(|m| m.id).collect()
    };
    let expected = {
        let inbox = SandboxInbox::open_file(&path).unwrap();
        let s = sender(&inbox);
        for (id, to) in [(1, a), (2, b), (3, a), (4, b), (5, a)] {
            s.send_code(&delivery(id, to, Channel::Sms)).await.unwrap();
        }
        s.send_code(&other_tenant).await.unwrap();
        let to_a = ids(inbox.messages_to(tenant(), &PhoneNumber::parse(a, None).unwrap()));
        assert_eq!(to_a.len(), 3);
        let all_a: Vec<String> = ids(inbox.all(tenant())).into_iter().step_by(2).collect();
        assert_eq!(to_a, all_a, "oldest first, this tenant's only");
        to_a
    };
    let inbox = SandboxInbox::open_file(&path).unwrap();
    let to_a = ids(inbox.messages_to(tenant(), &PhoneNumber::parse(a, None).unwrap()));
    assert_eq!(to_a, expected);
    let theirs = inbox.messages_to(other_tenant.tenant, &PhoneNumber::parse(a, None).unwrap());
    assert_eq!(theirs.len(), 1);
}
