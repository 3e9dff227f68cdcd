//! The router: every route, its OpenAPI description (generated from the handlers with utoipa),
//! authentication, idempotency, request ids and tracing.

pub mod admin;
mod catalogue;
pub mod customers;
pub mod end_user;
pub mod events;
pub mod flows;
pub mod health;
pub mod integrations;
pub mod links;
pub mod orders;
pub mod sandbox;
pub mod sandbox_payments;
pub mod sandbox_whatsapp;
pub mod session_audit;
pub mod sessions;
pub mod trials;
pub mod verifications;
pub mod webhook_deliveries;
pub mod webhook_endpoints;
pub mod webhooks;
pub mod whatsapp;
pub mod whatsapp_client;
pub mod whatsapp_number;

use std::time::Duration;

use axum::Router;
use axum::http::{HeaderName, Request, StatusCode};
use axum::middleware::from_fn_with_state;
use axum::routing::get;
use tower::ServiceBuilder;
use tower_http::request_id::{MakeRequestUuid, PropagateRequestIdLayer, SetRequestIdLayer};
use tower_http::timeout::TimeoutLayer;
use tower_http::trace::TraceLayer;
use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::{Modify, OpenApi};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;
use utoipa_swagger_ui::SwaggerUi;

use crate::auth::{require_admin, require_end_user, require_tenant};
use crate::idempotency::idempotency;
use crate::problem::ApiError;
use crate::state::AppState;
use catalogue::EventCatalogue;

/// Longest a request may take before it is answered 503; also how long an idempotency record
/// committed without its answer holds its key.
pub const REQUEST_TIMEOUT: Duration = Duration::from_secs(30);

#[derive(OpenApi)]
#[openapi(
    info(
        title = "Onramp",
        description = "Onboarding orchestration: sessions over flow templates, phone verification by one-time code (voice first, SMS fallback), for many tenants. Errors are RFC 9457 problem+json with a stable `code`. Every POST accepts an `Idempotency-Key` header."
    ),
    modifiers(&Security, &EventCatalogue),
    tags(
        (name = "sessions", description = "Onboarding sessions"),
        (name = "verifications", description = "Phone verification by one-time code"),
        (name = "flows", description = "Flow templates"),
        (name = "payments", description = "Card-gated trials, orders and the customer accounts they open"),
        (name = "whatsapp", description = "WhatsApp Business Accounts: Embedded Signup, BSP senders, clients' messages"),
        (name = "end users", description = "A person's own session, with a session token (Authorization: Bearer ort_..., X-Onramp-Platform)"),
        (name = "events", description = "What happened in the tenant's journeys: the events its webhooks receive (the catalogue is the document's `webhooks`)"),
        (name = "webhooks", description = "Outbound webhooks: endpoints receiving the tenant's events, signed by the Standard Webhooks specification, with their attempts, dead letters, replays"),
        (name = "sandbox", description = "The sandbox providers' inbox, mailbox, test clock and PayPal approval"),
        (name = "admin", description = "Tenant administration")
    )
)]
struct ApiDoc;

struct Security;

impl Modify for Security {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "api_key",
            SecurityScheme::Http(
                HttpBuilder::new()
                    .scheme(HttpAuthScheme::Bearer)
                    .description(Some("Tenant API key (onr_sk_...)"))
                    .build(),
            ),
        );
        components.add_security_scheme(
            "session_token",
            SecurityScheme::Http(
                HttpBuilder::new()
                    .scheme(HttpAuthScheme::Bearer)
                    .description(Some(
                        "End-user session token (ort_...), with the X-Onramp-Platform header",
                    ))
                    .build(),
            ),
        );
        components.add_security_scheme(
            "admin_token",
            SecurityScheme::Http(
                HttpBuilder::new()
                    .scheme(HttpAuthScheme::Bearer)
                    .description(Some("ONRAMP_ADMIN_TOKEN"))
                    .build(),
            ),
        );
    }
}

/// The OpenAPI document, as served at `/openapi.json`.
pub fn openapi() -> utoipa::openapi::OpenApi {
    api_routes_for_doc().split_for_parts().1
}

fn tenant_routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(sessions::start_session, sessions::list_sessions))
        .routes(routes!(sessions::get_session))
        .routes(routes!(sessions::submit_step))
        .routes(routes!(sessions::skip_step))
        .routes(routes!(sessions::pause))
        .routes(routes!(sessions::resume))
        .routes(routes!(sessions::complete))
        .routes(routes!(sessions::abandon))
        .routes(routes!(sessions::events))
        .routes(routes!(session_audit::audit))
        .routes(routes!(verifications::start_verification))
        .routes(routes!(verifications::get_verification))
        .routes(routes!(verifications::resend))
        .routes(routes!(verifications::check))
        .routes(routes!(flows::list_flows))
        .routes(routes!(flows::get_flow))
        .routes(routes!(sandbox::messages))
        .routes(routes!(integrations::list))
        .routes(routes!(integrations::put, integrations::disable))
        .routes(routes!(integrations::test))
        .routes(routes!(trials::submit_card, trials::session_trial))
        .routes(routes!(trials::get_trial))
        .routes(routes!(trials::cancel_trial))
        .routes(routes!(orders::create_order))
        .routes(routes!(orders::get_order))
        .routes(routes!(orders::capture_order))
        .routes(routes!(customers::get_customer))
        .routes(routes!(customers::list_customers))
        .routes(routes!(events::list_events))
        .routes(routes!(events::get_event))
        .routes(routes!(webhook_deliveries::redeliver))
        .routes(routes!(webhook_endpoints::create, webhook_endpoints::list))
        .routes(routes!(
            webhook_endpoints::get,
            webhook_endpoints::update,
            webhook_endpoints::delete
        ))
        .routes(routes!(webhook_endpoints::rotate_secret))
        .routes(routes!(webhook_deliveries::attempts))
        .routes(routes!(webhook_deliveries::messages))
        .routes(routes!(webhook_deliveries::replay))
        .routes(routes!(sandbox_payments::advance_clock))
        .routes(routes!(sandbox_payments::mail))
        .routes(routes!(sandbox_payments::approve_order))
        .routes(routes!(links::messages))
        .routes(routes!(links::find))
        .routes(routes!(links::request_link))
        .routes(routes!(links::verify_link))
        .routes(routes!(links::issue_token))
        .routes(routes!(links::link_platforms))
        .routes(routes!(whatsapp::begin_signup))
        .routes(routes!(whatsapp::submit_sender))
        .routes(routes!(whatsapp::list_accounts))
        .routes(routes!(whatsapp::get_account))
        .routes(routes!(whatsapp::retry_signup))
        .routes(routes!(whatsapp::resubmit_sender))
        .routes(routes!(whatsapp_number::register_number))
        .routes(routes!(whatsapp_number::verify_number))
        .routes(routes!(
            whatsapp_client::send_client_message,
            whatsapp_client::client_messages
        ))
        .routes(routes!(whatsapp::status))
        .routes(routes!(sandbox_whatsapp::inbound))
        .routes(routes!(sandbox_whatsapp::messages))
        .routes(routes!(sandbox_whatsapp::signup))
}

fn end_user_routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(end_user::session))
        .routes(routes!(end_user::submit_step))
        .routes(routes!(end_user::messages))
        .routes(routes!(end_user::refresh))
        .routes(routes!(end_user::revoke))
        .routes(routes!(end_user::exchange))
}

fn admin_routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(admin::create_tenant))
}

fn api_routes_for_doc() -> OpenApiRouter<AppState> {
    OpenApiRouter::with_openapi(ApiDoc::openapi())
        .merge(tenant_routes())
        .merge(end_user_routes())
        .merge(admin_routes())
}

/// A worker's HTTP: `/healthz`, `/readyz` and `/metrics` only (DESIGN.md section 6, `--role
/// worker`).
pub fn health_router(state: AppState) -> Router {
    Router::new()
        .route("/healthz", get(health::healthz))
        .route("/readyz", get(health::readyz))
        .route("/metrics", get(crate::metrics::render))
        .route_layer(axum::middleware::from_fn(crate::metrics::track_http))
        .fallback(|| async { ApiError::NotFound })
        .with_state(state)
}

/// The whole HTTP application.
pub fn router(state: AppState) -> Router {
    let tenant = tenant_routes()
        .layer(from_fn_with_state(state.clone(), idempotency))
        .layer(from_fn_with_state(state.clone(), require_tenant));
    let end_user = end_user_routes()
        .layer(from_fn_with_state(state.clone(), idempotency))
        .layer(from_fn_with_state(state.clone(), require_end_user));
    let admin = admin_routes()
        .layer(from_fn_with_state(state.clone(), idempotency))
        .layer(from_fn_with_state(state.clone(), require_admin));
    let (api, doc) = OpenApiRouter::with_openapi(ApiDoc::openapi())
        .merge(tenant)
        .merge(end_user)
        .merge(admin)
        .split_for_parts();
    let request_id = HeaderName::from_static("x-request-id");
    Router::new()
        .merge(api)
        .merge(SwaggerUi::new("/docs").url("/openapi.json", doc))
        .route(
            "/webhooks/meta",
            get(webhooks::meta_handshake).post(webhooks::shared_meta),
        )
        .route(
            "/webhooks/meta/{tenant_id}",
            get(webhooks::meta_handshake).post(webhooks::for_tenant_meta),
        )
        .route(
            "/webhooks/{provider}",
            axum::routing::post(webhooks::shared),
        )
        .route(
            "/webhooks/{provider}/{tenant_id}",
            axum::routing::post(webhooks::for_tenant),
        )
        .route("/healthz", get(health::healthz))
        .route("/readyz", get(health::readyz))
        .route("/metrics", get(crate::metrics::render))
        .route_layer(axum::middleware::from_fn(crate::metrics::track_http))
        .fallback(|| async { ApiError::NotFound })
        .with_state(state)
        .layer(axum::extract::DefaultBodyLimit::max(
            crate::extract::MAX_BODY,
        ))
        .layer(axum::middleware::from_fn(crate::extract::request_limits))
        .layer(
            ServiceBuilder::new()
                .layer(SetRequestIdLayer::new(request_id.clone(), MakeRequestUuid))
                .layer(
                    TraceLayer::new_for_http().make_span_with(|req: &Request<_>| {
                        let id = req
                            .headers()
                            .get("x-request-id")
                            .and_then(|v| v.to_str().ok())
                            .unwrap_or("-");
                        tracing::info_span!(
                            "request",
                            request_id = %id,
                            method = %req.method(),
                            path = %req.uri().path(),
                            tenant_id = tracing::field::Empty,
                        )
                    }),
                )
                .layer(PropagateRequestIdLayer::new(request_id))
                .layer(TimeoutLayer::with_status_code(
                    StatusCode::SERVICE_UNAVAILABLE,
                    REQUEST_TIMEOUT,
                )),
        )
}
