//! `[[functions]]`: HTTP endpoints the agent calls mid-call, with JSON Schemas.

use std::{path::PathBuf, time::Duration};

use serde::Deserialize;
use serde_json::Value;

use super::Secret;
use crate::account::AccountId;

/// Time limit of one invocation when a function sets none.
pub const DEFAULT_FUNCTION_TIMEOUT: Duration = Duration::from_secs(3);
/// Longest allowed invocation time limit: a caller is waiting on the line.
pub const MAX_FUNCTION_TIMEOUT: Duration = Duration::from_secs(10);

/// One `[[functions]]` entry: a tool the agent can call during a conversation.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FunctionConfig {
    /// Name the agent invokes it by (`POST /v1/functions/{name}/invoke`),
    /// unique within its account.
    pub name: String,
    /// The account whose calls may invoke it (1-64 of `[A-Za-z0-9_-]`);
    /// default `default`.
    #[serde(default)]
    pub account: AccountId,
    /// What the function does, written for the language model choosing tools.
    #[serde(default)]
    pub description: String,
    /// The customer's endpoint; it receives a signed POST and answers JSON.
    pub url: String,
    /// Signing secret, `whsec_<base64>`; requests are signed like webhooks.
    pub secret: Secret,
    /// Time limit of one invocation, connect to last byte (default 3s, at most 10s).
    #[serde(default = "default_timeout", with = "humantime_serde")]
    pub timeout: Duration,
    /// JSON Schema of the arguments, in a file (relative to the working directory).
    #[serde(default)]
    pub parameters_file: Option<PathBuf>,
    /// JSON Schema of the arguments, inline.
    #[serde(default)]
    pub parameters: Option<Value>,
    /// JSON Schema the endpoint's answer must match, in a file (optional).
    #[serde(default)]
    pub result_file: Option<PathBuf>,
    /// JSON Schema the endpoint's answer must match, inline (optional).
    #[serde(default)]
    pub result: Option<Value>,
}

fn default_timeout() -> Duration {
    DEFAULT_FUNCTION_TIMEOUT
}
