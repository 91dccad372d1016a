//! Function calls: tools the agent invokes mid-call on the customer's own API.
//!
//! `[[functions]]` entries are compiled at start ([`spec`]: URL, key, JSON
//! Schemas). `POST /v1/functions/{name}/invoke` validates the arguments,
//! sends a signed request over the function's keep-alive pool ([`invoke`]),
//! checks the answer, and hands a record to the [`log`] writer, which stores
//! it after the agent has its answer.

pub mod invoke;
pub mod log;
pub mod schema;
pub mod spec;

use std::{collections::BTreeMap, sync::Arc, time::Instant};

use serde_json::Value;

pub use invoke::{Answer, Function, InvokeError};
pub use log::{InvocationFilter, InvocationLog, InvocationPage, InvocationRecord, Outcome};
pub use spec::FunctionSpec;

use crate::{
    account::{AccountId, Scope},
    config::{Config, ConfigError},
    outbound::{OutboundClient, SendError},
    storage::Store,
    telemetry::Metrics,
    time::now_ms,
};

/// A fresh invocation id, sent as `webhook-id`.
pub fn invocation_id() -> String {
    format!("inv_{}", ulid::Ulid::new())
}

/// Checks every `[[functions]]` entry (run when the configuration loads).
pub fn validate(config: &Config) -> Result<(), ConfigError> {
    spec::compile_all(&config.functions).map(|_| ())
}

/// Why the functions could not be set up.
#[derive(Debug, thiserror::Error)]
pub enum FunctionsError {
    /// A `[[functions]]` entry is wrong.
    #[error(transparent)]
    Config(#[from] ConfigError),
    /// The outbound client could not be built.
    #[error(transparent)]
    Client(#[from] SendError),
}

/// A successful invocation.
#[derive(Debug)]
pub struct Invoked {
    /// The invocation id.
    pub id: String,
    /// The endpoint's answer.
    pub answer: Answer,
}

/// A failed invocation.
#[derive(Debug)]
pub struct Failed {
    /// The invocation id.
    pub id: String,
    /// What went wrong.
    pub error: InvokeError,
}

/// Every configured function, the log writer, and this node's id.
pub struct Functions {
    /// By account, then name: an account sees only its own.
    by_name: BTreeMap<(AccountId, String), Function>,
    log: InvocationLog,
    node: Arc<str>,
    metrics: Arc<Metrics>,
}

impl Functions {
    /// Compiles the functions, each with its own connection pool honouring
    /// `[delivery]`'s SSRF guard, proxy and source address, and starts the
    /// log writer on the current runtime.
    pub fn build(
        config: &Config,
        store: Arc<dyn Store>,
        node: Arc<str>,
        metrics: Arc<Metrics>,
    ) -> Result<Functions, FunctionsError> {
        let mut by_name = BTreeMap::new();
        for spec in spec::compile_all(&config.functions)? {
            let http = OutboundClient::new(&config.delivery, spec.timeout)?;
            let key = (spec.account.clone(), spec.name.clone());
            by_name.insert(key, Function::new(spec, http));
        }
        Ok(Functions {
            by_name,
            log: InvocationLog::spawn(store, metrics.clone()),
            node,
            metrics,
        })
    }

    /// A function of `scope`'s account by name.
    pub fn get(&self, scope: &Scope, name: &str) -> Option<&Function> {
        self.by_name
            .get(&(scope.account().clone(), name.to_owned()))
    }

    /// The accounts that have functions.
    pub fn accounts(&self) -> impl Iterator<Item = AccountId> + '_ {
        self.by_name.keys().map(|(account, _)| account.clone())
    }

    /// Every function of `scope`'s account, by name.
    pub fn iter<'a>(&'a self, scope: &'a Scope) -> impl Iterator<Item = &'a Function> {
        self.by_name
            .iter()
            .filter(move |((account, _), _)| account == scope.account())
            .map(|(_, f)| f)
    }

    /// Invokes `function` and logs the outcome without waiting for the log.
    pub async fn invoke(
        &self,
        function: &Function,
        call_id: &str,
        arguments: &Value,
    ) -> Result<Invoked, Failed> {
        let started = Instant::now();
        let started_at = now_ms();
        let id = invocation_id();
        let mut trace = invoke::Trace::default();
        let outcome = function.invoke(&id, call_id, arguments, &mut trace).await;
        let duration_us = started.elapsed().as_micros() as i64;
        let (result, error, status_code, kind) = match &outcome {
            Ok(a) => (Some(a.result.get().to_owned()), None, 200, Outcome::Ok),
            Err(e) => (None, Some(e.to_string()), e.status_code(), e.outcome()),
        };
        if let Err(InvokeError::Unreachable { cause, .. }) = &outcome {
            tracing::warn!(function = %function.spec.name, invocation = %id, %cause, "function endpoint unreachable");
        }
        let detail = match &outcome {
            Err(InvokeError::Unreachable { cause, .. }) => error.map(|e| format!("{e} ({cause})")),
            _ => error,
        };
        let seconds = duration_us as f64 / 1e6;
        self.metrics.record(|| {
            metrics::histogram!(crate::telemetry::names::FUNCTION_DURATION, "function" => function.spec.name.clone(), "outcome" => kind.as_str())
                .record(seconds)
        });
        self.log.record(InvocationRecord {
            id: id.clone(),
            account: function.spec.account.clone(),
            function: function.spec.name.clone(),
            call_id: call_id.to_owned(),
            outcome: kind,
            status_code,
            upstream_status: trace.upstream_status,
            arguments: arguments.to_string(),
            result,
            error: detail,
            response_excerpt: trace.excerpt,
            attempts: trace.attempts,
            started_at,
            duration_us,
            node: self.node.to_string(),
        });
        match outcome {
            Ok(answer) => Ok(Invoked { id, answer }),
            Err(error) => Err(Failed { id, error }),
        }
    }
}
