//! The HubSpot CRM v3 requests the connector sends, and reading their answers.

use http::Method;
use serde_json::{json, Value};
use switchboard_core::{
    connector::{vendor, MappingError},
    outbound::{OutboundRequest, Response},
};

use crate::mapping::{ContactPlan, Properties};

/// HubSpot's association type "note to contact".
const NOTE_TO_CONTACT: u32 = 202;
/// HubSpot allows at most five filter groups in one search.
const MAX_FILTER_GROUPS: usize = 5;
/// Notes of one contact read back when looking for an earlier attempt's note.
const NOTES_LOOKED_AT: u32 = 100;

/// Where the requests go, and with what token.
pub struct Api {
    base: url::Url,
    auth: String,
    /// The custom unique phone property, if configured.
    pub phone_property: Option<String>,
}

impl Api {
    /// An API client description for `base` (e.g. `https://api.hubapi.com`).
    pub fn new(base: url::Url, auth: String, phone_property: Option<String>) -> Self {
        Api {
            base,
            auth,
            phone_property,
        }
    }

    fn request(
        &self,
        method: Method,
        path: &str,
        body: Option<&Value>,
    ) -> Result<OutboundRequest, MappingError> {
        let url = vendor::endpoint(&self.base, path);
        let mut r = match body {
            Some(b) => vendor::json_post(url, b),
            None => {
                let mut r = OutboundRequest::post(url, "application/json", Vec::new());
                r.headers.remove(http::header::CONTENT_TYPE);
                r
            }
        };
        r.method = method;
        vendor::secret_header(&mut r, http::header::AUTHORIZATION, &self.auth)?;
        Ok(r)
    }

    /// The phone properties a caller's number may be stored in.
    pub fn phone_properties(&self) -> Vec<&str> {
        let mut out = vec!["phone", "mobilephone"];
        out.extend(self.phone_property.as_deref());
        out
    }

    /// What to read of a contact: its keys and the properties only filled
    /// where blank.
    fn read_properties<'a>(&'a self, c: &'a ContactPlan) -> Vec<&'a str> {
        let mut names: Vec<&str> = vec!["email"];
        names.extend(self.phone_properties());
        for k in c.fill.keys() {
            if !names.contains(&k.as_str()) {
                names.push(k);
            }
        }
        names
    }

    /// One search for the caller: by email OR by any phone property holding
    /// the number (E.164 and as given), at most five filter groups, the
    /// email and the E.164 forms first; oldest contact first.
    pub fn search_contacts(&self, c: &ContactPlan) -> Result<OutboundRequest, MappingError> {
        let mut groups = Vec::new();
        if let Some(email) = &c.email {
            groups.push(eq("email", email));
        }
        if let Some(phone) = &c.phone {
            for form in phone.forms() {
                for p in self.phone_properties() {
                    groups.push(eq(p, form));
                }
            }
        }
        groups.truncate(MAX_FILTER_GROUPS);
        let body = json!({
            "filterGroups": groups,
            "properties": self.read_properties(c),
            "sorts": [{"propertyName": "createdate", "direction": "ASCENDING"}],
            "limit": 10,
        });
        self.request(Method::POST, "/crm/v3/objects/contacts/search", Some(&body))
    }

    /// `POST /crm/v3/objects/contacts` (HubSpot requires `associations`).
    pub fn create_contact(&self, properties: &Properties) -> Result<OutboundRequest, MappingError> {
        let body = json!({"properties": properties, "associations": []});
        self.request(Method::POST, "/crm/v3/objects/contacts", Some(&body))
    }

    /// `PATCH /crm/v3/objects/contacts/{id}`.
    pub fn update_contact(
        &self,
        id: &str,
        properties: &Properties,
    ) -> Result<OutboundRequest, MappingError> {
        let body = json!({"properties": properties});
        self.request(
            Method::PATCH,
            &format!("/crm/v3/objects/contacts/{id}"),
            Some(&body),
        )
    }

    /// `GET /crm/v3/objects/contacts/{id}?properties=...`.
    pub fn read_contact(&self, id: &str, c: &ContactPlan) -> Result<OutboundRequest, MappingError> {
        let mut r = self.request(Method::GET, &format!("/crm/v3/objects/contacts/{id}"), None)?;
        r.url
            .query_pairs_mut()
            .append_pair("properties", &self.read_properties(c).join(","));
        Ok(r)
    }

    /// `POST /crm/v3/objects/notes` associated with the contact.
    pub fn create_note(
        &self,
        properties: &Properties,
        contact_id: &str,
    ) -> Result<OutboundRequest, MappingError> {
        let body = json!({
            "properties": properties,
            "associations": [{
                "to": {"id": contact_id},
                "types": [{"associationCategory": "HUBSPOT_DEFINED", "associationTypeId": NOTE_TO_CONTACT}]
            }]
        });
        self.request(Method::POST, "/crm/v3/objects/notes", Some(&body))
    }

    /// The contact's notes, newest first, with their bodies.
    pub fn search_notes(&self, contact_id: &str) -> Result<OutboundRequest, MappingError> {
        let body = json!({
            "filterGroups": [eq("associations.contact", contact_id)],
            "properties": ["hs_note_body"],
            "sorts": [{"propertyName": "hs_timestamp", "direction": "DESCENDING"}],
            "limit": NOTES_LOOKED_AT,
        });
        self.request(Method::POST, "/crm/v3/objects/notes/search", Some(&body))
    }
}

fn eq(property: &str, value: &str) -> Value {
    json!({"filters": [{"propertyName": property, "operator": "EQ", "value": value}]})
}

/// A CRM object in an answer: its id and the properties HubSpot returned.
#[derive(Debug, Clone)]
pub struct Record {
    /// HubSpot's object id.
    pub id: String,
    /// The properties returned (null values left out).
    pub properties: Properties,
}

impl Record {
    /// A property's value, `""` when HubSpot has none.
    pub fn get(&self, name: &str) -> &str {
        self.properties
            .get(name)
            .and_then(Value::as_str)
            .unwrap_or("")
    }

    fn from_json(v: &Value) -> Option<Record> {
        let id = match v.get("id")? {
            Value::String(s) => s.clone(),
            Value::Number(n) => n.to_string(),
            _ => return None,
        };
        let properties = v
            .get("properties")
            .and_then(Value::as_object)
            .map(|m| {
                m.iter()
                    .filter(|(_, v)| v.is_string())
                    .map(|(k, v)| (k.clone(), v.clone()))
                    .collect()
            })
            .unwrap_or_default();
        Some(Record { id, properties })
    }
}

/// The records of a search answer (`results[]`).
pub fn results(resp: &Response) -> Vec<Record> {
    serde_json::from_slice::<Value>(&resp.body)
        .ok()
        .and_then(|v| v.get("results").and_then(Value::as_array).cloned())
        .unwrap_or_default()
        .iter()
        .filter_map(Record::from_json)
        .collect()
}

/// The object of a create or read answer.
pub fn record(resp: &Response) -> Option<Record> {
    serde_json::from_slice::<Value>(&resp.body)
        .ok()
        .as_ref()
        .and_then(Record::from_json)
}

/// The id in a 409 "Contact already exists. Existing ID: 123" answer (a
/// contact another writer created since the search).
pub fn existing_id(resp: &Response) -> Option<String> {
    let body: Value = serde_json::from_slice(&resp.body).ok()?;
    let message = body.get("message")?.as_str()?;
    let (_, rest) = message.split_once("Existing ID:")?;
    let id: String = rest
        .trim()
        .chars()
        .take_while(char::is_ascii_digit)
        .collect();
    (!id.is_empty()).then_some(id)
}
