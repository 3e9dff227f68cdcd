//! [`ApiError`]: why a request of the client failed, keeping the problem+json `code` and
//! `detail` the server answered.

use crate::wire::Problem;
use reqwest::StatusCode;

/// Why a request failed.
#[derive(Debug)]
pub enum ApiError {
    /// The server answered with a problem+json body.
    Problem {
        /// HTTP status.
        status: StatusCode,
        /// The body.
        problem: Problem,
    },
    /// The server answered an error status without a problem body.
    Status {
        /// HTTP status.
        status: StatusCode,
        /// The start of the body.
        body: String,
    },
    /// The request could not be sent or the answer not read.
    Transport(reqwest::Error),
    /// A success whose body is not what the endpoint documents.
    Decode {
        /// `METHOD path`.
        request: String,
        /// The JSON error.
        source: serde_json::Error,
    },
}

impl ApiError {
    /// The problem's stable code (`RATE_LIMITED`, ...), when the server sent one.
    pub fn code(&self) -> Option<&str> {
        match self {
            Self::Problem { problem, .. } => Some(&problem.code),
            _ => None,
        }
    }
}

impl std::fmt::Display for ApiError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::Problem { status, problem } => {
                write!(
                    f,
                    "{} (HTTP {}): {}",
                    problem.code,
                    status.as_u16(),
                    problem.detail
                )?;
                for e in &problem.errors {
                    write!(f, "; {}: {}", e.field, e.message)?;
                }
                if let Some(secs) = problem.retry_after_seconds {
                    write!(f, "; retry after {secs} s")?;
                }
                Ok(())
            }
            Self::Status { status, body } => {
                write!(f, "HTTP {status} without a problem body: {body}")
            }
            // The reqwest error follows as the source, so `{:#}` prints it once.
            Self::Transport(_) => f.write_str("request failed"),
            Self::Decode { request, .. } => write!(f, "unexpected response body from {request}"),
        }
    }
}

impl std::error::Error for ApiError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            Self::Transport(e) => Some(e),
            Self::Decode { source, .. } => Some(source),
            _ => None,
        }
    }
}
