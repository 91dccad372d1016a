//! The OTLP/HTTP exporter and the `tracing` layer in front of it.
//!
//! Spans are batched and posted from the SDK's own background thread (a
//! blocking HTTP client there), so exporting never runs on the actix
//! workers that serve ingest and make attempts, and a slow or absent
//! collector only costs dropped spans once the batch queue is full.

use opentelemetry::{trace::TracerProvider as _, KeyValue};
use opentelemetry_otlp::{Protocol, WithExportConfig};
use opentelemetry_sdk::{trace::SdkTracerProvider, Resource};
use tracing::{Level, Subscriber};
use tracing_subscriber::{filter::Targets, registry::LookupSpan, Layer};

use super::spans::TARGET;
use crate::config::{ConfigError, TelemetryConfig};

/// Why tracing could not be set up.
#[derive(Debug, thiserror::Error)]
pub enum TracesError {
    /// `[telemetry]` is wrong.
    #[error(transparent)]
    Config(#[from] ConfigError),
    /// The exporter could not be built.
    #[error("`telemetry.otlp_endpoint`: cannot build the OTLP exporter: {0}")]
    Exporter(String),
}

/// Keeps the exporter running; [`shutdown`](Self::shutdown) exports the
/// spans still queued.
pub struct TracesGuard {
    provider: SdkTracerProvider,
}

impl TracesGuard {
    /// Exports what is queued and stops the exporter (at process exit).
    pub fn shutdown(self) {
        if let Err(e) = self.provider.shutdown() {
            tracing::warn!(error = %e, "cannot export the last spans");
        }
    }
}

/// With `otlp_endpoint` set: builds the exporter and the layer that feeds
/// it the hub's spans (those of [`TARGET`], with the hub's warnings inside
/// them as span events), and turns span creation on. `node` names this hub
/// node (`service.instance.id`). `None` when tracing is off.
pub fn layer<S>(
    config: &TelemetryConfig,
    node: &str,
) -> Result<Option<(impl Layer<S>, TracesGuard)>, TracesError>
where
    S: Subscriber + for<'span> LookupSpan<'span>,
{
    let Some(url) = config.traces_url()? else {
        return Ok(None);
    };
    let exporter = opentelemetry_otlp::SpanExporter::builder()
        .with_http()
        .with_protocol(Protocol::HttpBinary)
        .with_endpoint(url)
        .build()
        .map_err(|e| TracesError::Exporter(e.to_string()))?;
    let resource = Resource::builder()
        .with_service_name(config.service_name.clone())
        .with_attribute(KeyValue::new("service.instance.id", node.to_owned()))
        .build();
    let provider = SdkTracerProvider::builder()
        .with_batch_exporter(exporter)
        .with_resource(resource)
        .build();
    let tracer = provider.tracer("switchboard");
    let only_ours = Targets::new()
        .with_target(TARGET, Level::INFO)
        .with_target("switchboard_core", Level::WARN);
    let layer = tracing_opentelemetry::layer()
        .with_tracer(tracer)
        // Busy/idle times and thread names per span: clock reads on every
        // poll for attributes nobody asked for.
        .with_tracked_inactivity(false)
        .with_threads(false)
        .with_filter(only_ours);
    super::set_enabled();
    Ok(Some((layer, TracesGuard { provider })))
}
