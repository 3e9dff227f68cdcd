//! A sender under review: its state read back (active, refused with Sinch's reason, retried after
//! a server error, unknown, its id one path segment), and a resubmission that comments the
//! corrections then reads the state (refused before any call when empty).

use onramp_domain::ports::{BspProvisioning, SenderState};
use serde_json::json;
use wiremock::matchers::{basic_auth, body_json, method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

use super::{
    ACTIVE, CREATED, ERROR_EVENT, KEY_ID, KEY_SECRET, SENDER_ID, json_answer, new_sender,
    only_request, rejected_code, sender_path, senders, senders_path, snapshot,
};

#[tokio::test]
async fn an_active_sender_reads_as_active() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path(sender_path()))
        .and(basic_auth(KEY_ID, KEY_SECRET))
        .respond_with(json_answer(200, ACTIVE))
        .expect(1)
        .mount(&server)
        .await;
    let info = senders(&server.uri()).sender(SENDER_ID).await.unwrap();
    assert_eq!(info.state, SenderState::Active);
    snapshot(&only_request(&server).await, "get_sender");
}

#[tokio::test]
async fn a_refused_sender_reads_as_an_error_with_sinchs_reason() {
    let event: serde_json::Value = serde_json::from_slice(ERROR_EVENT).unwrap();
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path(sender_path()))
        .respond_with(ResponseTemplate::new(200).set_body_json(&event["payload"]))
        .mount(&server)
        .await;
    let info = senders(&server.uri()).sender(SENDER_ID).await.unwrap();
    assert_eq!(
        info.state,
        SenderState::Error {
            reason: "Reach out to support at support@sinch.com".into()
        }
    );
}

#[tokio::test]
async fn a_read_is_retried_after_a_server_error() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path(sender_path()))
        .respond_with(ResponseTemplate::new(503))
        .up_to_n_times(1)
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path(sender_path()))
        .respond_with(json_answer(200, ACTIVE))
        .mount(&server)
        .await;
    let info = senders(&server.uri()).sender(SENDER_ID).await.unwrap();
    assert_eq!(info.state, SenderState::Active);
}

#[tokio::test]
async fn an_unknown_sender_is_rejected() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .respond_with(json_answer(
            404,
            br#"{"errorCode": "sender_not_found", "message": "Sender not found.", "resolution": "Verify that the parameters are correct."}"#,
        ))
        .mount(&server)
        .await;
    let error = senders(&server.uri()).sender("nope").await.unwrap_err();
    assert_eq!(rejected_code(error), "sender_not_found");
}

#[tokio::test]
async fn a_sender_id_is_one_path_segment() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path(format!("{}/a%2Fb", senders_path())))
        .respond_with(json_answer(200, ACTIVE))
        .expect(1)
        .mount(&server)
        .await;
    senders(&server.uri()).sender("a/b").await.unwrap();
}

#[tokio::test]
async fn a_resubmission_comments_the_corrections_then_answers_the_state() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path(format!("{}/comments", sender_path())))
        .and(basic_auth(KEY_ID, KEY_SECRET))
        .and(body_json(json!({"comment": "The display name is now the legal name."})))
        .respond_with(json_answer(
            201,
            br#"{"type": "CREATED", "comment": "Example comment", "created": "2023-01-19T13:11:08.204Z"}"#,
        ))
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path(sender_path()))
        .respond_with(json_answer(200, CREATED))
        .expect(1)
        .mount(&server)
        .await;
    let info = senders(&server.uri())
        .resubmit(SENDER_ID, " The display name is now the legal name.\n")
        .await
        .unwrap();
    assert_eq!(info.state, SenderState::InProgress);
    let requests = server.received_requests().await.unwrap();
    assert_eq!(requests.len(), 2);
    snapshot(&requests[0], "resubmit_sender");
}

#[tokio::test]
async fn a_comment_refused_by_sinch_is_not_followed_by_a_read() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .respond_with(json_answer(
            404,
            br#"{"errorCode": "sender_not_found", "message": "Sender not found."}"#,
        ))
        .mount(&server)
        .await;
    let error = senders(&server.uri())
        .resubmit(SENDER_ID, "fixed")
        .await
        .unwrap_err();
    assert_eq!(rejected_code(error), "sender_not_found");
    only_request(&server).await;
}

#[tokio::test]
async fn empty_corrections_and_bad_numbers_are_refused_before_any_call() {
    let server = MockServer::start().await;
    let senders = senders(&server.uri());
    let error = senders.resubmit(SENDER_ID, "  ").await.unwrap_err();
    assert_eq!(rejected_code(error), "invalid_parameter");
    let mut bad = new_sender();
    bad.phone = "0048777777777".into();
    let error = senders.create_sender(&bad).await.unwrap_err();
    assert_eq!(rejected_code(error), "invalid_number");
    assert!(server.received_requests().await.unwrap().is_empty());
}
