//! `GET /openapi.json`: the OpenAPI 3.1 document, generated from the
//! handlers' `#[utoipa::path]` annotations.
//!
//! Routes are mounted through `utoipa_actix_web`, whose `service` only takes
//! annotated handlers: a route cannot be served without being documented.
//! The per-type event schemas are embedded as components exactly as served
//! at `GET /v1/schemas/{type}` (OpenAPI 3.1 schemas are JSON Schema 2020-12).

mod accounts;
mod contract;
mod links;
mod schemas;

use actix_web::{get, web, HttpResponse};
use serde_json::Value;
use utoipa::{
    openapi::{
        security::{HttpAuthScheme, HttpBuilder, SecurityScheme},
        OpenApi as Document,
    },
    Modify, OpenApi,
};
use utoipa_actix_web::AppExt;

pub use schemas::*;

use crate::event::{schema_document, EventType};

#[derive(OpenApi)]
#[openapi(
    info(
        title = "Switchboard",
        description = "Durable ingest of call events and signed fan-out to webhooks and connectors."
    ),
    modifiers(&BearerTokens),
    components(schemas(ErrorBody, crate::api::ErrorCode)),
    tags(
        (name = "ingest", description = "Called by the receptionist platform (ingest token)."),
        (name = "admin", description = "Connectors, the delivery log and replay (admin token, or an account token for its own account)."),
        (name = "accounts", description = "Accounts and their tokens (admin token only)."),
        (name = "endpoints", description = "Runtime webhook endpoints (REST hooks), admin token."),
        (name = "functions", description = "Mid-call tools."),
        (name = "schemas", description = "JSON Schema of each event type."),
        (name = "operations", description = "Health and metrics."),
    )
)]
struct ApiDoc;

struct BearerTokens;

impl Modify for BearerTokens {
    fn modify(&self, doc: &mut Document) {
        let components = doc.components.get_or_insert_with(Default::default);
        for (name, what) in [
            (
                "ingest_token",
                "`[server] ingest_token`: posts events and invokes functions.",
            ),
            (
                "admin_token",
                "`[server] admin_token`: the admin API and the dashboard; acts on `?account=` (absent: `default`).",
            ),
            (
                "account_token",
                "An account token (`sbk_...`, `POST /v1/accounts/{account}/tokens`): the admin routes of its own account only.",
            ),
        ] {
            components.add_security_scheme(
                name,
                SecurityScheme::Http(
                    HttpBuilder::new()
                        .scheme(HttpAuthScheme::Bearer)
                        .description(Some(what))
                        .build(),
                ),
            );
        }
    }
}

/// The document of every route [`super::configure`] mounts, as JSON;
/// `kinds` (the registry's connector kinds) become the enum of a connector's
/// `kind`, so the document grows with the kinds a build registers.
pub fn document(kinds: &[&str]) -> Value {
    let (_, doc) = actix_web::App::new()
        .into_utoipa_app()
        .openapi(ApiDoc::openapi())
        .configure(super::configure)
        .split_for_parts();
    let mut json = serde_json::to_value(&doc).expect("an OpenAPI document serializes");
    let schemas = json
        .pointer_mut("/components/schemas")
        .and_then(Value::as_object_mut)
        .expect("handlers reference component schemas");
    for t in EventType::ALL {
        schemas.insert(t.as_str().to_owned(), schema_document(t));
    }
    if let Some(kind) = json.pointer_mut("/components/schemas/ConnectorStatus/properties/kind") {
        kind["enum"] = kinds.iter().copied().collect();
    }
    accounts::scope_admin_routes(&mut json);
    contract::complete(&mut json);
    links::add(&mut json);
    json
}

/// The document, built once when the server starts.
pub(crate) struct Served(pub Value);

/// The OpenAPI 3.1 document of this API.
#[utoipa::path(
    tag = "operations",
    responses((status = 200, description = "This document", content_type = "application/json", body = Object))
)]
#[get("/openapi.json")]
pub(crate) async fn openapi_json(doc: web::Data<Served>) -> HttpResponse {
    HttpResponse::Ok().json(&doc.0)
}
