//! The sandbox's payment tools (issue 4, item 5): the test clock, the mailbox, and PayPal's
//! buyer approval. Answered only while the tenant's payments run on the sandbox (404
//! `SANDBOX_INACTIVE` otherwise).

use axum::Extension;
use axum::extract::{Path, State};
use onramp_domain::app::payments::orders::OrderView;
use onramp_domain::ids::{OrderId, TenantId};
use onramp_domain::ports::{JobQueue, ProviderId};
use onramp_sandbox::SandboxMail;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use crate::auth::TenantContext;
use crate::extract::{ApiJson, ApiQuery};
use crate::problem::{ApiError, Problem};
use crate::state::AppState;

/// The longest single move of the test clock: 2 years, in seconds (Stripe's test clocks
/// advance at most two intervals at a time; a trial is at most 730 days).
const MAX_ADVANCE_SECONDS: i64 = 2 * 366 * 86_400;

/// Body of `POST /v1/sandbox/clock/advance`.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AdvanceClock {
    /// How far to move the tenant's time, seconds (1 to 63 244 800).
    pub seconds: i64,
}

/// What the clock move did.
#[derive(Debug, Serialize, ToSchema)]
pub struct ClockAdvanced {
    /// Seconds moved.
    pub seconds: i64,
    /// Pending timers and jobs of the tenant that were moved earlier.
    pub timers_moved: u64,
}

/// Filter of `GET /v1/sandbox/mail`.
#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
pub struct MailParams {
    /// Only mail to this address.
    pub to: Option<String>,
}

/// The sandbox mailbox.
#[derive(Debug, Serialize, ToSchema)]
pub struct SandboxMailPage {
    /// Mails sent for the tenant, oldest first.
    #[schema(value_type = Vec<Object>)]
    pub data: Vec<SandboxMail>,
}

/// Refuses unless both payment providers of the tenant are the sandbox.
async fn ensure_sandbox_payments(state: &AppState, tenant: TenantId) -> Result<(), ApiError> {
    let payments = &state.services.payments.providers;
    let cards = payments
        .card_on_file(tenant)
        .await
        .map_err(ApiError::from)?;
    let orders = payments
        .order_payments(tenant)
        .await
        .map_err(ApiError::from)?;
    if cards.provider() == ProviderId::Sandbox && orders.provider() == ProviderId::Sandbox {
        Ok(())
    } else {
        Err(ApiError::SandboxInactive)
    }
}

/// Moves the tenant's time forward, as Stripe's test clocks do: every pending timer of the
/// tenant (trial reminder and end, order expiry, session and code expiry) comes due that much
/// earlier, and runs as of its own due time. The worker picks them up within a second.
#[utoipa::path(post, path = "/v1/sandbox/clock/advance", tag = "sandbox", request_body = AdvanceClock,
    responses((status = 200, body = ClockAdvanced), (status = 400, body = Problem), (status = 404, body = Problem)),
    security(("api_key" = [])))]
pub async fn advance_clock(
    State(state): State<AppState>,
    Extension(tenant): Extension<TenantContext>,
    ApiJson(req): ApiJson<AdvanceClock>,
) -> Result<axum::Json<ClockAdvanced>, ApiError> {
    if !(1..=MAX_ADVANCE_SECONDS).contains(&req.seconds) {
        return Err(ApiError::Malformed(format!(
            "seconds must be between 1 and {MAX_ADVANCE_SECONDS}"
        )));
    }
    ensure_sandbox_payments(&state, tenant.id).await?;
    let timers_moved = state
        .store
        .advance_timers(tenant.id, req.seconds)
        .await
        .map_err(ApiError::from)?;
    state.wake.notify_one();
    Ok(axum::Json(ClockAdvanced {
        seconds: req.seconds,
        timers_moved,
    }))
}

/// Mail the sandbox sent for the tenant (trial reminders, welcome mails).
#[utoipa::path(get, path = "/v1/sandbox/mail", tag = "sandbox", params(MailParams),
    responses((status = 200, body = SandboxMailPage), (status = 404, body = Problem)), security(("api_key" = [])))]
pub async fn mail(
    State(state): State<AppState>,
    Extension(tenant): Extension<TenantContext>,
    ApiQuery(p): ApiQuery<MailParams>,
) -> Result<axum::Json<SandboxMailPage>, ApiError> {
    Ok(axum::Json(SandboxMailPage {
        data: state
            .providers
            .sandboxes()
            .mailbox
            .mail_to(tenant.id, p.to.as_deref()),
    }))
}

/// The buyer approves a sandbox PayPal order (what PayPal's approval page does), recorded like
/// PayPal's `CHECKOUT.ORDER.APPROVED` webhook.
#[utoipa::path(post, path = "/v1/sandbox/paypal/orders/{id}/approve", tag = "sandbox",
    params(("id" = String, Path, description = "Onramp order id")),
    responses((status = 200, body = OrderView), (status = 404, body = Problem)), security(("api_key" = [])))]
pub async fn approve_order(
    State(state): State<AppState>,
    Extension(tenant): Extension<TenantContext>,
    Path(id): Path<String>,
) -> Result<axum::Json<OrderView>, ApiError> {
    let id = OrderId::parse(&id).map_err(|_| ApiError::OrderNotFound)?;
    let order = state.services.payments.order(tenant.id, id).await?;
    if order.provider != ProviderId::Sandbox.as_str() {
        return Err(ApiError::SandboxInactive);
    }
    state
        .providers
        .sandboxes()
        .orders
        .for_tenant(tenant.id)
        .approve(&order.provider_order_id)
        .await
        .map_err(|e| ApiError::from(onramp_domain::app::PaymentServiceError::from(e)))?;
    Ok(axum::Json(
        state
            .services
            .payments
            .record_order_approval(tenant.id, id)
            .await?,
    ))
}
