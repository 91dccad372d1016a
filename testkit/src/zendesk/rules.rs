//! What Zendesk Support accepts, as the simulator checks it: the request
//! bodies of `POST /api/v2/tickets` and `POST /api/v2/users/create_or_update`.
//!
//! Zendesk publishes no permissively licensed spec in a repository (see
//! the project's vendor notes), so these rules are written from the
//! vendor facts: a ticket needs a comment body, `priority` is one of four
//! words, a requester is `{name, email}` or a `requester_id`. Two rules are
//! stricter than Zendesk on purpose, because the connector promises them:
//! tags are slugs (Zendesk would split a tag at its spaces) and a user's
//! phone is E.164.

use serde_json::{json, Map, Value};

/// Zendesk's ticket priorities.
pub const PRIORITIES: [&str; 4] = ["urgent", "high", "normal", "low"];

/// A 422 `RecordInvalid`: which field, and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Invalid {
    /// The field (`description`, `priority`, `tags`, `requester`, ...).
    pub field: &'static str,
    /// Zendesk-style description.
    pub description: String,
}

impl Invalid {
    fn new(field: &'static str, description: impl Into<String>) -> Self {
        Invalid {
            field,
            description: description.into(),
        }
    }

    /// The 422 body Zendesk answers.
    pub fn body(&self) -> Value {
        json!({
            "error": "RecordInvalid",
            "description": "Record validation errors",
            "details": {self.field: [{"description": self.description}]}
        })
    }
}

impl std::fmt::Display for Invalid {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "422 RecordInvalid: {}: {}", self.field, self.description)
    }
}

/// The `ticket` object of a create body, checked.
pub fn ticket(body: &Value) -> Result<&Map<String, Value>, Invalid> {
    let t = body
        .get("ticket")
        .and_then(Value::as_object)
        .ok_or_else(|| Invalid::new("base", "the body must be {\"ticket\": {...}}"))?;
    let comment = t.get("comment").and_then(|c| c.get("body"));
    if comment
        .and_then(Value::as_str)
        .is_none_or(|c| c.trim().is_empty())
    {
        return Err(Invalid::new("description", "Description: cannot be blank"));
    }
    if let Some(p) = t.get("priority") {
        if !p.as_str().is_some_and(|p| PRIORITIES.contains(&p)) {
            return Err(Invalid::new(
                "priority",
                format!("Priority: {p} is not one of urgent, high, normal, low"),
            ));
        }
    }
    if let Some(tags) = t.get("tags") {
        check_tags(tags)?;
    }
    for key in ["subject", "external_id"] {
        if t.get(key).is_some_and(|v| !v.is_string()) {
            return Err(Invalid::new("base", format!("`{key}` must be a string")));
        }
    }
    if let Some(r) = t.get("requester") {
        let email = r.get("email").and_then(Value::as_str).unwrap_or("");
        if !is_email(email) {
            return Err(Invalid::new(
                "requester",
                format!("Requester: Email '{email}' is not properly formatted"),
            ));
        }
    }
    if t.get("requester_id").is_some_and(|v| !v.is_u64()) {
        return Err(Invalid::new(
            "requester",
            "Requester: requester_id must be a user id",
        ));
    }
    Ok(t)
}

fn check_tags(tags: &Value) -> Result<(), Invalid> {
    let list = tags
        .as_array()
        .ok_or_else(|| Invalid::new("tags", "Tags: must be a list"))?;
    for tag in list {
        let ok = tag.as_str().is_some_and(|s| {
            !s.is_empty()
                && s.chars()
                    .all(|c| c.is_alphanumeric() && !c.is_uppercase() || "_-/:".contains(c))
        });
        if !ok {
            return Err(Invalid::new(
                "tags",
                format!("Tags: {tag} is not a slug (lowercase, no spaces)"),
            ));
        }
    }
    Ok(())
}

/// The `user` object of a `create_or_update` body, checked: a name, and an
/// email or an E.164 phone.
pub fn user(body: &Value) -> Result<&Map<String, Value>, Invalid> {
    let u = body
        .get("user")
        .and_then(Value::as_object)
        .ok_or_else(|| Invalid::new("base", "the body must be {\"user\": {...}}"))?;
    if u.get("name")
        .and_then(Value::as_str)
        .is_none_or(|n| n.trim().is_empty())
    {
        return Err(Invalid::new(
            "name",
            "Name: is too short (minimum one character)",
        ));
    }
    let email = u.get("email").and_then(Value::as_str);
    let phone = u.get("phone").and_then(Value::as_str);
    if let Some(e) = email.filter(|e| !is_email(e)) {
        return Err(Invalid::new(
            "email",
            format!("Email: {e} is not properly formatted"),
        ));
    }
    if let Some(p) = phone.filter(|p| !is_e164(p)) {
        return Err(Invalid::new("phone", format!("Phone: {p} is not E.164")));
    }
    if email.is_none() && phone.is_none() {
        return Err(Invalid::new(
            "base",
            "a user needs an email or a phone to be found again",
        ));
    }
    Ok(u)
}

fn is_email(s: &str) -> bool {
    s.split_once('@')
        .is_some_and(|(user, host)| !user.is_empty() && host.contains('.') && !s.contains(' '))
}

/// `+` and 8 to 15 digits.
pub fn is_e164(s: &str) -> bool {
    s.strip_prefix('+')
        .is_some_and(|d| (8..=15).contains(&d.len()) && d.chars().all(|c| c.is_ascii_digit()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn zendesk_rejects_what_it_rejects() {
        let ok = json!({"ticket": {"comment": {"body": "hi"}, "priority": "low", "tags": ["a_b"]}});
        assert!(ticket(&ok).is_ok());
        let blank = json!({"ticket": {"comment": {"body": " "}}});
        assert_eq!(ticket(&blank).unwrap_err().field, "description");
        let prio = json!({"ticket": {"comment": {"body": "x"}, "priority": "p1"}});
        assert_eq!(ticket(&prio).unwrap_err().field, "priority");
        let tag = json!({"ticket": {"comment": {"body": "x"}, "tags": ["water heater"]}});
        assert_eq!(ticket(&tag).unwrap_err().field, "tags");
        let who = json!({"ticket": {"comment": {"body": "x"}, "requester": {"name": "A"}}});
        assert_eq!(ticket(&who).unwrap_err().field, "requester");
        assert!(user(&json!({"user": {"name": "A", "phone": "+15551234567"}})).is_ok());
        assert_eq!(
            user(&json!({"user": {"name": "A", "phone": "555"}}))
                .unwrap_err()
                .field,
            "phone"
        );
        assert_eq!(
            user(&json!({"user": {"phone": "+15551234567"}}))
                .unwrap_err()
                .field,
            "name"
        );
    }
}
