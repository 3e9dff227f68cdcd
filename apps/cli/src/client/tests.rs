//! Unit tests of the client: problem display, which answers are retried, idempotency keys across retries, path encoding.

use super::*;

#[test]
fn a_problem_displays_its_code_status_detail_and_field_errors() {
    let problem: Problem = serde_json::from_value(json!({
            "type": "urn:onramp:problem:CONFIGURATION_VALIDATION_FAILED", "title": "Unprocessable Entity",
            "status": 422, "detail": "the answers to step organization are invalid",
            "code": "CONFIGURATION_VALIDATION_FAILED",
            "errors": [{ "field": "name", "code": "too_short", "message": "at least 2 characters" }]
        }))
        .expect("problem parses");
    let err = ApiError::Problem {
        status: StatusCode::UNPROCESSABLE_ENTITY,
        problem,
    };
    assert_eq!(
        err.to_string(),
        "CONFIGURATION_VALIDATION_FAILED (HTTP 422): the answers to step organization are invalid; name: at least 2 characters"
    );
    assert_eq!(err.code(), Some("CONFIGURATION_VALIDATION_FAILED"));
}

#[test]
fn an_error_status_without_a_problem_body_keeps_the_body() {
    let err = decode::<Value>(
        &Method::GET,
        "/x",
        StatusCode::BAD_GATEWAY,
        b"upstream down",
    )
    .expect_err("an error");
    assert_eq!(
        err.to_string(),
        "HTTP 502 Bad Gateway without a problem body: upstream down"
    );
}

#[test]
fn only_503_and_an_in_progress_key_are_retried() {
    assert!(retryable_status(StatusCode::SERVICE_UNAVAILABLE, b""));
    let in_progress = br#"{"type":"t","title":"Conflict","status":409,"detail":"d","code":"IDEMPOTENCY_REQUEST_IN_PROGRESS"}"#;
    assert!(retryable_status(StatusCode::CONFLICT, in_progress));
    let reused = br#"{"type":"t","title":"Conflict","status":409,"detail":"d","code":"IDEMPOTENCY_KEY_REUSED"}"#;
    assert!(!retryable_status(StatusCode::CONFLICT, reused));
    assert!(!retryable_status(StatusCode::UNPROCESSABLE_ENTITY, b""));
}

/// Answers each connection with the next canned response and reports the request head.
async fn stub_server(
    responses: Vec<(&'static str, &'static str)>,
) -> (String, tokio::sync::mpsc::UnboundedReceiver<String>) {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let addr = listener.local_addr().expect("addr");
    let (tx, rx) = tokio::sync::mpsc::unbounded_channel();
    tokio::spawn(async move {
        for (status, body) in responses {
            let response = format!(
                "HTTP/1.1 {status}\r\ncontent-type: application/json\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{body}",
                body.len()
            );
            let (mut socket, _) = listener.accept().await.expect("accept");
            let mut buf = vec![0_u8; 8192];
            let n = socket.read(&mut buf).await.expect("read");
            let _ = tx.send(String::from_utf8_lossy(&buf[..n]).to_lowercase());
            socket.write_all(response.as_bytes()).await.expect("write");
            socket.shutdown().await.expect("shutdown");
        }
    });
    (format!("http://{addr}"), rx)
}

fn idempotency_key(head: &str) -> Option<String> {
    head.lines()
        .find_map(|l| l.strip_prefix("idempotency-key: ").map(str::to_string))
}

#[tokio::test]
async fn a_post_retried_after_a_503_reuses_its_idempotency_key() {
    let _ = rustls::crypto::aws_lc_rs::default_provider().install_default();
    let unavailable = (
        "503 Service Unavailable",
        r#"{"type":"t","title":"Unavailable","status":503,"detail":"retry","code":"SERVICE_UNAVAILABLE"}"#,
    );
    let created = ("201 Created", r#"{"id":"t1","name":"Acme","api_key":"k"}"#);
    let (base, mut heads) = stub_server(vec![unavailable, created]).await;
    let client = Client::new(&base, "admintoken").expect("client");
    let tenant = client
        .create_tenant("Acme")
        .await
        .expect("created on the retry");
    assert_eq!(tenant.api_key, "k");
    let first = heads.recv().await.expect("first request");
    let second = heads.recv().await.expect("second request");
    assert!(first.starts_with("post /admin/v1/tenants "), "{first}");
    assert!(
        first.contains("authorization: bearer admintoken"),
        "{first}"
    );
    let key = idempotency_key(&first).expect("an idempotency key");
    assert_eq!(idempotency_key(&second), Some(key));
}

#[tokio::test]
async fn two_posts_get_different_idempotency_keys_and_gets_none() {
    let _ = rustls::crypto::aws_lc_rs::default_provider().install_default();
    let ok = ("200 OK", r#"{"data":[]}"#);
    let (base, mut heads) = stub_server(vec![ok, ok, ok]).await;
    let client = Client::new(&base, "key").expect("client");
    let _ = client.complete("s1").await;
    let _ = client.complete("s1").await;
    let _ = client
        .sandbox_messages("+12025550150")
        .await
        .expect("an empty inbox");
    let (a, b, get) = (
        heads.recv().await.expect("a"),
        heads.recv().await.expect("b"),
        heads.recv().await.expect("get"),
    );
    assert_ne!(
        idempotency_key(&a).expect("key a"),
        idempotency_key(&b).expect("key b")
    );
    assert!(
        get.starts_with("get /v1/sandbox/messages?to=%2b12025550150 "),
        "{get}"
    );
    assert_eq!(idempotency_key(&get), None);
}

#[test]
fn path_segments_are_percent_encoded() {
    assert_eq!(seg("income_type"), "income_type");
    assert_eq!(seg("a/b c"), "a%2Fb%20c");
}
