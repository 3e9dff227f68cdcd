//! Unit tests of StripeCards: endpoints, construction from credentials and answer reading.

use super::*;

fn cards(base: &str) -> StripeCards {
    let settings = HttpSettings::parse(base).unwrap();
    StripeCards::new(settings, SecretString::from("sk_test_unit")).unwrap()
}

#[test]
fn endpoints_are_appended_to_the_base_and_ids_are_escaped() {
    let c = cards("https://api.stripe.com");
    assert_eq!(
        c.endpoint(&["v1", "customers"]).unwrap(),
        "https://api.stripe.com/v1/customers"
    );
    assert_eq!(
        c.endpoint(&["v1", "payment_intents", "pi_1/../x?y", "cancel"])
            .unwrap(),
        "https://api.stripe.com/v1/payment_intents/pi_1%2F..%2Fx%3Fy/cancel"
    );
    let c = cards("http://127.0.0.1:12111/stripe/");
    assert_eq!(
        c.endpoint(&["v1", "subscriptions", "sub_1"]).unwrap(),
        "http://127.0.0.1:12111/stripe/v1/subscriptions/sub_1"
    );
}

#[test]
fn from_credentials_defaults_to_stripes_api_and_hides_the_key() {
    let credentials = StripeCredentials {
        secret_key: SecretString::from("sk_test_hidden"),
        webhook_secret: None,
        base_url: None,
    };
    let c = StripeCards::from_credentials(&credentials).unwrap();
    assert_eq!(c.settings.base_url.as_str(), "https://api.stripe.com/");
    assert!(!format!("{c:?}").contains("sk_test_hidden"));
}

#[test]
fn a_publishable_key_is_refused_as_unauthorized() {
    let settings = HttpSettings::parse("https://api.stripe.com").unwrap();
    let e = StripeCards::new(settings, SecretString::from("pk_test_abc")).unwrap_err();
    assert!(
        matches!(&e, ProviderError::Unauthorized { reason } if reason.contains("secret_key")),
        "{e:?}"
    );
}

#[test]
fn an_unknown_subscription_status_is_unexpected() {
    let e = subscription_info(Subscription {
        id: "sub_1".into(),
        status: "frozen".into(),
        trial_end: None,
    })
    .unwrap_err();
    assert!(
        matches!(e, PaymentError::Provider(ProviderError::Unexpected(_))),
        "{e:?}"
    );
}
