//! What Pipedrive accepts, as the simulator checks it, before touching any
//! data. Pipedrive's OpenAPI files carry no licence (see the project's
//! vendor notes), so these rules are written from the vendor facts: the v2
//! persons search needs a `term` (2 characters, 1 with `exact_match`), a
//! person needs a `name`, a lead a `title` and a person or organization, a
//! note its `content` and something to hang on; bodies are JSON. The v1
//! persons and activities endpoints are out of support since 2026-08-01:
//! the simulator answers them 410, so a connector using them fails a test.

use serde_json::{json, Map, Value};

/// Pipedrive's error answer: status, `error`, `error_info`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Refusal {
    /// HTTP status.
    pub status: u16,
    /// `error`.
    pub error: String,
}

impl Refusal {
    /// A refusal with this status and `error`.
    pub fn new(status: u16, error: impl Into<String>) -> Self {
        Refusal {
            status,
            error: error.into(),
        }
    }

    /// Pipedrive's error body.
    pub fn body(&self) -> Value {
        json!({"success": false, "error": self.error, "error_info": "Please check developers.pipedrive.com",
               "data": null, "additional_data": null})
    }
}

impl std::fmt::Display for Refusal {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} {}", self.status, self.error)
    }
}

/// The endpoints Pipedrive serves (those the simulator knows).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Route {
    /// `GET /api/v2/persons/search`.
    SearchPersons,
    /// `POST /api/v2/persons`.
    CreatePerson,
    /// `PATCH /api/v2/persons/{id}`.
    UpdatePerson(u64),
    /// `POST /api/v1/leads`.
    CreateLead,
    /// `GET /api/v1/leads`.
    ListLeads,
    /// `POST /api/v1/notes`.
    CreateNote,
    /// `GET /api/v1/notes`.
    ListNotes,
}

/// The route of a request, or Pipedrive's refusal of its path.
pub fn route(method: &str, path: &str) -> Result<Route, Refusal> {
    let path = path.trim_end_matches('/');
    if path.starts_with("/api/v1/persons") || path.starts_with("/api/v1/activities") {
        return Err(Refusal::new(
            410,
            "This v1 endpoint is out of support since 2026-08-01: use /api/v2",
        ));
    }
    let r = match (method, path) {
        ("GET", "/api/v2/persons/search") => Route::SearchPersons,
        ("POST", "/api/v2/persons") => Route::CreatePerson,
        ("POST", "/api/v1/leads") => Route::CreateLead,
        ("GET", "/api/v1/leads") => Route::ListLeads,
        ("POST", "/api/v1/notes") => Route::CreateNote,
        ("GET", "/api/v1/notes") => Route::ListNotes,
        ("PATCH", p) => match p.strip_prefix("/api/v2/persons/").map(str::parse) {
            Some(Ok(id)) => Route::UpdatePerson(id),
            _ => return Err(Refusal::new(404, format!("Unknown path {p}"))),
        },
        (m, p) => return Err(Refusal::new(404, format!("Unknown method/path {m} {p}"))),
    };
    Ok(r)
}

/// A search's `(term, field)`, checked.
pub fn search(query: &[(String, String)]) -> Result<(String, String), Refusal> {
    let get = |k: &str| query.iter().find(|(q, _)| q == k).map(|(_, v)| v.clone());
    let term = get("term").unwrap_or_default();
    let exact = get("exact_match").as_deref() == Some("true");
    if term.chars().count() < if exact { 1 } else { 2 } {
        return Err(Refusal::new(
            400,
            "term must be at least 2 characters (1 with exact_match)",
        ));
    }
    let fields = get("fields").unwrap_or_else(|| "name".into());
    for f in fields.split(',') {
        if !["name", "email", "phone", "notes", "custom_fields"].contains(&f) {
            return Err(Refusal::new(
                400,
                format!("fields: unknown person field '{f}'"),
            ));
        }
    }
    Ok((term, fields))
}

/// A v2 person body: `name` (required on create), `emails`/`phones` as
/// `[{value, primary, label}]`; nothing else (the v2 API is strict).
pub fn person(body: &Value, create: bool) -> Result<&Map<String, Value>, Refusal> {
    let p = body
        .as_object()
        .ok_or_else(|| Refusal::new(400, "the body must be a JSON object"))?;
    for k in p.keys() {
        if ![
            "name",
            "emails",
            "phones",
            "owner_id",
            "org_id",
            "visible_to",
            "label_ids",
        ]
        .contains(&k.as_str())
        {
            return Err(Refusal::new(400, format!("Unknown parameter '{k}'")));
        }
    }
    let name = p.get("name").and_then(Value::as_str);
    if (create || p.contains_key("name")) && name.is_none_or(|n| n.trim().is_empty()) {
        return Err(Refusal::new(
            400,
            "name is required and must be a non-empty string",
        ));
    }
    for key in ["emails", "phones"] {
        let Some(list) = p.get(key) else { continue };
        let ok = list.as_array().is_some_and(|l| {
            l.iter().all(|e| {
                e.get("value")
                    .and_then(Value::as_str)
                    .is_some_and(|v| !v.trim().is_empty())
                    && e.get("primary").is_none_or(Value::is_boolean)
                    && e.get("label").is_none_or(Value::is_string)
            })
        });
        if !ok {
            return Err(Refusal::new(
                400,
                format!("{key} must be a list of {{value, primary, label}}"),
            ));
        }
    }
    Ok(p)
}

/// A v1 lead body: `title`, and `person_id` or `organization_id`.
pub fn lead(body: &Value) -> Result<(&str, u64), Refusal> {
    let title = body
        .get("title")
        .and_then(Value::as_str)
        .filter(|t| !t.trim().is_empty());
    let title = title.ok_or_else(|| Refusal::new(400, "title is required"))?;
    let person = body.get("person_id").and_then(Value::as_u64);
    match person {
        Some(id) => Ok((title, id)),
        None if body.get("organization_id").is_some() => Ok((title, 0)),
        None => Err(Refusal::new(
            400,
            "A lead must be linked to a person or an organization",
        )),
    }
}

/// A v1 note body: `content`, and at least one of lead, person, deal, org.
pub fn note(body: &Value) -> Result<(&str, Option<u64>, Option<&str>), Refusal> {
    let content = body
        .get("content")
        .and_then(Value::as_str)
        .filter(|c| !c.trim().is_empty());
    let content = content.ok_or_else(|| Refusal::new(400, "content is required"))?;
    let person = body.get("person_id").and_then(Value::as_u64);
    let lead = body.get("lead_id").and_then(Value::as_str);
    let other = body.get("deal_id").is_some() || body.get("org_id").is_some();
    if person.is_none() && lead.is_none() && !other {
        return Err(Refusal::new(
            400,
            "A note must be linked to a lead, deal, person or organization",
        ));
    }
    Ok((content, person, lead))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pipedrive_refuses_what_it_refuses() {
        assert_eq!(route("POST", "/api/v1/persons").unwrap_err().status, 410);
        assert_eq!(route("POST", "/api/v1/activities").unwrap_err().status, 410);
        assert_eq!(
            route("PATCH", "/api/v2/persons/12"),
            Ok(Route::UpdatePerson(12))
        );
        let q = |t: &str, exact: &str| {
            vec![
                ("term".to_owned(), t.to_owned()),
                ("exact_match".to_owned(), exact.to_owned()),
            ]
        };
        assert!(search(&q("a", "true")).is_ok());
        assert_eq!(search(&q("a", "false")).unwrap_err().status, 400);
        assert!(person(
            &json!({"name": "A", "phones": [{"value": "+1555", "primary": true}]}),
            true
        )
        .is_ok());
        assert!(person(&json!({"phones": [{"value": "+1555"}]}), true).is_err());
        assert!(
            person(&json!({"name": "A", "phone": "+1555"}), true).is_err(),
            "v1 field names"
        );
        assert!(person(&json!({"phones": [{"value": "+1555"}]}), false).is_ok());
        assert!(lead(&json!({"title": "x"})).is_err());
        assert!(note(&json!({"content": "x"})).is_err());
        assert!(note(&json!({"content": "x", "lead_id": "u-1"})).is_ok());
    }
}
