//! What a template's output asks for, checked, without the network.
//!
//! Template output:
//! `{"person": {"name", "email", "phone"}, "lead": {"title", ..}, "note": "text"}`;
//! `lead` and `note` are optional, and every person field may be empty.

use serde_json::{Map, Value};
use switchboard_core::{
    connector::{
        caller::{self, Caller},
        MappingError,
    },
    template::Template,
};

/// What one event becomes.
#[derive(Debug, Clone)]
pub struct Plan {
    /// The caller's person, found (by email, then number) or created.
    pub person: Caller,
    /// A lead for that person (`POST /api/v1/leads`), if the template asks.
    pub lead: Option<LeadPlan>,
    /// Plain text for a note on the lead, else on the person.
    pub note: Option<String>,
}

/// A lead: its title and the other fields the template sets.
#[derive(Debug, Clone)]
pub struct LeadPlan {
    /// `title` (required by Pipedrive).
    pub title: String,
    /// Other lead fields (`value`, `label_ids`, `owner_id`, ...), as rendered.
    pub extra: Map<String, Value>,
}

/// Reads and checks a template's output; `country` reads national numbers.
pub fn read(t: &Template, out: &Value, country: Option<&str>) -> Result<Plan, MappingError> {
    let fail = |m: String| MappingError::from(t.error(m));
    let p = out
        .get("person")
        .ok_or_else(|| fail("output must have a `person` object".into()))?;
    let person = Caller::read(p, country).map_err(|m| fail(format!("`person`: {m}")))?;
    let lead = match out.get("lead") {
        None | Some(Value::Null) => None,
        Some(Value::Object(l)) => Some(lead_plan(l, &person).map_err(fail)?),
        Some(_) => return Err(fail("`lead` must be an object".into())),
    };
    Ok(Plan {
        person,
        lead,
        note: caller::text(out, "note").map_err(fail)?,
    })
}

fn lead_plan(l: &Map<String, Value>, person: &Caller) -> Result<LeadPlan, String> {
    let mut extra = l.clone();
    for owned in ["person_id", "organization_id"] {
        if extra.contains_key(owned) {
            return Err(format!(
                "`lead.{owned}` is set by the connector (the caller's person): remove it"
            ));
        }
    }
    let title = match extra.remove("title") {
        Some(Value::String(s)) if !s.trim().is_empty() => s.trim().to_owned(),
        None | Some(Value::String(_)) => format!("Lead: {}", person.display_name()),
        Some(_) => return Err("`lead.title` must be a string".into()),
    };
    Ok(LeadPlan { title, extra })
}
