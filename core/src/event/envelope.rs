//! Parsing an ingested body into a stored event, keeping unknown fields.

use std::{borrow::Cow, sync::Arc};

use serde_json::{Map, Value};

use super::{schema::first_violation, EventType};
use crate::{account::AccountId, ids, traces::TraceParent};

/// An event as stored and sent: the envelope bytes are fixed at ingest and
/// every delivery sends exactly these bytes.
#[derive(Debug, Clone)]
pub struct Event {
    /// `evt_<ULID>` (or the platform's own id).
    pub id: String,
    /// Its type.
    pub kind: EventType,
    /// The account it belongs to: the envelope's top-level `account`, else
    /// `default`. Only that account's targets receive it.
    pub account: AccountId,
    /// Unix seconds, from the envelope.
    pub created: i64,
    /// The canonical JSON envelope.
    pub body: Arc<str>,
    /// `body` parsed, kept from ingest so filters and templates do not parse
    /// it again (shared by the clones every delivery's job holds); `None`
    /// for an event read back from storage.
    parsed: Option<Arc<Value>>,
    /// The trace its deliveries' attempts join ([`crate::traces`]): set at
    /// ingest, `None` for an event read back from storage.
    trace: Option<TraceParent>,
    /// `data.call_id`, taken at ingest (storage indexes it, and is handed
    /// the event without `parsed`); `None` for an event read back from
    /// storage.
    call_id: Option<Arc<str>>,
}

/// Why an ingested body is not an acceptable event.
#[derive(Debug, thiserror::Error)]
pub enum EventError {
    /// Not JSON at all (400).
    #[error("body is not valid JSON: {0}")]
    Syntax(#[from] serde_json::Error),
    /// JSON, but not an acceptable envelope (422).
    #[error("{message}")]
    Invalid {
        /// JSON pointer to the offending value.
        path: String,
        /// What is wrong, for a human.
        message: String,
    },
}

impl EventError {
    fn invalid(path: &str, message: impl Into<String>) -> Self {
        EventError::Invalid {
            path: path.to_owned(),
            message: message.into(),
        }
    }
}

impl Event {
    /// Parses and validates an ingested body; fills `id` and `created` when absent.
    pub fn parse(body: &[u8], now_secs: i64) -> Result<Self, EventError> {
        let value = super::strict::parse(body)?;
        let Value::Object(mut map) = value else {
            return Err(EventError::invalid(
                "",
                "the event envelope must be a JSON object",
            ));
        };
        let kind = event_type(&map)?;
        let instance = Value::Object(std::mem::take(&mut map));
        if let Some((path, message)) = first_violation(kind, &instance) {
            return Err(EventError::invalid(&path, message));
        }
        let Value::Object(mut map) = instance else {
            unreachable!("built as an object above")
        };
        let id = match map.get("id") {
            Some(Value::String(id)) => id.clone(),
            _ => {
                let id = ids::event_id();
                map.insert("id".into(), Value::String(id.clone()));
                id
            }
        };
        let created = match map.get("created") {
            // JSON Schema's "integer" includes 1715200000.0; beyond i64 (1e23)
            // storing it would need a silent replacement, so it is refused.
            Some(v) => unix_seconds(v).ok_or_else(|| {
                EventError::invalid(
                    "/created",
                    "\"created\" must be Unix seconds: a whole number from 0 to 9223372036854775807",
                )
            })?,
            None => now_secs,
        };
        let account = account(&map)?;
        // Written back as an integer, so receivers see one form.
        map.insert("created".into(), created.into());
        let envelope = canonical(map);
        // A NUL cannot be stored in a PostgreSQL text column (the body keeps
        // it escaped); such a call is simply not indexed by its id.
        let call_id = envelope
            .pointer("/data/call_id")
            .and_then(Value::as_str)
            .filter(|c| !c.contains('\0'))
            .map(Arc::from);
        Ok(Event {
            id,
            kind,
            account,
            created,
            body: envelope.to_string().into(),
            parsed: Some(Arc::new(envelope)),
            trace: None,
            call_id,
        })
    }

    /// Rebuilds an event of the `default` account from storage; see
    /// [`in_account`](Self::in_account).
    pub fn from_stored(id: String, kind: EventType, created: i64, body: String) -> Self {
        Event {
            id,
            kind,
            account: AccountId::default(),
            created,
            body: body.into(),
            parsed: None,
            trace: None,
            call_id: None,
        }
    }

    /// The same event without the envelope parsed at ingest: what storage
    /// is handed. Storage needs only `body`, and the SQLite writer is one
    /// thread every ingest waits on, so the parsed tree (dozens of
    /// allocations) is freed by whoever holds the last job instead.
    pub fn for_storage(&self) -> Self {
        Event {
            id: self.id.clone(),
            kind: self.kind,
            account: self.account.clone(),
            created: self.created,
            body: self.body.clone(),
            parsed: None,
            trace: None,
            call_id: self.call_id.clone(),
        }
    }

    /// The same event, belonging to `account` (an event read from storage).
    pub fn in_account(self, account: AccountId) -> Self {
        Event { account, ..self }
    }

    /// The event, its attempts continuing `trace`.
    pub fn with_trace(self, trace: Option<TraceParent>) -> Self {
        Event { trace, ..self }
    }

    /// The call it belongs to (`data.call_id`), as taken at ingest; `None`
    /// for an event read back from storage.
    pub fn call_id(&self) -> Option<&str> {
        self.call_id.as_deref()
    }

    /// The trace its attempts continue, if any.
    pub fn trace(&self) -> Option<TraceParent> {
        self.trace
    }

    /// The envelope as a JSON value, for templates and filters: the one
    /// parsed at ingest, else `body` parsed now.
    pub fn envelope(&self) -> Result<Cow<'_, Value>, serde_json::Error> {
        match &self.parsed {
            Some(v) => Ok(Cow::Borrowed(v)),
            None => serde_json::from_str(&self.body).map(Cow::Owned),
        }
    }

    /// The envelope as an owned JSON value (`null` if the stored body is
    /// not JSON).
    pub fn value(&self) -> Value {
        self.envelope().map_or(Value::Null, Cow::into_owned)
    }
}

fn event_type(map: &Map<String, Value>) -> Result<EventType, EventError> {
    match map.get("type") {
        Some(Value::String(t)) => match t.parse::<EventType>() {
            Ok(kind) if kind.is_call() => Ok(kind),
            // The hub's own types: a posted one would pass for an alert.
            Ok(_) => Err(EventError::invalid(
                "/type",
                format!("'{t}' is an operational event type the hub emits itself; it cannot be ingested"),
            )),
            Err(e) => Err(EventError::invalid("/type", e.to_string())),
        },
        Some(_) => Err(EventError::invalid("/type", "\"type\" must be a string")),
        None => Err(EventError::invalid("/type", "\"type\" is required")),
    }
}

/// The envelope's `account`: absent or `null` is the default account.
/// Checked after the schema (which leaves unknown fields alone), so a bad
/// account is a 422 naming `/account`.
fn account(map: &Map<String, Value>) -> Result<AccountId, EventError> {
    match map.get("account") {
        None | Some(Value::Null) => Ok(AccountId::default()),
        Some(Value::String(s)) => {
            AccountId::parse(s).map_err(|e| EventError::invalid("/account", e.to_string()))
        }
        Some(other) => Err(EventError::invalid(
            "/account",
            format!("\"account\" must be a string or null; got {other}"),
        )),
    }
}

/// A whole number of seconds from 0 to `i64::MAX`, written as an integer
/// or as a float without a fraction.
fn unix_seconds(v: &Value) -> Option<i64> {
    // 2^63 is the first f64 past i64::MAX; every f64 below it converts exactly.
    const PAST_I64: f64 = 9_223_372_036_854_775_808.0;
    let whole = v.as_i64().or_else(|| {
        v.as_f64()
            .filter(|f| f.fract() == 0.0 && *f < PAST_I64)
            .map(|f| f as i64)
    })?;
    (whole >= 0).then_some(whole)
}

/// Field order: id, type, created first, the rest as posted.
fn canonical(mut map: Map<String, Value>) -> Value {
    let mut out = Map::with_capacity(map.len());
    for key in ["id", "type", "created"] {
        if let Some(v) = map.shift_remove(key) {
            out.insert(key.into(), v);
        }
    }
    out.extend(map);
    Value::Object(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keeps_unknown_fields_and_fills_id() {
        let body = br#"{"type":"call.started","data":{"call_id":"c","agent_id":"a","x_new":{"k":1}},"extra":true}"#;
        let ev = Event::parse(body, 1_700_000_000).unwrap();
        assert!(ev.id.starts_with("evt_"));
        assert_eq!(ev.created, 1_700_000_000);
        let v = ev.value();
        assert_eq!(v["data"]["x_new"]["k"], 1);
        assert_eq!(v["extra"], true);
    }

    #[test]
    fn the_envelope_kept_from_ingest_is_the_body_parsed() {
        for (_, src) in crate::event::fixtures() {
            let ev = Event::parse(src.as_bytes(), 0).unwrap();
            assert!(matches!(ev.envelope().unwrap(), Cow::Borrowed(_)));
            let stored =
                Event::from_stored(ev.id.clone(), ev.kind, ev.created, ev.body.to_string());
            assert!(matches!(stored.envelope().unwrap(), Cow::Owned(_)));
            assert_eq!(ev.envelope().unwrap(), stored.envelope().unwrap());
        }
    }

    #[test]
    fn created_may_be_a_whole_float_and_is_kept_as_an_integer() {
        let at = |created: &str| {
            let body = format!(
                r#"{{"type":"call.started","created":{created},"data":{{"call_id":"c","agent_id":"a"}}}}"#
            );
            Event::parse(body.as_bytes(), 0)
        };
        let ev = at("524289.0").unwrap();
        assert_eq!(ev.created, 524_289);
        assert_eq!(ev.value()["created"], serde_json::json!(524_289));
        for bad in ["1.5", "-1", "1e23", "9223372036854775808"] {
            assert!(at(bad).is_err(), "{bad} accepted");
        }
        assert_eq!(at("9223372036854775807").unwrap().created, i64::MAX);
    }

    #[test]
    fn names_the_offending_path() {
        let body =
            br#"{"type":"lead.captured","data":{"call_id":"c","agent_id":"a","lead":{"phone":5}}}"#;
        match Event::parse(body, 0) {
            Err(EventError::Invalid { path, .. }) => assert_eq!(path, "/data/lead/phone"),
            other => panic!("expected a schema error, got {other:?}"),
        }
    }

    #[test]
    fn the_account_is_read_from_the_envelope_and_kept_in_it() {
        let with = |account: &str| {
            let body = format!(
                r#"{{"type":"call.started","account":{account},"data":{{"call_id":"c","agent_id":"a"}}}}"#
            );
            Event::parse(body.as_bytes(), 0)
        };
        let ev = with(r#""acme""#).unwrap();
        assert_eq!(ev.account.as_str(), "acme");
        assert_eq!(ev.value()["account"], "acme", "delivered as ingested");
        assert!(with("null").unwrap().account.is_default());
        let plain = br#"{"type":"call.started","data":{"call_id":"c","agent_id":"a"}}"#;
        assert!(Event::parse(plain, 0).unwrap().account.is_default());
        for bad in [r#""a b""#, r#""""#, "5", "{}"] {
            match with(bad) {
                Err(EventError::Invalid { path, .. }) => assert_eq!(path, "/account", "{bad}"),
                other => panic!("{bad}: expected 422, got {other:?}"),
            }
        }
    }

    #[test]
    fn rejects_unknown_type() {
        let body = br#"{"type":"call.unknown","data":{}}"#;
        match Event::parse(body, 0) {
            Err(EventError::Invalid { path, message }) => {
                assert_eq!(path, "/type");
                assert!(message.contains("lead.captured"), "{message}");
            }
            other => panic!("expected 422, got {other:?}"),
        }
    }

    #[test]
    fn refuses_operational_types() {
        let body = br#"{"type":"switchboard.endpoint.failing","data":{}}"#;
        match Event::parse(body, 0) {
            Err(EventError::Invalid { path, message }) => {
                assert_eq!(path, "/type");
                assert!(message.contains("operational"), "{message}");
            }
            other => panic!("expected 422, got {other:?}"),
        }
    }

    #[test]
    fn every_fixture_is_valid() {
        for (name, src) in crate::event::fixtures() {
            Event::parse(src.as_bytes(), 0).unwrap_or_else(|e| panic!("{name}: {e}"));
        }
    }
}
