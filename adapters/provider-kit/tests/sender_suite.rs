//! The sender contract suite run against a small Telnyx-shaped sender built on `http::execute`,
//! with its requests checked against the real `telnyx.json`: proves the suite's scenarios, its
//! snapshots and its conformance check work together, and that a sender using the kit the way
//! adapters do passes them.
#![cfg(feature = "testing")]

use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use onramp_domain::ports::{
    CodeOwner, DeliveryReceipt, ProviderCheck, ProviderError, ProviderId, ProviderVerdict,
    VerificationSender,
};
use onramp_domain::verification::Channel;
use onramp_provider_kit::http::{CallSafety, Exchange, HttpSettings, client, execute};
use onramp_provider_kit::testing::{SenderFixture, run_sender_suite};
use serde_json::{Value, json};
use wiremock::matchers::{method, path, query_param};
use wiremock::{Mock, MockServer, ResponseTemplate};

const PROFILE: &str = "12ade33a-21c0-473b-b055-b3c836e1c292";

/// Just enough of a Telnyx Verify sender for the suite (the real one is `onramp-telnyx`).
struct MiniTelnyx {
    settings: HttpSettings,
    http: reqwest::Client,
}

fn classify_send(x: &Exchange) -> Result<DeliveryReceipt, ProviderError> {
    if !x.status.is_success() {
        return Err(ProviderError::rejected("invalid_number", x.snippet()));
    }
    let body: Value = x.json()?;
    let id = body["data"]["id"]
        .as_str()
        .ok_or_else(|| ProviderError::Unexpected("no data.id".into()))?;
    Ok(DeliveryReceipt {
        provider: ProviderId::Telnyx,
        provider_ref: id.to_string(),
        code_owner: CodeOwner::Onramp,
    })
}

#[async_trait::async_trait]
impl VerificationSender for MiniTelnyx {
    fn provider(&self) -> ProviderId {
        ProviderId::Telnyx
    }

    async fn send_code(
        &self,
        delivery: &onramp_domain::ports::CodeDelivery,
    ) -> Result<DeliveryReceipt, ProviderError> {
        let url = self.settings.url(send_path(delivery.channel));
        let body = json!({
            "phone_number": delivery.to.as_str(),
            "verify_profile_id": PROFILE,
            "custom_code": delivery.code.expose(),
        });
        let build = || self.http.post(&url).bearer_auth("KEY").json(&body);
        execute(
            &self.settings,
            CallSafety::NotIdempotent,
            build,
            classify_send,
        )
        .await
    }

    async fn check_code(&self, _: &ProviderCheck) -> Result<ProviderVerdict, ProviderError> {
        Err(ProviderError::rejected(
            "unsupported",
            "Onramp checks its own codes",
        ))
    }

    async fn health_check(&self) -> Result<(), ProviderError> {
        let url = self.settings.url("/verify_profiles");
        let build = || {
            self.http
                .get(&url)
                .bearer_auth("KEY")
                .query(&[("page[size]", "1")])
        };
        let classify = |x: &Exchange| x.json::<Value>().map(|_| ());
        execute(&self.settings, CallSafety::Idempotent, build, classify).await
    }
}

fn send_path(channel: Channel) -> &'static str {
    match channel {
        Channel::Sms => "/verifications/sms",
        Channel::Voice => "/verifications/call",
    }
}

fn telnyx_error(status: u16, code: &str, title: &str) -> ResponseTemplate {
    ResponseTemplate::new(status)
        .set_body_json(json!({"errors": [{"code": code, "title": title, "detail": title}]}))
}

struct Fixture;

#[async_trait::async_trait]
impl SenderFixture for Fixture {
    fn provider(&self) -> &'static str {
        "telnyx"
    }

    fn spec(&self) -> Option<PathBuf> {
        Some(PathBuf::from(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../../../shared/provider-specs/telnyx.json"
        )))
    }

    fn snapshot_dir(&self) -> PathBuf {
        PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/tests/snapshots"))
    }

    fn secret_headers(&self) -> Vec<&'static str> {
        Vec::new()
    }

    fn channels(&self) -> Vec<Channel> {
        vec![Channel::Sms, Channel::Voice]
    }

    fn sender(&self, base_url: &str) -> Arc<dyn VerificationSender> {
        let mut settings =
            HttpSettings::parse(&format!("{base_url}/v2")).expect("a valid base URL");
        settings.timeout = Duration::from_millis(300);
        settings.min_backoff = Duration::from_millis(10);
        let http = client(&settings).expect("a client");
        Arc::new(MiniTelnyx { settings, http })
    }

    async fn mount_send(
        &self,
        server: &MockServer,
        channel: Channel,
        answer: ResponseTemplate,
        times: Option<u64>,
    ) {
        let mock = Mock::given(method("POST"))
            .and(path(format!("/v2{}", send_path(channel))))
            .respond_with(answer);
        let mock = match times {
            Some(n) => mock.up_to_n_times(n).expect(..=n),
            None => mock,
        };
        mock.mount(server).await;
    }

    async fn mount_health(&self, server: &MockServer, answer: ResponseTemplate) {
        Mock::given(method("GET"))
            .and(path("/v2/verify_profiles"))
            .and(query_param("page[size]", "1"))
            .respond_with(answer)
            .mount(server)
            .await;
    }

    fn accepted(&self, channel: Channel) -> ResponseTemplate {
        let kind = match channel {
            Channel::Sms => "sms",
            Channel::Voice => "call",
        };
        ResponseTemplate::new(200).set_body_json(json!({"data": {
            "id": "12ade33a-21c0-473b-b055-b3c836e1c293",
            "record_type": "verification",
            "phone_number": "+14155550123",
            "type": kind,
            "status": "pending",
            "verify_profile_id": PROFILE,
        }}))
    }

    fn invalid_number(&self) -> ResponseTemplate {
        telnyx_error(400, "10016", "Phone number must be in +E.164 format.")
    }

    fn unauthorized(&self) -> ResponseTemplate {
        telnyx_error(401, "10009", "Authentication failed")
    }

    fn rate_limited(&self, retry_after_seconds: u64) -> ResponseTemplate {
        telnyx_error(429, "10011", "Too many requests")
            .insert_header("Retry-After", retry_after_seconds.to_string())
    }

    fn server_error(&self) -> ResponseTemplate {
        telnyx_error(503, "10010", "Service unavailable")
    }

    fn health_ok(&self) -> ResponseTemplate {
        ResponseTemplate::new(200).set_body_json(json!({"data": [], "meta": {"total_results": 0}}))
    }
}

#[tokio::test]
async fn a_sender_built_on_the_kit_passes_the_contract_suite() {
    run_sender_suite(&Fixture).await;
}
