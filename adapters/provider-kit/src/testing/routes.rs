//! Finds the path item of an OpenAPI document that a request path falls under.
//!
//! Rules (OpenAPI 3.1.1, "Paths Object" and "Server Object"): a template matches segment by
//! segment, `{name}` standing for one non-empty segment or part of one (`{Sid}.json`); a path
//! may carry the path part of one of the `servers` URLs in front of the template (Telnyx's
//! server `https://api.telnyx.com/v2` makes `/v2/verifications/sms` fall under
//! `/verifications/sms`), path-level `servers` replacing the document's (Twilio); and "concrete
//! (non-templated) paths are matched before their templated counterparts".

use serde_json::Value;

/// The path item a request path falls under.
#[derive(Debug)]
pub struct Route<'d> {
    /// The template, e.g. `/v2/Services/{ServiceSid}/Verifications`.
    pub template: &'d str,
    /// The path item.
    pub item: &'d Value,
    /// The value of every `{name}` of the template, percent-decoded.
    pub captures: Vec<(String, String)>,
}

/// The most specific path item of `doc` that `path` (as sent, percent-encoded) falls under,
/// if any.
pub fn find<'d>(doc: &'d Value, path: &str) -> Option<Route<'d>> {
    let paths = doc.get("paths")?.as_object()?;
    let mut best: Option<(Rank, Route<'d>)> = None;
    for (template, item) in paths {
        for prefix in prefixes(doc, item) {
            let Some(rest) = strip(path, &prefix) else {
                continue;
            };
            let Some(Match { captures, literal }) = match_template(template, rest) else {
                continue;
            };
            let rank = (
                literal.iter().filter(|l| **l).count(),
                literal,
                prefix.len(),
            );
            if best.as_ref().is_none_or(|(b, _)| rank > *b) {
                let route = Route {
                    template,
                    item,
                    captures,
                };
                best = Some((rank, route));
            }
        }
    }
    best.map(|(_, route)| route)
}

/// How well a template fits: its number of all-literal segments, which segments are literal
/// (the first literal one wins), the length of the server prefix.
type Rank = (usize, Vec<bool>, usize);

/// A template matched against a path.
struct Match {
    /// The value of every `{name}`, percent-decoded.
    captures: Vec<(String, String)>,
    /// For each segment, whether the template's is all literal.
    literal: Vec<bool>,
}

/// The path parts of the servers that apply to `item` (its own, else the document's), longest
/// first, and the empty prefix.
fn prefixes(doc: &Value, item: &Value) -> Vec<String> {
    let servers = item
        .get("servers")
        .and_then(Value::as_array)
        .filter(|s| !s.is_empty())
        .or_else(|| doc.get("servers").and_then(Value::as_array));
    let mut out: Vec<String> = servers.into_iter().flatten().map(server_path).collect();
    out.push(String::new());
    out.sort_by_key(|p| std::cmp::Reverse(p.len()));
    out.dedup();
    out
}

/// The path part of a server URL, its variables replaced by their defaults, without the
/// trailing slash: `https://api.telnyx.com/v2` gives `/v2`, `https://api.stripe.com/` gives
/// the empty string.
fn server_path(server: &Value) -> String {
    let mut url = server
        .get("url")
        .and_then(Value::as_str)
        .unwrap_or_default()
        .to_string();
    if let Some(variables) = server.get("variables").and_then(Value::as_object) {
        for (name, variable) in variables {
            let default = variable
                .get("default")
                .and_then(Value::as_str)
                .unwrap_or_default();
            url = url.replace(&format!("{{{name}}}"), default);
        }
    }
    let path = match url.split_once("://") {
        Some((_, rest)) => rest.find('/').map_or("", |i| &rest[i..]),
        None => url.as_str(),
    };
    path.trim_end_matches('/').to_string()
}

/// `path` without `prefix`, when it starts with it at a segment boundary.
fn strip<'p>(path: &'p str, prefix: &str) -> Option<&'p str> {
    let rest = path.strip_prefix(prefix)?;
    (rest.starts_with('/') || (rest.is_empty() && !prefix.is_empty())).then_some(rest)
}

/// `template` matched against `path`, if it fits.
fn match_template(template: &str, path: &str) -> Option<Match> {
    let wanted: Vec<&str> = template.trim_start_matches('/').split('/').collect();
    let given: Vec<String> = path
        .trim_start_matches('/')
        .split('/')
        .map(percent_decode)
        .collect();
    if wanted.len() != given.len() {
        return None;
    }
    let mut captures = Vec::new();
    let mut literal = Vec::new();
    for (w, g) in wanted.iter().zip(&given) {
        let pieces = pieces(w);
        literal.push(pieces.iter().all(|p| matches!(p, Piece::Literal(_))));
        if !match_pieces(&pieces, g, &mut captures) {
            return None;
        }
    }
    Some(Match { captures, literal })
}

#[derive(Debug)]
enum Piece<'t> {
    Literal(&'t str),
    Variable(&'t str),
}

/// `{Sid}.json` as a variable then a literal.
fn pieces(segment: &str) -> Vec<Piece<'_>> {
    let mut out = Vec::new();
    let mut rest = segment;
    while let Some(open) = rest.find('{') {
        let Some(close) = rest[open..].find('}').map(|c| open + c) else {
            break;
        };
        if open > 0 {
            out.push(Piece::Literal(&rest[..open]));
        }
        out.push(Piece::Variable(&rest[open + 1..close]));
        rest = &rest[close + 1..];
    }
    if !rest.is_empty() || out.is_empty() {
        out.push(Piece::Literal(rest));
    }
    out
}

fn match_pieces(pieces: &[Piece<'_>], text: &str, captures: &mut Vec<(String, String)>) -> bool {
    match pieces.split_first() {
        None => text.is_empty(),
        Some((Piece::Literal(l), rest)) => text
            .strip_prefix(l)
            .is_some_and(|t| match_pieces(rest, t, captures)),
        Some((Piece::Variable(name), rest)) => {
            let ends = text
                .char_indices()
                .skip(1)
                .map(|(i, _)| i)
                .chain(std::iter::once(text.len()))
                .filter(|i| *i > 0);
            for end in ends {
                captures.push(((*name).to_string(), text[..end].to_string()));
                if match_pieces(rest, &text[end..], captures) {
                    return true;
                }
                captures.pop();
            }
            false
        }
    }
}

/// `%2B1303` as `+1303` (invalid escapes kept as they are, bytes read as lossy UTF-8).
fn percent_decode(text: &str) -> String {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let hex = bytes
            .get(i + 1..i + 3)
            .and_then(|h| std::str::from_utf8(h).ok())
            .and_then(|h| u8::from_str_radix(h, 16).ok());
        match (bytes[i], hex) {
            (b'%', Some(byte)) => {
                out.push(byte);
                i += 3;
            }
            (byte, _) => {
                out.push(byte);
                i += 1;
            }
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn doc() -> Value {
        json!({
            "servers": [{"url": "https://api.example.com/v2"}],
            "paths": {
                "/things/{id}": {"get": {}},
                "/things/special": {"post": {}},
                "/2010-04-01/Accounts/{AccountSid}/Messages.json": {
                    "servers": [{"url": "https://api.twilio.com"}], "post": {}
                },
                "/files/{name}.json": {"get": {}}
            }
        })
    }

    #[test]
    fn a_server_prefix_is_allowed_in_front_of_a_template() {
        let d = doc();
        let r = find(&d, "/v2/things/abc").unwrap();
        assert_eq!(r.template, "/things/{id}");
        assert_eq!(r.captures, [("id".to_string(), "abc".to_string())]);
        assert_eq!(find(&d, "/things/abc").unwrap().template, "/things/{id}");
        assert!(find(&d, "/v3/things/abc").is_none());
    }

    #[test]
    fn a_concrete_path_wins_over_a_template() {
        let d = doc();
        assert_eq!(
            find(&d, "/v2/things/special").unwrap().template,
            "/things/special"
        );
    }

    #[test]
    fn path_level_servers_replace_the_documents_and_partial_segments_match() {
        let d = doc();
        let r = find(&d, "/2010-04-01/Accounts/AC1/Messages.json").unwrap();
        assert_eq!(r.captures[0].1, "AC1");
        assert!(find(&d, "/v2/2010-04-01/Accounts/AC1/Messages.json").is_none());
        let r = find(&d, "/files/a%2Bb.json").unwrap();
        assert_eq!(r.captures, [("name".to_string(), "a+b".to_string())]);
        assert!(find(&d, "/files/.json").is_none());
    }
}
