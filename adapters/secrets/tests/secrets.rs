//! Behaviour of `AesGcmSecrets` and `MasterKey` through the public API.
#![allow(clippy::unwrap_used)] // helpers outside #[test] fns unwrap as well

use onramp_domain::ports::{Secrets, SecretsError};
use onramp_secrets::{
    AesGcmSecrets, FORMAT_V1, KeyError, MIN_CIPHERTEXT_LEN, MasterKey, NONCE_LEN,
};

/// Bytes 0, 1, ..., 31.
const FIXED_KEY: &str = "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=";

fn secrets() -> AesGcmSecrets {
    AesGcmSecrets::new(&MasterKey::from_base64(FIXED_KEY).unwrap())
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

fn unhex(text: &str) -> Vec<u8> {
    (0..text.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&text[i..i + 2], 16).unwrap())
        .collect()
}

#[test]
fn a_secret_round_trips_under_the_same_context() {
    let s = secrets();
    for plaintext in [&b""[..], b"x", b"sk_live_0123456789abcdef", &[0u8; 1000]] {
        let sealed = s.encrypt(plaintext, "tenant/1/stripe");
        assert_eq!(sealed.len(), MIN_CIPHERTEXT_LEN + plaintext.len());
        assert_eq!(sealed[0], FORMAT_V1);
        assert_eq!(s.decrypt(&sealed, "tenant/1/stripe").unwrap(), plaintext);
    }
}

#[test]
fn a_ciphertext_does_not_decrypt_under_another_context() {
    let s = secrets();
    let sealed = s.encrypt(b"pin 1234", "tenant/1/waba-pin");
    assert!(s.decrypt(&sealed, "tenant/2/waba-pin").is_err());
    assert!(s.decrypt(&sealed, "").is_err());
}

#[test]
fn a_ciphertext_does_not_decrypt_under_another_key() {
    let sealed = secrets().encrypt(b"token", "ctx");
    let other = AesGcmSecrets::new(&MasterKey::generate());
    assert!(other.decrypt(&sealed, "ctx").is_err());
}

#[test]
fn every_tampered_byte_is_detected() {
    let s = secrets();
    let sealed = s.encrypt(b"token", "ctx");
    for i in 0..sealed.len() {
        let mut bad = sealed.clone();
        bad[i] ^= 0x01;
        assert!(
            s.decrypt(&bad, "ctx").is_err(),
            "flipping byte {i} went unnoticed"
        );
    }
}

#[test]
fn truncated_and_empty_ciphertexts_are_errors() {
    let s = secrets();
    let sealed = s.encrypt(b"token", "ctx");
    for len in 0..sealed.len() {
        assert!(
            s.decrypt(&sealed[..len], "ctx").is_err(),
            "a {len}-byte prefix decrypted"
        );
    }
    assert_eq!(
        s.decrypt(&[], "ctx"),
        Err(SecretsError("ciphertext too short"))
    );
}

#[test]
fn an_unknown_version_is_an_error() {
    let s = secrets();
    let mut sealed = s.encrypt(b"token", "ctx");
    for version in [0x00, 0x02, 0xff] {
        sealed[0] = version;
        assert_eq!(
            s.decrypt(&sealed, "ctx"),
            Err(SecretsError("unknown ciphertext version"))
        );
    }
}

#[test]
fn arbitrary_input_never_panics() {
    let s = secrets();
    for len in 0..80 {
        let junk: Vec<u8> = (0..len).map(|i| (i * 37 % 256) as u8).collect();
        assert!(s.decrypt(&junk, "ctx").is_err());
        let mut versioned = junk.clone();
        versioned.insert(0, FORMAT_V1);
        assert!(s.decrypt(&versioned, "ctx").is_err());
    }
}

#[test]
fn two_encryptions_of_the_same_plaintext_differ() {
    let s = secrets();
    let a = s.encrypt(b"same", "ctx");
    let b = s.encrypt(b"same", "ctx");
    assert_ne!(a, b);
    assert_ne!(
        a[1..1 + NONCE_LEN],
        b[1..1 + NONCE_LEN],
        "nonces must be fresh"
    );
}

/// Guards the stored format: if the KDF labels, layout or AAD handling change, secrets already
/// in databases become unreadable. The vector was computed independently with Python's
/// `cryptography` 48 (HKDF-SHA256 of the fixed key with info `onramp/encryption/v1`, then
/// AES-256-GCM with nonce 00..0b and associated data `golden`).
#[test]
fn a_stored_v1_ciphertext_still_decrypts() {
    let stored = unhex(concat!(
        "01",                               // version
        "000102030405060708090a0b",         // nonce
        "620702dbaebe3dc7f0cc48",           // ciphertext of "hello world"
        "10a68f3b3dc99e3964381327e54d3dd5", // tag
    ));
    assert_eq!(
        secrets().decrypt(&stored, "golden").unwrap(),
        b"hello world"
    );
}

#[test]
fn keyed_hashes_are_stable_and_differ_per_purpose_and_key() {
    let s = secrets();
    let otp = s.keyed_hash("otp", b"+447700900123|042917");
    assert_eq!(otp, s.keyed_hash("otp", b"+447700900123|042917"));
    assert_eq!(otp, secrets().keyed_hash("otp", b"+447700900123|042917"));
    assert_ne!(otp, s.keyed_hash("api-key", b"+447700900123|042917"));
    assert_ne!(otp, s.keyed_hash("otp", b"+447700900123|042918"));
    let other = AesGcmSecrets::new(&MasterKey::generate());
    assert_ne!(otp, other.keyed_hash("otp", b"+447700900123|042917"));
}

#[test]
fn a_keyed_hash_is_pinned_for_the_fixed_key() {
    // Changing the derivation would silently invalidate every stored OTP and API-key hash.
    // Computed independently with Python's `cryptography` 48: HMAC-SHA256 under
    // HKDF-SHA256(fixed key, no salt, info "onramp/hash/otp").
    assert_eq!(
        hex(&secrets().keyed_hash("otp", b"123456")),
        "cb78a35b1ce07baa5700418082ff42fd2b2c1dd214848fcaed70d741530a58c2"
    );
}

#[test]
fn from_base64_rejects_wrong_lengths_and_non_base64() {
    use base64::Engine as _;
    let b64 = base64::engine::general_purpose::STANDARD;
    for len in [0usize, 1, 16, 31, 33, 64] {
        match MasterKey::from_base64(&b64.encode(vec![9u8; len])) {
            Err(KeyError::WrongLength { bytes }) => assert_eq!(bytes, len),
            other => panic!("{len} bytes: {other:?}"),
        }
    }
    for text in [
        "not base64!",
        "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8",
        "AAEC AwQF",
    ] {
        assert!(
            matches!(MasterKey::from_base64(text), Err(KeyError::NotBase64)),
            "{text:?}"
        );
    }
    assert!(MasterKey::from_base64(FIXED_KEY).is_ok());
}

#[test]
fn base64_of_a_generated_key_reads_back_as_the_same_key() {
    let key = MasterKey::generate();
    let again = MasterKey::from_base64(&key.to_base64()).unwrap();
    let sealed = AesGcmSecrets::new(&key).encrypt(b"x", "ctx");
    assert_eq!(
        AesGcmSecrets::new(&again).decrypt(&sealed, "ctx").unwrap(),
        b"x"
    );
}

#[test]
fn load_or_create_file_creates_a_key_then_reloads_the_same_key() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("onramp.key");

    let (created, was_created) = MasterKey::load_or_create_file(&path).unwrap();
    assert!(was_created);
    let (loaded, was_created_again) = MasterKey::load_or_create_file(&path).unwrap();
    assert!(!was_created_again);
    assert_eq!(loaded.to_base64(), created.to_base64());
    assert_eq!(
        std::fs::read_to_string(&path).unwrap(),
        format!("{}\n", created.to_base64())
    );

    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt as _;
        let mode = std::fs::metadata(&path).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o600);
    }
}

#[test]
fn load_or_create_file_refuses_a_file_without_a_key() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("onramp.key");
    std::fs::write(&path, "").unwrap();
    assert!(matches!(
        MasterKey::load_or_create_file(&path),
        Err(KeyError::InvalidFile { .. })
    ));
    std::fs::write(&path, "c2hvcnQ=\n").unwrap();
    assert!(matches!(
        MasterKey::load_or_create_file(&path),
        Err(KeyError::InvalidFile { .. })
    ));
}

#[test]
fn load_or_create_file_reports_a_missing_directory() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("missing").join("onramp.key");
    assert!(matches!(
        MasterKey::load_or_create_file(&path),
        Err(KeyError::Io { .. })
    ));
}
