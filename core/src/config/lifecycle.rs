//! `[retention]` and `[logging]`: how long stored data is kept, and which
//! payload fields never reach a log line or an attempt's request excerpt.

use std::time::Duration;

use serde::Deserialize;

const DAY: u64 = 24 * 3600;

/// `[retention]`
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct RetentionConfig {
    /// How long a delivered (`succeeded`) delivery is kept after it
    /// succeeded, with its attempts. 0 keeps them forever.
    #[serde(with = "humantime_serde")]
    pub succeeded: Duration,
    /// How long a `failed` or `disabled` delivery is kept after it ended
    /// (time to replay it), with its attempts. 0 keeps them forever.
    #[serde(with = "humantime_serde")]
    pub failed: Duration,
    /// How long a function invocation record is kept. 0 keeps them forever.
    #[serde(with = "humantime_serde")]
    pub invocations: Duration,
    /// How often the background prune runs. Each run deletes in small
    /// batches, so ingest and delivery never wait behind it.
    #[serde(with = "humantime_serde")]
    pub interval: Duration,
}

impl Default for RetentionConfig {
    fn default() -> Self {
        RetentionConfig {
            succeeded: Duration::from_secs(30 * DAY),
            failed: Duration::from_secs(90 * DAY),
            invocations: Duration::from_secs(30 * DAY),
            interval: Duration::from_secs(600),
        }
    }
}

/// `[logging]`
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct LoggingConfig {
    /// JSON pointers (RFC 6901) of event fields kept out of logs and out of
    /// the request excerpts stored with attempts, e.g.
    /// `["/data/caller/phone", "/data/transcript"]`. The value is replaced by
    /// `"[redacted]"`; the delivery itself still carries it.
    pub redact: Vec<String>,
}

impl LoggingConfig {
    /// The first entry that is not a JSON pointer, if any.
    pub fn invalid_pointer(&self) -> Option<&str> {
        self.redact
            .iter()
            .map(String::as_str)
            .find(|p| !p.starts_with('/'))
    }
}
