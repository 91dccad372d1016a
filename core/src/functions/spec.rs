//! A function as the hub runs it: its `[[functions]]` entry checked and compiled.

use std::{collections::HashSet, time::Duration};

use serde_json::{json, Value};

use super::schema::Schema;
use crate::{
    account::AccountId,
    config::{ConfigError, FunctionConfig, MAX_FUNCTION_TIMEOUT},
    connector::webhook::parse_url,
    signing::SigningKey,
};

/// One configured function, compiled: URL parsed, key decoded, schemas built.
#[derive(Debug)]
pub struct FunctionSpec {
    /// Name, unique within its account.
    pub name: String,
    /// The account whose calls may invoke it.
    pub account: AccountId,
    /// What it does, for the language model.
    pub description: String,
    /// The customer's endpoint.
    pub url: url::Url,
    /// Signing key.
    pub key: SigningKey,
    /// Time limit of one invocation.
    pub timeout: Duration,
    /// Schema of the arguments (`{}` accepts anything when none is configured).
    pub parameters: Schema,
    /// Schema of the result, if configured.
    pub result: Option<Schema>,
}

impl FunctionSpec {
    /// Checks and compiles the `index`-th `[[functions]]` entry; errors name the key.
    pub fn compile(index: usize, c: &FunctionConfig) -> Result<FunctionSpec, ConfigError> {
        let key = |field: &str| format!("functions[{index}].{field}");
        if c.name.is_empty()
            || !c
                .name
                .chars()
                .all(|ch| ch.is_ascii_alphanumeric() || "-_".contains(ch))
        {
            return Err(ConfigError::invalid(
                key("name"),
                format!(
                    "'{}' must be non-empty letters, digits, '-' or '_' (language models accept no other tool names)",
                    c.name
                ),
            ));
        }
        let url = parse_url(&c.url).map_err(|m| ConfigError::invalid(key("url"), m))?;
        let signing = SigningKey::parse(c.secret.expose())
            .map_err(|e| ConfigError::invalid(key("secret"), e.to_string()))?;
        if c.timeout.is_zero() || c.timeout > MAX_FUNCTION_TIMEOUT {
            return Err(ConfigError::invalid(
                key("timeout"),
                format!(
                    "{} is out of range: a caller is waiting, so use above 0s and at most {}",
                    humantime::format_duration(c.timeout),
                    humantime::format_duration(MAX_FUNCTION_TIMEOUT)
                ),
            ));
        }
        let load = |file, inline, fk, ik| {
            Schema::load(file, inline, fk, ik).map_err(|(k, m)| ConfigError::invalid(key(k), m))
        };
        let parameters = load(
            c.parameters_file.as_deref(),
            c.parameters.as_ref(),
            "parameters_file",
            "parameters",
        )?;
        let parameters = match parameters {
            Some(s) => s,
            None => Schema::compile(json!({"type": "object"})).expect("constant schema"),
        };
        if let Some(t) = parameters.document.get("type") {
            if t != &Value::from("object") {
                return Err(ConfigError::invalid(
                    key("parameters"),
                    format!("arguments are a JSON object, so the schema's `type` must be \"object\", not {t}"),
                ));
            }
        }
        let result = load(
            c.result_file.as_deref(),
            c.result.as_ref(),
            "result_file",
            "result",
        )?;
        Ok(FunctionSpec {
            name: c.name.clone(),
            account: c.account.clone(),
            description: c.description.clone(),
            url,
            key: signing,
            timeout: c.timeout,
            parameters,
            result,
        })
    }

    /// The function as `GET /v1/functions` shows it: a tool definition.
    pub fn describe(&self) -> Value {
        json!({
            "name": self.name,
            "description": self.description,
            "url": self.url.as_str(),
            "timeout_ms": self.timeout.as_millis() as u64,
            "parameters": self.parameters.document,
            "result": self.result.as_ref().map(|s| &s.document),
        })
    }
}

/// Compiles every entry, refusing duplicate names (run at config load).
pub fn compile_all(functions: &[FunctionConfig]) -> Result<Vec<FunctionSpec>, ConfigError> {
    let mut names = HashSet::new();
    let mut out = Vec::with_capacity(functions.len());
    for (i, c) in functions.iter().enumerate() {
        if !names.insert((c.account.as_str(), c.name.as_str())) {
            return Err(ConfigError::invalid(
                format!("functions[{i}].name"),
                format!("'{}' is used twice in account '{}'", c.name, c.account),
            ));
        }
        out.push(FunctionSpec::compile(i, c)?);
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use crate::config::Config;

    const BASE: &str = "[server]\ningest_token = \"i\"\nadmin_token = \"a\"\n";
    const SECRET: &str = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";

    fn load(entry: &str) -> Result<Config, String> {
        let text = format!("{BASE}[[functions]]\nname = \"check_availability\"\nurl = \"https://api.example.com/fn\"\nsecret = \"{SECRET}\"\n{entry}");
        Config::from_toml(&text, "t").map_err(|e| e.to_string())
    }

    #[test]
    fn inline_schema_and_default_timeout() {
        let c = load("[functions.parameters]\ntype = \"object\"\nrequired = [\"date\"]\n[functions.parameters.properties.date]\ntype = \"string\"\n").unwrap();
        let f = &c.functions[0];
        assert_eq!(f.timeout, crate::config::DEFAULT_FUNCTION_TIMEOUT);
        assert_eq!(f.parameters.as_ref().unwrap()["required"][0], "date");
    }

    #[test]
    fn timeout_above_ten_seconds_is_refused() {
        let err = load("timeout = \"11s\"\n").unwrap_err();
        assert!(err.contains("functions[0].timeout"), "{err}");
        load("timeout = \"10s\"\n").unwrap();
    }

    #[test]
    fn errors_name_the_key() {
        let err = load("[functions.parameters]\ntype = \"objekt\"\n").unwrap_err();
        assert!(err.contains("functions[0].parameters"), "{err}");
        let err = load("parameters_file = \"/nonexistent/schema.json\"\n").unwrap_err();
        assert!(err.contains("functions[0].parameters_file"), "{err}");
        let err = load("[functions.result]\ntype = 5\n").unwrap_err();
        assert!(err.contains("functions[0].result"), "{err}");
        let err = load("paramters = {}\n").unwrap_err();
        assert!(err.contains("paramters"), "{err}");
    }

    #[test]
    fn bad_url_secret_and_duplicate_names_are_refused() {
        let text = format!(
            "{BASE}[[functions]]\nname = \"f\"\nurl = \"ftp://x\"\nsecret = \"{SECRET}\"\n"
        );
        let err = Config::from_toml(&text, "t").unwrap_err().to_string();
        assert!(err.contains("functions[0].url"), "{err}");
        let text =
            format!("{BASE}[[functions]]\nname = \"f\"\nurl = \"https://x\"\nsecret = \"nope\"\n");
        let err = Config::from_toml(&text, "t").unwrap_err().to_string();
        assert!(err.contains("functions[0].secret"), "{err}");
        let one =
            format!("[[functions]]\nname = \"f\"\nurl = \"https://x\"\nsecret = \"{SECRET}\"\n");
        let err = Config::from_toml(&format!("{BASE}{one}{one}"), "t")
            .unwrap_err()
            .to_string();
        assert!(err.contains("functions[1].name"), "{err}");
    }
}
