//! Money use cases (issue 4): card-gated trials, one-off orders, the customer accounts they
//! open, the payment providers' webhook reports, and the mail they send.
//!
//! Every provider call carries an idempotency key derived from (tenant, session, step, attempt,
//! operation), and its result is committed as an event before the next call, so a retry after a
//! crash, a timeout or a concurrent request replays the provider's first answer and never
//! doubles an effect.

pub mod accounts;

mod order_claim;
pub mod orders;

mod refs;
pub(crate) use refs::{PaymentTarget, payment_ref_stream};
mod reports;
mod trial_commit;
mod trial_jobs;
mod trial_view;
pub mod trials;

use time::OffsetDateTime;

/// The time a timer job due at `due_at` judges by: its own due time when the sandbox clock moved
/// it earlier (`POST /v1/sandbox/clock/advance`), the server's clock otherwise.
pub(crate) fn timer_now(due_at: OffsetDateTime, now: OffsetDateTime) -> OffsetDateTime {
    due_at.max(now)
}
