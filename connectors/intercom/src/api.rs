//! The Intercom REST API 2.14 requests the connector sends (contacts search,
//! create, update; notes), and reading their answers.

use http::{HeaderName, HeaderValue, Method};
use serde_json::{json, Value};
use switchboard_core::{
    connector::{caller::Caller, vendor, MappingError},
    outbound::{OutboundRequest, Response},
};

/// The API version every request pins (the requests are checked against
/// its published description).
pub const VERSION: &str = "2.14";
/// Contacts read from one search (the caller is among the first).
const PER_PAGE: u32 = 10;

/// Where the requests go, and with what token.
pub struct Api {
    base: url::Url,
    auth: String,
}

/// A contact in an answer: its id and keys.
#[derive(Debug, Clone, Default)]
pub struct Contact {
    /// Intercom's contact id.
    pub id: String,
    /// Its email, if any.
    pub email: Option<String>,
    /// Its phone, if any.
    pub phone: Option<String>,
}

impl Api {
    /// Requests to `base` with `auth` (`Bearer <token>`).
    pub fn new(base: url::Url, auth: String) -> Self {
        Api { base, auth }
    }

    fn request(
        &self,
        method: Method,
        path: &str,
        body: Option<&Value>,
    ) -> Result<OutboundRequest, MappingError> {
        let mut r = vendor::request(&self.base, method, path, &[], body);
        r.headers.insert(
            HeaderName::from_static("intercom-version"),
            HeaderValue::from_static(VERSION),
        );
        r.headers.insert(
            http::header::ACCEPT,
            HeaderValue::from_static("application/json"),
        );
        vendor::secret_header(&mut r, http::header::AUTHORIZATION, &self.auth)?;
        Ok(r)
    }

    /// `POST /contacts/search`: email OR the number in each form.
    pub fn search(&self, c: &Caller) -> Result<OutboundRequest, MappingError> {
        let mut filters: Vec<Value> = Vec::new();
        if let Some(e) = &c.email {
            filters.push(json!({"field": "email", "operator": "=", "value": e}));
        }
        for form in c.phone.iter().flat_map(|p| p.forms()) {
            filters.push(json!({"field": "phone", "operator": "=", "value": form}));
        }
        let body = json!({
            "query": {"operator": "OR", "value": filters},
            "pagination": {"per_page": PER_PAGE},
        });
        self.request(Method::POST, "/contacts/search", Some(&body))
    }

    /// `POST /contacts`: a lead with the caller's email, number and name.
    pub fn create(&self, c: &Caller) -> Result<OutboundRequest, MappingError> {
        let mut body = json!({"role": "lead", "name": c.display_name()});
        if let Some(e) = &c.email {
            body["email"] = e.clone().into();
        }
        if let Some(p) = &c.phone {
            body["phone"] = p.best().into();
        }
        self.request(Method::POST, "/contacts", Some(&body))
    }

    /// `PUT /contacts/{id}` with only the keys the contact lacks.
    pub fn update(&self, id: &str, fields: &Value) -> Result<OutboundRequest, MappingError> {
        self.request(Method::PUT, &format!("/contacts/{id}"), Some(fields))
    }

    /// `POST /contacts/{id}/notes`.
    pub fn create_note(&self, id: &str, body: &str) -> Result<OutboundRequest, MappingError> {
        let body = json!({"body": body});
        self.request(Method::POST, &format!("/contacts/{id}/notes"), Some(&body))
    }

    /// `GET /contacts/{id}/notes` (an earlier attempt's note).
    pub fn list_notes(&self, id: &str) -> Result<OutboundRequest, MappingError> {
        self.request(Method::GET, &format!("/contacts/{id}/notes"), None)
    }
}

fn body(resp: &Response) -> Value {
    serde_json::from_slice(&resp.body).unwrap_or(Value::Null)
}

fn contact(v: &Value) -> Option<Contact> {
    let text = |k: &str| {
        v.get(k)
            .and_then(Value::as_str)
            .filter(|s| !s.is_empty())
            .map(str::to_owned)
    };
    Some(Contact {
        id: text("id")?,
        email: text("email"),
        phone: text("phone"),
    })
}

/// The contacts of a search answer (`data[]`).
pub fn contacts(resp: &Response) -> Vec<Contact> {
    body(resp)
        .get("data")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter_map(contact)
        .collect()
}

/// The contact of a create answer.
pub fn created(resp: &Response) -> Option<Contact> {
    contact(&body(resp))
}

/// The id in a 409 "A contact matching those details already exists with
/// id=…" answer.
pub fn existing_id(resp: &Response) -> Option<String> {
    let b = body(resp);
    let message = b.pointer("/errors/0/message")?.as_str()?;
    let (_, rest) = message.split_once("id=")?;
    let id: String = rest
        .chars()
        .take_while(char::is_ascii_alphanumeric)
        .collect();
    (!id.is_empty()).then_some(id)
}

/// The bodies of a notes list answer.
pub fn note_bodies(resp: &Response) -> Vec<String> {
    body(resp)
        .get("data")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter_map(|n| n.get("body")?.as_str().map(str::to_owned))
        .collect()
}
