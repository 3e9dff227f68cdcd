//! One-time codes and delivery channels.

use serde::{Deserialize, Serialize};

/// A 6-digit one-time code, e.g. `"042917"` (leading zeros kept).
///
/// Its `Debug` is redacted so a code never reaches a log by accident.
#[derive(Clone, PartialEq, Eq)]
pub struct OtpCode(String);

/// The text is not six ASCII digits.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("a code is exactly 6 digits")]
pub struct InvalidCode;

impl OtpCode {
    /// Number of digits in a code.
    pub const DIGITS: usize = 6;

    /// Builds the code for a number drawn uniformly from `0..1_000_000`.
    ///
    /// # Errors
    /// [`InvalidCode`] when `value` is 1,000,000 or more.
    pub fn from_number(value: u32) -> Result<Self, InvalidCode> {
        if value >= 1_000_000 {
            return Err(InvalidCode);
        }
        Ok(Self(format!("{value:06}")))
    }

    /// The code for `n` modulo 1,000,000. Infallible; to keep codes uniform, pass a uniform draw
    /// from `0..1_000_000` (the [`CodeGenerator`](crate::ports::CodeGenerator) port's job).
    pub fn from_draw(n: u32) -> Self {
        Self(format!("{:06}", n % 1_000_000))
    }

    /// Parses a code typed by a user (surrounding white space ignored).
    ///
    /// # Errors
    /// [`InvalidCode`] unless it is exactly 6 ASCII digits.
    pub fn parse(text: &str) -> Result<Self, InvalidCode> {
        let t = text.trim();
        if t.len() == Self::DIGITS && t.bytes().all(|b| b.is_ascii_digit()) {
            Ok(Self(t.to_string()))
        } else {
            Err(InvalidCode)
        }
    }

    /// The digits.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Debug for OtpCode {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("OtpCode(******)")
    }
}

/// A keyed hash of a code (HMAC-SHA256 under the server's OTP key, over the verification id and
/// the code), the only form in which a code is stored. Serialized as 64 hex digits.
#[derive(Clone, Copy, PartialEq, Eq, Default)]
pub struct CodeHash(pub [u8; 32]);

impl CodeHash {
    /// Constant-time equality (`subtle`), so a check leaks nothing through timing.
    pub fn matches(&self, other: &CodeHash) -> bool {
        use subtle::ConstantTimeEq;
        self.0.ct_eq(&other.0).into()
    }
}

impl std::fmt::Debug for CodeHash {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("CodeHash(..)")
    }
}

impl Serialize for CodeHash {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let hex: String = self.0.iter().map(|b| format!("{b:02x}")).collect();
        s.serialize_str(&hex)
    }
}

impl<'de> Deserialize<'de> for CodeHash {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let text = String::deserialize(d)?;
        if text.len() != 64 {
            return Err(serde::de::Error::custom("a code hash is 64 hex digits"));
        }
        let mut out = [0u8; 32];
        for (i, byte) in out.iter_mut().enumerate() {
            *byte = u8::from_str_radix(&text[2 * i..2 * i + 2], 16)
                .map_err(serde::de::Error::custom)?;
        }
        Ok(Self(out))
    }
}

/// How a code reaches the phone.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum Channel {
    /// A voice call that reads the code out (the primary channel, MISSION.md A).
    Voice,
    /// A text message (the fallback).
    Sms,
}

impl Channel {
    /// `voice` or `sms`.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Voice => "voice",
            Self::Sms => "sms",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_keep_their_leading_zeros() {
        assert_eq!(OtpCode::from_number(42).unwrap().expose(), "000042");
    }

    #[test]
    fn a_number_of_seven_digits_is_not_a_code() {
        assert_eq!(OtpCode::from_number(1_000_000), Err(InvalidCode));
    }

    #[test]
    fn typed_codes_must_be_six_digits() {
        assert!(OtpCode::parse(" 123456 ").is_ok());
        assert_eq!(OtpCode::parse("12345"), Err(InvalidCode));
        assert_eq!(OtpCode::parse("12345a"), Err(InvalidCode));
        assert_eq!(OtpCode::parse("１２３４５６"), Err(InvalidCode));
    }

    #[test]
    fn a_code_never_shows_in_debug_output() {
        assert_eq!(
            format!("{:?}", OtpCode::from_number(123456).unwrap()),
            "OtpCode(******)"
        );
    }

    #[test]
    fn code_hashes_round_trip_through_hex() {
        let h = CodeHash([7; 32]);
        let json = serde_json::to_string(&h).unwrap();
        assert_eq!(serde_json::from_str::<CodeHash>(&json).unwrap(), h);
    }
}
