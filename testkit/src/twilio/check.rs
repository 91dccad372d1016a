//! What Twilio checks before it queues a message: the account path, Basic
//! auth, a form body matching the published `CreateMessage` schema (see
//! `testkit/specs/NOTICE.md`), the parameter combinations the schema states
//! only in prose, an E.164 `To` and the 1600-character body limit.

use std::sync::LazyLock;

use serde_json::{Map, Value};

/// The `CreateMessage` request schema, extracted from Twilio's OpenAPI file.
const SCHEMA: &str = include_str!("../../specs/twilio-create-message.json");

static VALIDATOR: LazyLock<(Value, jsonschema::Validator)> = LazyLock::new(|| {
    let schema: Value = serde_json::from_str(SCHEMA).expect("the extracted schema is JSON");
    let validator = jsonschema::validator_for(&schema).expect("the extracted schema compiles");
    (schema, validator)
});

/// A refusal as Twilio words it: HTTP status, Twilio error code, message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Refusal {
    /// HTTP status.
    pub status: u16,
    /// Twilio's error code (`21211`...).
    pub code: u32,
    /// Twilio's message.
    pub message: String,
}

impl Refusal {
    fn new(status: u16, code: u32, message: impl Into<String>) -> Self {
        Refusal {
            status,
            code,
            message: message.into(),
        }
    }
}

impl std::fmt::Display for Refusal {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} {}: {}", self.status, self.code, self.message)
    }
}

/// The parts of a request Twilio looks at.
pub struct Incoming<'a> {
    /// URL path.
    pub path: &'a str,
    /// `Authorization` header value.
    pub authorization: Option<&'a str>,
    /// `Content-Type` header value.
    pub content_type: Option<&'a str>,
    /// Raw body.
    pub body: &'a [u8],
}

/// The form fields (repeated ones, like `MediaUrl`, joined in arrays).
pub type Form = Map<String, Value>;

/// Checks `req` for `account_sid` / `auth`; the form if Twilio would accept it.
pub fn check(req: &Incoming<'_>, account_sid: &str, auth: &str) -> Result<Form, Refusal> {
    if req.path != format!("/2010-04-01/Accounts/{account_sid}/Messages.json") {
        return Err(Refusal::new(
            404,
            20404,
            "The requested resource was not found",
        ));
    }
    if req.authorization != Some(auth) {
        return Err(Refusal::new(401, 20003, "Authenticate"));
    }
    if req.content_type != Some("application/x-www-form-urlencoded") {
        return Err(Refusal::new(400, 20001, "Content-Type must be a form"));
    }
    let form = parse(req.body);
    let errors: Vec<String> = VALIDATOR
        .1
        .iter_errors(&typed(&form))
        .map(|e| format!("{} at {}", e, e.instance_path()))
        .collect();
    if !errors.is_empty() {
        return Err(Refusal::new(400, 21601, errors.join("; ")));
    }
    combinations(&form)?;
    let to = form["To"].as_str().unwrap_or_default();
    if !is_e164(to) {
        return Err(Refusal::new(
            400,
            21211,
            format!("The 'To' number {to} is not a valid phone number."),
        ));
    }
    let body = form.get("Body").and_then(Value::as_str).unwrap_or_default();
    if body.chars().count() > 1600 {
        return Err(Refusal::new(
            400,
            21617,
            "The concatenated message body exceeds the 1600 character limit",
        ));
    }
    Ok(form)
}

/// Required one-of pairs the schema states only in its descriptions.
fn combinations(form: &Form) -> Result<(), Refusal> {
    let has = |k: &str| form.contains_key(k);
    if !has("From") && !has("MessagingServiceSid") {
        return Err(Refusal::new(
            400,
            21603,
            "A 'From' phone number is required.",
        ));
    }
    if !has("Body") && !has("MediaUrl") && !has("ContentSid") {
        return Err(Refusal::new(400, 21602, "Message body is required."));
    }
    if form.get("Body").and_then(Value::as_str) == Some("") && !has("MediaUrl") {
        return Err(Refusal::new(400, 21602, "Message body is required."));
    }
    Ok(())
}

/// Whether `s` is a number Twilio can send to: `+` and 8 to 15 digits, the
/// first not 0; in the NANP (`+1`) ten digits with an area code not starting
/// with 0 or 1 (`+10005550142` is E.164-shaped but no number).
pub fn is_e164(s: &str) -> bool {
    let Some(d) = s.strip_prefix('+') else {
        return false;
    };
    let shaped =
        (8..=15).contains(&d.len()) && !d.starts_with('0') && d.chars().all(|c| c.is_ascii_digit());
    match d.strip_prefix('1') {
        Some(nanp) if shaped => nanp.len() == 10 && !nanp.starts_with(['0', '1']),
        _ => shaped,
    }
}

fn parse(body: &[u8]) -> Form {
    let mut form = Form::new();
    for (k, v) in url::form_urlencoded::parse(body) {
        let v = Value::String(v.into_owned());
        match form.get_mut(k.as_ref()) {
            Some(Value::Array(a)) => a.push(v),
            Some(first) => *first = Value::Array(vec![first.take(), v]),
            None => {
                form.insert(k.into_owned(), v);
            }
        }
    }
    form
}

/// The form with each value given the type the schema declares (a form
/// carries only strings; Twilio reads `Attempt=3` as an integer).
fn typed(form: &Form) -> Value {
    let props = &VALIDATOR.0["properties"];
    let out = form
        .iter()
        .map(|(k, v)| {
            let kind = props[k]["type"].as_str().unwrap_or("string");
            (k.clone(), coerce(v, kind))
        })
        .collect();
    Value::Object(out)
}

fn coerce(v: &Value, kind: &str) -> Value {
    let s = v.as_str().unwrap_or_default();
    let parsed = match kind {
        "integer" => s.parse::<i64>().ok().map(Value::from),
        "number" => s.parse::<f64>().ok().map(Value::from),
        "boolean" => s.parse::<bool>().ok().map(Value::from),
        "array" if !v.is_array() => Some(Value::Array(vec![v.clone()])),
        _ => None,
    };
    // Unparsable stays a string, so the schema reports the wrong type.
    parsed.unwrap_or_else(|| v.clone())
}

#[cfg(test)]
mod tests {
    use super::*;

    const SID: &str = "AC0123456789abcdef0123456789abcdef";

    fn req(body: &str) -> Result<Form, Refusal> {
        let incoming = Incoming {
            path: "/2010-04-01/Accounts/AC0123456789abcdef0123456789abcdef/Messages.json",
            authorization: Some("Basic x"),
            content_type: Some("application/x-www-form-urlencoded"),
            body: body.as_bytes(),
        };
        check(&incoming, SID, "Basic x")
    }

    #[test]
    fn refuses_what_twilio_refuses() {
        assert!(req("To=%2B15551234567&From=%2B15557654321&Body=hi").is_ok());
        let code = |b: &str| req(b).unwrap_err().code;
        assert_eq!(code("From=%2B15557654321&Body=hi"), 21601);
        assert_eq!(code("To=%2B15551234567&Body=hi"), 21603);
        assert_eq!(code("To=%2B15551234567&From=%2B15557654321"), 21602);
        assert_eq!(code("To=5551234567&From=%2B15557654321&Body=hi"), 21211);
        assert_eq!(code("To=%2B10005550142&From=%2B15557654321&Body=hi"), 21211);
        assert!(req("To=%2B442079460958&From=%2B15557654321&Body=hi").is_ok());
        assert_eq!(
            code("To=%2B15551234567&From=x&Body=hi&Attempt=three"),
            21601
        );
        assert_eq!(
            code("To=%2B15551234567&From=x&Body=hi&TrafficType=bulk"),
            21601
        );
        assert!(
            req("To=%2B15551234567&From=x&Body=hi&Attempt=3&MediaUrl=https://a.test/x").is_ok()
        );
        let long = format!("To=%2B15551234567&From=x&Body={}", "a".repeat(1601));
        assert_eq!(code(&long), 21617);
    }
}
