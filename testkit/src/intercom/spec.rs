//! Request bodies checked against Intercom's published REST API 2.14
//! description: the subset in `testkit/specs/intercom-2.14-contacts-notes.json`
//! (MIT, see `testkit/specs/NOTICE.md`).

use std::sync::LazyLock;

use serde_json::Value;

const SPEC: &str = include_str!("../../specs/intercom-2.14-contacts-notes.json");

/// The operations the simulator serves, by their request-body pointer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Body {
    /// `POST /contacts` (`create_contact_request`: email, external_id or role).
    CreateContact,
    /// `POST /contacts/search` (`search_request`).
    Search,
    /// `PUT /contacts/{contact_id}` (`update_contact_request`).
    UpdateContact,
    /// `POST /contacts/{contact_id}/notes` (`body` required).
    CreateNote,
}

impl Body {
    fn pointer(self) -> &'static str {
        match self {
            Body::CreateContact => "#/paths/~1contacts/post/requestBody/content/application~1json/schema",
            Body::Search => "#/paths/~1contacts~1search/post/requestBody/content/application~1json/schema",
            Body::UpdateContact => {
                "#/paths/~1contacts~1%7Bcontact_id%7D/put/requestBody/content/application~1json/schema"
            }
            Body::CreateNote => {
                "#/paths/~1contacts~1%7Bcontact_id%7D~1notes/post/requestBody/content/application~1json/schema"
            }
        }
    }
}

static VALIDATORS: LazyLock<Vec<(Body, jsonschema::Validator)>> = LazyLock::new(|| {
    let doc: Value = serde_json::from_str(SPEC).expect("the extracted spec is JSON");
    [
        Body::CreateContact,
        Body::Search,
        Body::UpdateContact,
        Body::CreateNote,
    ]
    .into_iter()
    .map(|b| {
        // The whole document as root, so `#/components/...` refs resolve.
        let mut schema = doc.clone();
        schema["$ref"] = b.pointer().into();
        let v = jsonschema::validator_for(&schema).expect("the extracted spec compiles");
        (b, v)
    })
    .collect()
});

/// Checks `body` against the operation's published schema; every error,
/// joined, if it does not match.
pub fn check(op: Body, body: &Value) -> Result<(), String> {
    let (_, v) = VALIDATORS
        .iter()
        .find(|(b, _)| *b == op)
        .expect("every operation has a validator");
    let errors: Vec<String> = v
        .iter_errors(body)
        .map(|e| format!("{e} at '{}'", e.instance_path()))
        .collect();
    if errors.is_empty() {
        Ok(())
    } else {
        Err(errors.join("; "))
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn the_published_schemas_refuse_what_intercom_refuses() {
        assert!(check(
            Body::CreateContact,
            &json!({"role": "lead", "phone": "+1555"})
        )
        .is_ok());
        assert!(
            check(Body::CreateContact, &json!({"phone": "+15551234567"})).is_err(),
            "email, external_id or role is required"
        );
        let search = json!({"query": {"operator": "OR", "value": [
            {"field": "email", "operator": "=", "value": "a@b.co"}]}});
        assert!(check(Body::Search, &search).is_ok());
        assert!(check(Body::Search, &json!({"pagination": {"per_page": 5}})).is_err());
        let bad_op = json!({"query": {"field": "email", "operator": "==", "value": "a@b.co"}});
        assert!(check(Body::Search, &bad_op).is_err());
        assert!(check(Body::CreateNote, &json!({"body": "hi"})).is_ok());
        assert!(check(Body::CreateNote, &json!({"text": "hi"})).is_err());
    }
}
