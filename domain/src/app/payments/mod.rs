//! Money use cases (issue 4): card-gated trials, one-off orders, the customer accounts they
//! open, the payment providers' webhook reports, and the mail they send.
//!
//! Every provider call carries an idempotency key derived from (tenant, session, step, attempt,
//! operation), and its result is committed as an event before the next call, so a retry after a
//! crash, a timeout or a concurrent request replays the provider's first answer and never
//! doubles an effect.

pub mod accounts;
mod mail;
pub mod orders;
mod refs;
mod reports;
mod trial_commit;
mod trial_jobs;
mod trial_view;
pub mod trials;

pub use mail::MAIL_JOB;
pub use trial_jobs::{TRIAL_END_JOB, TRIAL_REMINDER_JOB, TRIAL_VOID_JOB};

use time::OffsetDateTime;

use crate::ports::ClaimedJob;

/// The time a timer job judges by: its own due time when the sandbox clock moved it earlier
/// (`POST /v1/sandbox/clock/advance`), the server's clock otherwise.
pub(crate) fn timer_now(job: &ClaimedJob, now: OffsetDateTime) -> OffsetDateTime {
    job.payload
        .get("due_at")
        .and_then(serde_json::Value::as_str)
        .and_then(|t| OffsetDateTime::parse(t, &time::format_description::well_known::Rfc3339).ok())
        .map_or(now, |due| due.max(now))
}
