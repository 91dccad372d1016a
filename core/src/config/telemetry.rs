//! `[telemetry]`: where OpenTelemetry traces go.

use serde::Deserialize;

use super::ConfigError;

/// `[telemetry]`
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct TelemetryConfig {
    /// OTLP over HTTP (protobuf) collector the hub exports traces to: its
    /// base URL (`http://127.0.0.1:4318`, to which `/v1/traces` is
    /// appended) or the full traces URL. Unset (the default): no exporter is
    /// installed and tracing costs nothing; a `traceparent` on an ingest
    /// request is still forwarded on the requests its deliveries send.
    pub otlp_endpoint: Option<String>,
    /// `service.name` of the exported spans.
    pub service_name: String,
}

impl Default for TelemetryConfig {
    fn default() -> Self {
        TelemetryConfig {
            otlp_endpoint: None,
            service_name: "switchboard".into(),
        }
    }
}

/// The path OTLP/HTTP collectors take traces on.
const TRACES_PATH: &str = "/v1/traces";

impl TelemetryConfig {
    /// The URL spans are posted to, `None` when tracing is off; an error
    /// naming the key when `otlp_endpoint` is not an http(s) URL.
    pub fn traces_url(&self) -> Result<Option<String>, ConfigError> {
        let Some(endpoint) = &self.otlp_endpoint else {
            return Ok(None);
        };
        let url = url::Url::parse(endpoint)
            .ok()
            .filter(|u| matches!(u.scheme(), "http" | "https") && u.host().is_some())
            .ok_or_else(|| {
                ConfigError::invalid(
                    "telemetry.otlp_endpoint",
                    format!("'{endpoint}' is not an http:// or https:// URL; write the collector's OTLP/HTTP address, e.g. \"http://127.0.0.1:4318\""),
                )
            })?;
        let base = url.as_str().trim_end_matches('/');
        Ok(Some(if base.ends_with(TRACES_PATH) {
            base.to_owned()
        } else {
            format!("{base}{TRACES_PATH}")
        }))
    }

    /// Checks the keys (run when the configuration loads).
    pub(super) fn validate(&self) -> Result<(), ConfigError> {
        self.traces_url()?;
        if self.service_name.trim().is_empty() {
            return Err(ConfigError::invalid(
                "telemetry.service_name",
                "must not be empty",
            ));
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn url_of(endpoint: &str) -> Result<Option<String>, ConfigError> {
        TelemetryConfig {
            otlp_endpoint: Some(endpoint.into()),
            ..TelemetryConfig::default()
        }
        .traces_url()
    }

    #[test]
    fn the_traces_path_is_appended_once() {
        for (given, want) in [
            ("http://127.0.0.1:4318", "http://127.0.0.1:4318/v1/traces"),
            ("http://127.0.0.1:4318/", "http://127.0.0.1:4318/v1/traces"),
            (
                "https://otel.example.com/v1/traces",
                "https://otel.example.com/v1/traces",
            ),
            (
                "https://otel.example.com/otlp",
                "https://otel.example.com/otlp/v1/traces",
            ),
        ] {
            assert_eq!(url_of(given).unwrap().as_deref(), Some(want), "{given}");
        }
    }

    #[test]
    fn unset_is_off_and_a_bad_url_is_named() {
        assert_eq!(TelemetryConfig::default().traces_url().unwrap(), None);
        for bad in ["127.0.0.1:4318", "grpc://collector:4317", "not a url"] {
            let err = url_of(bad).unwrap_err().to_string();
            assert!(err.contains("telemetry.otlp_endpoint"), "{bad}: {err}");
        }
    }
}
