//! What a template's output asks for, checked: the caller's keys (email,
//! phone), the contact properties by how they may be written, and a note.
//!
//! Template output:
//! `{"contact": {"email", "phone", "properties": {..}, "create_only": {..},
//! "overwrite": {..}}, "note": {"hs_timestamp", "text", ..}}`.

use serde_json::{Map, Value};
use switchboard_core::{connector::MappingError, template::Template};

use crate::phone::Phone;

/// String properties by internal name.
pub type Properties = Map<String, Value>;

/// What one event becomes.
#[derive(Debug)]
pub struct Plan {
    /// The caller's contact; `None` when nothing identifies the caller and
    /// nothing is worth keeping (then nothing is sent).
    pub contact: Option<ContactPlan>,
    /// A note for the contact's timeline.
    pub note: Option<NotePlan>,
}

/// The contact to find or create, and what to write on it.
#[derive(Debug, Clone)]
pub struct ContactPlan {
    /// Lowercased email, if the event has a usable one.
    pub email: Option<String>,
    /// The caller's number, if any.
    pub phone: Option<Phone>,
    /// Written only where HubSpot has no value yet (staff edits win).
    pub fill: Properties,
    /// Written only when the contact is created (lead status, lifecycle).
    pub create_only: Properties,
    /// Always written (an operator's explicit choice).
    pub overwrite: Properties,
}

/// A note: plain text the connector escapes into `hs_note_body`.
#[derive(Debug, Clone)]
pub struct NotePlan {
    /// `hs_timestamp` (RFC 3339 or Unix milliseconds).
    pub timestamp: String,
    /// Plain text (newlines kept as line breaks).
    pub text: String,
    /// Other note properties the template sets.
    pub extra: Properties,
}

impl ContactPlan {
    /// Whether HubSpot can find this contact again (by email or phone).
    pub fn has_key(&self) -> bool {
        self.email.is_some() || self.phone.is_some()
    }
}

/// Reads and checks a template's output.
pub fn read(t: &Template, mut out: Value) -> Result<Plan, MappingError> {
    let contact = out
        .get_mut("contact")
        .map(Value::take)
        .ok_or_else(|| fail(t, "output must have a `contact` object"))?;
    let contact = contact_plan(t, &contact)?;
    let note = match out.get("note") {
        None | Some(Value::Null) => None,
        Some(n) => note_plan(t, n)?,
    };
    let worth_keeping = contact.has_key() || !contact.fill.is_empty();
    Ok(Plan {
        contact: worth_keeping.then_some(contact),
        note,
    })
}

fn fail(t: &Template, message: impl Into<String>) -> MappingError {
    t.error(message).into()
}

fn contact_plan(t: &Template, c: &Value) -> Result<ContactPlan, MappingError> {
    if !c.is_object() {
        return Err(fail(t, "`contact` must be an object"));
    }
    if c.get("idProperty").is_some() || c.get("id").is_some() {
        return Err(fail(
            t,
            "`contact.idProperty`/`contact.id` are no longer read: render `contact.email` \
             and `contact.phone` and the connector finds or creates the contact (see the README)",
        ));
    }
    let email = text(t, c, "email", "contact")?
        .map(|e| e.trim().to_lowercase())
        .filter(|e| plausible_email(e));
    let phone = text(t, c, "phone", "contact")?.and_then(|p| Phone::parse(&p));
    Ok(ContactPlan {
        email,
        phone,
        fill: strings(t, c, "properties", "contact")?,
        create_only: strings(t, c, "create_only", "contact")?,
        overwrite: strings(t, c, "overwrite", "contact")?,
    })
}

fn note_plan(t: &Template, n: &Value) -> Result<Option<NotePlan>, MappingError> {
    let Some(obj) = n.as_object() else {
        return Err(fail(t, "`note` must be an object"));
    };
    if obj.contains_key("hs_note_body") {
        return Err(fail(
            t,
            "`note.hs_note_body` is built by the connector: render plain text as `note.text` \
             (it is escaped to HTML and kept within HubSpot's 65,536 characters)",
        ));
    }
    let Some(text) = text(t, n, "text", "note")?.filter(|s| !s.trim().is_empty()) else {
        return Ok(None);
    };
    let timestamp = self::text(t, n, "hs_timestamp", "note")?
        .filter(|s| !s.trim().is_empty())
        .ok_or_else(|| fail(t, "`note.hs_timestamp` is required (HubSpot needs it)"))?;
    let mut extra = strings(t, &Value::Object(obj.clone()), "", "note")?;
    extra.remove("text");
    extra.remove("hs_timestamp");
    Ok(Some(NotePlan {
        timestamp,
        text,
        extra,
    }))
}

/// An optional string field of `obj`.
fn text(t: &Template, obj: &Value, key: &str, at: &str) -> Result<Option<String>, MappingError> {
    match obj.get(key) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(s)) => Ok(Some(s.clone())),
        Some(_) => Err(fail(t, format!("`{at}.{key}` must be a string"))),
    }
}

/// An optional object of string values (`key` empty: `obj` itself), empty
/// strings left out so they never erase what HubSpot knows.
fn strings(t: &Template, obj: &Value, key: &str, at: &str) -> Result<Properties, MappingError> {
    let value = if key.is_empty() {
        Some(obj)
    } else {
        obj.get(key)
    };
    let name = if key.is_empty() {
        at.to_owned()
    } else {
        format!("{at}.{key}")
    };
    let map = match value {
        None | Some(Value::Null) => return Ok(Properties::new()),
        Some(Value::Object(m)) => m,
        Some(_) => return Err(fail(t, format!("`{name}` must be an object"))),
    };
    if let Some((k, _)) = map.iter().find(|(_, v)| !v.is_string()) {
        return Err(fail(
            t,
            format!("`{name}.{k}` must be a string (HubSpot takes only strings)"),
        ));
    }
    Ok(map
        .iter()
        .filter(|(_, v)| v.as_str().is_some_and(|s| !s.trim().is_empty()))
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect())
}

/// An email HubSpot would take as a key: HubSpot answers 400 to anything
/// else, which would lose the whole lead; such a value is left out.
fn plausible_email(e: &str) -> bool {
    let Some((local, domain)) = e.split_once('@') else {
        return false;
    };
    !local.is_empty()
        && !domain.contains('@')
        && domain.contains('.')
        && !domain.starts_with('.')
        && !domain.ends_with('.')
        && !e.chars().any(char::is_whitespace)
}
