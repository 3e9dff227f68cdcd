//! Onramp's own webhooks (Standard Webhooks): the vectors published with the specification's
//! Rust library (standard-webhooks/standard-webhooks, `libraries/rust/src/lib.rs`) through
//! `webhook verify --provider onramp`: valid, wrong signature, several signatures, expired
//! timestamp; and `webhook send --provider onramp` refused (Onramp sends these itself).

use super::{MISMATCH, Verify, assert_invalid, assert_valid, secret, send, send_args, stderr};

const SECRET: &str = "whsec_C2FVsBQIhrscChlQIMV+b5sSYspob7oD";
const ID: &str = "msg_27UH4WbU6Z5A5EzD8u03UvzRbpk";
const TIMESTAMP: i64 = 1_649_367_553;
const BODY: &[u8] = br#"{"email":"test@example.com","username":"test_user"}"#;
const SIGNATURE: &str = "v1,tZ1I4/hDygAJgO5TYxiSd6Sd0kDW6hPenDe+bTa3Kkw=";
/// The library's signatures of other keys (`test_verify_with_multiple_signatures`).
const OTHERS: [&str; 3] = [
    "v1,tFtCZ5RDCPxzWQRWXWPgrCgE2frDBe9gjpbWQxnVfsQ=",
    "v1,Mm7xgUVICxZfQ3bgf0h0Dof65L/IFx+PnZvnDWPCX6Q=",
    "v1,9DfC1c3eeOrXB6w/5dIDydLNQaEyww5KalE5jLBZucE=",
];

fn onramp(signature: &str, now: i64) -> Verify<'static> {
    Verify {
        provider: "onramp",
        credentials: secret(SECRET),
        url: None,
        headers: vec![
            ("webhook-id".into(), ID.into()),
            ("webhook-timestamp".into(), TIMESTAMP.to_string()),
            ("webhook-signature".into(), signature.into()),
        ],
        body: BODY,
        now,
    }
}

#[test]
fn the_published_standard_webhooks_vector_verifies() {
    assert_valid(&onramp(SIGNATURE, TIMESTAMP).run("onramp-valid"));
}

#[test]
fn a_wrong_signature_is_invalid() {
    let wrong = "v1,R3PTzyfHASBKHH98a7yexTwaJ4yNIcGhFQc1yuN+BPU=";
    assert_invalid(&onramp(wrong, TIMESTAMP).run("onramp-wrong"), MISMATCH);
}

#[test]
fn one_valid_signature_among_several_verifies_and_none_is_invalid() {
    let with = format!("{} {} {SIGNATURE} {}", OTHERS[0], OTHERS[1], OTHERS[2]);
    assert_valid(&onramp(&with, TIMESTAMP).run("onramp-several"));
    let without = OTHERS.join(" ");
    assert_invalid(&onramp(&without, TIMESTAMP).run("onramp-none"), MISMATCH);
}

#[test]
fn an_expired_timestamp_is_invalid() {
    let o = onramp(SIGNATURE, TIMESTAMP + 301).run("onramp-expired");
    assert_invalid(
        &o,
        "timestamp outside the tolerance window (-301 s from now)",
    );
}

#[tokio::test]
async fn send_refuses_onramp_which_sends_its_own_webhooks() {
    let mut args = send_args("onramp", "onramp-send", BODY, "http://127.0.0.1:9");
    args.extend(["--secret".into(), SECRET.into()]);
    let o = send(args, Vec::new()).await;
    assert_eq!(o.status.code(), Some(2), "stderr: {}", stderr(&o));
    assert!(
        stderr(&o).contains("Onramp sends its own webhooks"),
        "{}",
        stderr(&o)
    );
}
