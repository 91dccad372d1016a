//! Connector kinds by name: built-in ones plus one `register` line per crate.

use std::{collections::BTreeMap, sync::Arc};

use super::{Connector, ConnectorState};
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

/// A default mapping template a connector crate ships for one event type.
#[derive(Debug, Clone, Copy)]
pub struct DefaultTemplate {
    /// The event type it maps (`lead.captured`).
    pub event: &'static str,
    /// The Handlebars source.
    pub source: &'static str,
}

/// Embeds a connector crate's default templates,
/// `<crate>/templates/<event.type>.hbs`, one per event type named:
/// `default_templates!("lead.captured", "call.completed")`.
#[macro_export]
macro_rules! default_templates {
    ($($event:literal),* $(,)?) => {
        &[$($crate::connector::DefaultTemplate {
            event: $event,
            source: include_str!(concat!(env!("CARGO_MANIFEST_DIR"), "/templates/", $event, ".hbs")),
        }),*]
    };
}

/// Everything a factory may use to build a connector.
#[derive(Debug, Clone)]
pub struct ConnectorSpec<'a> {
    /// The `[[connectors]]` entry.
    pub config: &'a ConnectorConfig,
    /// `[delivery]`, for defaults.
    pub delivery: &'a DeliveryConfig,
    /// The kind's shipped templates (set by [`Registry::build`]).
    pub defaults: &'static [DefaultTemplate],
    /// `[server] public_url`, for links to the dashboard in what a
    /// connector sends.
    pub public_url: Option<&'a str>,
    /// The connector's own key/value state in storage; `None` where no
    /// storage is open (`check`, `render`).
    pub state: Option<ConnectorState>,
}

impl<'a> ConnectorSpec<'a> {
    /// A spec for `config`; the registry adds the kind's default templates.
    pub fn new(config: &'a ConnectorConfig, delivery: &'a DeliveryConfig) -> Self {
        ConnectorSpec {
            config,
            delivery,
            defaults: &[],
            public_url: None,
            state: None,
        }
    }

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

/// What a connector crate hands the registry: its kind name, its factory
/// and its default templates. One `register(PLUGIN)` line adds a kind.
#[derive(Debug, Clone, Copy)]
pub struct Plugin {
    /// The name in `[[connectors]] kind`.
    pub kind: &'static str,
    /// Builds an instance from its config.
    pub build: Factory,
    /// The templates used where the operator gives none.
    pub templates: &'static [DefaultTemplate],
}

/// A shipped template with the kind it belongs to.
#[derive(Debug, Clone, Copy)]
pub struct ShippedTemplate {
    /// Connector kind.
    pub kind: &'static str,
    /// The template.
    pub template: DefaultTemplate,
}

impl ShippedTemplate {
    /// How errors and `check` name it: `connectors/<kind>/templates/<type>.hbs (built in)`.
    pub fn name(&self) -> String {
        built_in_name(self.kind, self.template.event)
    }
}

/// The display name of a built-in template.
pub(crate) fn built_in_name(kind: &str, event: &str) -> String {
    format!("connectors/{kind}/templates/{event}.hbs (built in)")
}

/// The connector kinds this binary knows.
#[derive(Clone)]
pub struct Registry {
    plugins: BTreeMap<&'static str, Plugin>,
    /// Kinds that no longer exist, with what to use instead.
    retired: BTreeMap<&'static str, &'static str>,
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
            plugins: BTreeMap::new(),
            retired: BTreeMap::new(),
        };
        r.register(super::http::PLUGIN);
        r.register(super::webhook::PLUGIN);
        r
    }

    /// Adds a kind. A later registration of the same name replaces the earlier.
    pub fn register(&mut self, plugin: Plugin) -> &mut Self {
        self.plugins.insert(plugin.kind, plugin);
        self
    }

    /// Marks `kind` as retired: a config naming it fails to build with
    /// `why` (which should name the kind to use instead).
    pub fn retire(&mut self, kind: &'static str, why: &'static str) -> &mut Self {
        self.retired.insert(kind, why);
        self
    }

    /// The registered kind names.
    pub fn kinds(&self) -> Vec<&'static str> {
        self.plugins.keys().copied().collect()
    }

    /// Every default template of every registered kind.
    pub fn shipped(&self) -> Vec<ShippedTemplate> {
        self.plugins
            .values()
            .flat_map(|p| {
                p.templates.iter().map(|t| ShippedTemplate {
                    kind: p.kind,
                    template: *t,
                })
            })
            .collect()
    }

    /// Builds the connector a spec describes.
    pub fn build(&self, spec: &ConnectorSpec<'_>) -> Result<Arc<dyn Connector>, BuildError> {
        match self.plugins.get(spec.config.kind.as_str()) {
            Some(plugin) => (plugin.build)(&ConnectorSpec {
                defaults: plugin.templates,
                ..spec.clone()
            }),
            None if self.retired.contains_key(spec.config.kind.as_str()) => {
                Err(spec.error(self.retired[spec.config.kind.as_str()]))
            }
            None => Err(spec.error(format!(
                "unknown kind '{}', expected one of: {}",
                spec.config.kind,
                self.kinds().join(", ")
            ))),
        }
    }
}
