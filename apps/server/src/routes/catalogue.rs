//! The event catalogue in the OpenAPI document (issue 12, item 1): one entry of the document's
//! `webhooks` (OpenAPI 3.1) per tenant-facing event type, generated from
//! [`CATALOGUE`](onramp_domain::app::events::CATALOGUE), with the Standard Webhooks headers a
//! delivery carries.

use onramp_domain::app::events::{CATALOGUE, CATALOGUE_VERSION};
use utoipa::Modify;
use utoipa::openapi::path::{
    HttpMethod, OperationBuilder, ParameterBuilder, ParameterIn, PathItem,
};
use utoipa::openapi::request_body::RequestBodyBuilder;
use utoipa::openapi::{ContentBuilder, PathsBuilder, Ref, Required, ResponseBuilder};

/// Adds the catalogue to the document's `webhooks`.
pub(super) struct EventCatalogue;

/// The headers of every delivery (https://www.standardwebhooks.com).
const HEADERS: [(&str, &str); 3] = [
    (
        "webhook-id",
        "The event's id: the same on every retry of it, the key to deduplicate on.",
    ),
    (
        "webhook-timestamp",
        "Unix seconds when this attempt was signed; refuse it beyond 5 minutes of your clock.",
    ),
    (
        "webhook-signature",
        "Space-separated `v1,<base64 HMAC-SHA256>` of `{webhook-id}.{webhook-timestamp}.{body}` under the endpoint's `whsec_` secret (two during a rotation's overlap).",
    ),
];

impl Modify for EventCatalogue {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let mut webhooks = PathsBuilder::new();
        for entry in CATALOGUE {
            let mut operation = OperationBuilder::new()
                .tag("events")
                .operation_id(Some(entry.name))
                .summary(Some(entry.name))
                .description(Some(format!(
                    "{} `data.object` is the {} it reports on. Catalogue version {CATALOGUE_VERSION}.",
                    entry.description, entry.object
                )))
                .request_body(Some(
                    RequestBodyBuilder::new()
                        .required(Some(Required::True))
                        .content(
                            "application/json",
                            ContentBuilder::new()
                                .schema(Some(Ref::from_schema_name("EventView")))
                                .build(),
                        )
                        .build(),
                ))
                .response(
                    "2XX",
                    ResponseBuilder::new()
                        .description("Received: any 2xx acknowledges the delivery.")
                        .build(),
                )
                .response(
                    "410",
                    ResponseBuilder::new()
                        .description("Gone: the endpoint is disabled, and receives nothing more.")
                        .build(),
                );
            for (name, description) in HEADERS {
                operation = operation.parameter(
                    ParameterBuilder::new()
                        .name(name)
                        .parameter_in(ParameterIn::Header)
                        .required(Required::True)
                        .description(Some(description))
                        .schema(Some(
                            utoipa::openapi::ObjectBuilder::new()
                                .schema_type(utoipa::openapi::Type::String),
                        )),
                );
            }
            webhooks = webhooks.path(entry.name, PathItem::new(HttpMethod::Post, operation));
        }
        openapi.webhooks = Some(webhooks.build());
    }
}
