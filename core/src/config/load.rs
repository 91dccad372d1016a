//! Reading the file, layering the environment, and checking the result.

use std::{
    collections::HashSet,
    path::{Path, PathBuf},
};

use figment::{
    providers::{Env, Serialized},
    Figment,
};

use super::{interpolate::interpolate, Config};

/// The annotated default configuration compiled into the binary: used when no
/// `--config` is given and `./switchboard.toml` does not exist.
pub const EMBEDDED_DEFAULT: &str = include_str!("../../config.default.toml");

/// Where a configuration came from, for messages.
#[derive(Debug, Clone)]
pub enum ConfigSource {
    /// A file on disk.
    File(PathBuf),
    /// The embedded default.
    Embedded,
}

impl std::fmt::Display for ConfigSource {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            ConfigSource::File(p) => write!(f, "{}", p.display()),
            ConfigSource::Embedded => f.write_str("the embedded default configuration"),
        }
    }
}

/// A configuration that cannot be used, with what to change.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    /// The file could not be read.
    #[error("cannot read {path}: {source}")]
    Read {
        /// The path tried.
        path: PathBuf,
        /// Why.
        source: std::io::Error,
    },
    /// Not TOML.
    #[error("{source_name} is not valid TOML: {message}")]
    Syntax {
        /// File or embedded.
        source_name: String,
        /// Parser's message with line and column.
        message: String,
    },
    /// A `${VAR}` with no value.
    #[error(transparent)]
    MissingVar(#[from] super::interpolate::MissingVar),
    /// A key of the wrong type, unknown, or missing.
    #[error("in {source_name}: {message}")]
    Shape {
        /// File or embedded.
        source_name: String,
        /// figment's message naming the key.
        message: String,
    },
    /// Values that parse but cannot work together.
    #[error("`{key}`: {message}")]
    Invalid {
        /// The dotted key at fault.
        key: String,
        /// What is wrong and how to fix it.
        message: String,
    },
}

impl ConfigError {
    pub(crate) fn invalid(key: impl Into<String>, message: impl Into<String>) -> Self {
        ConfigError::Invalid {
            key: key.into(),
            message: message.into(),
        }
    }
}

impl Config {
    /// Loads `path`, or `./switchboard.toml`, or the embedded default, then
    /// applies `SWITCHBOARD_SECTION__KEY` environment overrides and validates.
    pub fn load(path: Option<&Path>) -> Result<(Config, ConfigSource), ConfigError> {
        let source = match path {
            Some(p) => ConfigSource::File(p.to_owned()),
            None if Path::new("switchboard.toml").exists() => {
                ConfigSource::File("switchboard.toml".into())
            }
            None => ConfigSource::Embedded,
        };
        let text = match &source {
            ConfigSource::File(p) => {
                std::fs::read_to_string(p).map_err(|source| ConfigError::Read {
                    path: p.clone(),
                    source,
                })?
            }
            ConfigSource::Embedded => EMBEDDED_DEFAULT.to_owned(),
        };
        let config = Self::from_toml(&text, &source.to_string())?;
        Ok((config, source))
    }

    /// Parses configuration text (used by `load` and by tests).
    pub fn from_toml(text: &str, source_name: &str) -> Result<Config, ConfigError> {
        let mut tree: toml::Value = toml::from_str(text).map_err(|e| ConfigError::Syntax {
            source_name: source_name.into(),
            message: e.to_string(),
        })?;
        interpolate(&mut tree, "", &|var| std::env::var(var).ok())?;
        let config: Config = Figment::from(Serialized::defaults(tree))
            .merge(
                Env::prefixed("SWITCHBOARD_")
                    .filter(|k| k.as_str().contains("__"))
                    .split("__"),
            )
            .extract()
            .map_err(|e| ConfigError::Shape {
                source_name: source_name.into(),
                message: describe(e),
            })?;
        config.validate()?;
        Ok(config)
    }

    fn validate(&self) -> Result<(), ConfigError> {
        let (Some(ingest), Some(admin)) = (&self.server.ingest_token, &self.server.admin_token)
        else {
            let key = if self.server.ingest_token.is_none() {
                "ingest_token"
            } else {
                "admin_token"
            };
            return Err(ConfigError::invalid(
                format!("server.{key}"),
                format!("is required: add {key} = \"${{SWITCHBOARD_{}}}\" under [server] and export that variable", key.to_uppercase()),
            ));
        };
        if ingest.expose().is_empty() || admin.expose().is_empty() {
            return Err(ConfigError::invalid("server", "tokens must not be empty"));
        }
        if ingest == admin {
            return Err(ConfigError::invalid(
                "server.admin_token",
                "must differ from server.ingest_token, so the platform's token cannot administer the hub",
            ));
        }
        if let Err(e) = crate::storage::Sealer::new(self.storage.secret_key.as_ref()) {
            return Err(ConfigError::invalid("storage.secret_key", e.to_string()));
        }
        if let Err(e) = crate::storage::Backend::of(&self.storage.url) {
            return Err(ConfigError::invalid("storage.url", e));
        }
        if self.storage.lease <= self.delivery.timeout {
            return Err(ConfigError::invalid(
                "storage.lease",
                "must be longer than delivery.timeout",
            ));
        }
        if self.delivery.first_retry.is_zero() || self.delivery.timeout.is_zero() {
            return Err(ConfigError::invalid(
                "delivery",
                "timeout and first_retry must be above zero",
            ));
        }
        if self.retention.interval.is_zero() {
            return Err(ConfigError::invalid(
                "retention.interval",
                "must be above zero (set an age to 0 to keep that kind forever)",
            ));
        }
        if let Some(bad) = self.logging.invalid_pointer() {
            return Err(ConfigError::invalid(
                "logging.redact",
                format!("'{bad}' is not a JSON pointer: write it from the event's root, e.g. \"/data/caller/phone\""),
            ));
        }
        self.validate_outbound()?;
        if self.delivery.concurrency == 0 {
            return Err(ConfigError::invalid(
                "delivery.concurrency",
                "must be at least 1",
            ));
        }
        if self.delivery.queue_limit == 0 {
            return Err(ConfigError::invalid(
                "delivery.queue_limit",
                "must be at least 1",
            ));
        }
        self.validate_connectors()?;
        self.operations.validate()?;
        self.telemetry.validate()?;
        crate::functions::validate(self)
    }

    /// `[delivery] proxy` and `local_address`: wrong values stop the hub at
    /// start, not at the first attempt.
    fn validate_outbound(&self) -> Result<(), ConfigError> {
        if let Some(proxy) = &self.delivery.proxy {
            let ok = url::Url::parse(proxy)
                .ok()
                .filter(|u| matches!(u.scheme(), "http" | "https") && u.host().is_some());
            if ok.is_none() {
                return Err(ConfigError::invalid(
                    "delivery.proxy",
                    format!("'{proxy}' is not an http:// or https:// proxy URL; write e.g. \"http://egress-proxy.internal:3128\" (credentials as http://user:pass@host:port)"),
                ));
            }
        }
        if let Some(addr) = self.delivery.local_address {
            // Binding fails now, with a clear message, if the address is not this host's.
            std::net::TcpListener::bind((addr, 0)).map_err(|e| {
                ConfigError::invalid(
                    "delivery.local_address",
                    format!("cannot send from {addr}: {e}; use an address assigned to one of this host's interfaces (see `ip addr`)"),
                )
            })?;
        }
        Ok(())
    }

    fn validate_connectors(&self) -> Result<(), ConfigError> {
        let mut names = HashSet::new();
        for (i, c) in self.connectors.iter().enumerate() {
            let key = format!("connectors[{i}]");
            if c.name.is_empty()
                || !c
                    .name
                    .chars()
                    .all(|ch| ch.is_ascii_alphanumeric() || "-_.".contains(ch))
            {
                return Err(ConfigError::invalid(
                    format!("{key}.name"),
                    format!(
                        "'{}' must be non-empty letters, digits, '-', '_' or '.'",
                        c.name
                    ),
                ));
            }
            if c.name.starts_with(crate::operations::RESERVED_PREFIX) {
                return Err(ConfigError::invalid(
                    format!("{key}.name"),
                    format!(
                        "'{}': names starting with {} are reserved for the hub's own targets; rename the connector",
                        c.name,
                        crate::operations::RESERVED_PREFIX
                    ),
                ));
            }
            if c.name.starts_with("ep_") {
                return Err(ConfigError::invalid(
                    format!("{key}.name"),
                    format!(
                        "'{}': names starting with ep_ are reserved for runtime endpoints; rename the connector",
                        c.name
                    ),
                ));
            }
            // Names are unique within an account: two businesses may both
            // call their CRM connector `crm`.
            if !names.insert((c.account.as_str(), c.name.as_str())) {
                return Err(ConfigError::invalid(
                    format!("{key}.name"),
                    format!("'{}' is used twice in account '{}'", c.name, c.account),
                ));
            }
            if c.concurrency == Some(0) {
                return Err(ConfigError::invalid(
                    format!("{key}.concurrency"),
                    "must be at least 1",
                ));
            }
        }
        Ok(())
    }
}

/// figment's errors as `key: problem` lines, without its internal provenance.
fn describe(errors: figment::Error) -> String {
    errors
        .into_iter()
        .map(|e| {
            let key = e
                .path
                .iter()
                .filter(|p| p.as_str() != "default")
                .cloned()
                .collect::<Vec<_>>()
                .join(".");
            if key.is_empty() {
                e.kind.to_string()
            } else {
                format!("`{key}`: {}", e.kind)
            }
        })
        .collect::<Vec<_>>()
        .join("; ")
}

#[cfg(test)]
mod tests {
    use super::*;

    const BASE: &str = "[server]\ningest_token = \"i\"\nadmin_token = \"a\"\n";

    #[test]
    fn embedded_default_loads() {
        Config::from_toml(EMBEDDED_DEFAULT, "embedded").unwrap();
    }

    #[test]
    fn durations_and_connectors_parse() {
        let text = format!("{BASE}[delivery]\nfirst_retry = \"100ms\"\n[[connectors]]\nname = \"crm\"\nkind = \"webhook\"\nevents = [\"lead.captured\"]\nurl = \"https://x\"\n");
        let c = Config::from_toml(&text, "t").unwrap();
        assert_eq!(c.delivery.first_retry.as_millis(), 100);
        assert_eq!(c.connectors[0].settings["url"], "https://x");
        assert!(c.connectors[0].wants(crate::event::EventType::LeadCaptured));
        assert!(!c.connectors[0].wants(crate::event::EventType::CallStarted));
    }

    #[test]
    fn unknown_key_is_named() {
        let err =
            Config::from_toml(&format!("{BASE}[delivery]\ntimeout_s = 5\n"), "t").unwrap_err();
        assert!(err.to_string().contains("timeout_s"), "{err}");
    }

    #[test]
    fn bad_event_type_is_named() {
        let text = format!(
            "{BASE}[[connectors]]\nname = \"x\"\nkind = \"webhook\"\nevents = [\"lead.capturd\"]\n"
        );
        let err = Config::from_toml(&text, "t").unwrap_err().to_string();
        assert!(err.contains("lead.capturd"), "{err}");
    }

    #[test]
    fn bad_outbound_settings_are_named() {
        for (line, key) in [
            ("proxy = \"egress:3128\"", "delivery.proxy"),
            ("proxy = \"ftp://egress:3128\"", "delivery.proxy"),
            ("local_address = \"192.0.2.77\"", "delivery.local_address"),
            ("local_address = \"not-an-ip\"", "local_address"),
        ] {
            let err = Config::from_toml(&format!("{BASE}[delivery]\n{line}\n"), "t")
                .unwrap_err()
                .to_string();
            assert!(err.contains(key), "{line}: {err}");
        }
        let ok = format!(
            "{BASE}[delivery]\nproxy = \"http://127.0.0.1:3128\"\nlocal_address = \"127.0.0.1\"\n"
        );
        Config::from_toml(&ok, "t").unwrap();
    }

    #[test]
    fn same_tokens_are_refused() {
        let err = Config::from_toml("[server]\ningest_token = \"x\"\nadmin_token = \"x\"\n", "t")
            .unwrap_err();
        assert!(err.to_string().contains("admin_token"), "{err}");
    }
}
