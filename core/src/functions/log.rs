//! The invocation log: one row per invocation, written off the answer path.
//!
//! The handler hands a finished record to [`InvocationLog::record`], which
//! never waits: a background task drains the queue and writes whatever has
//! accumulated in one transaction, so a caller on the phone never waits on
//! the disk.

use std::sync::Arc;

use serde::{Deserialize, Serialize};
use tokio::sync::mpsc;

use crate::{storage::Store, time::Millis};

/// Records queued at most before new ones are dropped (with a warning).
const QUEUE: usize = 16 * 1024;
/// Records written per transaction at most.
const MAX_BATCH: usize = 512;

/// How an invocation ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Outcome {
    /// The endpoint answered 2xx JSON that matched the result schema.
    Ok,
    /// The arguments broke the schema; the endpoint was not called.
    InvalidArguments,
    /// The endpoint answered a non-2xx status.
    UpstreamStatus,
    /// The endpoint answered something that is not JSON.
    UpstreamNotJson,
    /// The endpoint's JSON broke the result schema.
    ResultInvalid,
    /// No answer within the function's timeout.
    Timeout,
    /// No connection (after one retry), or the SSRF guard refused the target.
    Unreachable,
}

impl Outcome {
    /// The stored and displayed name.
    pub fn as_str(self) -> &'static str {
        match self {
            Outcome::Ok => "ok",
            Outcome::InvalidArguments => "invalid_arguments",
            Outcome::UpstreamStatus => "upstream_status",
            Outcome::UpstreamNotJson => "upstream_not_json",
            Outcome::ResultInvalid => "result_invalid",
            Outcome::Timeout => "timeout",
            Outcome::Unreachable => "unreachable",
        }
    }

    /// Every outcome, for parsing filters.
    pub const ALL: [Outcome; 7] = [
        Outcome::Ok,
        Outcome::InvalidArguments,
        Outcome::UpstreamStatus,
        Outcome::UpstreamNotJson,
        Outcome::ResultInvalid,
        Outcome::Timeout,
        Outcome::Unreachable,
    ];
}

impl std::str::FromStr for Outcome {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, String> {
        Outcome::ALL
            .into_iter()
            .find(|o| o.as_str() == s)
            .ok_or_else(|| {
                let all: Vec<_> = Outcome::ALL.iter().map(|o| o.as_str()).collect();
                format!("unknown outcome '{s}', expected one of: {}", all.join(", "))
            })
    }
}

/// One logged invocation. JSON values are kept as the text they were.
#[derive(Debug, Clone)]
pub struct InvocationRecord {
    /// `inv_<ULID>`, also the `webhook-id` the endpoint saw.
    pub id: String,
    /// The account of the function (and of the call).
    pub account: crate::account::AccountId,
    /// Function name.
    pub function: String,
    /// The call the agent was on.
    pub call_id: String,
    /// How it ended.
    pub outcome: Outcome,
    /// What the hub answered the agent (200, 422, 502, 504).
    pub status_code: u16,
    /// What the endpoint answered, if it answered.
    pub upstream_status: Option<u16>,
    /// The arguments as JSON text.
    pub arguments: String,
    /// The result as JSON text, on success.
    pub result: Option<String>,
    /// The error message the agent got, on failure.
    pub error: Option<String>,
    /// First bytes of a rejected upstream answer.
    pub response_excerpt: Option<String>,
    /// HTTP attempts made (2 after a connection retry, 0 for bad arguments).
    pub attempts: u32,
    /// When the invocation arrived.
    pub started_at: Millis,
    /// Time from arrival to answer, in microseconds.
    pub duration_us: i64,
    /// Node that served it.
    pub node: String,
}

/// Filters of `GET /v1/functions/{name}/invocations`.
#[derive(Debug, Clone, Default)]
pub struct InvocationFilter {
    /// Only this function.
    pub function: Option<String>,
    /// Only this call.
    pub call_id: Option<String>,
    /// Only this outcome.
    pub outcome: Option<Outcome>,
}

/// A page of invocations, newest first.
#[derive(Debug, Clone)]
pub struct InvocationPage {
    /// The rows.
    pub data: Vec<InvocationRecord>,
    /// Pass as `cursor` for the next page; `None` on the last page.
    pub next_cursor: Option<String>,
}

/// The sending side of the log writer; cheap to clone.
#[derive(Clone)]
pub struct InvocationLog {
    tx: mpsc::Sender<InvocationRecord>,
    metrics: Arc<crate::telemetry::Metrics>,
}

impl InvocationLog {
    /// Starts the writer task on the current runtime.
    pub fn spawn(store: Arc<dyn Store>, metrics: Arc<crate::telemetry::Metrics>) -> Self {
        let (tx, rx) = mpsc::channel(QUEUE);
        tokio::spawn(write_loop(rx, store));
        InvocationLog { tx, metrics }
    }

    /// Queues a record without waiting; drops it (and warns) if the queue is full.
    pub fn record(&self, r: InvocationRecord) {
        if let Err(e) = self.tx.try_send(r) {
            let r = match e {
                mpsc::error::TrySendError::Full(r) | mpsc::error::TrySendError::Closed(r) => r,
            };
            tracing::warn!(function = %r.function, invocation = %r.id, "invocation log queue full or closed; record dropped");
            self.metrics.record(|| {
                metrics::counter!(crate::telemetry::names::FUNCTION_LOG_DROPPED).increment(1)
            });
        }
    }
}

async fn write_loop(mut rx: mpsc::Receiver<InvocationRecord>, store: Arc<dyn Store>) {
    let mut batch = Vec::with_capacity(MAX_BATCH);
    while rx.recv_many(&mut batch, MAX_BATCH).await > 0 {
        let n = batch.len();
        if let Err(e) = store.record_invocations(std::mem::take(&mut batch)).await {
            tracing::error!(error = %e, records = n, "cannot write the function invocation log");
        }
    }
}
