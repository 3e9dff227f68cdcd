//! The URL forms a Twilio signature may have been computed over.
//!
//! Twilio signs "the full URL Twilio requested", but "signature generation on the back end is
//! inconsistent" (comments of both SDKs' validators) about the port and, per twilio-node, about
//! query-string encoding. So each SDK tries several forms, and we try the union of them:
//!
//! - twilio-python (twilio/request_validator.py `validate`): the URL as given with its port
//!   removed, and with the default port added (`:443` for https, else `:80`) or kept when one is
//!   present; no other normalisation;
//! - twilio-node (src/webhooks/webhooks.ts `validateRequest`): the WHATWG-normalised URL
//!   (`new URL`) without its port and with the standard port, each also re-encoded through
//!   Node's legacy `querystring.parse`/`stringify`.
//!
//! Every form is signed under the same secret, so trying more of them does not help a forger.

use std::borrow::Cow;

use url::Url;

/// Node's `querystring.parse` default `maxKeys`.
const NODE_MAX_KEYS: usize = 1000;

/// The distinct URL forms to try for `url`, the URL itself first.
pub(crate) fn candidates(url: &str) -> Vec<String> {
    let mut all = vec![url.to_string()];
    all.extend(python_forms(url));
    all.extend(node_forms(url));
    let mut distinct: Vec<String> = Vec::with_capacity(all.len());
    for form in all {
        if !distinct.contains(&form) {
            distinct.push(form);
        }
    }
    distinct
}

/// The raw query of `url`: between the first `?` and the fragment.
pub(crate) fn raw_query(url: &str) -> Option<&str> {
    let before_fragment = url.split_once('#').map_or(url, |(head, _)| head);
    before_fragment.split_once('?').map(|(_, query)| query)
}

/// The decoded value of the first `bodySHA256` query parameter of `url` (how python's
/// `parse_qs(...)["bodySHA256"][0]` and node's `searchParams.get("bodySHA256")` read it).
pub(crate) fn body_sha256_param(url: &str) -> Option<String> {
    let query = raw_query(url)?;
    url::form_urlencoded::parse(query.as_bytes())
        .find(|(name, _)| name == "bodySHA256")
        .map(|(_, value)| value.into_owned())
}

/// `url` with `bodySHA256=<hex>` as its last query parameter (replacing any earlier one),
/// before the fragment.
pub(crate) fn with_query_param(url: &str, name: &str, value: &str) -> String {
    let (head, fragment) = match url.split_once('#') {
        Some((head, fragment)) => (head, Some(fragment)),
        None => (url, None),
    };
    let (path, query) = head.split_once('?').unwrap_or((head, ""));
    let mut pairs: Vec<&str> = query
        .split('&')
        .filter(|pair| !pair.is_empty())
        .filter(|pair| pair.split_once('=').map_or(*pair, |(k, _)| k) != name)
        .collect();
    let added = format!("{name}={value}");
    pairs.push(&added);
    let mut out = format!("{path}?{}", pairs.join("&"));
    if let Some(fragment) = fragment {
        out.push('#');
        out.push_str(fragment);
    }
    out
}

/// twilio-python's two forms, by text surgery on the authority (no other normalisation).
fn python_forms(url: &str) -> Vec<String> {
    let Some((scheme, after_scheme)) = url.split_once("://") else {
        return Vec::new();
    };
    let authority_end = after_scheme
        .find(['/', '?', '#'])
        .unwrap_or(after_scheme.len());
    let (authority, rest) = after_scheme.split_at(authority_end);
    let userinfo_end = authority.rfind('@').map_or(0, |at| at + 1);
    let (userinfo, host_port) = authority.split_at(userinfo_end);
    let (host, port) = split_host_port(host_port);
    let prefix = format!("{scheme}://{userinfo}");
    match port {
        Some(port) if !port.is_empty() && port.bytes().all(|b| b.is_ascii_digit()) => {
            vec![format!("{prefix}{host}{rest}"), url.to_string()]
        }
        Some(_) => Vec::new(),
        None => {
            let default = if scheme.eq_ignore_ascii_case("https") {
                443
            } else {
                80
            };
            vec![format!("{prefix}{host}:{default}{rest}")]
        }
    }
}

fn split_host_port(host_port: &str) -> (&str, Option<&str>) {
    if host_port.starts_with('[') {
        return match host_port.find(']') {
            Some(end) => {
                let (host, after) = host_port.split_at(end + 1);
                (host, after.strip_prefix(':'))
            }
            None => (host_port, None),
        };
    }
    match host_port.rsplit_once(':') {
        Some((host, port)) => (host, Some(port)),
        None => (host_port, None),
    }
}

/// twilio-node's four forms (`removePort`, `addPort`, and `withLegacyQuerystring` of each).
fn node_forms(url: &str) -> Vec<String> {
    let Ok(parsed) = Url::parse(url) else {
        return Vec::new();
    };
    let mut without_port = parsed.clone();
    // Fails only for URLs that cannot have a port; the form is then the URL as parsed.
    let _ = without_port.set_port(None);
    let without_port = without_port.to_string();
    let with_port = if parsed.port().is_some() {
        parsed.to_string()
    } else {
        with_standard_port(&parsed)
    };
    let legacy_without = legacy_querystring(&without_port);
    let legacy_with = legacy_querystring(&with_port);
    vec![without_port, with_port, legacy_without, legacy_with]
}

/// Node's `buildUrlWithStandardPort`: protocol, credentials, host, `:443` (https) or `:80`,
/// path, search, hash.
fn with_standard_port(url: &Url) -> String {
    let port = if url.scheme() == "https" {
        ":443"
    } else {
        ":80"
    };
    let mut out = format!("{}://", url.scheme());
    out.push_str(url.username());
    let password = url.password().filter(|p| !p.is_empty());
    if let Some(password) = password {
        out.push(':');
        out.push_str(password);
    }
    if !url.username().is_empty() || password.is_some() {
        out.push('@');
    }
    if let Some(host) = url.host_str() {
        out.push_str(host);
        out.push_str(port);
    }
    out.push_str(url.path());
    if let Some(query) = url.query().filter(|q| !q.is_empty()) {
        out.push('?');
        out.push_str(query);
    }
    if let Some(fragment) = url.fragment().filter(|f| !f.is_empty()) {
        out.push('#');
        out.push_str(fragment);
    }
    out
}

/// Node's `withLegacyQuerystring`: the URL re-parsed, its query dropped, then `?` and the
/// query passed through `querystring.parse` and `querystring.stringify`.
fn legacy_querystring(url: &str) -> String {
    let Ok(mut parsed) = Url::parse(url) else {
        return url.to_string();
    };
    let Some(query) = parsed.query().filter(|q| !q.is_empty()).map(str::to_owned) else {
        return url.to_string();
    };
    parsed.set_query(None);
    format!("{parsed}?{}", node_stringify(&node_parse(&query)))
}

/// Node's `querystring.parse`: `&`-separated, first `=` splits, `+` is a space, lenient
/// percent-decoding, repeated keys collect their values in order; keys in JavaScript object
/// order (array-index keys first, ascending; then insertion order).
fn node_parse(query: &str) -> Vec<(String, Vec<String>)> {
    let mut keys: Vec<(String, Vec<String>)> = Vec::new();
    for pair in query
        .split('&')
        .filter(|p| !p.is_empty())
        .take(NODE_MAX_KEYS)
    {
        let (key, value) = pair.split_once('=').unwrap_or((pair, ""));
        let (key, value) = (node_unescape(key), node_unescape(value));
        match keys.iter_mut().find(|(k, _)| *k == key) {
            Some((_, values)) => values.push(value),
            None => keys.push((key, vec![value])),
        }
    }
    let (mut indices, named): (Vec<_>, Vec<_>) = keys
        .into_iter()
        .partition(|(k, _)| array_index(k).is_some());
    indices.sort_by_key(|(k, _)| array_index(k));
    indices.extend(named);
    indices
}

/// A JavaScript array index: canonical decimal below 2^32 - 1.
fn array_index(key: &str) -> Option<u32> {
    let n: u32 = key.parse().ok()?;
    (n < u32::MAX && n.to_string() == key).then_some(n)
}

fn node_unescape(text: &str) -> String {
    let spaced: Cow<'_, str> = if text.contains('+') {
        Cow::Owned(text.replace('+', " "))
    } else {
        Cow::Borrowed(text)
    };
    let bytes = spaced.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let hex = |b: u8| char::from(b).to_digit(16);
        match (
            bytes[i],
            bytes.get(i + 1).copied(),
            bytes.get(i + 2).copied(),
        ) {
            (b'%', Some(h), Some(l)) if hex(h).is_some() && hex(l).is_some() => {
                let value = hex(h).unwrap_or(0) * 16 + hex(l).unwrap_or(0);
                out.push(u8::try_from(value).unwrap_or(b'?'));
                i += 3;
            }
            (b, _, _) => {
                out.push(b);
                i += 1;
            }
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// Node's `querystring.stringify` with `querystring.escape` (kept: `A-Z a-z 0-9 - . _ ~ ! ' ( ) *`).
fn node_stringify(pairs: &[(String, Vec<String>)]) -> String {
    let mut parts = Vec::new();
    for (key, values) in pairs {
        for value in values {
            parts.push(format!("{}={}", node_escape(key), node_escape(value)));
        }
    }
    parts.join("&")
}

fn node_escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for b in text.bytes() {
        if b.is_ascii_alphanumeric() || b"-._~!'()*".contains(&b) {
            out.push(char::from(b));
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn python_forms_strip_and_add_the_port() {
        assert_eq!(
            python_forms("https://a.com:1234/p?x=1"),
            ["https://a.com/p?x=1", "https://a.com:1234/p?x=1"]
        );
        assert_eq!(python_forms("http://a.com/p"), ["http://a.com:80/p"]);
        assert_eq!(
            python_forms("https://u:p@a.com?x"),
            ["https://u:p@a.com:443?x"]
        );
        assert_eq!(
            python_forms("https://[::1]:8443/"),
            ["https://[::1]/", "https://[::1]:8443/"]
        );
    }

    #[test]
    fn node_legacy_querystring_matches_node() {
        // Outputs of Node's querystring.parse + stringify for the same inputs.
        assert_eq!(
            legacy_querystring("https://a.com/p?b=1&2=x&a=2&1=y&b=3"),
            "https://a.com/p?1=y&2=x&b=1&b=3&a=2"
        );
        assert_eq!(
            legacy_querystring("https://a.com/p?x=%zz%41&a+b=c+d&a=1=2"),
            "https://a.com/p?x=%25zzA&a%20b=c%20d&a=1%3D2"
        );
        assert_eq!(
            legacy_querystring("https://a.com/p?k=it%27s%20a%2Btest~*()!&y=%FF"),
            "https://a.com/p?k=it's%20a%2Btest~*()!&y=%EF%BF%BD"
        );
    }

    #[test]
    fn node_forms_normalise_like_whatwg() {
        assert_eq!(
            node_forms("https://a.com/p?Body=It's+amazing"),
            [
                "https://a.com/p?Body=It%27s+amazing",
                "https://a.com:443/p?Body=It%27s+amazing",
                "https://a.com/p?Body=It's%20amazing",
                "https://a.com/p?Body=It's%20amazing",
            ]
        );
    }

    #[test]
    fn candidates_are_distinct() {
        let all = candidates("https://a.com/p");
        assert_eq!(all, ["https://a.com/p", "https://a.com:443/p"]);
    }

    #[test]
    fn the_body_hash_parameter_is_found_and_replaced() {
        let url = "https://a.com/p?x=1&bodySHA256=abc#f";
        assert_eq!(body_sha256_param(url).as_deref(), Some("abc"));
        assert_eq!(
            with_query_param(url, "bodySHA256", "def"),
            "https://a.com/p?x=1&bodySHA256=def#f"
        );
        assert_eq!(
            with_query_param("https://a.com/p", "bodySHA256", "d"),
            "https://a.com/p?bodySHA256=d"
        );
        assert_eq!(body_sha256_param("https://a.com/p#bodySHA256=x"), None);
    }
}
