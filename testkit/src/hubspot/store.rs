//! What the simulated portal holds: contacts (unique `email` and unique
//! custom properties, as HubSpot enforces) and notes with their contacts.

use std::{
    collections::BTreeMap,
    time::{Duration, Instant},
};

use serde_json::{json, Map, Value};

use super::rules::{self, Props, Refusal, Search};

/// A contact as the portal holds it.
#[derive(Debug, Clone, PartialEq)]
pub struct Contact {
    /// HubSpot's id (numeric string).
    pub id: String,
    /// Property values.
    pub properties: BTreeMap<String, String>,
    /// When it was created (search does not see it for a while).
    pub(super) since: Instant,
}

impl Contact {
    /// A property's value, if set.
    pub fn get(&self, name: &str) -> Option<&str> {
        self.properties.get(name).map(String::as_str)
    }
}

/// A note on the timeline.
#[derive(Debug, Clone, PartialEq)]
pub struct Note {
    /// HubSpot's id.
    pub id: String,
    /// `hs_timestamp`, `hs_note_body`, ...
    pub properties: BTreeMap<String, String>,
    /// Ids of the contacts it is associated with.
    pub contacts: Vec<String>,
    pub(super) since: Instant,
}

impl Note {
    /// `hs_note_body`.
    pub fn body(&self) -> &str {
        self.properties
            .get("hs_note_body")
            .map_or("", String::as_str)
    }
}

/// The portal's data.
#[derive(Debug, Default)]
pub struct Store {
    pub(super) contacts: Vec<Contact>,
    pub(super) notes: Vec<Note>,
    /// Custom contact properties, and which of them are unique.
    pub(super) custom: Vec<String>,
    pub(super) unique: Vec<String>,
    /// How long a new object stays out of search results (HubSpot indexes
    /// for search a few seconds after a write).
    pub(super) search_lag: Duration,
    next_id: u64,
}

impl Store {
    fn new_id(&mut self) -> String {
        self.next_id += 1;
        (1000 + self.next_id).to_string()
    }

    /// Adds a unique-value custom contact property.
    pub fn add_unique(&mut self, name: &str) {
        self.custom.push(name.to_owned());
        self.unique.push(name.to_owned());
    }

    /// A contact with `props`, unless a unique value is taken (409 for an
    /// email, with the existing id, as HubSpot answers).
    pub fn create_contact(&mut self, props: Props) -> Result<Contact, Refusal> {
        self.check_unique(None, &props)?;
        let id = self.new_id();
        let contact = Contact {
            id,
            properties: props.into_iter().filter(|(_, v)| !v.is_empty()).collect(),
            since: Instant::now(),
        };
        self.contacts.push(contact.clone());
        Ok(contact)
    }

    /// Writes `props` on contact `id` (an empty value clears it).
    pub fn update_contact(&mut self, id: &str, props: Props) -> Result<Contact, Refusal> {
        self.contact(id)?;
        self.check_unique(Some(id), &props)?;
        let c = self
            .contacts
            .iter_mut()
            .find(|c| c.id == id)
            .expect("checked");
        for (k, v) in props {
            if v.is_empty() {
                c.properties.remove(&k);
            } else {
                c.properties.insert(k, v);
            }
        }
        Ok(c.clone())
    }

    /// Contact `id` or 404.
    pub fn contact(&self, id: &str) -> Result<&Contact, Refusal> {
        self.contacts
            .iter()
            .find(|c| c.id == id)
            .ok_or_else(|| Refusal::new(404, "OBJECT_NOT_FOUND", "resource not found"))
    }

    fn check_unique(&self, id: Option<&str>, props: &Props) -> Result<(), Refusal> {
        for (k, v) in props.iter().filter(|(_, v)| !v.is_empty()) {
            let holder = |c: &&Contact| {
                Some(c.id.as_str()) != id && c.get(k).is_some_and(|x| x.eq_ignore_ascii_case(v))
            };
            let Some(other) = self.contacts.iter().find(holder) else {
                continue;
            };
            if k == "email" {
                return Err(Refusal::new(
                    409,
                    "CONFLICT",
                    format!("Contact already exists. Existing ID: {}", other.id),
                ));
            }
            if self.unique.contains(k) {
                // (unverified) HubSpot's exact wording for a unique-value clash.
                return Err(Refusal::new(400, "VALIDATION_ERROR", format!(
                    "Property values were not valid: {k} must be unique; {v} is already on contact {}", other.id
                )));
            }
        }
        Ok(())
    }

    /// Batch upsert of one input, keyed by a unique property only.
    pub fn upsert(
        &mut self,
        id_property: &str,
        id: &str,
        mut props: Props,
    ) -> Result<(Contact, bool), Refusal> {
        if id_property != "email" && !self.unique.contains(&id_property.to_owned()) {
            return Err(Refusal::new(400, "VALIDATION_ERROR", format!(
                "{id_property} is not a unique identifier property: idProperty must be email, hs_object_id or a unique-value property"
            )));
        }
        props.push((id_property.to_owned(), id.to_owned()));
        let existing = self.contacts.iter().find(|c| {
            c.get(id_property)
                .is_some_and(|v| v.eq_ignore_ascii_case(id))
        });
        match existing.map(|c| c.id.clone()) {
            Some(cid) => Ok((self.update_contact(&cid, props)?, false)),
            None => Ok((self.create_contact(props)?, true)),
        }
    }

    /// A note associated with existing contacts.
    pub fn create_note(&mut self, props: Props, contacts: Vec<String>) -> Result<Note, Refusal> {
        if let Some(missing) = contacts.iter().find(|id| self.contact(id).is_err()) {
            return Err(Refusal::new(
                400,
                "VALIDATION_ERROR",
                format!("association to contact {missing}: no such contact"),
            ));
        }
        let note = Note {
            id: self.new_id(),
            properties: props.into_iter().collect(),
            contacts,
            since: Instant::now(),
        };
        self.notes.push(note.clone());
        Ok(note)
    }

    /// A contacts search answer (EQ case-insensitive, OR of groups, AND within).
    pub fn search_contacts(&self, s: &Search) -> Value {
        let hits: Vec<&Contact> = self
            .contacts
            .iter()
            .filter(|c| c.since.elapsed() >= self.search_lag)
            .filter(|c| matches(&s.groups, |name| c.get(name).map(str::to_owned)))
            .collect();
        let default = ["email", "firstname", "lastname"]
            .map(String::from)
            .to_vec();
        let names = s.properties.clone().unwrap_or(default);
        page(hits, s, |c| (c.id.clone(), shown(&c.properties, &names)))
    }

    /// A notes search answer (`associations.contact` filters the contact).
    pub fn search_notes(&self, s: &Search) -> Value {
        let hits: Vec<&Note> = self
            .notes
            .iter()
            .filter(|n| n.since.elapsed() >= self.search_lag)
            .filter(|n| {
                matches(&s.groups, |name| match name {
                    "associations.contact" => n.contacts.first().cloned(),
                    other => n.properties.get(other).cloned(),
                })
            })
            .collect();
        let names = s.properties.clone().unwrap_or_default();
        page(hits, s, |n| (n.id.clone(), shown(&n.properties, &names)))
    }
}

fn matches(groups: &[Vec<rules::Filter>], value: impl Fn(&str) -> Option<String>) -> bool {
    groups.is_empty()
        || groups.iter().any(|g| {
            g.iter()
                .all(|(name, want)| value(name).is_some_and(|v| v.eq_ignore_ascii_case(want)))
        })
}

fn shown(props: &BTreeMap<String, String>, names: &[String]) -> Map<String, Value> {
    names
        .iter()
        .map(|n| {
            (
                n.clone(),
                props
                    .get(n)
                    .map_or(Value::Null, |v| Value::String(v.clone())),
            )
        })
        .collect()
}

fn page<T>(
    mut hits: Vec<&T>,
    s: &Search,
    row: impl Fn(&T) -> (String, Map<String, Value>),
) -> Value {
    if !s.ascending {
        hits.reverse();
    }
    let total = hits.len();
    let results: Vec<Value> = hits
        .into_iter()
        .take(s.limit)
        .map(|h| {
            let (id, mut props) = row(h);
            props.insert("hs_object_id".into(), id.clone().into());
            json!({"id": id, "properties": props, "archived": false})
        })
        .collect();
    json!({"total": total, "results": results})
}
