//! `HttpWebhookSender` against a local wiremock endpoint: what arrives, what comes back, and
//! what the SSRF guard refuses.
#![allow(clippy::unwrap_used)]

use std::time::Duration;

use onramp_domain::ports::{OutboundRequest, RESPONSE_EXCERPT_BYTES, SendError, WebhookSender};
use onramp_webhook_sender::{HttpWebhookSender, SenderSettings};
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

const BODY: &[u8] = br#"{"id":"evt_1","type":"session.completed","data":{"n":1}}"#;

fn sender(allow_private: bool, timeout: Duration) -> HttpWebhookSender {
    HttpWebhookSender::new(SenderSettings {
        timeout,
        allow_private,
        ..SenderSettings::default()
    })
    .unwrap()
}

fn local() -> HttpWebhookSender {
    sender(true, Duration::from_secs(5))
}

fn guarded() -> HttpWebhookSender {
    sender(false, Duration::from_secs(5))
}

fn request(url: String) -> OutboundRequest {
    OutboundRequest {
        url,
        headers: vec![
            ("webhook-id".into(), "msg_2Lq8".into()),
            ("webhook-timestamp".into(), "1760000000".into()),
            ("webhook-signature".into(), "v1,c2lnbmF0dXJl".into()),
        ],
        body: BODY.to_vec(),
    }
}

async fn endpoint(answer: ResponseTemplate) -> MockServer {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/hook"))
        .respond_with(answer)
        .mount(&server)
        .await;
    server
}

#[tokio::test]
async fn the_body_and_headers_arrive_exactly_and_the_answer_comes_back() {
    let server = endpoint(ResponseTemplate::new(200).set_body_string("thanks")).await;
    let answer = local()
        .send(request(format!("{}/hook", server.uri())))
        .await
        .unwrap();
    assert_eq!(answer.status, 200);
    assert_eq!(answer.body_excerpt, "thanks");
    assert!(answer.latency_ms < 5_000);

    let received = server.received_requests().await.unwrap();
    assert_eq!(received.len(), 1);
    let r = &received[0];
    assert_eq!(r.body, BODY);
    assert_eq!(r.headers["content-type"], "application/json");
    assert_eq!(r.headers["webhook-id"], "msg_2Lq8");
    assert_eq!(r.headers["webhook-timestamp"], "1760000000");
    assert_eq!(r.headers["webhook-signature"], "v1,c2lnbmF0dXJl");
    assert!(
        r.headers["user-agent"]
            .to_str()
            .unwrap()
            .starts_with("onramp-webhooks/")
    );
}

#[tokio::test]
async fn a_long_answer_is_cut_to_the_excerpt_limit() {
    let long = "é".repeat(RESPONSE_EXCERPT_BYTES * 4);
    let server = endpoint(ResponseTemplate::new(200).set_body_string(long)).await;
    let answer = local()
        .send(request(format!("{}/hook", server.uri())))
        .await
        .unwrap();
    assert_eq!(answer.body_excerpt.len(), RESPONSE_EXCERPT_BYTES);
    assert_eq!(answer.body_excerpt, "é".repeat(RESPONSE_EXCERPT_BYTES / 2));
}

#[tokio::test]
async fn a_server_error_is_an_answer_not_a_failure() {
    let server = endpoint(ResponseTemplate::new(500).set_body_string("boom")).await;
    let answer = local()
        .send(request(format!("{}/hook", server.uri())))
        .await
        .unwrap();
    assert_eq!((answer.status, answer.body_excerpt.as_str()), (500, "boom"));
}

#[tokio::test]
async fn a_redirect_is_not_followed() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/hook"))
        .respond_with(ResponseTemplate::new(302).insert_header("location", "/elsewhere"))
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(path("/elsewhere"))
        .respond_with(ResponseTemplate::new(200))
        .expect(0)
        .mount(&server)
        .await;
    let answer = local()
        .send(request(format!("{}/hook", server.uri())))
        .await
        .unwrap();
    assert_eq!(answer.status, 302);
    server.verify().await;
}

#[tokio::test]
async fn a_server_slower_than_the_timeout_is_a_timeout() {
    let server = endpoint(ResponseTemplate::new(200).set_delay(Duration::from_secs(3))).await;
    let result = sender(true, Duration::from_millis(300))
        .send(request(format!("{}/hook", server.uri())))
        .await;
    assert_eq!(result, Err(SendError::Timeout(300)));
}

#[tokio::test]
async fn a_closed_port_is_a_connection_failure() {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    drop(listener);
    let result = local()
        .send(request(format!("http://127.0.0.1:{port}/hook")))
        .await;
    assert!(matches!(result, Err(SendError::Connect(_))), "{result:?}");
}

#[tokio::test]
async fn non_public_and_malformed_endpoints_are_refused_when_registered() {
    let sender = guarded();
    for url in [
        "http://127.0.0.1:1/",
        "http://localhost/",
        "http://10.0.0.1/",
        "http://[::1]/",
        "http://169.254.169.254/latest/meta-data",
        "http://[::ffff:127.0.0.1]/",
        "ftp://example.com/",
        "http://user:pw@example.com/",
    ] {
        let result = sender.check_url(url).await;
        assert!(
            matches!(result, Err(SendError::Refused(_))),
            "{url}: {result:?}"
        );
    }
    assert_eq!(
        sender.check_url("https://93.184.216.34/hooks").await,
        Ok(())
    );
    assert_eq!(
        sender.check_url("https://[2606:2800:220:1::1]/").await,
        Ok(())
    );
}

#[tokio::test]
async fn private_destinations_pass_the_check_when_allowed_but_the_shape_is_still_checked() {
    let sender = local();
    assert_eq!(sender.check_url("http://127.0.0.1:1/").await, Ok(()));
    assert_eq!(sender.check_url("http://localhost:8080/hook").await, Ok(()));
    assert!(matches!(
        sender.check_url("ftp://example.com/").await,
        Err(SendError::Refused(_))
    ));
}

#[tokio::test]
async fn a_delivery_to_a_private_address_is_refused_and_nothing_arrives() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .respond_with(ResponseTemplate::new(200))
        .expect(0)
        .mount(&server)
        .await;
    let result = guarded()
        .send(request(format!("{}/hook", server.uri())))
        .await;
    assert!(matches!(result, Err(SendError::Refused(_))), "{result:?}");
    let by_name = server.uri().replace("127.0.0.1", "localhost");
    let result = guarded().send(request(format!("{by_name}/hook"))).await;
    assert!(matches!(result, Err(SendError::Refused(_))), "{result:?}");
    assert!(server.received_requests().await.unwrap().is_empty());
    server.verify().await;
}

/// A name that is not `localhost` yet resolves to this machine (its host name: `127.0.x.1`
/// from `/etc/hosts`, or a container's private address) goes through the connect-time
/// resolver, which leaves no address to connect to.
#[tokio::test]
async fn a_name_resolving_to_a_private_address_is_refused_at_connect_time() {
    let Ok(host) = std::fs::read_to_string("/proc/sys/kernel/hostname") else {
        return; // Not Linux: no portable way to name this machine without a crate.
    };
    let host = host.trim().to_ascii_lowercase();
    let Ok(addrs) = tokio::net::lookup_host((host.as_str(), 0)).await else {
        return;
    };
    let addrs: Vec<_> = addrs.collect();
    if host.is_empty()
        || addrs.is_empty()
        || addrs
            .iter()
            .any(|a| onramp_webhook_sender::is_public(a.ip()))
    {
        return;
    }
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .respond_with(ResponseTemplate::new(200))
        .expect(0)
        .mount(&server)
        .await;
    let port = server.address().port();
    let result = guarded()
        .send(request(format!("http://{host}:{port}/hook")))
        .await;
    match result {
        Err(SendError::Refused(reason)) => {
            assert!(reason.contains("resolves to no public address"), "{reason}");
        }
        other => panic!("{host} ({addrs:?}): {other:?}"),
    }
    let checked = guarded()
        .check_url(&format!("http://{host}:{port}/hook"))
        .await;
    assert!(matches!(checked, Err(SendError::Refused(_))), "{checked:?}");
}
