//! The Pipedrive requests the connector sends (v2 persons, v1 leads and
//! notes; never the v1 persons or activities, out of support since
//! 2026-08-01), and reading their answers.

use http::Method;
use serde_json::{json, Map, Value};
use switchboard_core::{
    connector::{vendor, MappingError},
    outbound::{OutboundRequest, Response},
};

use switchboard_core::connector::caller::Caller;

use crate::mapping::LeadPlan;

/// Notes of one person read back when looking for an earlier attempt's note.
const NOTES_LOOKED_AT: u32 = 100;

/// Which person field a search looks in.
#[derive(Debug, Clone, Copy)]
pub enum Field {
    /// `fields=email`.
    Email,
    /// `fields=phone`.
    Phone,
}

/// Where the requests go, and with what token.
pub struct Api {
    base: url::Url,
    token: String,
}

/// A person as the v2 API returns it: its id and the values it holds.
#[derive(Debug, Clone, Default)]
pub struct Person {
    /// Pipedrive's person id.
    pub id: u64,
    /// Its email values.
    pub emails: Vec<String>,
    /// Its phone values.
    pub phones: Vec<String>,
}

impl Api {
    /// Requests to `base` (`https://acme.pipedrive.com`) with `token`.
    pub fn new(base: url::Url, token: String) -> Self {
        Api { base, token }
    }

    fn request(
        &self,
        method: Method,
        path: &str,
        query: &[(&str, &str)],
        body: Option<&Value>,
    ) -> Result<OutboundRequest, MappingError> {
        let mut r = vendor::request(&self.base, method, path, query, body);
        vendor::secret_header(
            &mut r,
            http::HeaderName::from_static("x-api-token"),
            &self.token,
        )?;
        Ok(r)
    }

    /// `GET /api/v2/persons/search?term=&fields=&exact_match=true`.
    pub fn search_persons(
        &self,
        term: &str,
        field: Field,
    ) -> Result<OutboundRequest, MappingError> {
        let fields = match field {
            Field::Email => "email",
            Field::Phone => "phone",
        };
        let query = [("term", term), ("fields", fields), ("exact_match", "true")];
        self.request(Method::GET, "/api/v2/persons/search", &query, None)
    }

    /// `POST /api/v2/persons` with the caller's name, email and number.
    pub fn create_person(&self, p: &Caller) -> Result<OutboundRequest, MappingError> {
        let mut body = json!({"name": p.display_name()});
        if let Some(e) = &p.email {
            body["emails"] = json!([{"value": e, "primary": true, "label": "work"}]);
        }
        if let Some(phone) = &p.phone {
            body["phones"] = json!([{"value": phone.best(), "primary": true, "label": "mobile"}]);
        }
        self.request(Method::POST, "/api/v2/persons", &[], Some(&body))
    }

    /// `PATCH /api/v2/persons/{id}` with the full email or phone list (the
    /// v2 API replaces a list as a whole).
    pub fn update_person(
        &self,
        id: u64,
        field: Field,
        values: &[String],
    ) -> Result<OutboundRequest, MappingError> {
        let (key, label) = match field {
            Field::Email => ("emails", "work"),
            Field::Phone => ("phones", "mobile"),
        };
        let list: Vec<Value> = values
            .iter()
            .enumerate()
            .map(|(i, v)| json!({"value": v, "primary": i == 0, "label": label}))
            .collect();
        let body = json!({ key: list });
        self.request(
            Method::PATCH,
            &format!("/api/v2/persons/{id}"),
            &[],
            Some(&body),
        )
    }

    /// `POST /api/v1/leads` for the person.
    pub fn create_lead(
        &self,
        l: &LeadPlan,
        person_id: u64,
    ) -> Result<OutboundRequest, MappingError> {
        let mut body = l.extra.clone();
        body.insert("title".into(), l.title.clone().into());
        body.insert("person_id".into(), person_id.into());
        self.request(
            Method::POST,
            "/api/v1/leads",
            &[],
            Some(&Value::Object(body)),
        )
    }

    /// `GET /api/v1/leads?person_id=` (an earlier attempt's lead).
    pub fn list_leads(&self, person_id: u64) -> Result<OutboundRequest, MappingError> {
        let id = person_id.to_string();
        self.request(Method::GET, "/api/v1/leads", &[("person_id", &id)], None)
    }

    /// `POST /api/v1/notes` on the lead (and the person), else the person.
    pub fn create_note(
        &self,
        content: &str,
        person_id: u64,
        lead_id: Option<&str>,
    ) -> Result<OutboundRequest, MappingError> {
        let mut body = Map::new();
        body.insert("content".into(), content.into());
        body.insert("person_id".into(), person_id.into());
        if let Some(l) = lead_id {
            body.insert("lead_id".into(), l.into());
        }
        self.request(
            Method::POST,
            "/api/v1/notes",
            &[],
            Some(&Value::Object(body)),
        )
    }

    /// `GET /api/v1/notes?person_id=`, newest first (an earlier attempt's note).
    pub fn list_notes(&self, person_id: u64) -> Result<OutboundRequest, MappingError> {
        let id = person_id.to_string();
        let limit = NOTES_LOOKED_AT.to_string();
        let query = [
            ("person_id", id.as_str()),
            ("sort", "add_time DESC"),
            ("limit", &limit),
        ];
        self.request(Method::GET, "/api/v1/notes", &query, None)
    }
}

fn body(resp: &Response) -> Value {
    serde_json::from_slice(&resp.body).unwrap_or(Value::Null)
}

fn strings(v: &Value) -> Vec<String> {
    // v2 lists hold `{value, ...}` objects; search results plain strings.
    v.as_array()
        .into_iter()
        .flatten()
        .filter_map(|x| x.get("value").unwrap_or(x).as_str())
        .map(str::to_owned)
        .collect()
}

fn person(v: &Value) -> Option<Person> {
    Some(Person {
        id: v.get("id")?.as_u64()?,
        emails: strings(v.get("emails").unwrap_or(&Value::Null)),
        phones: strings(v.get("phones").unwrap_or(&Value::Null)),
    })
}

/// The persons a search answer lists (`data.items[].item`), best first.
pub fn found_persons(resp: &Response) -> Vec<Person> {
    let b = body(resp);
    b.pointer("/data/items")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter_map(|i| person(i.get("item")?))
        .collect()
}

/// The person of a create or update answer (`data`).
pub fn created_person(resp: &Response) -> Option<Person> {
    person(body(resp).get("data")?)
}

/// The id of a created lead (a UUID) or note (a number), as text.
pub fn created_id(resp: &Response) -> Option<String> {
    match body(resp).pointer("/data/id")? {
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        _ => None,
    }
}

/// `(id, title)` of each lead a list answer holds.
pub fn leads(resp: &Response) -> Vec<(String, String)> {
    let b = body(resp);
    b.get("data")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter_map(|l| {
            Some((
                l.get("id")?.as_str()?.to_owned(),
                l.get("title")?.as_str()?.to_owned(),
            ))
        })
        .collect()
}

/// The contents of the notes a list answer holds.
pub fn note_contents(resp: &Response) -> Vec<String> {
    let b = body(resp);
    b.get("data")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter_map(|n| n.get("content")?.as_str().map(str::to_owned))
        .collect()
}
