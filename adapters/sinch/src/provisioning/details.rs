//! A [`NewSender`] as the `details` of Sinch's create-sender request
//! (`WhatsappInputSenderPartnerInitiatedDetailsDto`, Provisioning API OpenAPI 1.2.117):
//! `displayName` (1-128 characters), `vertical` and `countryCode` required; `phoneNumber`
//! (national number, digits), `description`, `email`, `address`, `websiteOne`, `websiteTwo`,
//! `about`, `photoUrl` optional.

use onramp_domain::ports::{NewSender, ProviderError};
use serde::Serialize;

/// Sinch's business categories (`WhatsappSenderInputWhatsAppVerticalEnum`).
pub const VERTICALS: [&str; 21] = [
    "ALCOHOL",
    "AUTOMOTIVE",
    "BEAUTY_SPA_SALON",
    "CLOTHING_AND_APPAREL",
    "EDUCATION",
    "ENTERTAINMENT",
    "EVENT_PLANNING_AND_SERVICE",
    "FINANCE_AND_BANKING",
    "FOOD_AND_GROCERY",
    "HOTEL_AND_LODGING",
    "MEDICAL_AND_HEALTH",
    "NON_PROFIT",
    "ONLINE_GAMBLING",
    "OTC_DRUGS",
    "OTHER",
    "PHYSICAL_GAMBLING",
    "PROFESSIONAL_SERVICES",
    "PUBLIC_SERVICE",
    "RESTAURANT",
    "SHOPPING_AND_RETAIL",
    "TRAVEL_AND_TRANSPORTATION",
];

/// The vertical sent when the user gave none, or one that is not in [`VERTICALS`] (Sinch's
/// "industry operating outside the standard defined taxonomy"): `vertical` is required.
pub const DEFAULT_VERTICAL: &str = "OTHER";

/// The detail keys [`SenderDetails::from_new_sender`] understands, as documented to callers:
/// compared without regard to case, `_`, `-` or spaces.
pub const KNOWN_DETAILS: &str = "description, vertical (or category, industry), email, address, \
     website (twice at most, or website_one / website_two, url), about, photo_url (or photo, logo)";

/// The `details` object of the create request.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct SenderDetails {
    /// `displayName`: the business name shown in WhatsApp, reviewed by Meta.
    pub display_name: String,
    /// `vertical`: one of [`VERTICALS`].
    pub vertical: String,
    /// `countryCode`: the number's country calling code, digits (`48`, `44`).
    pub country_code: String,
    /// `phoneNumber`: the national significant number, digits, without the country code.
    pub phone_number: String,
    /// `description` (at most 512 characters).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// `email`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub email: Option<String>,
    /// `address`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub address: Option<String>,
    /// `websiteOne`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub website_one: Option<String>,
    /// `websiteTwo`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub website_two: Option<String>,
    /// `about` (at most 139 characters).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub about: Option<String>,
    /// `photoUrl`: a JPEG, PNG or WebP image URL.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub photo_url: Option<String>,
}

fn invalid(message: impl Into<String>) -> ProviderError {
    ProviderError::rejected("invalid_parameter", message)
}

/// `(country calling code, national number)` of an E.164 number, both digits only; e.g.
/// `+48777777777` gives `("48", "777777777")` (the form of the Provisioning API examples).
///
/// # Errors
/// `Rejected { code: "invalid_number" }` when `phone` is not a valid E.164 number.
pub fn split_phone(phone: &str) -> Result<(String, String), ProviderError> {
    let refuse = || {
        ProviderError::rejected(
            "invalid_number",
            format!("the sender's number {phone:?} is not a valid E.164 number"),
        )
    };
    let digits = phone.trim().strip_prefix('+').ok_or_else(refuse)?;
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return Err(refuse());
    }
    let parsed = phonenumber::parse(None, phone.trim()).map_err(|_| refuse())?;
    if !phonenumber::is_valid(&parsed) {
        return Err(refuse());
    }
    let code = parsed.code().value().to_string();
    let national = digits.strip_prefix(code.as_str()).ok_or_else(refuse)?;
    if national.is_empty() {
        return Err(refuse());
    }
    Ok((code, national.to_string()))
}

/// `text` in Sinch's vertical spelling (`Professional services` gives `PROFESSIONAL_SERVICES`)
/// when it names one of [`VERTICALS`], else [`DEFAULT_VERTICAL`].
pub fn vertical(text: &str) -> String {
    let word: String = text
        .trim()
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() {
                c.to_ascii_uppercase()
            } else {
                '_'
            }
        })
        .collect();
    let word = word
        .split('_')
        .filter(|w| !w.is_empty())
        .collect::<Vec<_>>()
        .join("_");
    if VERTICALS.contains(&word.as_str()) {
        word
    } else {
        DEFAULT_VERTICAL.to_string()
    }
}

fn key(name: &str) -> String {
    name.chars()
        .filter(|c| !matches!(c, '_' | '-' | ' '))
        .flat_map(char::to_lowercase)
        .collect()
}

impl SenderDetails {
    /// The details of `sender`: its display name (trimmed), its number split by
    /// [`split_phone`], and each of `sender.details` in the field its key names (see
    /// [`KNOWN_DETAILS`]; values are trimmed, empty ones skipped). A `website` fills
    /// `websiteOne`, then `websiteTwo`. The vertical goes through [`vertical`], and is
    /// [`DEFAULT_VERTICAL`] when not given.
    ///
    /// # Errors
    /// `Rejected { code: "invalid_number" }` for a number that is not E.164;
    /// `Rejected { code: "invalid_parameter" }` for an empty display name, a detail key this
    /// mapping does not know (nothing the user gave is dropped silently), or a third website.
    pub fn from_new_sender(sender: &NewSender) -> Result<Self, ProviderError> {
        let display_name = sender.display_name.trim();
        if display_name.is_empty() {
            return Err(invalid("the sender's display name is empty"));
        }
        let (country_code, phone_number) = split_phone(&sender.phone)?;
        let mut details = Self {
            display_name: display_name.to_string(),
            vertical: DEFAULT_VERTICAL.to_string(),
            country_code,
            phone_number,
            ..Self::default()
        };
        for (name, value) in &sender.details {
            let value = value.trim();
            if value.is_empty() {
                continue;
            }
            let text = Some(value.to_string());
            match key(name).as_str() {
                "description" => details.description = text,
                "vertical" | "category" | "industry" => details.vertical = vertical(value),
                "email" => details.email = text,
                "address" => details.address = text,
                "website" | "url" if details.website_one.is_none() => details.website_one = text,
                "website" | "url" if details.website_two.is_none() => details.website_two = text,
                "website" | "url" => {
                    return Err(invalid("at most two websites can be shown in WhatsApp"));
                }
                "websiteone" | "website1" => details.website_one = text,
                "websitetwo" | "website2" => details.website_two = text,
                "about" => details.about = text,
                "photourl" | "photo" | "logo" | "logourl" => details.photo_url = text,
                _ => {
                    return Err(invalid(format!(
                        "unknown sender detail {name:?}; known: {KNOWN_DETAILS}"
                    )));
                }
            }
        }
        Ok(details)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sender(phone: &str, details: &[(&str, &str)]) -> NewSender {
        NewSender {
            key: "k".into(),
            display_name: " Acme ".into(),
            phone: phone.into(),
            details: details
                .iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect(),
        }
    }

    fn code(e: ProviderError) -> String {
        match e {
            ProviderError::Rejected { code, .. } => code,
            other => panic!("expected a rejection, got {other:?}"),
        }
    }

    #[test]
    fn numbers_split_into_country_code_and_national_number() {
        assert_eq!(
            split_phone("+48777777777").unwrap(),
            ("48".into(), "777777777".into())
        );
        assert_eq!(
            split_phone("+14155550123").unwrap(),
            ("1".into(), "4155550123".into())
        );
        // Italian fixed lines keep their leading zero in the national number.
        assert_eq!(
            split_phone("+390236618200").unwrap(),
            ("39".into(), "0236618200".into())
        );
        for bad in ["48777777777", "+", "+12ab", "+999123", ""] {
            assert_eq!(
                code(split_phone(bad).unwrap_err()),
                "invalid_number",
                "{bad}"
            );
        }
    }

    #[test]
    fn verticals_are_spelled_as_sinch_spells_them() {
        assert_eq!(vertical("Professional services"), "PROFESSIONAL_SERVICES");
        assert_eq!(vertical(" beauty, spa & salon"), "BEAUTY_SPA_SALON");
        assert_eq!(vertical("EDUCATION"), "EDUCATION");
        assert_eq!(vertical("space tourism"), DEFAULT_VERTICAL);
    }

    #[test]
    fn every_known_detail_lands_in_its_field() {
        let s = sender(
            "+48777777777",
            &[
                ("Description", "We sell things"),
                ("category", "Shopping and retail"),
                ("email", "hi@acme.example"),
                ("address", "1 Main St"),
                ("website", "https://acme.example"),
                ("Website", "https://shop.acme.example"),
                ("about", "Hello"),
                ("photo_url", "https://acme.example/logo.png"),
                ("ignored-when-empty", " "),
            ],
        );
        let d = SenderDetails::from_new_sender(&s).unwrap();
        assert_eq!(
            serde_json::to_value(&d).unwrap(),
            serde_json::json!({
                "displayName": "Acme", "vertical": "SHOPPING_AND_RETAIL",
                "countryCode": "48", "phoneNumber": "777777777",
                "description": "We sell things", "email": "hi@acme.example",
                "address": "1 Main St", "websiteOne": "https://acme.example",
                "websiteTwo": "https://shop.acme.example", "about": "Hello",
                "photoUrl": "https://acme.example/logo.png"
            })
        );
    }

    #[test]
    fn without_details_only_the_required_fields_are_sent() {
        let d = SenderDetails::from_new_sender(&sender("+48777777777", &[])).unwrap();
        assert_eq!(
            serde_json::to_value(&d).unwrap(),
            serde_json::json!({"displayName": "Acme", "vertical": "OTHER", "countryCode": "48", "phoneNumber": "777777777"})
        );
    }

    #[test]
    fn unknown_details_an_empty_name_and_a_third_website_are_refused() {
        let unknown = sender("+48777777777", &[("favourite colour", "blue")]);
        assert_eq!(
            code(SenderDetails::from_new_sender(&unknown).unwrap_err()),
            "invalid_parameter"
        );
        let mut nameless = sender("+48777777777", &[]);
        nameless.display_name = "  ".into();
        assert_eq!(
            code(SenderDetails::from_new_sender(&nameless).unwrap_err()),
            "invalid_parameter"
        );
        let three = sender(
            "+48777777777",
            &[("website", "a"), ("website", "b"), ("url", "c")],
        );
        assert_eq!(
            code(SenderDetails::from_new_sender(&three).unwrap_err()),
            "invalid_parameter"
        );
    }
}
