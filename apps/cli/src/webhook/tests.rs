//! Unit tests of the provider table: body kinds, signing schemes and the signers' headers.

use super::*;

#[test]
fn json_bodies_are_told_from_forms() {
    assert!(is_json(br#"{"a":1}"#));
    assert!(is_json(b" [1, 2] "));
    assert!(!is_json(b"MessageSid=SM1&MessageStatus=sent"));
    assert!(!is_json(b""));
}

#[test]
fn twilio_json_bodies_are_signed_through_body_sha256() {
    let url = twilio_signed_url("https://h/webhooks/twilio", b"{}");
    assert!(
        url.starts_with("https://h/webhooks/twilio?bodySHA256="),
        "{url}"
    );
    let form = twilio_signed_url("https://h/webhooks/twilio", b"A=1");
    assert_eq!(form, "https://h/webhooks/twilio");
}

#[test]
fn paypal_signs_with_a_certificate_and_the_others_with_a_secret() {
    for p in Provider::value_variants() {
        let kind = match p.scheme() {
            Scheme::Secret(_) => "secret",
            Scheme::PaypalCertificate => "certificate",
        };
        let expected = match p {
            Provider::Paypal => "certificate",
            _ => "secret",
        };
        assert_eq!(kind, expected, "{p}");
        let typed = p.to_possible_value().map(|v| v.get_name().to_string());
        assert_eq!(typed.as_deref(), Some(p.name()));
    }
}

#[test]
fn stripe_signs_the_body_into_one_stripe_signature_header() {
    let signed = stripe_sign("https://ignored", b"{}", "whsec_x", 1_700_000_000);
    let value = onramp_stripe::webhook::sign(b"{}", "whsec_x", 1_700_000_000);
    assert_eq!(signed, Ok(vec![("stripe-signature".to_string(), value)]));
}

#[test]
fn meta_signs_the_body_into_one_x_hub_signature_256_header_whatever_the_time() {
    let signed = meta_sign("https://ignored", b"test", "TEST_APP_SECRET", 0);
    let value = "sha256=0c61947b610d4f45e65f3d680e26027121ec2413e77598bcb6cfc6e0d9888221";
    assert_eq!(
        signed,
        Ok(vec![("x-hub-signature-256".to_string(), value.to_string())])
    );
}
