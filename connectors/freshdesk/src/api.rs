//! The Freshdesk API v2 requests the connector sends, and reading their
//! answers.

use http::Method;
use serde_json::{json, Value};
use switchboard_core::{
    connector::{vendor, MappingError},
    outbound::{OutboundRequest, Response},
};

use crate::mapping::{Requester, UNKNOWN_CALLER_ID};

/// Where the requests go, and with what key.
pub struct Api {
    base: url::Url,
    auth: String,
}

impl Api {
    /// Requests to `base` with `auth` (Basic).
    pub fn new(base: url::Url, auth: String) -> Self {
        Api { base, auth }
    }

    fn request(
        &self,
        method: Method,
        path: &str,
        query: &[(&str, &str)],
        body: Option<&Value>,
    ) -> Result<OutboundRequest, MappingError> {
        let mut r = vendor::request(&self.base, method, path, query, body);
        vendor::secret_header(&mut r, http::header::AUTHORIZATION, &self.auth)?;
        Ok(r)
    }

    /// `POST /api/v2/tickets`.
    pub fn create_ticket(&self, ticket: &Value) -> Result<OutboundRequest, MappingError> {
        self.request(Method::POST, "/api/v2/tickets", &[], Some(ticket))
    }

    /// `POST /api/v2/tickets/{id}/notes` (private).
    pub fn create_note(&self, ticket_id: u64, html: &str) -> Result<OutboundRequest, MappingError> {
        let body = json!({"body": html, "private": true});
        self.request(
            Method::POST,
            &format!("/api/v2/tickets/{ticket_id}/notes"),
            &[],
            Some(&body),
        )
    }

    /// `GET /api/v2/contacts?phone=` (a phone caller's contact, to list
    /// their tickets).
    pub fn find_contact(&self, phone: &str) -> Result<OutboundRequest, MappingError> {
        self.request(Method::GET, "/api/v2/contacts", &[("phone", phone)], None)
    }

    /// `GET /api/v2/tickets?<requester>&include=description`, newest first:
    /// the caller's tickets, to find an earlier attempt's. `requester_id`
    /// is the phone caller's contact.
    pub fn list_tickets(
        &self,
        who: &Requester,
        requester_id: Option<u64>,
    ) -> Result<OutboundRequest, MappingError> {
        let id = requester_id.map(|i| i.to_string()).unwrap_or_default();
        let filter = match who {
            Requester::Email(e) => ("email", e.as_str()),
            Requester::Phone(_) => ("requester_id", id.as_str()),
            Requester::Unknown => ("unique_external_id", UNKNOWN_CALLER_ID),
        };
        let query = [
            filter,
            ("include", "description"),
            ("order_by", "created_at"),
            ("order_type", "desc"),
        ];
        self.request(Method::GET, "/api/v2/tickets", &query, None)
    }

    /// `GET /api/v2/tickets/{id}/conversations` (an earlier attempt's note).
    pub fn conversations(&self, ticket_id: u64) -> Result<OutboundRequest, MappingError> {
        self.request(
            Method::GET,
            &format!("/api/v2/tickets/{ticket_id}/conversations"),
            &[],
            None,
        )
    }
}

fn list(resp: &Response) -> Vec<Value> {
    match serde_json::from_slice(&resp.body) {
        Ok(Value::Array(items)) => items,
        _ => Vec::new(),
    }
}

/// The `id` of a created ticket or note.
pub fn id(resp: &Response) -> Option<u64> {
    serde_json::from_slice::<Value>(&resp.body)
        .ok()?
        .get("id")?
        .as_u64()
}

/// The first contact id of a contacts list.
pub fn first_contact(resp: &Response) -> Option<u64> {
    list(resp).first()?.get("id")?.as_u64()
}

/// The id of the listed ticket whose description carries `mark`.
pub fn ticket_with(resp: &Response, mark: &str) -> Option<u64> {
    list(resp)
        .iter()
        .find(|t| {
            t.get("description")
                .and_then(Value::as_str)
                .is_some_and(|d| d.contains(mark))
        })?
        .get("id")?
        .as_u64()
}

/// Whether a conversation of the list carries `mark`.
pub fn has_note(resp: &Response, mark: &str) -> bool {
    list(resp).iter().any(|c| {
        c.get("body")
            .and_then(Value::as_str)
            .is_some_and(|b| b.contains(mark))
    })
}
