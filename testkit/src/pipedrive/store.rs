//! What the simulated Pipedrive company holds (persons, leads, notes) and
//! how each checked request changes it.

use serde_json::{json, Value};

use super::rules::{self, Refusal, Route};

/// A person.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Person {
    /// Person id.
    pub id: u64,
    /// Name.
    pub name: String,
    /// Email values.
    pub emails: Vec<String>,
    /// Phone values, as written.
    pub phones: Vec<String>,
}

/// A lead.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Lead {
    /// Lead id (a UUID).
    pub id: String,
    /// Title.
    pub title: String,
    /// The person it is for.
    pub person_id: u64,
}

/// A note.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Note {
    /// Note id.
    pub id: u64,
    /// HTML content.
    pub content: String,
    /// The person it hangs on, if any.
    pub person_id: Option<u64>,
    /// The lead it hangs on, if any.
    pub lead_id: Option<String>,
}

/// The company's data.
#[derive(Default)]
pub(super) struct Store {
    pub(super) persons: Vec<Person>,
    pub(super) leads: Vec<Lead>,
    pub(super) notes: Vec<Note>,
    next_id: u64,
}

fn ok(data: Value) -> Value {
    json!({"success": true, "data": data, "additional_data": null})
}

fn values(p: &serde_json::Map<String, Value>, key: &str) -> Option<Vec<String>> {
    let list = p.get(key)?.as_array()?;
    Some(
        list.iter()
            .filter_map(|e| e["value"].as_str())
            .map(str::to_owned)
            .collect(),
    )
}

impl Person {
    fn json(&self) -> Value {
        let list = |l: &[String]| -> Vec<Value> {
            l.iter()
                .enumerate()
                .map(|(i, v)| json!({"value": v, "primary": i == 0, "label": "work"}))
                .collect()
        };
        json!({"id": self.id, "name": self.name, "emails": list(&self.emails), "phones": list(&self.phones)})
    }
}

impl Store {
    fn id(&mut self) -> u64 {
        self.next_id += 1;
        self.next_id
    }

    /// Adds a person (staff typing one in); its id.
    pub(super) fn add_person(&mut self, name: &str, emails: &[&str], phones: &[&str]) -> u64 {
        let id = self.id();
        let owned = |l: &[&str]| l.iter().map(|s| s.to_string()).collect();
        self.persons.push(Person {
            id,
            name: name.into(),
            emails: owned(emails),
            phones: owned(phones),
        });
        id
    }

    /// Answers a checked request: status and body.
    pub(super) fn answer(
        &mut self,
        route: Route,
        query: &[(String, String)],
        body: &Value,
    ) -> Result<(u16, Value), Refusal> {
        let q = |k: &str| {
            query
                .iter()
                .find(|(x, _)| x == k)
                .and_then(|(_, v)| v.parse::<u64>().ok())
        };
        match route {
            Route::SearchPersons => {
                let (term, fields) = rules::search(query)?;
                Ok((200, self.search(&term, &fields)))
            }
            Route::CreatePerson => {
                let p = rules::person(body, true)?;
                let id = self.id();
                let person = Person {
                    id,
                    name: p["name"].as_str().unwrap_or_default().to_owned(),
                    emails: values(p, "emails").unwrap_or_default(),
                    phones: values(p, "phones").unwrap_or_default(),
                };
                self.persons.push(person.clone());
                Ok((200, ok(person.json())))
            }
            Route::UpdatePerson(id) => {
                let p = rules::person(body, false)?;
                let person = self.persons.iter_mut().find(|x| x.id == id);
                let person = person.ok_or_else(|| Refusal::new(404, "Person not found"))?;
                if let Some(n) = p.get("name").and_then(Value::as_str) {
                    person.name = n.to_owned();
                }
                person.emails = values(p, "emails").unwrap_or(person.emails.clone());
                person.phones = values(p, "phones").unwrap_or(person.phones.clone());
                Ok((200, ok(person.json())))
            }
            Route::CreateLead => {
                let (title, person_id) = rules::lead(body)?;
                if !self.persons.iter().any(|p| p.id == person_id) {
                    return Err(Refusal::new(
                        400,
                        format!("Person {person_id} does not exist"),
                    ));
                }
                let n = self.id();
                let lead = Lead {
                    id: format!("adf21080-0e10-11eb-879b-{n:012}"),
                    title: title.to_owned(),
                    person_id,
                };
                self.leads.push(lead.clone());
                Ok((
                    201,
                    ok(
                        json!({"id": lead.id, "title": lead.title, "person_id": person_id, "source_name": "API"}),
                    ),
                ))
            }
            Route::ListLeads => {
                let person = q("person_id");
                let list: Vec<Value> = self
                    .leads
                    .iter()
                    .filter(|l| person.is_none_or(|p| l.person_id == p))
                    .map(|l| json!({"id": l.id, "title": l.title, "person_id": l.person_id}))
                    .collect();
                Ok((200, ok(list.into())))
            }
            Route::CreateNote => {
                let (content, person_id, lead_id) = rules::note(body)?;
                if person_id.is_some_and(|id| !self.persons.iter().any(|p| p.id == id)) {
                    return Err(Refusal::new(400, "Person not found"));
                }
                if lead_id.is_some_and(|id| !self.leads.iter().any(|l| l.id == id)) {
                    return Err(Refusal::new(400, "Lead not found"));
                }
                let id = self.id();
                let note = Note {
                    id,
                    content: content.to_owned(),
                    person_id,
                    lead_id: lead_id.map(str::to_owned),
                };
                self.notes.push(note);
                Ok((201, ok(json!({"id": id, "content": content}))))
            }
            Route::ListNotes => {
                let person = q("person_id");
                // Newest first, as the connector asks.
                let list: Vec<Value> = self.notes.iter().rev().filter(|n| person.is_none_or(|p| n.person_id == Some(p)))
                    .map(|n| json!({"id": n.id, "content": n.content, "person_id": n.person_id, "lead_id": n.lead_id})).collect();
                Ok((200, ok(list.into())))
            }
        }
    }

    /// Exact-match search in the named fields (email case-insensitive,
    /// phone as written: Pipedrive does not normalise numbers).
    fn search(&self, term: &str, fields: &str) -> Value {
        let hit = |p: &Person| {
            fields.split(',').any(|f| match f {
                "email" => p.emails.iter().any(|e| e.eq_ignore_ascii_case(term)),
                "phone" => p.phones.iter().any(|x| x == term),
                "name" => p.name == term,
                _ => false,
            })
        };
        let items: Vec<Value> = self
            .persons
            .iter()
            .filter(|p| hit(p))
            .map(|p| json!({"result_score": 1.0, "item": {"id": p.id, "type": "person", "name": p.name, "emails": p.emails, "phones": p.phones}}))
            .collect();
        ok(json!({"items": items}))
    }
}
