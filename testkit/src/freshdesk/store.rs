//! What the simulated Freshdesk helpdesk holds (contacts, tickets, notes)
//! and how each request changes it. Freshdesk publishes no licensed
//! machine-readable description (see the project's vendor notes), so the
//! rules are written from the vendor facts: a ticket names its requester by
//! `requester_id`, `email`, `phone` (with `name` for a new contact) or
//! `unique_external_id`; `priority` 1-4, `status` 2-5, `source` one of
//! Freshdesk's channels; unknown fields are refused; bodies are JSON.

use serde_json::{json, Map, Value};

/// A contact (requester).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Contact {
    /// Contact id.
    pub id: u64,
    /// Name.
    pub name: String,
    /// Email, if any.
    pub email: Option<String>,
    /// Phone, if any.
    pub phone: Option<String>,
    /// `unique_external_id`, if any.
    pub unique_external_id: Option<String>,
}

/// A ticket.
#[derive(Debug, Clone, PartialEq)]
pub struct Ticket {
    /// Ticket id.
    pub id: u64,
    /// The requester's contact id.
    pub requester_id: u64,
    /// Subject.
    pub subject: String,
    /// HTML description.
    pub description: String,
    /// 1 low .. 4 urgent.
    pub priority: u64,
    /// 3 is phone.
    pub source: u64,
    /// Tags.
    pub tags: Vec<String>,
}

/// A note on a ticket.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Note {
    /// The ticket.
    pub ticket_id: u64,
    /// HTML body.
    pub body: String,
    /// Whether only agents see it.
    pub private: bool,
}

/// A refusal: status, Freshdesk's description, the field and its message.
pub type Refusal = (u16, String);

const TICKET_FIELDS: [&str; 14] = [
    "subject",
    "description",
    "email",
    "phone",
    "name",
    "requester_id",
    "unique_external_id",
    "priority",
    "status",
    "source",
    "tags",
    "type",
    "custom_fields",
    "group_id",
];

#[derive(Default)]
pub(super) struct Store {
    pub(super) contacts: Vec<Contact>,
    pub(super) tickets: Vec<Ticket>,
    pub(super) notes: Vec<Note>,
    next: u64,
}

fn invalid(field: &str, message: &str) -> Refusal {
    (
        400,
        json!({"description": "Validation failed",
        "errors": [{"field": field, "message": message, "code": "invalid_value"}]})
        .to_string(),
    )
}

fn text(t: &Map<String, Value>, k: &str) -> Option<String> {
    t.get(k)
        .and_then(Value::as_str)
        .filter(|s| !s.trim().is_empty())
        .map(str::to_owned)
}

/// Checks a ticket create body; the fields if Freshdesk would take it.
pub fn check_ticket(body: &Value) -> Result<&Map<String, Value>, Refusal> {
    let t = body
        .as_object()
        .ok_or_else(|| invalid("body", "must be a JSON object"))?;
    if let Some(k) = t.keys().find(|k| !TICKET_FIELDS.contains(&k.as_str())) {
        return Err(invalid(k, "Unexpected/invalid field in request"));
    }
    for k in ["subject", "description"] {
        if text(t, k).is_none() {
            return Err(invalid(k, "It should be a/an String"));
        }
    }
    let within = |k: &str, ok: &[u64]| {
        t.get(k)
            .is_none_or(|v| v.as_u64().is_some_and(|n| ok.contains(&n)))
    };
    if !within("priority", &[1, 2, 3, 4])
        || !within("status", &[2, 3, 4, 5])
        || !within("source", &[1, 2, 3, 7, 9, 10])
    {
        return Err(invalid(
            "priority/status/source",
            "It should be one of the allowed values",
        ));
    }
    if t.get("tags").is_some_and(|v| {
        !v.as_array()
            .is_some_and(|l| l.iter().all(|x| x.as_str().is_some_and(|s| !s.is_empty())))
    }) {
        return Err(invalid(
            "tags",
            "It should contain elements of type string only",
        ));
    }
    let keys = ["requester_id", "email", "phone", "unique_external_id"];
    if !keys.iter().any(|k| t.contains_key(*k)) {
        return Err(invalid(
            "requester_id",
            "Please fill at least 1 of requester_id, phone, email, unique_external_id",
        ));
    }
    Ok(t)
}

/// Checks a note body.
pub fn check_note(body: &Value) -> Result<(), Refusal> {
    if body
        .get("body")
        .and_then(Value::as_str)
        .is_none_or(|b| b.trim().is_empty())
    {
        return Err(invalid("body", "It should be a/an String"));
    }
    if body.get("private").is_some_and(|p| !p.is_boolean()) {
        return Err(invalid("private", "It should be a/an Boolean"));
    }
    Ok(())
}

impl Ticket {
    fn json(&self) -> Value {
        json!({"id": self.id, "requester_id": self.requester_id, "subject": self.subject,
            "description": self.description, "priority": self.priority, "source": self.source,
            "status": 2, "tags": self.tags})
    }
}

impl Store {
    fn id(&mut self) -> u64 {
        self.next += 1;
        self.next
    }

    /// The requester's contact: found by email, phone or external id, or
    /// created (a new phone contact needs a name).
    fn requester(&mut self, t: &Map<String, Value>) -> Result<u64, Refusal> {
        if let Some(id) = t.get("requester_id").and_then(Value::as_u64) {
            return Ok(id);
        }
        let (email, phone, ext) = (
            text(t, "email").map(|e| e.to_lowercase()),
            text(t, "phone"),
            text(t, "unique_external_id"),
        );
        let found = self.contacts.iter().find(|c| {
            (email.is_some() && c.email == email)
                || (email.is_none() && phone.is_some() && c.phone == phone)
                || (email.is_none()
                    && phone.is_none()
                    && ext.is_some()
                    && c.unique_external_id == ext)
        });
        if let Some(c) = found {
            return Ok(c.id);
        }
        let name = match (text(t, "name"), &email) {
            (Some(n), _) => n,
            (None, Some(e)) => e.clone(),
            (None, None) => {
                return Err(invalid(
                    "name",
                    "It should be a/an String (a new contact needs a name)",
                ))
            }
        };
        let id = self.id();
        self.contacts.push(Contact {
            id,
            name,
            email,
            phone,
            unique_external_id: ext,
        });
        Ok(id)
    }

    pub(super) fn create_ticket(&mut self, body: &Value) -> Result<(u16, Value), Refusal> {
        let t = check_ticket(body)?;
        let requester_id = self.requester(t)?;
        let ticket = Ticket {
            id: self.id(),
            requester_id,
            subject: text(t, "subject").unwrap_or_default(),
            description: text(t, "description").unwrap_or_default(),
            priority: t.get("priority").and_then(Value::as_u64).unwrap_or(1),
            source: t.get("source").and_then(Value::as_u64).unwrap_or(2),
            tags: t
                .get("tags")
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
                .filter_map(Value::as_str)
                .map(str::to_owned)
                .collect(),
        };
        let answer = ticket.json();
        self.tickets.push(ticket);
        Ok((201, answer))
    }

    pub(super) fn create_note(
        &mut self,
        ticket_id: u64,
        body: &Value,
    ) -> Result<(u16, Value), Refusal> {
        check_note(body)?;
        if !self.tickets.iter().any(|t| t.id == ticket_id) {
            return Err((
                404,
                json!({"code": "access_denied", "message": "Ticket not found"}).to_string(),
            ));
        }
        let note = Note {
            ticket_id,
            body: body["body"].as_str().unwrap_or_default().to_owned(),
            private: body.get("private").and_then(Value::as_bool).unwrap_or(true),
        };
        let answer = json!({"id": self.id(), "body": note.body, "private": note.private, "ticket_id": ticket_id});
        self.notes.push(note);
        Ok((201, answer))
    }

    /// `GET /api/v2/contacts?phone=`.
    pub(super) fn contacts_by_phone(&self, phone: &str) -> Value {
        self.contacts
            .iter()
            .filter(|c| c.phone.as_deref() == Some(phone))
            .map(|c| json!({"id": c.id, "name": c.name, "phone": c.phone, "email": c.email}))
            .collect()
    }

    /// `GET /api/v2/tickets?email=|requester_id=|unique_external_id=`,
    /// newest first, with descriptions.
    pub(super) fn tickets_of(&self, filter: (&str, &str)) -> Value {
        let who: Vec<u64> = self
            .contacts
            .iter()
            .filter(|c| match filter.0 {
                "email" => c.email.as_deref() == Some(filter.1),
                "unique_external_id" => c.unique_external_id.as_deref() == Some(filter.1),
                "requester_id" => c.id.to_string() == filter.1,
                _ => false,
            })
            .map(|c| c.id)
            .collect();
        self.tickets
            .iter()
            .rev()
            .filter(|t| who.contains(&t.requester_id))
            .map(Ticket::json)
            .collect()
    }

    /// `GET /api/v2/tickets/{id}/conversations`.
    pub(super) fn conversations(&self, ticket_id: u64) -> Value {
        self.notes
            .iter()
            .filter(|n| n.ticket_id == ticket_id)
            .map(|n| json!({"body": n.body, "private": n.private, "ticket_id": n.ticket_id}))
            .collect()
    }
}
