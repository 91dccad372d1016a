//! `${VAR}` and `${VAR:-default}` in string values, so secrets stay out of the file.

use toml::Value;

/// A `${VAR}` whose variable is not set and has no default.
#[derive(Debug, thiserror::Error)]
#[error("`{key}` refers to ${{{var}}}, but the environment variable {var} is not set: export it, or write ${{{var}:-default}}")]
pub struct MissingVar {
    /// Dotted config key holding the reference.
    pub key: String,
    /// The variable's name.
    pub var: String,
}

/// Replaces every `${...}` in every string of the tree, in place.
pub fn interpolate(
    value: &mut Value,
    key: &str,
    env: &dyn Fn(&str) -> Option<String>,
) -> Result<(), MissingVar> {
    match value {
        Value::String(s) => *s = expand(s, key, env)?,
        Value::Array(items) => {
            for (i, item) in items.iter_mut().enumerate() {
                interpolate(item, &format!("{key}[{i}]"), env)?;
            }
        }
        Value::Table(table) => {
            for (k, v) in table.iter_mut() {
                let path = if key.is_empty() {
                    k.clone()
                } else {
                    format!("{key}.{k}")
                };
                interpolate(v, &path, env)?;
            }
        }
        _ => {}
    }
    Ok(())
}

fn expand(s: &str, key: &str, env: &dyn Fn(&str) -> Option<String>) -> Result<String, MissingVar> {
    let mut out = String::with_capacity(s.len());
    let mut rest = s;
    while let Some(start) = rest.find("${") {
        let Some(len) = rest[start..].find('}') else {
            break;
        };
        out.push_str(&rest[..start]);
        let inner = &rest[start + 2..start + len];
        let (var, default) = match inner.split_once(":-") {
            Some((v, d)) => (v, Some(d)),
            None => (inner, None),
        };
        match env(var)
            .filter(|v| !v.is_empty())
            .or(default.map(str::to_owned))
        {
            Some(v) => out.push_str(&v),
            None => {
                return Err(MissingVar {
                    key: key.into(),
                    var: var.into(),
                })
            }
        }
        rest = &rest[start + len + 1..];
    }
    out.push_str(rest);
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn env(name: &str) -> Option<String> {
        (name == "SET").then(|| "value".to_owned())
    }

    #[test]
    fn expands_set_and_default() {
        assert_eq!(expand("a${SET}b", "k", &env).unwrap(), "avalueb");
        assert_eq!(expand("${UNSET:-dflt}", "k", &env).unwrap(), "dflt");
        assert_eq!(expand("no vars", "k", &env).unwrap(), "no vars");
    }

    #[test]
    fn names_key_and_variable_when_missing() {
        let err = expand("${UNSET}", "connectors[0].secret", &env).unwrap_err();
        let msg = err.to_string();
        assert!(
            msg.contains("connectors[0].secret") && msg.contains("UNSET"),
            "{msg}"
        );
    }
}
