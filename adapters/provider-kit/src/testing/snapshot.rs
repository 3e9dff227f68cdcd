//! Outbound requests as JSON snapshots (DESIGN.md section 7).

use std::collections::BTreeMap;

use serde_json::{Map, Value};

/// Header names a snapshot leaves out: the HTTP client and the transport set them, not the
/// adapter, and they change with the client version or the body length.
pub const TRANSPORT_HEADERS: [&str; 7] = [
    "host",
    "content-length",
    "accept",
    "accept-encoding",
    "user-agent",
    "connection",
    "transfer-encoding",
];

/// What a redacted header value reads as.
pub const REDACTED: &str = "[redacted]";

/// The request as `{provider, method, path, query, headers, content_type, body}`:
///
/// - `method`: upper case (`POST`); `path`: the URL path as sent (percent-encoded);
/// - `query`: a map of the query parameters, a name given more than once as an array of its
///   values in order;
/// - `headers`: a map of lower-case names; `authorization` and every name of `secret_headers`
///   (any case) read `"[redacted]"`; the [`TRANSPORT_HEADERS`] (host, content-length, accept,
///   accept-encoding, user-agent, connection, transfer-encoding) are left out; a header sent
///   more than once is an array;
/// - `content_type`: the `content-type` header, null when absent;
/// - `body`: null when empty; the JSON value for a JSON body (`application/json`, `*+json`);
///   a map for an `application/x-www-form-urlencoded` body, a name given more than once as an
///   array, Stripe-style bracket names (`metadata[k]`, `items[0][price]`) kept verbatim as flat
///   keys; the body's text otherwise (lossy UTF-8).
///
/// Every map is in sorted key order, so the snapshot is the same whatever order the adapter
/// wrote fields and headers in.
pub fn request_snapshot(
    provider: &str,
    request: &wiremock::Request,
    secret_headers: &[&str],
) -> Value {
    let content_type = request
        .headers
        .get(http::header::CONTENT_TYPE)
        .map(|v| String::from_utf8_lossy(v.as_bytes()).into_owned());
    let query = group(
        request
            .url
            .query_pairs()
            .map(|(k, v)| (k.into_owned(), v.into_owned())),
    );
    let headers = group(request.headers.iter().filter_map(|(name, value)| {
        let name = name.as_str().to_ascii_lowercase();
        if TRANSPORT_HEADERS.contains(&name.as_str()) {
            return None;
        }
        let secret =
            name == "authorization" || secret_headers.iter().any(|s| s.eq_ignore_ascii_case(&name));
        let value = if secret {
            REDACTED.to_string()
        } else {
            String::from_utf8_lossy(value.as_bytes()).into_owned()
        };
        Some((name, value))
    }));
    let mut snapshot = BTreeMap::new();
    snapshot.insert("provider", Value::String(provider.to_string()));
    snapshot.insert("method", Value::String(request.method.as_str().to_string()));
    snapshot.insert("path", Value::String(request.url.path().to_string()));
    snapshot.insert("query", query);
    snapshot.insert("headers", headers);
    snapshot.insert("body", body(content_type.as_deref(), &request.body));
    snapshot.insert(
        "content_type",
        content_type.map_or(Value::Null, Value::String),
    );
    Value::Object(
        snapshot
            .into_iter()
            .map(|(k, v)| (k.to_string(), v))
            .collect(),
    )
}

/// The media type of a `content-type` value, lower case, without parameters:
/// `application/json; charset=utf-8` gives `application/json`.
pub fn media_type(content_type: &str) -> String {
    content_type
        .split(';')
        .next()
        .unwrap_or_default()
        .trim()
        .to_ascii_lowercase()
}

/// The body as section 7 wants it (see [`request_snapshot`]).
fn body(content_type: Option<&str>, bytes: &[u8]) -> Value {
    if bytes.is_empty() {
        return Value::Null;
    }
    let media = content_type.map(media_type).unwrap_or_default();
    if (media == "application/json" || media.ends_with("+json"))
        && let Ok(value) = serde_json::from_slice::<Value>(bytes)
    {
        return sorted(value);
    }
    if media == "application/x-www-form-urlencoded" {
        return group(
            url::form_urlencoded::parse(bytes).map(|(k, v)| (k.into_owned(), v.into_owned())),
        );
    }
    Value::String(String::from_utf8_lossy(bytes).into_owned())
}

/// A sorted map of `pairs`, a name given more than once as an array of its values in order.
fn group(pairs: impl Iterator<Item = (String, String)>) -> Value {
    let mut grouped: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for (name, value) in pairs {
        grouped.entry(name).or_default().push(value);
    }
    Value::Object(
        grouped
            .into_iter()
            .map(|(name, mut values)| {
                let value = if values.len() == 1 {
                    Value::String(values.remove(0))
                } else {
                    Value::Array(values.into_iter().map(Value::String).collect())
                };
                (name, value)
            })
            .collect(),
    )
}

/// `value` with every object's keys in sorted order (serde_json keeps insertion order when
/// another crate of the build enables its `preserve_order` feature).
fn sorted(value: Value) -> Value {
    match value {
        Value::Object(map) => {
            let ordered: BTreeMap<String, Value> =
                map.into_iter().map(|(k, v)| (k, sorted(v))).collect();
            Value::Object(ordered.into_iter().collect::<Map<String, Value>>())
        }
        Value::Array(items) => Value::Array(items.into_iter().map(sorted).collect()),
        other => other,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn request(headers: &[(&str, &str)], body: &[u8]) -> wiremock::Request {
        let mut map = http::HeaderMap::new();
        for (name, value) in headers {
            map.append(
                http::HeaderName::from_bytes(name.as_bytes()).unwrap(),
                http::HeaderValue::from_str(value).unwrap(),
            );
        }
        wiremock::Request {
            url: url::Url::parse("http://127.0.0.1:1/v1/things?b=2&a=1&a=3").unwrap(),
            method: http::Method::POST,
            headers: map,
            body: body.to_vec(),
        }
    }

    #[test]
    fn a_form_body_keeps_bracket_keys_flat_and_repeats_as_arrays() {
        let r = request(
            &[("content-type", "application/x-www-form-urlencoded")],
            b"metadata%5Bk%5D=v&items[0][price]=p_1&To=%2B1&x=1&x=2",
        );
        let s = request_snapshot("stripe", &r, &[]);
        assert_eq!(
            s["body"],
            serde_json::json!({"metadata[k]": "v", "items[0][price]": "p_1", "To": "+1", "x": ["1", "2"]})
        );
        assert_eq!(s["query"], serde_json::json!({"a": ["1", "3"], "b": "2"}));
    }

    #[test]
    fn secrets_are_redacted_and_transport_headers_left_out() {
        let r = request(
            &[
                ("Authorization", "Bearer k"),
                ("X-Api-Key", "k"),
                ("user-agent", "onramp"),
                ("accept", "*/*"),
                ("idempotency-key", "i"),
            ],
            b"",
        );
        let s = request_snapshot("x", &r, &["x-api-key"]);
        assert_eq!(
            s["headers"],
            serde_json::json!({"authorization": REDACTED, "x-api-key": REDACTED, "idempotency-key": "i"})
        );
        assert_eq!(s["body"], Value::Null);
        assert_eq!(s["content_type"], Value::Null);
    }

    #[test]
    fn a_json_body_is_its_value_with_sorted_keys_and_other_bodies_are_text() {
        let r = request(
            &[("content-type", "application/json")],
            br#"{"z":1,"a":{"y":2,"b":3}}"#,
        );
        let s = request_snapshot("x", &r, &[]);
        let keys: Vec<_> = s["body"].as_object().unwrap().keys().cloned().collect();
        assert_eq!(keys, ["a", "z"]);
        let r = request(&[("content-type", "text/plain")], b"hello");
        assert_eq!(request_snapshot("x", &r, &[])["body"], "hello");
    }
}
