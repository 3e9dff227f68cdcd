//! `onramp webhook listen`, run as the built binary against a wiremock server standing in for
//! the Onramp API and another standing in for the tenant's local endpoint.
#![allow(clippy::unwrap_used)]

use std::io::{BufRead as _, BufReader};
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use onramp_provider_kit::standard_webhooks;
use onramp_provider_kit::webhook::WebhookRequest;
use serde_json::{Value, json};
use wiremock::matchers::{header, method, path, query_param, query_param_is_missing};
use wiremock::{Mock, MockServer, ResponseTemplate};

const API_KEY: &str = "onr_sk_listen_test";
const TYPES: &str = "session.completed,trial.converted";

fn event(id: &str, event_type: &str, sequence: u64, session: Option<&str>) -> Value {
    let mut event = json!({
        "id": id,
        "type": event_type,
        "created_at": format!("2026-11-02T10:00:{sequence:02}Z"),
        "tenant_id": "0193a4c2-0000-7000-8000-000000000001",
        "sequence": sequence,
        "catalogue_version": "2026-10-01",
        "data": { "flow": "conversational-profile", "step": sequence },
    });
    if let Some(session) = session {
        event["session_id"] = json!(session);
    }
    event
}

/// Kills the child when the test ends, passed or not.
struct Running(Child);

impl Drop for Running {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

#[tokio::test]
async fn listen_prints_and_forwards_new_events_signed_but_not_the_backlog() {
    let old = event(
        "0193a4c2-aaaa-7000-8000-000000000007",
        "session.started",
        7,
        None,
    );
    let first = event(
        "0193a4c2-bbbb-7000-8000-000000000008",
        "session.completed",
        8,
        Some("0193a4c2-5e55-7000-8000-000000000001"),
    );
    let second = event(
        "0193a4c2-cccc-7000-8000-000000000009",
        "trial.converted",
        9,
        None,
    );

    let api = MockServer::start().await;
    let events = || {
        Mock::given(method("GET"))
            .and(path("/v1/events"))
            .and(header(
                "authorization",
                format!("Bearer {API_KEY}").as_str(),
            ))
    };
    // The start-up probe: newest first, one event, which must not be printed.
    events()
        .and(query_param("limit", "1"))
        .and(query_param_is_missing("order"))
        .respond_with(
            ResponseTemplate::new(200).set_body_json(json!({ "data": [old], "next_cursor": "7" })),
        )
        .expect(1)
        .mount(&api)
        .await;
    let asc = |cursor: &str| {
        events()
            .and(query_param("order", "asc"))
            .and(query_param("limit", "100"))
            .and(query_param("type", TYPES))
            .and(query_param("cursor", cursor))
    };
    asc("7")
        .respond_with(
            ResponseTemplate::new(200).set_body_json(
                json!({ "data": [first.clone(), second.clone()], "next_cursor": "9" }),
            ),
        )
        .up_to_n_times(1)
        .expect(1)
        .mount(&api)
        .await;
    asc("9")
        .respond_with(
            ResponseTemplate::new(200).set_body_json(json!({ "data": [], "next_cursor": "9" })),
        )
        .mount(&api)
        .await;

    let endpoint = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/hooks"))
        .respond_with(ResponseTemplate::new(204))
        .mount(&endpoint)
        .await;

    let mut child = Command::new(env!("CARGO_BIN_EXE_onramp"))
        .args([
            "webhook",
            "listen",
            "--server",
            &api.uri(),
            "--api-key",
            API_KEY,
        ])
        .args(["--forward-to", &format!("{}/hooks", endpoint.uri())])
        .args(["--types", TYPES, "--interval-ms", "50"])
        .env_remove("ONRAMP_SERVER")
        .env_remove("ONRAMP_API_KEY")
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let stdout = child.stdout.take().unwrap();
    let _running = Running(child);
    let (lines_tx, lines) = mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(stdout).lines() {
            let Ok(line) = line else { break };
            if lines_tx.send(line).is_err() {
                break;
            }
        }
    });

    // Two event lines and two forward statuses, then a few more polls of the empty log.
    let deadline = Instant::now() + Duration::from_secs(8);
    let mut printed: Vec<String> = Vec::new();
    let mut forwarded = Vec::new();
    while Instant::now() < deadline {
        while let Ok(line) = lines.try_recv() {
            printed.push(line);
        }
        forwarded = endpoint.received_requests().await.unwrap();
        let statuses = printed.iter().filter(|l| l.contains("-> 204")).count();
        if forwarded.len() >= 2 && statuses >= 2 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    tokio::time::sleep(Duration::from_millis(200)).await;
    while let Ok(line) = lines.try_recv() {
        printed.push(line);
    }
    let output = printed.join("\n");

    let secret = printed
        .first()
        .and_then(|l| l.strip_prefix("Your forwarding secret is "))
        .unwrap_or_else(|| panic!("no secret announced first:\n{output}"))
        .to_string();
    assert!(secret.starts_with("whsec_"), "{secret}");
    assert!(
        printed.contains(&format!(
            "2026-11-02T10:00:08Z  session.completed  {}  0193a4c2-5e55-7000-8000-000000000001",
            first["id"].as_str().unwrap()
        )),
        "{output}"
    );
    assert!(
        printed.contains(&format!(
            "2026-11-02T10:00:09Z  trial.converted  {}  -",
            second["id"].as_str().unwrap()
        )),
        "{output}"
    );
    assert!(!output.contains(old["id"].as_str().unwrap()), "{output}");
    assert_eq!(
        printed.iter().filter(|l| l.contains("-> 204")).count(),
        2,
        "{output}"
    );

    assert_eq!(forwarded.len(), 2, "{output}");
    for (request, sent) in forwarded.iter().zip([&first, &second]) {
        assert_eq!(request.body, serde_json::to_vec(sent).unwrap());
        assert_eq!(request.headers["content-type"], "application/json");
        assert_eq!(request.headers["webhook-id"], sent["id"].as_str().unwrap());
        let delivery = WebhookRequest {
            method: request.method.to_string(),
            url: request.url.to_string(),
            headers: request.headers.clone(),
            body: request.body.clone().into(),
        };
        let now = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap()
            .as_secs();
        standard_webhooks::verify(&delivery, &secret, i64::try_from(now).unwrap()).unwrap();
    }
    api.verify().await;
}
