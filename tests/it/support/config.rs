//! [`TestConfig`]: a hub configuration built in code, section by section,
//! with typed values (durations, numbers, lists), instead of TOML text
//! patched with `replace`. It renders to the TOML an operator would write and
//! is loaded through `Config::from_toml`, so every test config passes the
//! same parsing and validation as a real file.

use std::{path::Path, time::Duration};

use switchboard_core::config::{Config, ConfigError};
use toml::{Table, Value};

use super::{ADMIN, INGEST};

/// The signing secret of [`TestConnector::webhook`] (the Standard Webhooks
/// spec's example secret).
pub const SECRET: &str = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";

/// A value a config key takes; durations are written as humantime (`"50ms"`).
pub trait Setting {
    /// The TOML value.
    fn into_toml(self) -> Value;
}

impl Setting for Value {
    fn into_toml(self) -> Value {
        self
    }
}

impl Setting for Table {
    fn into_toml(self) -> Value {
        Value::Table(self)
    }
}

impl Setting for &str {
    fn into_toml(self) -> Value {
        Value::String(self.to_owned())
    }
}

impl Setting for String {
    fn into_toml(self) -> Value {
        Value::String(self)
    }
}

impl Setting for &String {
    fn into_toml(self) -> Value {
        Value::String(self.clone())
    }
}

impl Setting for bool {
    fn into_toml(self) -> Value {
        Value::Boolean(self)
    }
}

macro_rules! integer_settings {
    ($($t:ty),*) => {$(
        impl Setting for $t {
            fn into_toml(self) -> Value {
                Value::Integer(i64::try_from(self).expect("fits in a TOML integer"))
            }
        }
    )*};
}

integer_settings!(i32, i64, u16, u32, u64, usize);

impl Setting for Duration {
    fn into_toml(self) -> Value {
        Value::String(format!("{}ms", self.as_millis()))
    }
}

impl<T: Setting, const N: usize> Setting for [T; N] {
    fn into_toml(self) -> Value {
        Value::Array(self.into_iter().map(Setting::into_toml).collect())
    }
}

impl Setting for serde_json::Value {
    fn into_toml(self) -> Value {
        Value::try_from(self).expect("JSON without nulls is TOML")
    }
}

/// Milliseconds, for the compressed times tests run on.
pub fn ms(n: u64) -> Duration {
    Duration::from_millis(n)
}

/// A whole configuration file. [`TestConfig::default`] is the fast test
/// hub: both tokens, a 64 KiB body limit, a 30 s lease, 2 s attempts,
/// retries from 50 ms for an hour, private targets allowed, and the circuit
/// breaker off (tests of retries fail targets on purpose; the breaker's own
/// tests turn it on). The database goes where the hub's folder is, unless
/// [`database`](Self::database) says.
#[derive(Debug, Clone)]
pub struct TestConfig {
    server: Table,
    storage: Table,
    delivery: Table,
    node: Table,
    connectors: Vec<TestConnector>,
    functions: Vec<Value>,
    /// Other sections (`[retention]`, `[logging]`), by name.
    sections: Table,
}

impl Default for TestConfig {
    fn default() -> Self {
        TestConfig::bare()
            .server("ingest_token", INGEST)
            .server("admin_token", ADMIN)
            .server("max_body_bytes", 65536)
            .storage("lease", Duration::from_secs(30))
            .delivery("timeout", Duration::from_secs(2))
            .delivery("first_retry", ms(50))
            .delivery("retry_for", Duration::from_secs(3600))
            .delivery("allow_private_targets", true)
            .delivery("breaker_failures", 0)
    }
}

impl TestConfig {
    /// No keys at all: the hub's own defaults everywhere.
    pub fn bare() -> Self {
        TestConfig {
            server: Table::new(),
            storage: Table::new(),
            delivery: Table::new(),
            node: Table::new(),
            connectors: Vec::new(),
            functions: Vec::new(),
            sections: Table::new(),
        }
    }

    /// Sets a `[server]` key.
    pub fn server(mut self, key: &str, value: impl Setting) -> Self {
        self.server.insert(key.into(), value.into_toml());
        self
    }

    /// Sets a `[storage]` key.
    pub fn storage(mut self, key: &str, value: impl Setting) -> Self {
        self.storage.insert(key.into(), value.into_toml());
        self
    }

    /// Sets a `[delivery]` key.
    pub fn delivery(mut self, key: &str, value: impl Setting) -> Self {
        self.delivery.insert(key.into(), value.into_toml());
        self
    }

    /// Sets a key of any other section (`retention`, `logging`...).
    pub fn section(mut self, section: &str, key: &str, value: impl Setting) -> Self {
        let table = self
            .sections
            .entry(section)
            .or_insert_with(|| Value::Table(Table::new()));
        if let Value::Table(t) = table {
            t.insert(key.into(), value.into_toml());
        }
        self
    }

    /// Sets an `[operations]` key.
    pub fn operations(self, key: &str, value: impl Setting) -> Self {
        self.section("operations", key, value)
    }

    /// Sets a `[telemetry]` key.
    pub fn telemetry(self, key: &str, value: impl Setting) -> Self {
        self.section("telemetry", key, value)
    }

    /// `[server] listen` on loopback at `port`.
    pub fn listen(self, port: u16) -> Self {
        self.server("listen", format!("127.0.0.1:{port}"))
    }

    /// `[storage] url`: a SQLite file.
    pub fn database(self, path: &Path) -> Self {
        self.storage("url", format!("sqlite://{}", path.display()))
    }

    /// `[storage] url` as given (a PostgreSQL URL, say).
    pub fn storage_url(self, url: &str) -> Self {
        self.storage("url", url)
    }

    /// `[node] id`.
    pub fn node(mut self, id: &str) -> Self {
        self.node.insert("id".into(), id.into_toml());
        self
    }

    /// Adds a `[[connectors]]` entry.
    pub fn connector(mut self, connector: TestConnector) -> Self {
        self.connectors.push(connector);
        self
    }

    /// Adds `[[connectors]]` entries.
    pub fn connectors(self, connectors: impl IntoIterator<Item = TestConnector>) -> Self {
        connectors.into_iter().fold(self, TestConfig::connector)
    }

    /// Adds a `[[functions]]` entry (a table, e.g. from `json!`).
    pub fn function(mut self, function: impl Setting) -> Self {
        self.functions.push(function.into_toml());
        self
    }

    /// The SQLite file in `dir` (`hub.db`) unless a database is set.
    pub fn in_dir(self, dir: &Path) -> Self {
        if self.storage.contains_key("url") {
            return self;
        }
        self.database(&dir.join("hub.db"))
    }

    /// The configuration file's text.
    pub fn to_toml(&self) -> String {
        let mut doc = Table::new();
        for (name, section) in [
            ("server", &self.server),
            ("storage", &self.storage),
            ("delivery", &self.delivery),
            ("node", &self.node),
        ] {
            if !section.is_empty() {
                doc.insert(name.into(), Value::Table(section.clone()));
            }
        }
        doc.extend(self.sections.clone());
        if !self.connectors.is_empty() {
            let tables = self.connectors.iter().map(|c| Value::Table(c.0.clone()));
            doc.insert("connectors".into(), Value::Array(tables.collect()));
        }
        if !self.functions.is_empty() {
            doc.insert("functions".into(), Value::Array(self.functions.clone()));
        }
        toml::to_string(&doc).expect("a TOML table serializes")
    }

    /// Loads the configuration as the hub would a file with this text.
    pub fn load(&self) -> Result<Config, ConfigError> {
        Config::from_toml(&self.to_toml(), "test config")
    }

    /// [`load`](Self::load), for configurations a test means to be valid.
    pub fn build(&self) -> Config {
        self.load()
            .unwrap_or_else(|e| panic!("invalid test config: {e}\n{}", self.to_toml()))
    }

    /// Writes the text to `dir/switchboard.toml`; the path.
    pub fn write(&self, dir: &Path) -> std::path::PathBuf {
        let path = dir.join("switchboard.toml");
        std::fs::write(&path, self.to_toml()).unwrap();
        path
    }
}

/// One `[[connectors]]` entry.
#[derive(Debug, Clone)]
pub struct TestConnector(Table);

impl TestConnector {
    /// A connector of `kind` called `name`, with no settings yet.
    pub fn new(name: &str, kind: &str) -> Self {
        TestConnector(Table::new())
            .set("name", name)
            .set("kind", kind)
    }

    /// A `webhook` connector posting to `url`, signed with [`SECRET`].
    pub fn webhook(name: &str, url: &str) -> Self {
        TestConnector::new(name, "webhook")
            .set("url", url)
            .set("secret", SECRET)
    }

    /// [`webhook`](Self::webhook) to the `/hook` path of a test receiver at `base`.
    pub fn hook(name: &str, base: &str) -> Self {
        TestConnector::webhook(name, &format!("{base}/hook"))
    }

    /// Sets a key, shared (`events`, `concurrency`, `timeout`...) or the kind's own.
    pub fn set(mut self, key: &str, value: impl Setting) -> Self {
        self.0.insert(key.into(), value.into_toml());
        self
    }
}
