//! What HubSpot CRM v3 refuses, written from the facts in VENDORS.md (HubSpot's
//! own spec may not be redistributed): property values are strings of at
//! most 65,536 characters, only properties the portal has, valid emails and
//! enumeration options; a contact create needs `associations`; a note needs
//! `hs_timestamp` and a note-to-contact association (type 202); a search has
//! at most 5 filter groups, 6 filters per group and 18 in all.

use serde_json::{json, Value};

/// A HubSpot error answer.
#[derive(Debug, Clone, PartialEq)]
pub struct Refusal {
    /// HTTP status.
    pub status: u16,
    /// HubSpot's `category` (`VALIDATION_ERROR`, `CONFLICT`, ...).
    pub category: &'static str,
    /// HubSpot's `message`.
    pub message: String,
}

impl Refusal {
    pub(super) fn new(status: u16, category: &'static str, message: impl Into<String>) -> Self {
        Refusal {
            status,
            category,
            message: message.into(),
        }
    }

    fn invalid(message: impl Into<String>) -> Self {
        Refusal::new(400, "VALIDATION_ERROR", message)
    }

    /// The JSON body HubSpot answers with.
    pub fn body(&self) -> Value {
        json!({
            "status": "error",
            "message": self.message,
            "correlationId": "5b2d9d0a-sim",
            "category": self.category,
        })
    }
}

/// Property values by name, in body order.
pub type Props = Vec<(String, String)>;

/// Built-in contact properties a default portal has.
const CONTACT_PROPERTIES: [&str; 16] = [
    "email",
    "firstname",
    "lastname",
    "phone",
    "mobilephone",
    "address",
    "city",
    "state",
    "zip",
    "country",
    "company",
    "jobtitle",
    "website",
    "message",
    "hs_lead_status",
    "lifecyclestage",
];
/// `hs_lead_status` options of a default portal.
const LEAD_STATUSES: [&str; 8] = [
    "NEW",
    "OPEN",
    "IN_PROGRESS",
    "OPEN_DEAL",
    "UNQUALIFIED",
    "ATTEMPTED_TO_CONTACT",
    "CONNECTED",
    "BAD_TIMING",
];
/// `lifecyclestage` options of a default portal.
const LIFECYCLE_STAGES: [&str; 8] = [
    "subscriber",
    "lead",
    "marketingqualifiedlead",
    "salesqualifiedlead",
    "opportunity",
    "customer",
    "evangelist",
    "other",
];
const NOTE_PROPERTIES: [&str; 4] = [
    "hs_timestamp",
    "hs_note_body",
    "hubspot_owner_id",
    "hs_attachment_ids",
];
/// Longest string property value (and `hs_note_body`), in characters.
pub const MAX_VALUE_CHARS: usize = 65_536;
/// HubSpot's association type "note to contact".
pub const NOTE_TO_CONTACT: u64 = 202;

/// The `properties` object of a write, checked against the contact
/// properties the portal has (`custom`: the portal's own).
pub fn contact_properties(body: &Value, custom: &[String]) -> Result<Props, Refusal> {
    let props = strings(body)?;
    for (name, value) in &props {
        let known = CONTACT_PROPERTIES.contains(&name.as_str()) || custom.contains(name);
        if !known {
            return Err(not_valid(
                name,
                "PROPERTY_DOESNT_EXIST",
                &format!("Property \\\"{name}\\\" does not exist"),
            ));
        }
        let bad_option = match name.as_str() {
            "hs_lead_status" => !LEAD_STATUSES.contains(&value.as_str()),
            "lifecyclestage" => !LIFECYCLE_STAGES.contains(&value.as_str()),
            _ => false,
        };
        if bad_option {
            return Err(not_valid(
                name,
                "INVALID_OPTION",
                &format!("{value} was not one of the allowed options"),
            ));
        }
        if name == "email" && !valid_email(value) {
            return Err(not_valid(
                name,
                "INVALID_EMAIL",
                &format!("Email address {value} is invalid"),
            ));
        }
    }
    Ok(props)
}

/// A note create: properties and its association to a contact (the id is
/// only checked to be a string here; the store checks it exists).
pub fn note(body: &Value) -> Result<(Props, Vec<String>), Refusal> {
    let props = strings(body)?;
    if let Some((name, _)) = props
        .iter()
        .find(|(k, _)| !NOTE_PROPERTIES.contains(&k.as_str()))
    {
        return Err(not_valid(
            name,
            "PROPERTY_DOESNT_EXIST",
            &format!("Property \\\"{name}\\\" does not exist"),
        ));
    }
    let stamp = props
        .iter()
        .find(|(k, _)| k == "hs_timestamp")
        .map(|(_, v)| v.as_str());
    if !stamp.is_some_and(valid_timestamp) {
        return Err(Refusal::invalid(
            "hs_timestamp is required: an ISO 8601 time or Unix milliseconds",
        ));
    }
    let contacts = body
        .get("associations")
        .and_then(Value::as_array)
        .ok_or_else(|| Refusal::invalid("associations must be an array"))?
        .iter()
        .map(association)
        .collect::<Result<Vec<_>, _>>()?;
    Ok((props, contacts))
}

fn association(a: &Value) -> Result<String, Refusal> {
    let id = a
        .pointer("/to/id")
        .and_then(Value::as_str)
        .filter(|s| !s.is_empty());
    let types = a.get("types").and_then(Value::as_array);
    let type_ok = types.is_some_and(|t| {
        !t.is_empty()
            && t.iter().all(|t| {
                t["associationCategory"] == "HUBSPOT_DEFINED"
                    && t["associationTypeId"] == NOTE_TO_CONTACT
            })
    });
    match (id, type_ok) {
        (Some(id), true) => Ok(id.to_owned()),
        _ => Err(Refusal::invalid(format!(
            "invalid association {a}: needs to.id and types [{{associationCategory: HUBSPOT_DEFINED, associationTypeId: {NOTE_TO_CONTACT}}}]"
        ))),
    }
}

/// One EQ filter of a search: (property, value).
pub type Filter = (String, String);

/// A search body: its filter groups (OR of ANDs), properties to return,
/// sort direction by creation (`true`: oldest first) and limit.
pub struct Search {
    /// Filter groups.
    pub groups: Vec<Vec<Filter>>,
    /// Properties to return.
    pub properties: Option<Vec<String>>,
    /// Oldest first.
    pub ascending: bool,
    /// Page size.
    pub limit: usize,
}

/// Reads a search body the way HubSpot limits it.
pub fn search(body: &Value) -> Result<Search, Refusal> {
    let groups = body
        .get("filterGroups")
        .and_then(Value::as_array)
        .cloned()
        .unwrap_or_default();
    let total: usize = groups
        .iter()
        .map(|g| g["filters"].as_array().map_or(0, Vec::len))
        .sum();
    if groups.len() > 5 || total > 18 {
        return Err(Refusal::invalid(format!(
            "too many filters: {} filterGroups, {total} filters (at most 5 groups, 6 filters each, 18 in all)",
            groups.len()
        )));
    }
    let groups = groups
        .iter()
        .map(filter_group)
        .collect::<Result<Vec<_>, _>>()?;
    let limit = body.get("limit").and_then(Value::as_u64).unwrap_or(10) as usize;
    if limit > 200 {
        return Err(Refusal::invalid("limit must be at most 200"));
    }
    let properties = body.get("properties").and_then(Value::as_array).map(|a| {
        a.iter()
            .filter_map(Value::as_str)
            .map(str::to_owned)
            .collect()
    });
    let ascending =
        body.pointer("/sorts/0/direction").and_then(Value::as_str) != Some("DESCENDING");
    Ok(Search {
        groups,
        properties,
        ascending,
        limit,
    })
}

fn filter_group(g: &Value) -> Result<Vec<Filter>, Refusal> {
    let filters = g
        .get("filters")
        .and_then(Value::as_array)
        .cloned()
        .unwrap_or_default();
    if filters.len() > 6 {
        return Err(Refusal::invalid("at most 6 filters per filterGroup"));
    }
    filters
        .iter()
        .map(|f| {
            let name = f["propertyName"].as_str().unwrap_or("");
            let value = f["value"].as_str();
            match (f["operator"].as_str(), value) {
                (Some("EQ"), Some(v)) if !name.is_empty() => Ok((name.to_owned(), v.to_owned())),
                (Some("EQ"), _) => Err(Refusal::invalid(format!(
                    "filter {f}: EQ needs propertyName and a string value"
                ))),
                _ => Err(Refusal::invalid(format!(
                    "filter {f}: the simulator implements operator EQ only"
                ))),
            }
        })
        .collect()
}

/// The string `properties` of a body (every value a string, within the limit).
fn strings(body: &Value) -> Result<Props, Refusal> {
    let props = body
        .get("properties")
        .and_then(Value::as_object)
        .ok_or_else(|| Refusal::invalid("properties must be an object"))?;
    props
        .iter()
        .map(|(k, v)| match v.as_str() {
            Some(s) if s.chars().count() <= MAX_VALUE_CHARS => Ok((k.clone(), s.to_owned())),
            Some(_) => Err(Refusal::invalid(format!(
                "{k} is longer than {MAX_VALUE_CHARS} characters"
            ))),
            None => Err(Refusal::invalid(format!("{k} must be a string, not {v}"))),
        })
        .collect()
}

fn not_valid(name: &str, error: &str, message: &str) -> Refusal {
    Refusal::invalid(format!(
        "Property values were not valid: [{{\"isValid\":false,\"message\":\"{message}\",\"error\":\"{error}\",\"name\":\"{name}\"}}]"
    ))
}

fn valid_email(e: &str) -> bool {
    let Some((local, domain)) = e.split_once('@') else {
        return false;
    };
    !local.is_empty()
        && domain.contains('.')
        && !domain.ends_with('.')
        && !e.contains(char::is_whitespace)
}

fn valid_timestamp(s: &str) -> bool {
    s.parse::<u64>().is_ok() || chrono_like_rfc3339(s)
}

/// `YYYY-MM-DDTHH:MM:SS` followed by a zone, without pulling in a date crate.
fn chrono_like_rfc3339(s: &str) -> bool {
    let b = s.as_bytes();
    b.len() >= 20
        && b[4] == b'-'
        && b[7] == b'-'
        && (b[10] == b'T' || b[10] == b't')
        && b[13] == b':'
        && b[16] == b':'
        && (s.ends_with('Z') || s[19..].contains('+') || s[19..].contains('-'))
}
