//! Phone numbers, normalised once at the boundary to E.164 (ITU-T E.164) with libphonenumber's
//! metadata (the `phonenumber` crate). Everything inside Onramp is keyed by the E.164 form.

use serde::{Deserialize, Serialize};

/// A valid phone number in E.164 form (`+` then up to 15 digits), for example `+442079460018`.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(transparent)]
pub struct PhoneNumber(String);

/// Why a phone number was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PhoneError {
    /// The text is not a phone number at all (or is national without a country hint).
    #[error("not a phone number: {reason}")]
    Unparseable {
        /// What the parser objected to.
        reason: String,
    },
    /// The country hint is not an ISO 3166-1 alpha-2 code known to the numbering metadata.
    #[error("unknown country code {0:?} (expected ISO 3166-1 alpha-2, e.g. \"GB\")")]
    UnknownCountry(String),
    /// The number parses but is not a valid number in its numbering plan.
    #[error("not a valid number for its numbering plan")]
    Invalid,
}

impl PhoneNumber {
    /// Parses untrusted input: international (`+44 20 7946 0018`) or, with a `country` hint
    /// (ISO 3166-1 alpha-2 such as `"GB"`), national (`020 7946 0018`).
    ///
    /// # Errors
    /// [`PhoneError::Unparseable`], [`PhoneError::UnknownCountry`] or [`PhoneError::Invalid`]
    /// (libphonenumber's `is_valid` rejects numbers outside allocated ranges).
    pub fn parse(input: &str, country: Option<&str>) -> Result<Self, PhoneError> {
        let trimmed = input.trim();
        if trimmed.is_empty() || trimmed.len() > 64 {
            return Err(PhoneError::Unparseable {
                reason: "empty or longer than 64 characters".into(),
            });
        }
        let region = match country {
            None => None,
            Some(code) => Some(
                code.trim()
                    .to_ascii_uppercase()
                    .parse::<phonenumber::country::Id>()
                    .map_err(|_| PhoneError::UnknownCountry(code.to_string()))?,
            ),
        };
        let parsed = phonenumber::parse(region, trimmed).map_err(|e| PhoneError::Unparseable {
            reason: e.to_string(),
        })?;
        if !phonenumber::is_valid(&parsed) {
            return Err(PhoneError::Invalid);
        }
        Ok(Self(
            parsed.format().mode(phonenumber::Mode::E164).to_string(),
        ))
    }

    /// The E.164 text, `+` and digits.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Display for PhoneNumber {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl<'de> Deserialize<'de> for PhoneNumber {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        // Stored states and events hold numbers that were validated when they entered through
        // `parse`; reading them back checks the E.164 shape only, which is far cheaper than
        // libphonenumber's full validation (it showed in the profile of every request).
        let text = String::deserialize(deserializer)?;
        let digits = text.strip_prefix('+').unwrap_or("");
        if (2..=15).contains(&digits.len())
            && digits.bytes().all(|b| b.is_ascii_digit())
            && !digits.starts_with('0')
        {
            Ok(Self(text))
        } else {
            Err(serde::de::Error::custom(format!(
                "{text:?} is not an E.164 number"
            )))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn international_input_is_normalised_to_e164() {
        let p = PhoneNumber::parse("+44 20 7946 0018", None).unwrap();
        assert_eq!(p.as_str(), "+442079460018");
    }

    #[test]
    fn national_input_needs_the_country_hint() {
        assert!(PhoneNumber::parse("020 7946 0018", None).is_err());
        assert_eq!(
            PhoneNumber::parse("020 7946 0018", Some("gb"))
                .unwrap()
                .as_str(),
            "+442079460018"
        );
    }

    #[test]
    fn an_unknown_country_is_named() {
        assert_eq!(
            PhoneNumber::parse("020 7946 0018", Some("XX")),
            Err(PhoneError::UnknownCountry("XX".into()))
        );
    }

    #[test]
    fn stored_numbers_are_read_back_by_their_e164_shape() {
        let p: PhoneNumber = serde_json::from_str("\"+12025550123\"").unwrap();
        assert_eq!(p.as_str(), "+12025550123");
        for bad in [
            "\"12025550123\"",
            "\"+\"",
            "\"+0123\"",
            "\"+1202555012345678\"",
            "\"+1 202\"",
        ] {
            assert!(serde_json::from_str::<PhoneNumber>(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn letters_are_refused() {
        assert!(matches!(
            PhoneNumber::parse("call me", None),
            Err(PhoneError::Unparseable { .. })
        ));
    }

    #[test]
    fn a_number_outside_the_numbering_plan_is_invalid() {
        assert!(PhoneNumber::parse("+44 1", None).is_err());
        // Well-formed, but outside any allocated range (libphonenumber's `is_valid`).
        assert_eq!(
            PhoneNumber::parse("+1 202 000 0000", None),
            Err(PhoneError::Invalid)
        );
        assert_eq!(
            PhoneNumber::parse("+44 7700 900123", None),
            Err(PhoneError::Invalid)
        );
    }
}
