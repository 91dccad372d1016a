//! `GET /metrics`: the Prometheus text exposition of this hub.

use actix_web::{get, web, HttpRequest, HttpResponse};

use super::{auth, ApiError, AppState};
use crate::time::now_ms;

pub(super) fn configure(cfg: &mut super::ServiceConfig) {
    cfg.service(metrics);
}

/// Counters and histograms as recorded; backlog gauges read from storage now.
#[utoipa::path(
    tag = "operations",
    security(("admin_token" = []), ()),
    responses(
        (status = 200, description = "Prometheus text format (docs/metrics.md)", content_type = "text/plain", body = String),
        (status = 401, description = "`[server] metrics_require_token` is on and the admin token is missing (`unauthorized`)", body = super::openapi::ErrorBody),
    )
)]
#[get("/metrics")]
async fn metrics(req: HttpRequest, state: web::Data<AppState>) -> Result<HttpResponse, ApiError> {
    if !state.public_metrics {
        auth::require(&req, &state.admin_token, "admin")?;
    }
    let backlog = state.store.backlog().await?;
    let connectors: Vec<String> = state
        .connectors
        .read()
        .expect("lock")
        .iter()
        .map(|c| c.account.target_key(&c.name).to_string())
        .collect();
    let text = state.metrics.render(&connectors, &backlog, now_ms());
    Ok(HttpResponse::Ok()
        .content_type("text/plain; version=0.0.4; charset=utf-8")
        .body(text))
}
