//! Connector kinds by name: built-in ones plus one `register` line per crate.

use std::{collections::BTreeMap, sync::Arc};

use super::Connector;
use crate::config::{ConnectorConfig, DeliveryConfig};

/// Why a connector could not be built from its config.
#[derive(Debug, thiserror::Error)]
#[error("connector '{name}' ({kind}): {message}")]
pub struct BuildError {
    /// Connector name.
    pub name: String,
    /// Its kind.
    pub kind: String,
    /// What is wrong and how to fix it.
    pub message: String,
}

/// Everything a factory may use to build a connector.
#[derive(Debug, Clone)]
pub struct ConnectorSpec<'a> {
    /// The `[[connectors]]` entry.
    pub config: &'a ConnectorConfig,
    /// `[delivery]`, for defaults.
    pub delivery: &'a DeliveryConfig,
}

impl ConnectorSpec<'_> {
    /// A [`BuildError`] for this connector.
    pub fn error(&self, message: impl Into<String>) -> BuildError {
        BuildError {
            name: self.config.name.clone(),
            kind: self.config.kind.clone(),
            message: message.into(),
        }
    }

    /// Parses the kind's own settings (`deny_unknown_fields` in `T` catches typos).
    pub fn settings<T: serde::de::DeserializeOwned>(&self) -> Result<T, BuildError> {
        serde_json::from_value(serde_json::Value::Object(self.config.settings.clone()))
            .map_err(|e| self.error(format!("{e}")))
    }
}

/// Builds a connector instance from its spec.
pub type Factory = fn(&ConnectorSpec<'_>) -> Result<Arc<dyn Connector>, BuildError>;

/// The connector kinds this binary knows.
#[derive(Clone)]
pub struct Registry {
    factories: BTreeMap<&'static str, Factory>,
}

impl Default for Registry {
    fn default() -> Self {
        Self::builtin()
    }
}

impl Registry {
    /// The kinds core ships: `http` and `webhook`.
    pub fn builtin() -> Self {
        let mut r = Registry {
            factories: BTreeMap::new(),
        };
        r.register("http", super::http::build);
        r.register("webhook", super::webhook::build);
        r
    }

    /// Adds a kind. A later registration of the same name replaces the earlier.
    pub fn register(&mut self, kind: &'static str, factory: Factory) -> &mut Self {
        self.factories.insert(kind, factory);
        self
    }

    /// The registered kind names.
    pub fn kinds(&self) -> Vec<&'static str> {
        self.factories.keys().copied().collect()
    }

    /// Builds the connector a spec describes.
    pub fn build(&self, spec: &ConnectorSpec<'_>) -> Result<Arc<dyn Connector>, BuildError> {
        match self.factories.get(spec.config.kind.as_str()) {
            Some(factory) => factory(spec),
            None => Err(spec.error(format!(
                "unknown kind '{}', expected one of: {}",
                spec.config.kind,
                self.kinds().join(", ")
            ))),
        }
    }
}
