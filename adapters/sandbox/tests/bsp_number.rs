//! `SandboxBsp`'s number verification through the `BspProvisioning` port: a sender named with
//! [`magic::BSP_UNVERIFIED_NUMBER`] waits in `PendingVerification` until the code sent to its
//! number (into the tenant's sandbox inbox) is given back; its review then goes on.
#![allow(clippy::unwrap_used)] // helpers outside #[test] fns unwrap as well

use std::sync::Arc;

use onramp_domain::ids::TenantId;
use onramp_domain::phone::PhoneNumber;
use onramp_domain::ports::{
    BspProvisioning, Clock, NewSender, NumberVerificationMethod, ProviderError, SenderState,
};
use onramp_domain::verification::Channel;
use onramp_sandbox::{SandboxBsp, SandboxInbox, magic};
use time::OffsetDateTime;

struct Epoch;
impl Clock for Epoch {
    fn now(&self) -> OffsetDateTime {
        OffsetDateTime::UNIX_EPOCH
    }
}

fn tenant() -> TenantId {
    TenantId::new(uuid::Uuid::from_u128(7))
}

fn sender(phone: &str, display_name: &str) -> NewSender {
    NewSender {
        key: "waba-n".into(),
        display_name: display_name.into(),
        phone: phone.into(),
        details: vec![],
    }
}

fn rejected_code<T: std::fmt::Debug>(result: Result<T, ProviderError>) -> String {
    match result {
        Err(ProviderError::Rejected { code, .. }) => code,
        other => panic!("expected a rejection, got {other:?}"),
    }
}

#[tokio::test]
async fn an_unverified_number_waits_for_its_code_then_is_reviewed() {
    let inbox = SandboxInbox::in_memory();
    let bsp = SandboxBsp::with_inbox(inbox.clone(), Arc::new(Epoch)).for_tenant(tenant());
    let phone = "+12025550150";
    let id = bsp
        .create_sender(&sender(phone, "Acme Unverified Number"))
        .await
        .unwrap()
        .id;
    // The review waits for the number, poll after poll.
    for _ in 0..3 {
        assert_eq!(
            bsp.sender(&id).await.unwrap().state,
            SenderState::PendingVerification
        );
    }
    // No code yet.
    assert_eq!(
        rejected_code(bsp.verify_number(&id, "123456").await),
        "invalid_code"
    );

    // A code by SMS, then a new one by voice call: only the last one works.
    let sms = bsp
        .register_number(&id, NumberVerificationMethod::Sms)
        .await
        .unwrap();
    assert!(sms.code_sent);
    let first = bsp.number_code(&id).await.unwrap().unwrap();
    let voice = bsp
        .register_number(&id, NumberVerificationMethod::Voice)
        .await
        .unwrap();
    assert_eq!(voice.method, NumberVerificationMethod::Voice);
    let second = bsp.number_code(&id).await.unwrap().unwrap();
    let seen = inbox.messages_to(tenant(), &PhoneNumber::parse(phone, None).unwrap());
    assert_eq!(seen.len(), 2);
    assert_eq!(
        (seen[0].channel, seen[1].channel),
        (Channel::Sms, Channel::Voice)
    );
    assert_eq!(
        (seen[0].code.as_str(), seen[1].code.as_str()),
        (first.as_str(), second.as_str())
    );
    assert_eq!(
        seen[0].body,
        format!("Your WhatsApp Business verification code is {first}.")
    );
    if first != second {
        assert_eq!(
            rejected_code(bsp.verify_number(&id, &first).await),
            "invalid_code"
        );
    }

    // The right code: in review, then approved at the next poll; a code is used once.
    let verified = bsp.verify_number(&id, &second).await.unwrap();
    assert_eq!(verified.state, SenderState::InProgress);
    assert!(bsp.submission(&id).await.unwrap().unwrap().number_verified);
    assert_eq!(bsp.submission(&id).await.unwrap().unwrap().codes_sent, 2);
    assert_eq!(
        rejected_code(bsp.verify_number(&id, &second).await),
        "not_pending_verification"
    );
    assert_eq!(bsp.sender(&id).await.unwrap().state, SenderState::Active);
}

#[tokio::test]
async fn a_number_that_needs_no_code_gets_none() {
    let inbox = SandboxInbox::in_memory();
    let bsp = SandboxBsp::with_inbox(inbox.clone(), Arc::new(Epoch)).for_tenant(tenant());
    let id = bsp
        .create_sender(&sender("+12025550150", "Acme Plumbing"))
        .await
        .unwrap()
        .id;
    let answer = bsp
        .register_number(&id, NumberVerificationMethod::Sms)
        .await
        .unwrap();
    assert!(!answer.code_sent);
    assert!(inbox.all(tenant()).is_empty());
    assert_eq!(
        rejected_code(bsp.verify_number(&id, "123456").await),
        "not_pending_verification"
    );
    assert_eq!(
        rejected_code(
            bsp.register_number("sbx_sender_none", NumberVerificationMethod::Sms)
                .await
        ),
        "sender_not_found"
    );
}

#[tokio::test]
async fn the_magic_numbers_refuse_their_channel() {
    let bsp = SandboxBsp::new();
    let id = bsp
        .create_sender(&sender(magic::SMS_ALWAYS_FAILS, "Acme Unverified Number"))
        .await
        .unwrap()
        .id;
    assert_eq!(
        rejected_code(
            bsp.register_number(&id, NumberVerificationMethod::Sms)
                .await
        ),
        magic::CODE_SMS_UNDELIVERED
    );
    assert!(bsp.number_code(&id).await.unwrap().is_none());
    // The voice call goes through; without an inbox the code is kept only in the sandbox.
    assert!(
        bsp.register_number(&id, NumberVerificationMethod::Voice)
            .await
            .unwrap()
            .code_sent
    );
    let code = bsp.number_code(&id).await.unwrap().unwrap();
    assert_eq!(code.len(), 6);
    assert!(code.bytes().all(|b| b.is_ascii_digit()));
}
