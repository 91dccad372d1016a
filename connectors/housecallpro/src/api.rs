//! The Housecall Pro requests the connector sends (customers, leads, jobs),
//! and reading their answers. Housecall Pro publishes no licensed
//! description; the shapes follow the vendor notes (several unverified,
//! see the README).

use http::Method;
use serde_json::{json, Map, Value};
use switchboard_core::{
    connector::{caller::Caller, vendor, MappingError},
    outbound::{OutboundRequest, Response},
};

/// Where the requests go, and with what key.
pub struct Api {
    base: url::Url,
    auth: String,
}

/// A customer in an answer.
#[derive(Debug, Clone, Default)]
pub struct Customer {
    /// Housecall Pro's id.
    pub id: String,
    /// Email, if any.
    pub email: Option<String>,
    /// Mobile number, if any.
    pub mobile: Option<String>,
    /// The id of its first address, if any.
    pub address_id: Option<String>,
}

/// The work an event asks for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Work {
    /// `POST /leads`.
    Lead,
    /// `POST /jobs`.
    Job,
}

impl Work {
    fn path(self) -> &'static str {
        match self {
            Work::Lead => "/leads",
            Work::Job => "/jobs",
        }
    }
}

impl Api {
    /// Requests to `base` with `auth` (`Token <key>`).
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

    /// `GET /customers?q=` (matches names, emails and numbers).
    pub fn search(&self, term: &str) -> Result<OutboundRequest, MappingError> {
        self.request(
            Method::GET,
            "/customers",
            &[("q", term), ("page_size", "10")],
            None,
        )
    }

    /// `POST /customers` with the caller's name, email, mobile number and
    /// service address.
    pub fn create_customer(
        &self,
        c: &Caller,
        address: Option<&str>,
    ) -> Result<OutboundRequest, MappingError> {
        let name = c.display_name();
        let (first, last) = name.split_once(' ').unwrap_or((&name, ""));
        let mut body = json!({"first_name": first, "lead_source": "Switchboard"});
        if !last.trim().is_empty() {
            body["last_name"] = last.trim().into();
        }
        if let Some(e) = &c.email {
            body["email"] = e.clone().into();
        }
        if let Some(p) = &c.phone {
            body["mobile_number"] = p.best().into();
        }
        if let Some(a) = address {
            body["addresses"] = json!([{"street": a, "type": "service"}]);
        }
        self.request(Method::POST, "/customers", &[], Some(&body))
    }

    /// `POST /customers/{id}/addresses` (a job needs an address).
    pub fn add_address(
        &self,
        customer_id: &str,
        street: &str,
    ) -> Result<OutboundRequest, MappingError> {
        let body = json!({"street": street, "type": "service"});
        self.request(
            Method::POST,
            &format!("/customers/{customer_id}/addresses"),
            &[],
            Some(&body),
        )
    }

    /// `POST /leads` `{customer_id, note}` or `POST /jobs` `{customer_id,
    /// address_id, schedule, notes}` (`fields` holds the rest).
    pub fn create_work(
        &self,
        work: Work,
        mut fields: Map<String, Value>,
        customer_id: &str,
    ) -> Result<OutboundRequest, MappingError> {
        fields.insert("customer_id".into(), customer_id.into());
        self.request(Method::POST, work.path(), &[], Some(&Value::Object(fields)))
    }

    /// `GET /leads?customer_id=` or `GET /jobs?customer_id=` (an earlier
    /// attempt's work).
    pub fn list_work(
        &self,
        work: Work,
        customer_id: &str,
    ) -> Result<OutboundRequest, MappingError> {
        self.request(
            Method::GET,
            work.path(),
            &[("customer_id", customer_id)],
            None,
        )
    }
}

fn body(resp: &Response) -> Value {
    serde_json::from_slice(&resp.body).unwrap_or(Value::Null)
}

fn id(v: &Value) -> Option<String> {
    match v.get("id")? {
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        _ => None,
    }
}

fn customer(v: &Value) -> Option<Customer> {
    let text = |k: &str| {
        v.get(k)
            .and_then(Value::as_str)
            .filter(|s| !s.is_empty())
            .map(str::to_owned)
    };
    Some(Customer {
        id: id(v)?,
        email: text("email"),
        mobile: text("mobile_number"),
        address_id: v.pointer("/addresses/0").and_then(id),
    })
}

/// The customers of a search answer.
pub fn customers(resp: &Response) -> Vec<Customer> {
    body(resp)
        .get("customers")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter_map(customer)
        .collect()
}

/// The customer of a create answer.
pub fn created_customer(resp: &Response) -> Option<Customer> {
    customer(&body(resp))
}

/// The id of a created address.
pub fn created_id(resp: &Response) -> Option<String> {
    id(&body(resp))
}

/// Whether a leads or jobs list holds an item whose note carries `mark`.
pub fn lists_marked(resp: &Response, work: Work, mark: &str) -> bool {
    let (list, note) = match work {
        Work::Lead => ("leads", "note"),
        Work::Job => ("jobs", "notes"),
    };
    body(resp)
        .get(list)
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .any(|i| {
            i.get(note)
                .and_then(Value::as_str)
                .is_some_and(|n| n.contains(mark))
        })
}
