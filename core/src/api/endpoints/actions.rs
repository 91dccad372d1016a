//! What an operator does to an endpoint besides editing it: rotate its
//! signing secret, fire a sample event at it.

use std::time::Duration;

use actix_web::{post, web, HttpResponse};
use serde::{de::Error as _, Deserialize, Deserializer};

use super::{EndpointView, RotatedSecret};
use crate::{
    api::{
        extract::{Json, OptionalJson},
        test_fire::{sample_of, FiredTest, TestFire},
        AdminToken, ApiError, AppState, ErrorCode,
    },
    endpoints::DEFAULT_OVERLAP,
    ids,
    storage::{Admission, NewDelivery},
};

/// `POST /v1/endpoints/{id}/rotate-secret` body (optional).
#[derive(Debug, Default, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RotateSecret {
    /// How long the previous secret keeps signing too, e.g. `"24h"` (the
    /// default) or `"0s"` to drop it at once.
    #[serde(default)]
    #[schema(value_type = Option<String>, pattern = r"^[0-9]{1,6}(ms|s|m|h|d)$", example = "24h")]
    pub overlap: Option<Overlap>,
}

/// A duration as a whole number and one unit: `"24h"`, `"30m"`, `"0s"`
/// (the document's `pattern` says exactly this).
#[derive(Debug, Clone, Copy)]
pub struct Overlap(Duration);

impl Overlap {
    fn parse(text: &str) -> Option<Duration> {
        let split = text.find(|c: char| !c.is_ascii_digit())?;
        let (number, unit) = text.split_at(split);
        if number.is_empty() || number.len() > 6 {
            return None;
        }
        let n: u64 = number.parse().ok()?;
        let seconds = match unit {
            "ms" => return Some(Duration::from_millis(n)),
            "s" => 1,
            "m" => 60,
            "h" => 3600,
            "d" => 86_400,
            _ => return None,
        };
        Some(Duration::from_secs(n * seconds))
    }
}

impl<'de> Deserialize<'de> for Overlap {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let text = String::deserialize(d)?;
        Overlap::parse(&text).map(Overlap).ok_or_else(|| {
            D::Error::custom(format!(
                "'{text}' is not a duration: write a whole number and one unit of ms, s, m, h or d, e.g. \"24h\", \"30m\" or \"0s\""
            ))
        })
    }
}

/// Makes a new secret; the previous one keeps signing during the overlap.
#[utoipa::path(
    tag = "endpoints",
    security(("admin_token" = [])),
    params(("id" = String, Path, description = "Endpoint id (`ep_<ULID>`)")),
    request_body(content = Option<RotateSecret>, description = "Optional: no body means the default overlap"),
    responses(
        (status = 200, description = "The new secret, shown this once", body = RotatedSecret),
        (status = 404, description = "No such endpoint", body = crate::api::openapi::ErrorBody),
    )
)]
#[post("/v1/endpoints/{id}/rotate-secret")]
pub(super) async fn rotate_secret(
    admin: AdminToken,
    path: web::Path<String>,
    body: OptionalJson<RotateSecret>,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    let overlap = body
        .0
        .and_then(|b| b.overlap)
        .map_or(DEFAULT_OVERLAP, |o| o.0);
    let (record, secret) = state
        .endpoints
        .rotate(admin.scope(), &path, overlap)
        .await?;
    let view = EndpointView::new(&record, None, false);
    Ok(HttpResponse::Ok().json(RotatedSecret {
        id: record.id,
        secret: secret.expose().to_owned(),
        previous_secret_expires_at: view.previous_secret_expires_at,
    }))
}

/// Sends the sample event of a type to this endpoint only.
#[utoipa::path(
    tag = "endpoints",
    security(("admin_token" = [])),
    params(("id" = String, Path, description = "Endpoint id (`ep_<ULID>`)")),
    request_body = TestFire,
    responses(
        (status = 202, description = "Sample event committed with one delivery", body = FiredTest),
        (status = 404, description = "No such endpoint", body = crate::api::openapi::ErrorBody),
        (status = 409, description = "The endpoint is disabled (`endpoint_disabled`)", body = crate::api::openapi::ErrorBody),
        (status = 422, description = "The type is an operational one, which has no sample (`invalid_request`)", body = crate::api::openapi::ErrorBody),
    )
)]
#[post("/v1/endpoints/{id}/test")]
pub(super) async fn test_endpoint(
    admin: AdminToken,
    path: web::Path<String>,
    body: Json<TestFire>,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    let (record, reason) = state.endpoints.get(admin.scope(), &path).await?;
    if let Some(reason) = reason {
        return Err(ApiError::new(
            ErrorCode::EndpointDisabled,
            format!("endpoint '{path}' is disabled ({reason}); enable it with PATCH {{\"enabled\": true}} first"),
        ));
    }
    let delivery_id = ids::delivery_id();
    let delivery = NewDelivery {
        id: delivery_id.clone(),
        connector: record.key(),
        admission: Admission::Dispatch,
    };
    let event = sample_of(body.0.event_type)?.in_account(record.account.clone());
    let ingested = state.ingestor.ingest_to(event, vec![delivery]).await?;
    Ok(HttpResponse::Accepted().json(FiredTest {
        event_id: ingested.event_id,
        delivery_id,
    }))
}
