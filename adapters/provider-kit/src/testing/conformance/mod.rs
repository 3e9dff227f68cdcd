//! Checks a request snapshot against a provider's OpenAPI description.
//!
//! What is checked, in this order (OpenAPI 3.0.3 and 3.1.1, "Operation Object", "Parameter
//! Object", "Request Body Object", "Security Requirement Object"):
//! - the path falls under one of `paths` (servers and templates as the `routes` module says);
//! - the method is an operation of that path;
//! - path parameters parse as their schemas, query parameters are declared (deepObject names
//!   such as `page[size]` under `page`), required query and header parameters are present
//!   (`Accept`, `Content-Type` and `Authorization` header parameters are ignored, as the
//!   specification says, and so are the headers a snapshot leaves out);
//! - one of the security requirements is met (the `authorization` header, or the API key's
//!   header or query parameter, is present);
//! - the body: present when required, absent when no body is declared, of a declared content
//!   type, and valid against its schema (the subset of JSON Schema the `schema` module describes).

use std::path::Path;

use serde_json::{Map, Value};

use super::form::unflatten;
use super::routes;
use super::schema::{Encoding, Validator};
use super::snapshot::{REDACTED, TRANSPORT_HEADERS, media_type};

/// Checks `snapshot` (as [`super::request_snapshot`] makes it) against the OpenAPI 3 document at
/// `spec` (JSON), e.g. `../shared/provider-specs/telnyx.json`.
///
/// # Errors
/// Every violation found, in words, each starting with the request (`POST
/// /v2/verifications/sms`) and the operation it was matched to; or one message when the spec
/// cannot be read or the snapshot lacks `method` or `path`.
pub fn check(spec: &Path, snapshot: &Value) -> Result<(), Vec<String>> {
    let text = std::fs::read_to_string(spec)
        .map_err(|e| vec![format!("cannot read {}: {e}", spec.display())])?;
    let doc: Value = serde_json::from_str(&text)
        .map_err(|e| vec![format!("{} is not JSON: {e}", spec.display())])?;
    let request = Request::read(snapshot).map_err(|e| vec![e])?;
    let errors = check_request(&doc, &request);
    if errors.is_empty() {
        Ok(())
    } else {
        Err(errors)
    }
}

/// The parts of a snapshot the checks read.
struct Request<'s> {
    method: String,
    path: &'s str,
    query: Map<String, Value>,
    headers: Map<String, Value>,
    content_type: Option<&'s str>,
    body: &'s Value,
}

impl<'s> Request<'s> {
    fn read(snapshot: &'s Value) -> Result<Self, String> {
        let text = |key: &str| snapshot.get(key).and_then(Value::as_str);
        let map = |key: &str| {
            snapshot
                .get(key)
                .and_then(Value::as_object)
                .cloned()
                .unwrap_or_default()
        };
        Ok(Self {
            method: text("method")
                .ok_or("the snapshot has no method")?
                .to_ascii_uppercase(),
            path: text("path").ok_or("the snapshot has no path")?,
            query: map("query"),
            headers: map("headers")
                .into_iter()
                .map(|(k, v)| (k.to_ascii_lowercase(), v))
                .collect(),
            content_type: text("content_type"),
            body: snapshot.get("body").unwrap_or(&Value::Null),
        })
    }
}

const METHODS: [&str; 8] = [
    "get", "put", "post", "delete", "options", "head", "patch", "trace",
];

fn check_request(doc: &Value, request: &Request<'_>) -> Vec<String> {
    let label = format!("{} {}", request.method, request.path);
    let Some(route) = routes::find(doc, request.path) else {
        let known: Vec<&str> = doc
            .get("paths")
            .and_then(Value::as_object)
            .map(|p| p.keys().map(String::as_str).collect())
            .unwrap_or_default();
        return vec![format!(
            "{label}: no path of the description matches (it has: {})",
            known.join(", ")
        )];
    };
    let operation = route
        .item
        .get(request.method.to_ascii_lowercase())
        .filter(|o| o.is_object());
    let Some(operation) = operation else {
        let declared: Vec<String> = METHODS
            .iter()
            .filter(|m| route.item.get(**m).is_some())
            .map(|m| m.to_ascii_uppercase())
            .collect();
        return vec![format!(
            "{label}: {} has no {} operation (it has: {})",
            route.template,
            request.method,
            declared.join(", ")
        )];
    };
    let name = operation
        .get("operationId")
        .and_then(Value::as_str)
        .unwrap_or(route.template);
    let parameters = parameters(doc, route.item, operation);
    let mut errors = Vec::new();
    check_path(doc, &parameters, &route.captures, &mut errors);
    check_query(doc, &parameters, request, &mut errors);
    check_headers(doc, &parameters, request, &mut errors);
    check_security(doc, operation, request, &mut errors);
    check_body(doc, operation, request, &mut errors);
    errors
        .into_iter()
        .map(|e| format!("{label} ({name}): {e}"))
        .collect()
}

/// The operation's parameters with the path item's, an operation's own one overriding a path
/// item's of the same name and location; references resolved.
fn parameters<'d>(doc: &'d Value, item: &'d Value, operation: &'d Value) -> Vec<&'d Value> {
    let listed = |owner: &'d Value| -> Vec<&'d Value> {
        owner
            .get("parameters")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .map(|p| deref(doc, p))
            .collect()
    };
    let own = listed(operation);
    let key = |p: &Value| (p.get("name").cloned(), p.get("in").cloned());
    let mut all: Vec<&Value> = listed(item)
        .into_iter()
        .filter(|p| !own.iter().any(|o| key(o) == key(p)))
        .collect();
    all.extend(own);
    all
}

/// What a `{"$ref": "#/..."}` points to (the value itself when it is no reference).
fn deref<'d>(doc: &'d Value, value: &'d Value) -> &'d Value {
    let mut current = value;
    for _ in 0..16 {
        let Some(reference) = current.get("$ref").and_then(Value::as_str) else {
            break;
        };
        match reference.strip_prefix('#').and_then(|p| doc.pointer(p)) {
            Some(target) => current = target,
            None => break,
        }
    }
    current
}

fn located<'p>(parameters: &[&'p Value], location: &str) -> Vec<&'p Value> {
    parameters
        .iter()
        .copied()
        .filter(|p| p.get("in").and_then(Value::as_str) == Some(location))
        .collect()
}

fn name_of(parameter: &Value) -> &str {
    parameter
        .get("name")
        .and_then(Value::as_str)
        .unwrap_or_default()
}

fn required(parameter: &Value) -> bool {
    parameter.get("required") == Some(&Value::Bool(true))
}

fn check_value(doc: &Value, value: &Value, parameter: &Value, at: &str, errors: &mut Vec<String>) {
    if let Some(schema) = parameter.get("schema") {
        Validator::new(doc, Encoding::Text).check(value, schema, at, errors);
    }
}

fn check_path(
    doc: &Value,
    parameters: &[&Value],
    captures: &[(String, String)],
    errors: &mut Vec<String>,
) {
    for parameter in located(parameters, "path") {
        let name = name_of(parameter);
        if let Some((_, value)) = captures.iter().find(|(n, _)| n == name) {
            let at = format!("path parameter {name}");
            check_value(doc, &Value::String(value.clone()), parameter, &at, errors);
        }
    }
}

fn check_query(
    doc: &Value,
    parameters: &[&Value],
    request: &Request<'_>,
    errors: &mut Vec<String>,
) {
    let declared = located(parameters, "query");
    let mut given: Map<String, Value> = Map::new();
    for (key, value) in &request.query {
        let base = key.split('[').next().unwrap_or_default();
        match declared
            .iter()
            .find(|p| name_of(p) == key || name_of(p) == base)
        {
            Some(_) => {
                given.insert(key.clone(), value.clone());
            }
            None => errors.push(format!("query parameter {key:?} is not declared")),
        }
    }
    let given = unflatten(&given);
    for parameter in declared {
        let name = name_of(parameter);
        match given.get(name) {
            Some(value) => {
                let at = format!("query parameter {name}");
                check_value(doc, value, parameter, &at, errors);
            }
            None if required(parameter) => {
                errors.push(format!("required query parameter {name:?} is missing"));
            }
            None => {}
        }
    }
}

fn check_headers(
    doc: &Value,
    parameters: &[&Value],
    request: &Request<'_>,
    errors: &mut Vec<String>,
) {
    for parameter in located(parameters, "header") {
        let name = name_of(parameter).to_ascii_lowercase();
        let ignored = ["accept", "content-type", "authorization"].contains(&name.as_str())
            || TRANSPORT_HEADERS.contains(&name.as_str());
        if ignored {
            continue;
        }
        match request.headers.get(&name) {
            Some(Value::String(v)) if v == REDACTED => {}
            Some(value) => {
                let at = format!("header {name}");
                check_value(doc, value, parameter, &at, errors);
            }
            None if required(parameter) => {
                errors.push(format!("required header {name:?} is missing"));
            }
            None => {}
        }
    }
}

/// One of the operation's (else the document's) security requirements must be met; an empty
/// requirement (`{}`) makes credentials optional.
fn check_security(doc: &Value, operation: &Value, request: &Request<'_>, errors: &mut Vec<String>) {
    let requirements = operation
        .get("security")
        .or_else(|| doc.get("security"))
        .and_then(Value::as_array);
    let Some(requirements) = requirements.filter(|r| !r.is_empty()) else {
        return;
    };
    let schemes = doc.pointer("/components/securitySchemes");
    let mut wanted = Vec::new();
    for requirement in requirements.iter().filter_map(Value::as_object) {
        let mut met = true;
        for name in requirement.keys() {
            let scheme = schemes.and_then(|s| s.get(name)).unwrap_or(&Value::Null);
            let (present, what) = credential(scheme, request);
            met &= present;
            wanted.push(format!("{what} ({name})"));
        }
        if met {
            return;
        }
    }
    errors.push(format!(
        "no credentials sent; expected {}",
        wanted.join(" or ")
    ));
}

/// Whether the credential `scheme` asks for is in the request, and where it goes.
fn credential(scheme: &Value, request: &Request<'_>) -> (bool, String) {
    let field = |k: &str| scheme.get(k).and_then(Value::as_str).unwrap_or_default();
    match (field("type"), field("in")) {
        ("apiKey", "header") => {
            let name = field("name").to_ascii_lowercase();
            (
                request.headers.contains_key(&name),
                format!("header {name}"),
            )
        }
        ("apiKey", "query") => {
            let name = field("name");
            (
                request.query.contains_key(name),
                format!("query parameter {name}"),
            )
        }
        ("apiKey", _) => (true, "a cookie".into()),
        ("http" | "oauth2" | "openIdConnect", _) => (
            request.headers.contains_key("authorization"),
            "header authorization".into(),
        ),
        _ => (true, "an unknown scheme".into()),
    }
}

fn check_body(doc: &Value, operation: &Value, request: &Request<'_>, errors: &mut Vec<String>) {
    let declared = operation.get("requestBody").map(|b| deref(doc, b));
    let body_required = declared.and_then(|b| b.get("required")) == Some(&Value::Bool(true));
    let declared = match (declared, request.body) {
        (None, Value::Null) => return,
        (Some(_), Value::Null) => {
            if body_required {
                errors.push("a request body is required but none was sent".into());
            }
            return;
        }
        (None, _) => {
            errors.push("the operation takes no request body but one was sent".into());
            return;
        }
        (Some(declared), _) => declared,
    };
    let empty = Map::new();
    let content = declared
        .get("content")
        .and_then(Value::as_object)
        .unwrap_or(&empty);
    let Some(media) = request.content_type.map(media_type) else {
        errors.push("a body was sent without a content type".into());
        return;
    };
    let Some((accepted, entry)) = content.iter().find(|(k, _)| media_matches(k, &media)) else {
        let list: Vec<&str> = content.keys().map(String::as_str).collect();
        errors.push(format!(
            "content type {media:?} is not one the operation takes ({})",
            list.join(", ")
        ));
        return;
    };
    let Some(schema) = entry.get("schema") else {
        return;
    };
    let form = ["application/x-www-form-urlencoded", "multipart/form-data"]
        .contains(&media_type(accepted).as_str());
    let (value, encoding) = match (form, request.body) {
        (true, Value::Object(flat)) => (Value::Object(unflatten(flat)), Encoding::Text),
        (true, _) => {
            errors.push("a form body that is not name=value pairs".into());
            return;
        }
        (false, body) => (body.clone(), Encoding::Json),
    };
    Validator::new(doc, encoding).check(&value, schema, "body", errors);
}

/// Whether the content type `media` is the declared `accepted` one (`type/*` and `*/*` too).
fn media_matches(accepted: &str, media: &str) -> bool {
    let accepted = media_type(accepted);
    accepted == media
        || accepted == "*/*"
        || accepted
            .strip_suffix("/*")
            .is_some_and(|t| media.split('/').next() == Some(t))
}

#[cfg(test)]
mod tests;
