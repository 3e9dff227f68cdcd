//! `SandboxBsp` through the `BspProvisioning` port: Sinch's sender lifecycle, the review decided
//! by magic display names at a poll, and resubmission of rejected senders.
#![allow(clippy::unwrap_used)] // helpers outside #[test] fns unwrap as well

use onramp_domain::ports::{
    BspProvisioning, NewSender, ProviderError, ProviderId, SenderInfo, SenderState,
};
use onramp_sandbox::{SandboxBsp, magic};

fn new_sender(key: &str, display_name: &str) -> NewSender {
    NewSender {
        key: key.into(),
        display_name: display_name.into(),
        phone: "+12025550150".into(),
        details: vec![("website".into(), "https://acme.example".into())],
    }
}

fn rejected_code<T: std::fmt::Debug>(result: Result<T, ProviderError>) -> String {
    match result {
        Err(ProviderError::Rejected { code, .. }) => code,
        other => panic!("expected a rejection, got {other:?}"),
    }
}

fn state(info: SenderInfo) -> SenderState {
    info.state
}

fn guidelines() -> SenderState {
    SenderState::Error {
        reason: "display name does not follow WhatsApp's display name guidelines".into(),
    }
}

/// Creates a sender named `display_name` and answers its id.
async fn created(bsp: &SandboxBsp, key: &str, display_name: &str) -> String {
    let info = bsp
        .create_sender(&new_sender(key, display_name))
        .await
        .unwrap();
    assert_eq!(info.state, SenderState::InProgress, "in review at creation");
    info.id
}

#[tokio::test]
async fn a_sender_is_created_in_review_then_approved_at_the_first_poll() {
    let bsp = SandboxBsp::new();
    assert_eq!(bsp.provider(), ProviderId::Sandbox);
    let id = created(&bsp, "waba-1", "Acme Plumbing").await;
    assert_eq!(id, "sbx_sender_waba-1");
    let submitted = bsp.submission(&id).await.unwrap().unwrap();
    assert_eq!(submitted.info.state, SenderState::InProgress);
    assert_eq!(submitted.display_name, "Acme Plumbing");
    assert_eq!(submitted.phone, "+12025550150");
    assert_eq!(submitted.details.len(), 1);
    assert_eq!(submitted.polls, 0);
    assert_eq!(state(bsp.sender(&id).await.unwrap()), SenderState::Active);
    assert_eq!(state(bsp.sender(&id).await.unwrap()), SenderState::Active);
    assert_eq!(bsp.submission(&id).await.unwrap().unwrap().polls, 2);
}

#[tokio::test]
async fn the_same_key_answers_the_same_sender_as_it_stands() {
    let bsp = SandboxBsp::new();
    let id = created(&bsp, "waba-1", "Acme").await;
    let again = bsp
        .create_sender(&new_sender("waba-1", "Another name"))
        .await
        .unwrap();
    assert_eq!(again.id, id);
    bsp.sender(&id).await.unwrap();
    let after_review = bsp
        .create_sender(&new_sender("waba-1", "Acme"))
        .await
        .unwrap();
    assert_eq!(after_review.state, SenderState::Active);
    assert_eq!(
        bsp.submission(&id).await.unwrap().unwrap().display_name,
        "Acme"
    );
}

#[tokio::test]
async fn each_magic_display_name_gets_its_review() {
    let bsp = SandboxBsp::new();
    let table = [
        ("Acme REJECTED", guidelines()),
        (
            "Acme suspended",
            SenderState::Suspended {
                reason: "SUSPENDED".into(),
            },
        ),
        ("Acme Suspended Rejected", guidelines()),
        ("Acme", SenderState::Active),
    ];
    for (n, (name, expected)) in table.into_iter().enumerate() {
        let id = created(&bsp, &format!("k-{n}"), name).await;
        assert_eq!(state(bsp.sender(&id).await.unwrap()), expected, "{name}");
    }
    assert_eq!(magic::BSP_REJECTED, "Rejected");
    assert_eq!(magic::BSP_SUSPENDED, "Suspended");
    assert_eq!(magic::BSP_SLOW_REVIEW, "Slow Review");
}

#[tokio::test]
async fn a_slow_review_decides_at_the_second_poll() {
    let bsp = SandboxBsp::new();
    let slow = created(&bsp, "k-1", "Acme slow review").await;
    let slow_rejected = created(&bsp, "k-2", "Slow Review Rejected Co").await;
    for id in [&slow, &slow_rejected] {
        assert_eq!(
            state(bsp.sender(id).await.unwrap()),
            SenderState::InProgress
        );
    }
    assert_eq!(state(bsp.sender(&slow).await.unwrap()), SenderState::Active);
    assert_eq!(
        state(bsp.sender(&slow_rejected).await.unwrap()),
        guidelines()
    );
}

#[tokio::test]
async fn a_corrected_sender_is_reviewed_again_and_approved() {
    let bsp = SandboxBsp::new();
    let id = created(&bsp, "k-1", "Rejected Ltd").await;
    assert_eq!(state(bsp.sender(&id).await.unwrap()), guidelines());
    let resubmitted = bsp
        .resubmit(&id, "Display name is now the legal name: Acme Ltd")
        .await
        .unwrap();
    assert_eq!(resubmitted.state, SenderState::InProgress);
    assert_eq!(state(bsp.sender(&id).await.unwrap()), SenderState::Active);
    assert_eq!(
        bsp.submission(&id).await.unwrap().unwrap().corrections,
        ["Display name is now the legal name: Acme Ltd"]
    );
}

#[tokio::test]
async fn corrections_that_say_rejected_are_rejected_again() {
    let bsp = SandboxBsp::new();
    let id = created(&bsp, "k-1", "Rejected Ltd").await;
    bsp.sender(&id).await.unwrap();
    bsp.resubmit(&id, "still rejected").await.unwrap();
    assert_eq!(state(bsp.sender(&id).await.unwrap()), guidelines());
    bsp.resubmit(&id, "fixed").await.unwrap();
    assert_eq!(state(bsp.sender(&id).await.unwrap()), SenderState::Active);
    assert_eq!(
        bsp.submission(&id)
            .await
            .unwrap()
            .unwrap()
            .corrections
            .len(),
        2
    );
}

#[tokio::test]
async fn only_a_rejected_sender_can_be_resubmitted() {
    let bsp = SandboxBsp::new();
    let in_review = created(&bsp, "k-1", "Acme").await;
    assert_eq!(
        rejected_code(bsp.resubmit(&in_review, "fix").await),
        "not_rejected"
    );
    bsp.sender(&in_review).await.unwrap();
    assert_eq!(
        rejected_code(bsp.resubmit(&in_review, "fix").await),
        "not_rejected",
        "active"
    );
    let rejected = created(&bsp, "k-2", "Rejected Ltd").await;
    bsp.sender(&rejected).await.unwrap();
    bsp.resubmit(&rejected, "fix").await.unwrap();
    assert_eq!(
        rejected_code(bsp.resubmit(&rejected, "fix").await),
        "not_rejected",
        "in review again"
    );
    assert!(
        bsp.submission(&in_review)
            .await
            .unwrap()
            .unwrap()
            .corrections
            .is_empty()
    );
}

#[tokio::test]
async fn an_unknown_sender_is_not_found() {
    let bsp = SandboxBsp::new();
    assert_eq!(
        rejected_code(bsp.sender("sbx_sender_nope").await),
        "sender_not_found"
    );
    assert_eq!(
        rejected_code(bsp.resubmit("sbx_sender_nope", "fix").await),
        "sender_not_found"
    );
    assert!(bsp.submission("sbx_sender_nope").await.unwrap().is_none());
}

#[tokio::test]
async fn invalid_submissions_and_the_outage_number_create_nothing() {
    let bsp = SandboxBsp::new();
    let mut bad_number = new_sender("k-1", "Acme");
    bad_number.phone = "12".into();
    assert_eq!(
        rejected_code(bsp.create_sender(&bad_number).await),
        "invalid_number"
    );
    assert_eq!(
        rejected_code(bsp.create_sender(&new_sender("k-2", "  ")).await),
        "invalid_argument"
    );
    let mut outage = new_sender("k-3", "Acme");
    outage.phone = magic::PROVIDER_UNAVAILABLE.into();
    match bsp.create_sender(&outage).await {
        Err(ProviderError::Unavailable {
            retry_after: None,
            reason,
        }) => assert_eq!(reason, magic::OUTAGE_REASON),
        other => panic!("expected unavailable, got {other:?}"),
    }
    for key in ["k-1", "k-2", "k-3"] {
        assert!(
            bsp.submission(&format!("sbx_sender_{key}"))
                .await
                .unwrap()
                .is_none()
        );
    }
}

#[tokio::test]
async fn clones_share_the_same_senders() {
    let bsp = SandboxBsp::new();
    let id = created(&bsp.clone(), "k-1", "Acme").await;
    bsp.clone().sender(&id).await.unwrap();
    assert_eq!(
        bsp.submission(&id).await.unwrap().unwrap().info.state,
        SenderState::Active
    );
}
