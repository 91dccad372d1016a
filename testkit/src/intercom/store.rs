//! What the simulated Intercom workspace holds (contacts, notes) and how
//! each checked request changes it: unique emails (a duplicate answers
//! 409 naming the existing contact), a search that trails writes by the
//! configured lag, notes per contact.

use std::time::{Duration, Instant};

use serde_json::{json, Value};

/// A contact.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Contact {
    /// 24-character id.
    pub id: String,
    /// `user` or `lead`.
    pub role: String,
    /// Name, if set.
    pub name: Option<String>,
    /// Email (unique in the workspace), if set.
    pub email: Option<String>,
    /// Phone, as written.
    pub phone: Option<String>,
}

/// A note on a contact.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Note {
    /// Note id.
    pub id: String,
    /// The contact it is on.
    pub contact_id: String,
    /// Its HTML body.
    pub body: String,
}

/// An error answer: status, Intercom's `code` and message.
pub(super) type Refusal = (u16, &'static str, String);

#[derive(Default)]
pub(super) struct Store {
    pub(super) contacts: Vec<(Contact, Instant)>,
    pub(super) notes: Vec<Note>,
    pub(super) search_lag: Duration,
    next: u64,
}

impl Contact {
    pub(super) fn json(&self) -> Value {
        json!({"type": "contact", "id": self.id, "role": self.role, "name": self.name,
               "email": self.email, "phone": self.phone})
    }
}

fn text(v: &Value, k: &str) -> Option<String> {
    v.get(k).and_then(Value::as_str).map(str::to_owned)
}

impl Store {
    fn id(&mut self) -> String {
        self.next += 1;
        format!("{:024x}", 0x6762_f0ad_0000_0000_u64 + self.next)
    }

    fn email_taken(&self, email: &str, except: Option<&str>) -> Option<&Contact> {
        self.contacts.iter().map(|(c, _)| c).find(|c| {
            Some(c.id.as_str()) != except
                && c.email
                    .as_deref()
                    .is_some_and(|e| e.eq_ignore_ascii_case(email))
        })
    }

    fn conflict(c: &Contact) -> Refusal {
        (
            409,
            "conflict",
            format!(
                "A contact matching those details already exists with id={}",
                c.id
            ),
        )
    }

    /// Adds a contact (staff typing one in); its id.
    pub(super) fn add(&mut self, email: Option<&str>, phone: Option<&str>) -> String {
        let id = self.id();
        let c = Contact {
            id: id.clone(),
            role: "user".into(),
            name: None,
            email: email.map(str::to_owned),
            phone: phone.map(str::to_owned),
        };
        // Staff's contacts are long indexed.
        self.contacts
            .push((c, Instant::now() - Duration::from_secs(3600)));
        id
    }

    pub(super) fn create(&mut self, body: &Value) -> Result<Value, Refusal> {
        if let Some(taken) = text(body, "email").and_then(|e| self.email_taken(&e, None)) {
            return Err(Self::conflict(taken));
        }
        let c = Contact {
            id: self.id(),
            role: text(body, "role").unwrap_or_else(|| "user".into()),
            name: text(body, "name"),
            email: text(body, "email"),
            phone: text(body, "phone"),
        };
        let answer = c.json();
        self.contacts.push((c, Instant::now()));
        Ok(answer)
    }

    pub(super) fn update(&mut self, id: &str, body: &Value) -> Result<Value, Refusal> {
        if let Some(taken) = text(body, "email").and_then(|e| self.email_taken(&e, Some(id))) {
            return Err(Self::conflict(taken));
        }
        let (c, _) = self
            .contacts
            .iter_mut()
            .find(|(c, _)| c.id == id)
            .ok_or_else(not_found)?;
        c.email = text(body, "email").or(c.email.take());
        c.phone = text(body, "phone").or(c.phone.take());
        c.name = text(body, "name").or(c.name.take());
        Ok(c.json())
    }

    /// The contacts matching the query's `=` filters (combined by its
    /// operator), among those the index has caught up with.
    pub(super) fn search(&self, query: &Value) -> Result<Value, Refusal> {
        let data: Vec<Value> = self
            .contacts
            .iter()
            .filter(|(_, at)| at.elapsed() >= self.search_lag)
            .map(|(c, _)| c)
            .filter(|c| matches(query, &c.json()))
            .map(Contact::json)
            .collect();
        Ok(json!({"type": "list", "data": data, "total_count": data.len()}))
    }

    pub(super) fn create_note(&mut self, contact_id: &str, body: &Value) -> Result<Value, Refusal> {
        if !self.contacts.iter().any(|(c, _)| c.id == contact_id) {
            return Err(not_found());
        }
        let note = Note {
            id: self.id(),
            contact_id: contact_id.into(),
            body: text(body, "body").unwrap_or_default(),
        };
        let answer = json!({"type": "note", "id": note.id, "body": note.body, "contact": {"type": "contact", "id": contact_id}});
        self.notes.push(note);
        Ok(answer)
    }

    pub(super) fn list_notes(&self, contact_id: &str) -> Result<Value, Refusal> {
        if !self.contacts.iter().any(|(c, _)| c.id == contact_id) {
            return Err(not_found());
        }
        let data: Vec<Value> = self
            .notes
            .iter()
            .rev()
            .filter(|n| n.contact_id == contact_id)
            .map(|n| json!({"type": "note", "id": n.id, "body": n.body}))
            .collect();
        Ok(json!({"type": "list", "data": data}))
    }
}

fn not_found() -> Refusal {
    (404, "not_found", "User Not Found".into())
}

/// Whether a contact matches a search query (single or nested filters).
fn matches(q: &Value, contact: &Value) -> bool {
    if let Some(field) = q.get("field").and_then(Value::as_str) {
        let have = contact.get(field).and_then(Value::as_str);
        let want = q.get("value");
        return match q.get("operator").and_then(Value::as_str) {
            Some("=") => {
                have.is_some() && have.map(Value::from).as_ref() == want
                    || field == "email"
                        && have
                            .zip(want.and_then(Value::as_str))
                            .is_some_and(|(h, w)| h.eq_ignore_ascii_case(w))
            }
            Some("IN") => want
                .and_then(Value::as_array)
                .is_some_and(|l| l.iter().any(|w| w.as_str() == have)),
            _ => false,
        };
    }
    let parts = q
        .get("value")
        .and_then(Value::as_array)
        .cloned()
        .unwrap_or_default();
    match q.get("operator").and_then(Value::as_str) {
        Some("AND") => parts.iter().all(|p| matches(p, contact)),
        _ => parts.iter().any(|p| matches(p, contact)),
    }
}
