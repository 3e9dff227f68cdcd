//! Extractors whose rejections are problem+json [`ApiError`]s with a precise detail, and the
//! request size limits.

use axum::body::{Body, Bytes};
use axum::extract::rejection::{JsonRejection, QueryRejection};
use axum::extract::{FromRequest, FromRequestParts, Request};
use axum::http::StatusCode;
use axum::http::request::Parts;
use axum::middleware::Next;
use axum::response::Response;
use serde::de::DeserializeOwned;

use crate::problem::ApiError;

/// Largest request body, bytes (1 MiB): over it, 413 `PAYLOAD_TOO_LARGE`.
pub const MAX_BODY: usize = 1 << 20;
/// Longest path and query, bytes: over it, 414 `URI_TOO_LONG`.
pub const MAX_URI: usize = 8 * 1024;
/// Largest total of header names and values, bytes: over it, 431
/// `REQUEST_HEADER_FIELDS_TOO_LARGE`. Below hyper's own limits (about 400 KB of headers, 100
/// headers, 64 KB of URI), which answer without a body.
pub const MAX_HEADERS: usize = 32 * 1024;

/// The request body, at most [`MAX_BODY`] bytes.
///
/// # Errors
/// 413 `PAYLOAD_TOO_LARGE` over the limit; 400 `MALFORMED_REQUEST` for a body that breaks off.
pub async fn body_bytes(body: Body) -> Result<Bytes, ApiError> {
    axum::body::to_bytes(body, MAX_BODY).await.map_err(|e| {
        if is_length_limit(&e) {
            ApiError::PayloadTooLarge {
                limit_bytes: MAX_BODY,
            }
        } else {
            ApiError::Malformed(format!("unreadable body: {e}"))
        }
    })
}

fn is_length_limit(e: &(dyn std::error::Error + 'static)) -> bool {
    let mut current = Some(e);
    while let Some(err) = current {
        if err.is::<http_body_util::LengthLimitError>() {
            return true;
        }
        current = err.source();
    }
    false
}

/// Middleware refusing a path and query over [`MAX_URI`] or headers over [`MAX_HEADERS`] with
/// problem+json (414, 431), before anything else reads them.
///
/// # Errors
/// [`ApiError::UriTooLong`], [`ApiError::HeadersTooLarge`].
pub async fn request_limits(req: Request, next: Next) -> Result<Response, ApiError> {
    let uri = req.uri().path_and_query().map_or(0, |p| p.as_str().len());
    if uri > MAX_URI {
        return Err(ApiError::UriTooLong {
            limit_bytes: MAX_URI,
        });
    }
    let headers: usize = req
        .headers()
        .iter()
        .map(|(name, value)| name.as_str().len() + value.len())
        .sum();
    if headers > MAX_HEADERS {
        return Err(ApiError::HeadersTooLarge {
            limit_bytes: MAX_HEADERS,
        });
    }
    Ok(next.run(req).await)
}

/// A JSON body of at most [`MAX_BODY`] bytes; malformed JSON, unknown fields, missing fields,
/// wrong types and strings holding U+0000 are 400 `MALFORMED_REQUEST` naming the place
/// (`unknown field "x" at line 1 column 9`); a body that is not `application/json` is 415, one
/// over the limit 413.
pub struct ApiJson<T>(pub T);

impl<S: Send + Sync, T: DeserializeOwned> FromRequest<S> for ApiJson<T> {
    type Rejection = ApiError;

    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        let (parts, body) = req.into_parts();
        let bytes = body_bytes(body).await?;
        let req = Request::from_parts(parts, Body::from(bytes.clone()));
        let value = match axum::Json::<T>::from_request(req, state).await {
            Ok(axum::Json(v)) => v,
            Err(rejection) => return Err(json_rejection(&rejection)),
        };
        if has_escaped_nul(&bytes) {
            return Err(ApiError::Malformed(
                "strings may not contain the NUL character (\\u0000)".into(),
            ));
        }
        Ok(Self(value))
    }
}

/// Whether a JSON text holds the escape `\u0000` (U+0000) in a string or key: a `\u0000` not
/// itself preceded by an escaping backslash. PostgreSQL cannot store U+0000 in TEXT or JSONB;
/// the API refuses it on every engine alike (issue 11, item 8).
fn has_escaped_nul(json: &[u8]) -> bool {
    json.windows(6).enumerate().any(|(i, window)| {
        window == b"\\u0000" && json[..i].iter().rev().take_while(|b| **b == b'\\').count() % 2 == 0
    })
}

/// An optional JSON body: an empty body gives `T::default()`; anything else is parsed as
/// [`ApiJson`] is.
pub struct OptionalJson<T>(pub T);

impl<S: Send + Sync, T: DeserializeOwned + Default> FromRequest<S> for OptionalJson<T> {
    type Rejection = ApiError;

    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        let (parts, body) = req.into_parts();
        let bytes = body_bytes(body).await?;
        if bytes.iter().all(u8::is_ascii_whitespace) {
            return Ok(Self(T::default()));
        }
        let req = Request::from_parts(parts, axum::body::Body::from(bytes));
        ApiJson::<T>::from_request(req, state)
            .await
            .map(|ApiJson(v)| Self(v))
    }
}

fn json_rejection(rejection: &JsonRejection) -> ApiError {
    if rejection.status() == StatusCode::PAYLOAD_TOO_LARGE {
        return ApiError::PayloadTooLarge {
            limit_bytes: MAX_BODY,
        };
    }
    let detail = match rejection {
        JsonRejection::MissingJsonContentType(_) => {
            return ApiError::UnsupportedMediaType(
                "expected a JSON body with Content-Type: application/json".to_string(),
            );
        }
        other => other
            .body_text()
            .replace(
                "Failed to deserialize the JSON body into the target type: ",
                "invalid body: ",
            )
            .replace(
                "Failed to parse the request body as JSON: ",
                "invalid JSON: ",
            ),
    };
    ApiError::Malformed(detail)
}

/// Query parameters; bad ones are 400 `MALFORMED_REQUEST`.
pub struct ApiQuery<T>(pub T);

impl<S: Send + Sync, T: DeserializeOwned> FromRequestParts<S> for ApiQuery<T> {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        match axum::extract::Query::<T>::from_request_parts(parts, state).await {
            Ok(axum::extract::Query(v)) => Ok(Self(v)),
            Err(rejection) => Err(query_rejection(&rejection)),
        }
    }
}

fn query_rejection(rejection: &QueryRejection) -> ApiError {
    ApiError::Malformed(
        rejection
            .body_text()
            .replace("Failed to deserialize query string: ", "invalid query: "),
    )
}

#[cfg(test)]
mod tests {
    use super::has_escaped_nul;

    #[test]
    fn an_escaped_nul_is_found_but_an_escaped_backslash_before_u0000_is_not_one() {
        assert!(has_escaped_nul(br#"{"a":"x\u0000y"}"#));
        assert!(has_escaped_nul(br#"{"a\u0000":1}"#));
        assert!(has_escaped_nul(br#"{"a":"\\\u0000"}"#));
        assert!(!has_escaped_nul(br#"{"a":"\\u0000"}"#));
        assert!(!has_escaped_nul(br#"{"a":"u0000 \u0001"}"#));
    }
}
