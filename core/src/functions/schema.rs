//! A function's JSON Schemas: loaded from a file or inline, compiled once,
//! and asked for the first violation with a JSON pointer to the bad field.

use std::path::Path;

use jsonschema::{error::ValidationErrorKind, Validator};
use serde_json::Value;

/// A compiled schema with its source document (served by the admin API).
pub struct Schema {
    /// The schema document as configured.
    pub document: Value,
    validator: Validator,
}

impl std::fmt::Debug for Schema {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Schema")
            .field("document", &self.document)
            .finish()
    }
}

/// One violation: where (a JSON pointer into the validated value) and what.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Violation {
    /// JSON pointer of the offending field; for a missing property, the
    /// pointer the property would have.
    pub path: String,
    /// What is wrong, from the validator.
    pub message: String,
}

impl Schema {
    /// Loads from `file` or `inline` (exactly one may be set); `None` when neither is.
    /// Errors are `(which key, message)`.
    pub fn load(
        file: Option<&Path>,
        inline: Option<&Value>,
        file_key: &'static str,
        inline_key: &'static str,
    ) -> Result<Option<Schema>, (&'static str, String)> {
        let (document, key) = match (file, inline) {
            (Some(_), Some(_)) => {
                return Err((
                    inline_key,
                    format!("set either `{file_key}` or `{inline_key}`, not both"),
                ))
            }
            (None, None) => return Ok(None),
            (None, Some(v)) => (v.clone(), inline_key),
            (Some(p), None) => {
                let text = std::fs::read_to_string(p)
                    .map_err(|e| (file_key, format!("cannot read {}: {e}", p.display())))?;
                let v = serde_json::from_str(&text)
                    .map_err(|e| (file_key, format!("{} is not valid JSON: {e}", p.display())))?;
                (v, file_key)
            }
        };
        Schema::compile(document)
            .map(Some)
            .map_err(|message| (key, message))
    }

    /// Compiles a schema document, checking it against its meta-schema.
    pub fn compile(document: Value) -> Result<Schema, String> {
        if let Err(e) = jsonschema::meta::validate(&document) {
            return Err(format!(
                "is not a valid JSON Schema: {e} (at {})",
                pointer_or_root(e.instance_path().as_str())
            ));
        }
        let validator = jsonschema::options()
            .should_validate_formats(true)
            .build(&document)
            .map_err(|e| format!("is not a usable JSON Schema: {e}"))?;
        Ok(Schema {
            document,
            validator,
        })
    }

    /// The first violation of `instance`, if any.
    pub fn first_violation(&self, instance: &Value) -> Option<Violation> {
        let e = self.validator.iter_errors(instance).next()?;
        let mut path = e.instance_path().as_str().to_owned();
        if let ValidationErrorKind::Required { property } = e.kind() {
            if let Some(name) = property.as_str() {
                path.push('/');
                path.push_str(&name.replace('~', "~0").replace('/', "~1"));
            }
        }
        Some(Violation {
            path,
            message: e.to_string(),
        })
    }
}

fn pointer_or_root(p: &str) -> &str {
    if p.is_empty() {
        "the root"
    } else {
        p
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn schema() -> Schema {
        Schema::compile(json!({
            "type": "object",
            "required": ["date"],
            "properties": {
                "date": {"type": "string", "format": "date"},
                "slots": {"type": "array", "items": {"type": "integer"}}
            }
        }))
        .unwrap()
    }

    #[test]
    fn missing_property_names_its_path() {
        let v = schema().first_violation(&json!({})).unwrap();
        assert_eq!(v.path, "/date");
        assert!(v.message.contains("date"), "{}", v.message);
    }

    #[test]
    fn wrong_type_and_format_name_the_field() {
        let s = schema();
        assert_eq!(
            s.first_violation(&json!({"date": 5})).unwrap().path,
            "/date"
        );
        assert_eq!(
            s.first_violation(&json!({"date": "tomorrow"}))
                .unwrap()
                .path,
            "/date"
        );
        assert_eq!(
            s.first_violation(&json!({"date": "2026-03-01", "slots": [1, "x"]}))
                .unwrap()
                .path,
            "/slots/1"
        );
        assert!(s.first_violation(&json!({"date": "2026-03-01"})).is_none());
    }

    #[test]
    fn invalid_schema_is_refused() {
        let err = Schema::compile(json!({"type": "objekt"})).unwrap_err();
        assert!(err.contains("JSON Schema"), "{err}");
    }

    #[test]
    fn file_and_inline_are_exclusive() {
        let err = Schema::load(
            Some(Path::new("x.json")),
            Some(&json!({})),
            "parameters_file",
            "parameters",
        )
        .unwrap_err();
        assert_eq!(err.0, "parameters");
    }
}
