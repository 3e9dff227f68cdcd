//! `http::execute` against wiremock: the generic classification of failures, and how often a
//! call is sent for each `CallSafety`.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use onramp_domain::ports::ProviderError;
use onramp_provider_kit::http::{
    CallSafety, Exchange, HttpSettings, MAX_INLINE_RETRY_AFTER, client, execute,
};
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

const ATTEMPTS: usize = 3;

fn settings(base_url: &str) -> HttpSettings {
    let mut s = HttpSettings::parse(base_url).expect("a valid base URL");
    s.timeout = Duration::from_millis(300);
    s.connect_timeout = Duration::from_millis(300);
    s.min_backoff = Duration::from_millis(5);
    s.max_attempts = ATTEMPTS;
    s
}

/// 2xx: the body's text; any other status handed over: a rejection.
fn classify(x: &Exchange) -> Result<String, ProviderError> {
    if x.status.is_success() {
        Ok(x.snippet())
    } else {
        Err(ProviderError::rejected("invalid_number", x.snippet()))
    }
}

/// Calls POST /call under `base_url` once through `execute`, counting the requests built.
async fn call(
    settings: &HttpSettings,
    safety: CallSafety,
) -> (Result<String, ProviderError>, usize) {
    let http = client(settings).expect("a client");
    let built = Arc::new(AtomicUsize::new(0));
    let counter = built.clone();
    let url = settings.url("/call");
    let build = move || {
        counter.fetch_add(1, Ordering::SeqCst);
        http.post(&url).body("x")
    };
    let result = execute(settings, safety, build, classify).await;
    (result, built.load(Ordering::SeqCst))
}

/// A server answering every POST /call with `answer`.
async fn answering(answer: ResponseTemplate) -> MockServer {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/call"))
        .respond_with(answer)
        .mount(&server)
        .await;
    server
}

async fn received(server: &MockServer) -> usize {
    server
        .received_requests()
        .await
        .expect("recording is on")
        .len()
}

fn too_many(retry_after: Option<&str>) -> ResponseTemplate {
    let answer = ResponseTemplate::new(429).set_body_string("slow down");
    match retry_after {
        Some(seconds) => answer.insert_header("Retry-After", seconds),
        None => answer,
    }
}

#[tokio::test]
async fn a_429_with_a_long_retry_after_is_unavailable_carrying_it_and_not_retried() {
    let server = answering(too_many(Some("30"))).await;
    for safety in [CallSafety::NotIdempotent, CallSafety::Idempotent] {
        let (result, _) = call(&settings(&server.uri()), safety).await;
        match result {
            Err(ProviderError::Unavailable {
                retry_after,
                reason,
            }) => {
                assert_eq!(retry_after, Some(Duration::from_secs(30)));
                assert_eq!(reason, "http 429");
            }
            other => panic!("expected Unavailable, got {other:?}"),
        }
    }
    assert_eq!(received(&server).await, 2, "one request per call");
}

#[tokio::test]
async fn a_429_without_retry_after_is_retried_even_when_not_idempotent() {
    let server = answering(too_many(None)).await;
    let (result, _) = call(&settings(&server.uri()), CallSafety::NotIdempotent).await;
    assert!(matches!(
        result,
        Err(ProviderError::Unavailable {
            retry_after: None,
            ..
        })
    ));
    assert_eq!(received(&server).await, ATTEMPTS);
}

#[tokio::test]
async fn a_short_retry_after_is_waited_for_then_the_call_succeeds() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .respond_with(too_many(Some("1")))
        .up_to_n_times(1)
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .respond_with(ResponseTemplate::new(200).set_body_string("done"))
        .mount(&server)
        .await;
    let started = Instant::now();
    let (result, _) = call(&settings(&server.uri()), CallSafety::NotIdempotent).await;
    assert_eq!(result.unwrap(), "done");
    assert!(
        started.elapsed() >= Duration::from_secs(1),
        "Retry-After: 1 was not honoured"
    );
    assert_eq!(received(&server).await, 2);
}

#[tokio::test]
async fn short_retry_afters_do_not_extend_the_attempts_beyond_max_attempts() {
    // A provider answering 429 with `Retry-After: 0` forever must not be called forever.
    let server = answering(too_many(Some("0"))).await;
    let bounded = tokio::time::timeout(
        Duration::from_secs(5),
        call(&settings(&server.uri()), CallSafety::NotIdempotent),
    )
    .await
    .expect("execute kept retrying");
    assert!(matches!(bounded.0, Err(ProviderError::Unavailable { .. })));
    assert_eq!(received(&server).await, ATTEMPTS);
}

#[tokio::test]
async fn server_errors_are_unavailable_and_retried_only_when_idempotent() {
    for status in [500, 503] {
        let server = answering(ResponseTemplate::new(status)).await;
        let (result, _) = call(&settings(&server.uri()), CallSafety::NotIdempotent).await;
        match result {
            Err(ProviderError::Unavailable { reason, .. }) => {
                assert_eq!(reason, format!("http {status}"));
            }
            other => panic!("expected Unavailable, got {other:?}"),
        }
        assert_eq!(received(&server).await, 1, "{status} not idempotent");
        let (result, _) = call(&settings(&server.uri()), CallSafety::Idempotent).await;
        assert!(matches!(result, Err(ProviderError::Unavailable { .. })));
        assert_eq!(received(&server).await, 1 + ATTEMPTS, "{status} idempotent");
    }
}

#[tokio::test]
async fn a_5xx_with_a_retry_after_over_the_inline_limit_stops_the_retries() {
    let over = MAX_INLINE_RETRY_AFTER.as_secs() + 1;
    let server =
        answering(ResponseTemplate::new(503).insert_header("Retry-After", over.to_string())).await;
    let (result, _) = call(&settings(&server.uri()), CallSafety::Idempotent).await;
    assert!(matches!(
        result,
        Err(ProviderError::Unavailable { retry_after: Some(d), .. }) if d.as_secs() == over
    ));
    assert_eq!(received(&server).await, 1);
}

#[tokio::test]
async fn a_429_with_a_retry_after_over_the_inline_limit_stops_the_retries() {
    let over = (MAX_INLINE_RETRY_AFTER.as_secs() + 1).to_string();
    let server = answering(too_many(Some(&over))).await;
    let (result, _) = call(&settings(&server.uri()), CallSafety::Idempotent).await;
    assert!(matches!(result, Err(ProviderError::Unavailable { .. })));
    assert_eq!(received(&server).await, 1);
}

/// Like [`classify`], but the provider refuses only destinations: other errors are unexpected.
fn classify_destinations(x: &Exchange) -> Result<String, ProviderError> {
    match x.status.is_success() {
        true => Ok(x.snippet()),
        false if x.snippet().contains("destination") => {
            Err(ProviderError::rejected("blocked_country", x.snippet()))
        }
        false => Err(ProviderError::Unexpected(x.snippet().into())),
    }
}

#[tokio::test]
async fn a_403_the_adapter_reads_as_a_refused_destination_is_a_rejection() {
    let answer = ResponseTemplate::new(403)
        .set_body_string(r#"{"code":60605,"message":"destination blocked"}"#);
    let server = answering(answer).await;
    let s = settings(&server.uri());
    let http = client(&s).expect("a client");
    let url = s.url("/call");
    let result = execute(
        &s,
        CallSafety::Idempotent,
        || http.post(&url),
        classify_destinations,
    )
    .await;
    assert!(
        matches!(result, Err(ProviderError::Rejected { ref code, .. }) if code == "blocked_country"),
        "{result:?}"
    );
    assert_eq!(received(&server).await, 1);
}

#[tokio::test]
async fn refused_credentials_are_unauthorized_with_the_body_and_never_retried() {
    for status in [401, 403] {
        let answer = ResponseTemplate::new(status).set_body_string(r#"{"error":"bad key"}"#);
        let server = answering(answer).await;
        let s = settings(&server.uri());
        let http = client(&s).expect("a client");
        let url = s.url("/call");
        let result = execute(
            &s,
            CallSafety::Idempotent,
            || http.post(&url),
            classify_destinations,
        )
        .await;
        match result {
            Err(ProviderError::Unauthorized { reason }) => {
                assert_eq!(reason, format!(r#"http {status}: {{"error":"bad key"}}"#));
            }
            other => panic!("expected Unauthorized, got {other:?}"),
        }
        assert_eq!(received(&server).await, 1);
    }
}

#[tokio::test]
async fn a_timeout_is_unavailable_and_retried_only_when_idempotent() {
    let slow = ResponseTemplate::new(200).set_delay(Duration::from_secs(2));
    let server = answering(slow).await;
    let (result, _) = call(&settings(&server.uri()), CallSafety::NotIdempotent).await;
    match result {
        Err(ProviderError::Unavailable { reason, .. }) => assert_eq!(reason, "timeout"),
        other => panic!("expected Unavailable, got {other:?}"),
    }
    assert_eq!(received(&server).await, 1);
    let (result, _) = call(&settings(&server.uri()), CallSafety::Idempotent).await;
    assert!(matches!(result, Err(ProviderError::Unavailable { .. })));
    assert_eq!(received(&server).await, 1 + ATTEMPTS);
}

#[tokio::test]
async fn a_refused_connection_is_unavailable_and_retried_even_when_not_idempotent() {
    let port = {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        listener.local_addr().unwrap().port()
    };
    let s = settings(&format!("http://127.0.0.1:{port}"));
    let (result, built) = call(&s, CallSafety::NotIdempotent).await;
    match result {
        Err(ProviderError::Unavailable { reason, .. }) => {
            assert_eq!(reason, "connection failed");
        }
        other => panic!("expected Unavailable, got {other:?}"),
    }
    assert_eq!(built, ATTEMPTS);
}

#[tokio::test]
async fn other_answers_go_to_the_classifier_and_its_rejection_is_not_retried() {
    let server = answering(ResponseTemplate::new(422).set_body_string("bad number")).await;
    let (result, _) = call(&settings(&server.uri()), CallSafety::Idempotent).await;
    assert!(matches!(
        result,
        Err(ProviderError::Rejected { code, message }) if code == "invalid_number" && message == "bad number"
    ));
    assert_eq!(received(&server).await, 1);
}

#[tokio::test]
async fn a_success_is_returned_as_the_classifier_reads_it() {
    let server = answering(ResponseTemplate::new(201).set_body_string("created")).await;
    let (result, built) = call(&settings(&server.uri()), CallSafety::NotIdempotent).await;
    assert_eq!(result.unwrap(), "created");
    assert_eq!(built, 1);
}

#[test]
fn urls_join_the_base_path_and_the_call_path() {
    let s = HttpSettings::parse("https://api.telnyx.com/v2/").unwrap();
    assert_eq!(
        s.url("/verifications/sms"),
        "https://api.telnyx.com/v2/verifications/sms"
    );
}

#[test]
fn retry_after_reads_seconds_and_ignores_dates() {
    use onramp_provider_kit::http::retry_after;
    let mut headers = http::HeaderMap::new();
    assert_eq!(retry_after(&headers), None);
    headers.insert("retry-after", http::HeaderValue::from_static(" 7 "));
    assert_eq!(retry_after(&headers), Some(Duration::from_secs(7)));
    headers.insert(
        "retry-after",
        http::HeaderValue::from_static("Wed, 21 Oct 2015 07:28:00 GMT"),
    );
    assert_eq!(retry_after(&headers), None);
}
