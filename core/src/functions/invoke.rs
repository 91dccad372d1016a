//! One invocation: check the arguments, POST the signed request, check the answer.
//!
//! The only retry is one immediate resend when no connection could be made
//! (typically a pooled keep-alive connection the endpoint had just closed);
//! both attempts share one deadline, the function's timeout, and one
//! `webhook-id`, so an endpoint can recognise a repeat.

use std::time::{Duration, Instant};

use bytes::Bytes;
use http::HeaderValue;
use serde_json::{json, value::RawValue, Value};

use super::{log::Outcome, schema::Violation, spec::FunctionSpec};
use crate::{
    outbound::{OutboundClient, OutboundRequest, Response, SendError},
    signing::sign,
};

/// Event name sent in `X-OnCallClerk-Event` for function calls.
pub const FUNCTION_EVENT: &str = "function.invoked";
/// Characters of a rejected upstream answer quoted in the error message.
const QUOTED: usize = 200;

/// Why an invocation produced no result. `Display` is written for the agent
/// to speak from: what failed, and what to tell the caller.
#[derive(Debug, thiserror::Error)]
pub enum InvokeError {
    /// The arguments broke the parameters schema (422).
    #[error("argument {} is invalid: {}; correct it (ask the caller for anything missing) and call again", .0.path, .0.message)]
    InvalidArguments(Violation),
    /// The endpoint answered a non-2xx status (502).
    #[error("{function} failed: the business's system answered HTTP {status}; tell the caller it cannot be done right now and offer a follow-up")]
    UpstreamStatus {
        /// Function name.
        function: String,
        /// The status.
        status: u16,
    },
    /// The endpoint's answer is not JSON (502).
    #[error("{function} failed: the business's system answered something that is not JSON ({reason}); tell the caller it cannot be done right now and offer a follow-up")]
    UpstreamNotJson {
        /// Function name.
        function: String,
        /// The parser's complaint.
        reason: String,
    },
    /// The endpoint's JSON broke the result schema (502).
    #[error("{function} failed: the business's system answered an unexpected result ({} at {}); tell the caller it cannot be done right now and offer a follow-up", .violation.message, .violation.path)]
    ResultInvalid {
        /// Function name.
        function: String,
        /// Where the result is wrong (a pointer into the result).
        violation: Violation,
    },
    /// No answer in time (504).
    #[error("{function} timed out: the business's system did not answer within {}; tell the caller you could not check right now and offer a follow-up", humantime::format_duration(*.timeout))]
    Timeout {
        /// Function name.
        function: String,
        /// The function's time limit.
        timeout: Duration,
    },
    /// No connection could be made, or the target is refused (502).
    #[error("{function} failed: the business's system could not be reached; tell the caller it cannot be done right now and offer a follow-up")]
    Unreachable {
        /// Function name.
        function: String,
        /// The underlying error, for the log only.
        cause: String,
    },
}

impl InvokeError {
    /// The log outcome of this error.
    pub fn outcome(&self) -> Outcome {
        match self {
            InvokeError::InvalidArguments(_) => Outcome::InvalidArguments,
            InvokeError::UpstreamStatus { .. } => Outcome::UpstreamStatus,
            InvokeError::UpstreamNotJson { .. } => Outcome::UpstreamNotJson,
            InvokeError::ResultInvalid { .. } => Outcome::ResultInvalid,
            InvokeError::Timeout { .. } => Outcome::Timeout,
            InvokeError::Unreachable { .. } => Outcome::Unreachable,
        }
    }

    /// The HTTP status the hub answers with.
    pub fn status_code(&self) -> u16 {
        match self {
            InvokeError::InvalidArguments(_) => 422,
            InvokeError::Timeout { .. } => 504,
            _ => 502,
        }
    }
}

/// The endpoint's answer to one invocation.
#[derive(Debug)]
pub struct Answer {
    /// The result JSON, exactly as the endpoint wrote it.
    pub result: Box<RawValue>,
}

/// What the log keeps of an invocation besides its outcome.
#[derive(Debug, Default)]
pub struct Trace {
    /// HTTP attempts made.
    pub attempts: u32,
    /// The endpoint's status, if it answered.
    pub upstream_status: Option<u16>,
    /// The start of a rejected answer.
    pub excerpt: Option<String>,
}

/// A compiled function with its own keep-alive connection pool.
pub struct Function {
    /// Its definition.
    pub spec: FunctionSpec,
    http: OutboundClient,
}

impl Function {
    /// Pairs a definition with the client it sends with.
    pub fn new(spec: FunctionSpec, http: OutboundClient) -> Self {
        Function { spec, http }
    }

    /// Runs one invocation, filling `trace` for the log as it goes.
    pub async fn invoke(
        &self,
        invocation_id: &str,
        call_id: &str,
        arguments: &Value,
        trace: &mut Trace,
    ) -> Result<Answer, InvokeError> {
        if let Some(v) = self.spec.parameters.first_violation(arguments) {
            return Err(InvokeError::InvalidArguments(Violation {
                path: format!("/arguments{}", v.path),
                message: v.message,
            }));
        }
        let req = self.request(invocation_id, call_id, arguments)?;
        let resp = self.send(&req, trace).await?;
        trace.upstream_status = Some(resp.status.as_u16());
        let name = || self.spec.name.clone();
        if !resp.status.is_success() {
            trace.excerpt = Some(resp.excerpt());
            return Err(InvokeError::UpstreamStatus {
                function: name(),
                status: resp.status.as_u16(),
            });
        }
        let result: Box<RawValue> = serde_json::from_slice(&resp.body).map_err(|e| {
            trace.excerpt = Some(resp.excerpt());
            InvokeError::UpstreamNotJson {
                function: name(),
                reason: quote(&e.to_string()),
            }
        })?;
        if let Some(schema) = &self.spec.result {
            let value: Value = serde_json::from_str(result.get()).expect("parsed above");
            if let Some(violation) = schema.first_violation(&value) {
                trace.excerpt = Some(resp.excerpt());
                return Err(InvokeError::ResultInvalid {
                    function: name(),
                    violation,
                });
            }
        }
        Ok(Answer { result })
    }

    fn request(
        &self,
        invocation_id: &str,
        call_id: &str,
        arguments: &Value,
    ) -> Result<OutboundRequest, InvokeError> {
        let body = serde_json::to_vec(&json!({
            "function": self.spec.name,
            "call_id": call_id,
            "arguments": arguments,
        }))
        .expect("JSON values serialize");
        let timestamp = chrono::Utc::now().timestamp();
        let sigs = sign(
            std::slice::from_ref(&self.spec.key),
            invocation_id,
            timestamp,
            &body,
        );
        let mut r =
            OutboundRequest::post(self.spec.url.clone(), "application/json", Bytes::from(body));
        let value = |s: &str| {
            HeaderValue::from_str(s).map_err(|e| InvokeError::Unreachable {
                function: self.spec.name.clone(),
                cause: format!("header value: {e}"),
            })
        };
        let h = &mut r.headers;
        h.insert("x-oncallclerk-signature", value(&sigs.plain)?);
        h.insert(
            "x-oncallclerk-event",
            HeaderValue::from_static(FUNCTION_EVENT),
        );
        h.insert("x-oncallclerk-function", value(&self.spec.name)?);
        h.insert("webhook-id", value(invocation_id)?);
        h.insert("webhook-timestamp", value(&timestamp.to_string())?);
        h.insert("webhook-signature", value(&sigs.standard)?);
        Ok(r)
    }

    async fn send(
        &self,
        req: &OutboundRequest,
        trace: &mut Trace,
    ) -> Result<Response, InvokeError> {
        let deadline = Instant::now() + self.spec.timeout;
        trace.attempts = 1;
        let first =
            match tokio::time::timeout(self.spec.timeout, self.http.send_unrecorded(req)).await {
                Err(_) => Err(SendError::Timeout(self.spec.timeout)),
                Ok(r) => r,
            };
        let outcome = match first {
            Err(SendError::Connect(cause)) => {
                let left = deadline.saturating_duration_since(Instant::now());
                if left.is_zero() {
                    Err(SendError::Timeout(self.spec.timeout))
                } else {
                    tracing::debug!(function = %self.spec.name, %cause, "connection failed; retrying once");
                    trace.attempts = 2;
                    match tokio::time::timeout(left, self.http.send_unrecorded(req)).await {
                        Err(_) => Err(SendError::Timeout(self.spec.timeout)),
                        Ok(r) => r,
                    }
                }
            }
            other => other,
        };
        outcome.map_err(|e| match e {
            SendError::Timeout(_) => InvokeError::Timeout {
                function: self.spec.name.clone(),
                timeout: self.spec.timeout,
            },
            other => InvokeError::Unreachable {
                function: self.spec.name.clone(),
                cause: other.to_string(),
            },
        })
    }
}

fn quote(s: &str) -> String {
    s.chars().take(QUOTED).collect()
}
