//! `PhoneNumber::parse` takes untrusted text: it never panics, and a number it accepts is
//! E.164 (`+` and at most 15 digits) and parses back to itself without a country hint.
#![no_main]

use arbitrary::Arbitrary;
use libfuzzer_sys::fuzz_target;
use onramp_domain::phone::PhoneNumber;

#[derive(Debug, Arbitrary)]
struct Input {
    text: String,
    /// Two letters A-Z (each byte taken modulo 26), or no country hint.
    country: Option<(u8, u8)>,
}

fuzz_target!(|input: Input| {
    let country = input.country.map(|(a, b)| {
        let letter = |x: u8| char::from(b'A' + x % 26);
        format!("{}{}", letter(a), letter(b))
    });
    if let Ok(number) = PhoneNumber::parse(&input.text, country.as_deref()) {
        let text = number.as_str();
        assert!(text.starts_with('+'), "{text:?} does not start with +");
        assert!(text.len() <= 16, "{text:?} is longer than E.164 allows");
        assert!(
            text[1..].bytes().all(|b| b.is_ascii_digit()),
            "{text:?} is not + and digits"
        );
        match PhoneNumber::parse(text, None) {
            Ok(again) => assert_eq!(again, number, "{text:?} parsed back differently"),
            Err(e) => panic!(
                "{text:?} (from {:?}, {country:?}) does not parse back: {e}",
                input.text
            ),
        }
    }
});
