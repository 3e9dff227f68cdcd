//! PayPal's SDK vectors: each verifies while its certificate is valid; a tampered body, id, time
//! or signature and another registration's webhook id are mismatches; expired certificates,
//! bad base64 and missing headers are refused; the Python vector's SHA1withRSA is refused
//! although its signed string is PayPal's; the CRC is printed unsigned.

use aws_lc_rs::signature::{RSA_PKCS1_2048_8192_SHA1_FOR_LEGACY_USE_ONLY, UnparsedPublicKey};
use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as BASE64;
use onramp_paypal::webhook::{self, SignatureError};

use super::{JAVA, NODE, OFFICIAL, PYTHON, request};

#[test]
fn every_official_vector_verifies_while_its_certificate_is_valid() {
    for vector in OFFICIAL {
        assert_eq!(
            vector.verify(&vector.delivery(), vector.valid_at),
            Ok(()),
            "{}",
            vector.transmission_id
        );
        assert_eq!(
            vector.verify(&vector.delivery(), vector.not_after),
            Ok(()),
            "the last second of validity"
        );
    }
}

#[test]
fn a_tampered_body_is_a_mismatch() {
    for vector in OFFICIAL {
        let mut body = vector.body.to_vec();
        let at = body.iter().position(|b| *b == b'1').unwrap();
        body[at] = b'2';
        let tampered = vector.delivery_with(&body, vector.signature);
        assert_eq!(
            vector.verify(&tampered, vector.valid_at),
            Err(SignatureError::Mismatch)
        );
    }
}

#[test]
fn another_registrations_webhook_id_is_a_mismatch() {
    for vector in OFFICIAL {
        let result = webhook::verify_offline(
            &vector.delivery(),
            "WEBHOOK1D",
            vector.certificate,
            vector.valid_at,
        );
        assert_eq!(result, Err(SignatureError::Mismatch));
    }
}

#[test]
fn a_tampered_transmission_id_or_time_is_a_mismatch() {
    let mut other_id = JAVA.delivery();
    other_id.headers.insert(
        "paypal-transmission-id",
        "afa30d40-ca4a-11e9-ab68-7d4e2605c70d".parse().unwrap(),
    );
    assert_eq!(
        JAVA.verify(&other_id, JAVA.valid_at),
        Err(SignatureError::Mismatch)
    );
    let mut other_time = JAVA.delivery();
    other_time.headers.insert(
        "paypal-transmission-time",
        "2019-08-29T10:49:34Z".parse().unwrap(),
    );
    assert_eq!(
        JAVA.verify(&other_time, JAVA.valid_at),
        Err(SignatureError::Mismatch)
    );
}

#[test]
fn another_vectors_signature_is_a_mismatch() {
    let crossed = JAVA.delivery_with(JAVA.body, NODE.signature);
    assert_eq!(
        JAVA.verify(&crossed, JAVA.valid_at),
        Err(SignatureError::Mismatch)
    );
}

#[test]
fn a_certificate_expired_or_not_yet_valid_at_now_is_refused() {
    for vector in OFFICIAL {
        let expired = vector.verify(&vector.delivery(), vector.not_after + 1);
        assert!(
            matches!(&expired, Err(SignatureError::InvalidSecret(m)) if m.contains("not valid at")),
            "{expired:?}"
        );
    }
    let early = JAVA.verify(&JAVA.delivery(), 1_554_163_199); // 2019-04-01T23:59:59Z
    assert!(
        matches!(early, Err(SignatureError::InvalidSecret(_))),
        "{early:?}"
    );
}

#[test]
fn a_signature_that_is_not_base64_is_malformed() {
    let bad = JAVA.delivery_with(JAVA.body, "not*base64!");
    assert!(
        matches!(
            JAVA.verify(&bad, JAVA.valid_at),
            Err(SignatureError::MalformedHeader {
                name: "paypal-transmission-sig",
                ..
            })
        ),
        "bad base64 must be named"
    );
}

#[test]
fn a_missing_header_is_named() {
    for missing in [
        "paypal-transmission-id",
        "paypal-transmission-time",
        "paypal-transmission-sig",
        "paypal-auth-algo",
    ] {
        let mut delivery = JAVA.delivery();
        delivery.headers.remove(missing);
        assert_eq!(
            JAVA.verify(&delivery, JAVA.valid_at),
            Err(SignatureError::MissingHeader(match missing {
                "paypal-transmission-id" => webhook::TRANSMISSION_ID_HEADER,
                "paypal-transmission-time" => webhook::TRANSMISSION_TIME_HEADER,
                "paypal-transmission-sig" => webhook::TRANSMISSION_SIG_HEADER,
                _ => webhook::AUTH_ALGO_HEADER,
            }))
        );
    }
}

#[test]
fn the_python_vector_is_paypals_signed_string_under_sha1_which_is_refused() {
    // The signed string this crate builds is the one PayPal signed: its SHA1withRSA signature
    // verifies under the certificate's key...
    let message = webhook::signed_string(
        PYTHON.transmission_id,
        PYTHON.transmission_time,
        PYTHON.webhook_id,
        PYTHON.body,
    );
    assert_eq!(
        message,
        "efcfecb0-50a3-11e4-acdb-8d0d8bca8f12|2014-10-10T17:36:16Z|40Y916089Y8324740|3124974795"
    );
    let (_, pem) = x509_parser::pem::parse_x509_pem(PYTHON.certificate).unwrap();
    let certificate = pem.parse_x509().unwrap();
    let key = certificate.public_key().subject_public_key.data.to_vec();
    UnparsedPublicKey::new(&RSA_PKCS1_2048_8192_SHA1_FOR_LEGACY_USE_ONLY, &key)
        .verify(
            message.as_bytes(),
            &BASE64.decode(PYTHON.signature).unwrap(),
        )
        .expect("PayPal's SHA1 signature over the signed string");
    // ...but SHA1withRSA is refused, and the certificate is not issued to a *.paypal.com name.
    assert!(matches!(
        PYTHON.verify(&PYTHON.delivery(), PYTHON.valid_at),
        Err(SignatureError::MalformedHeader {
            name: "paypal-auth-algo",
            ..
        })
    ));
    let claimed_sha256 = request(
        &[
            ("paypal-transmission-id", PYTHON.transmission_id),
            ("paypal-transmission-time", PYTHON.transmission_time),
            ("paypal-transmission-sig", PYTHON.signature),
            ("paypal-auth-algo", "SHA256withRSA"),
        ],
        PYTHON.body,
    );
    let result = PYTHON.verify(&claimed_sha256, PYTHON.valid_at);
    assert!(
        matches!(&result, Err(SignatureError::InvalidSecret(m)) if m.contains("paypal_braintree_signing_A_key")),
        "{result:?}"
    );
}

#[test]
fn the_crc_in_the_signed_string_is_unsigned_decimal() {
    // 2771810304 > i32::MAX: a signed CRC would print negative.
    assert_eq!(
        webhook::signed_string(
            NODE.transmission_id,
            NODE.transmission_time,
            NODE.webhook_id,
            NODE.body
        ),
        "dfb3be50-fd74-11e4-8bf3-77339302725b|2015-05-18T15:45:13Z|4JH86294D6297924G|2771810304"
    );
}
