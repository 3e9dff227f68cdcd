//! Masking of personal data in tenant-facing events (issue 12, item 1): phone numbers and
//! e-mail addresses are masked unless the reader opts in (`include_pii`).

use serde_json::Value;

/// The keys whose string values are personal data, at any depth of an event's `data`: E.164
/// numbers (`phone`, `to`) and e-mail addresses (`email`).
pub const PII_KEYS: &[&str] = &["phone", "to", "email"];

/// `data` with the value of every [`PII_KEYS`] key masked: a phone number keeps its first four
/// characters (`+` and the country code's start) and its last two digits, an e-mail address
/// its first character and its domain (`+4479******23`, `j***@example.com`).
pub fn mask(data: &Value) -> Value {
    match data {
        Value::Object(map) => Value::Object(
            map.iter()
                .map(|(k, v)| {
                    let masked = match v {
                        Value::String(s) if PII_KEYS.contains(&k.as_str()) => {
                            Value::String(mask_text(s))
                        }
                        other => mask(other),
                    };
                    (k.clone(), masked)
                })
                .collect(),
        ),
        Value::Array(items) => Value::Array(items.iter().map(mask).collect()),
        other => other.clone(),
    }
}

fn mask_text(text: &str) -> String {
    match text.split_once('@') {
        Some((local, domain)) => {
            let first: String = local.chars().take(1).collect();
            format!("{first}***@{domain}")
        }
        None => {
            let chars: Vec<char> = text.chars().collect();
            if chars.len() <= 6 {
                return "*".repeat(chars.len());
            }
            let (head, rest) = chars.split_at(4);
            let (middle, tail) = rest.split_at(rest.len() - 2);
            let mut out: String = head.iter().collect();
            out.extend(std::iter::repeat_n('*', middle.len()));
            out.extend(tail);
            out
        }
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn phones_and_emails_are_masked_at_any_depth_and_nothing_else() {
        let data = json!({
            "object": {"id": "s1", "phone": "+447911123456", "status": "active"},
            "to": "+14155550123",
            "owner": [{"email": "jane@example.com"}],
            "step_id": "phone",
        });
        assert_eq!(
            mask(&data),
            json!({
                "object": {"id": "s1", "phone": "+447*******56", "status": "active"},
                "to": "+141******23",
                "owner": [{"email": "j***@example.com"}],
                "step_id": "phone",
            })
        );
    }
}
