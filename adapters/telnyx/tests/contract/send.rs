//! Sends: the request carries the number, the profile and Onramp's code; Telnyx's refusals of a
//! destination map to stable codes; a missing profile or id is unexpected, not a rejection.

use onramp_domain::ports::{CodeOwner, ProviderError, ProviderId, VerificationSender};
use onramp_domain::verification::Channel;
use onramp_provider_kit::testing::SenderFixture;
use onramp_provider_kit::testing::sender_suite::suite_delivery;
use serde_json::{Value, json};
use wiremock::{MockServer, ResponseTemplate};

use super::{PROFILE_ID, Telnyx, VERIFICATION_ID, errors, fast_sender};

async fn send_answered(
    channel: Channel,
    answer: ResponseTemplate,
) -> Result<onramp_domain::ports::DeliveryReceipt, ProviderError> {
    let server = MockServer::start().await;
    Telnyx.mount_send(&server, channel, answer, Some(1)).await;
    fast_sender(&server.uri())
        .send_code(&suite_delivery(channel))
        .await
}

fn rejected_code(result: Result<impl std::fmt::Debug, ProviderError>) -> String {
    match result {
        Err(ProviderError::Rejected { code, .. }) => code,
        other => panic!("expected a rejection, got {other:?}"),
    }
}

#[tokio::test]
async fn the_send_carries_the_number_the_profile_and_onramps_code() {
    for channel in [Channel::Sms, Channel::Voice] {
        let server = MockServer::start().await;
        Telnyx
            .mount_send(&server, channel, Telnyx.accepted(channel), Some(1))
            .await;
        let receipt = fast_sender(&server.uri())
            .send_code(&suite_delivery(channel))
            .await
            .unwrap();
        assert_eq!(receipt.provider, ProviderId::Telnyx);
        assert_eq!(receipt.provider_ref, VERIFICATION_ID);
        assert_eq!(receipt.code_owner, CodeOwner::Onramp);
        let requests = server.received_requests().await.unwrap();
        let body: Value = serde_json::from_slice(&requests[0].body).unwrap();
        assert_eq!(
            body,
            json!({"phone_number": "+14155550123", "verify_profile_id": PROFILE_ID, "custom_code": "123456"})
        );
        assert_eq!(
            requests[0].headers.get("content-type").unwrap(),
            "application/json"
        );
    }
}

#[tokio::test]
async fn a_number_not_in_e164_is_an_invalid_number() {
    let answer = errors(
        422,
        "10016",
        "Phone number must be in +E.164 format",
        "The specified phone number parameter must be in +E.164 format.",
    );
    assert_eq!(
        rejected_code(send_answered(Channel::Sms, answer).await),
        "invalid_number"
    );
}

#[tokio::test]
async fn a_destination_outside_the_profiles_countries_is_a_blocked_country() {
    let answer = errors(
        400,
        "40309",
        "Invalid destination region",
        "The destination is not in the whitelisted_destinations of the Verify profile.",
    );
    assert_eq!(
        rejected_code(send_answered(Channel::Voice, answer).await),
        "blocked_country"
    );
}

#[tokio::test]
async fn an_inactive_number_is_unreachable() {
    let answer = errors(
        400,
        "10001",
        "Inactive phone number",
        "The phone number is inactive.",
    );
    assert_eq!(
        rejected_code(send_answered(Channel::Voice, answer).await),
        "unreachable"
    );
}

#[tokio::test]
async fn a_verify_profile_that_does_not_exist_is_unexpected_not_a_rejection() {
    let answer = errors(
        404,
        "10005",
        "Resource not found",
        "The requested resource or URL could not be found.",
    );
    let result = send_answered(Channel::Sms, answer).await;
    assert!(
        matches!(&result, Err(ProviderError::Unexpected(e)) if e.to_string().contains("10005")),
        "{result:?}"
    );
}

#[tokio::test]
async fn an_accepted_send_without_an_id_is_unexpected() {
    let answer = ResponseTemplate::new(200).set_body_json(json!({"data": {"id": ""}}));
    let result = send_answered(Channel::Sms, answer).await;
    assert!(
        matches!(result, Err(ProviderError::Unexpected(_))),
        "{result:?}"
    );
}
