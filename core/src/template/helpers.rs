//! Template helpers: `json`, `default`, `e164`, `truncate`, `time`,
//! `transcript`, `lower`, `upper`, `in`, `name_part` (plus Handlebars' own `eq`, `ne`,
//! `and`, `or`, `not`, `if`, `unless`, `each`, `with`).
//!
//! Every helper but `default` treats a missing argument as an error, which
//! is what strict mode promises the template author.

use chrono::{DateTime, TimeZone, Utc};
use handlebars::{
    Context, Handlebars, Helper, HelperDef, HelperResult, Output, RenderContext, RenderError,
    RenderErrorReason, ScopedJson,
};
use serde_json::Value;

use super::phone::{self, PhoneError};

pub(super) fn register(hb: &mut Handlebars<'static>) {
    hb.register_helper("json", Box::new(JsonHelper));
    hb.register_helper("default", Box::new(Default));
    hb.register_helper("e164", Box::new(Fn1("e164", e164)));
    hb.register_helper("truncate", Box::new(Fn1("truncate", truncate)));
    hb.register_helper("time", Box::new(Fn1("time", time)));
    hb.register_helper("transcript", Box::new(Fn1("transcript", transcript)));
    hb.register_helper(
        "lower",
        Box::new(Fn1("lower", |v, _| text_map(v, str::to_lowercase))),
    );
    hb.register_helper(
        "upper",
        Box::new(Fn1("upper", |v, _| text_map(v, str::to_uppercase))),
    );
    hb.register_helper("in", Box::new(Fn1("in", is_in)));
    hb.register_helper("name_part", Box::new(Fn1("name_part", name_part)));
}

fn fail(message: impl Into<String>) -> RenderError {
    RenderErrorReason::Other(message.into()).into()
}

/// The value of parameter `i`; missing is an error (strict mode).
fn arg<'a>(h: &'a Helper<'_>, name: &'static str, i: usize) -> Result<&'a Value, RenderError> {
    let p = h
        .param(i)
        .ok_or(RenderErrorReason::ParamNotFoundForIndex(name, i))?;
    if p.is_value_missing() {
        return Err(RenderErrorReason::MissingVariable(p.relative_path().cloned()).into());
    }
    Ok(p.value())
}

/// `{{json value}}`: the value as JSON (quoted and escaped strings, arrays,
/// objects), written unescaped.
struct JsonHelper;

impl HelperDef for JsonHelper {
    fn call<'reg: 'rc, 'rc>(
        &self,
        h: &Helper<'rc>,
        _: &'reg Handlebars<'reg>,
        _: &'rc Context,
        _: &mut RenderContext<'reg, 'rc>,
        out: &mut dyn Output,
    ) -> HelperResult {
        let v = arg(h, "json", 0)?;
        out.write(&serde_json::to_string(v).expect("JSON values serialize"))?;
        Ok(())
    }
}

/// `{{default value fallback}}`: `value` unless it is missing, null or "".
struct Default;

impl HelperDef for Default {
    fn call_inner<'reg: 'rc, 'rc>(
        &self,
        h: &Helper<'rc>,
        _: &'reg Handlebars<'reg>,
        _: &'rc Context,
        _: &mut RenderContext<'reg, 'rc>,
    ) -> Result<ScopedJson<'rc>, RenderError> {
        let first = h
            .param(0)
            .ok_or(RenderErrorReason::ParamNotFoundForIndex("default", 0))?;
        let v = first.value();
        if !first.is_value_missing() && !v.is_null() && v.as_str() != Some("") {
            return Ok(ScopedJson::Derived(v.clone()));
        }
        Ok(ScopedJson::Derived(arg(h, "default", 1)?.clone()))
    }
}

type Func = fn(&Value, &Helper<'_>) -> Result<Value, RenderError>;

/// A helper computing a value from its first argument (and hash options).
struct Fn1(&'static str, Func);

impl HelperDef for Fn1 {
    fn call_inner<'reg: 'rc, 'rc>(
        &self,
        h: &Helper<'rc>,
        _: &'reg Handlebars<'reg>,
        _: &'rc Context,
        _: &mut RenderContext<'reg, 'rc>,
    ) -> Result<ScopedJson<'rc>, RenderError> {
        let v = arg(h, self.0, 0)?;
        (self.1)(v, h).map(ScopedJson::Derived)
    }
}

fn text(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        Value::Null => String::new(),
        other => other.to_string(),
    }
}

fn text_map(v: &Value, f: fn(&str) -> String) -> Result<Value, RenderError> {
    Ok(Value::String(f(&text(v))))
}

fn hash_str(h: &Helper<'_>, key: &str) -> Option<String> {
    h.hash_get(key).map(|v| text(v.value()))
}

/// `{{e164 phone}}`: an international number (`+`, `00`) in E.164; a
/// national number is returned trimmed and unchanged, never guessed as US.
/// `{{e164 phone country="GB"}}` (ISO 3166 alpha-2, or a calling code such
/// as `"1"`) reads national numbers in that country.
fn e164(v: &Value, h: &Helper<'_>) -> Result<Value, RenderError> {
    let raw = text(v);
    let country = hash_str(h, "country");
    match phone::to_e164(&raw, country.as_deref()) {
        Ok(number) => Ok(Value::String(number)),
        Err(PhoneError::National(trimmed)) => Ok(Value::String(trimmed)),
        Err(e) => Err(fail(e.to_string())),
    }
}

/// E.164 form of a phone number, if it is one, reading national numbers in
/// `country` (ISO alpha-2 or calling code).
#[cfg(test)]
pub(super) fn normalize_phone(raw: &str, country: &str) -> Option<String> {
    phone::to_e164(raw, Some(country)).ok()
}

/// `{{truncate text 160}}`: at most N characters, ending in `…` when cut
/// (`ellipsis=""` to cut bare).
fn truncate(v: &Value, h: &Helper<'_>) -> Result<Value, RenderError> {
    let max = arg(h, "truncate", 1)?
        .as_u64()
        .ok_or_else(|| fail("truncate: the length must be a number"))? as usize;
    let s = text(v);
    if s.chars().count() <= max {
        return Ok(Value::String(s));
    }
    let ellipsis = hash_str(h, "ellipsis").unwrap_or_else(|| "…".into());
    let keep = max.saturating_sub(ellipsis.chars().count());
    let mut out: String = s.chars().take(keep).collect();
    out.push_str(&ellipsis);
    Ok(Value::String(out))
}

/// `{{time value format="%b %-d, %-I:%M %p" tz="America/Chicago"}}`:
/// an RFC 3339 string or Unix seconds, in a time zone (default UTC), with a
/// strftime format (default RFC 3339).
fn time(v: &Value, h: &Helper<'_>) -> Result<Value, RenderError> {
    let at: DateTime<Utc> = match v {
        Value::Number(n) => n
            .as_i64()
            .and_then(|s| Utc.timestamp_opt(s, 0).single())
            .ok_or_else(|| fail(format!("time: {n} is not Unix seconds")))?,
        Value::String(s) => DateTime::parse_from_rfc3339(s)
            .map_err(|e| fail(format!("time: '{s}' is not RFC 3339: {e}")))?
            .with_timezone(&Utc),
        other => return Err(fail(format!("time: cannot read {other} as a time"))),
    };
    let tz: chrono_tz::Tz = match hash_str(h, "tz") {
        Some(name) => name
            .parse()
            .map_err(|_| fail(format!("time: unknown time zone '{name}'")))?,
        None => chrono_tz::UTC,
    };
    let local = at.with_timezone(&tz);
    let out = match hash_str(h, "format") {
        Some(fmt) => {
            let mut s = String::new();
            std::fmt::write(&mut s, format_args!("{}", local.format(&fmt)))
                .map_err(|_| fail(format!("time: invalid format '{fmt}'")))?;
            s
        }
        None => local.to_rfc3339(),
    };
    Ok(Value::String(out))
}

/// `{{transcript data.transcript}}`: `speaker: text` lines (`sep` between
/// entries, default a newline); a plain string passes through.
fn transcript(v: &Value, h: &Helper<'_>) -> Result<Value, RenderError> {
    let sep = hash_str(h, "sep").unwrap_or_else(|| "\n".into());
    let out = match v {
        Value::Array(entries) => entries
            .iter()
            .map(|e| match (e.get("speaker"), e.get("text")) {
                (Some(s), Some(t)) => format!("{}: {}", text(s), text(t)),
                (None, Some(t)) => text(t),
                _ => text(e),
            })
            .collect::<Vec<_>>()
            .join(&sep),
        other => text(other),
    };
    Ok(Value::String(out))
}

/// `(in value "a" "b")`: whether `value` equals one of the others.
fn is_in(v: &Value, h: &Helper<'_>) -> Result<Value, RenderError> {
    Ok(Value::Bool(
        h.params().iter().skip(1).any(|p| p.value() == v),
    ))
}

/// `{{name_part name "first"}}` / `"last"`: a full name's first word, or
/// the rest (empty for a one-word name).
fn name_part(v: &Value, h: &Helper<'_>) -> Result<Value, RenderError> {
    let name = text(v);
    let name = name.trim();
    let (first, rest) = name.split_once(char::is_whitespace).unwrap_or((name, ""));
    let part = match arg(h, "name_part", 1)?.as_str() {
        Some("first") => first,
        Some("last") => rest.trim(),
        _ => {
            return Err(fail(
                "name_part: the second argument is \"first\" or \"last\"",
            ))
        }
    };
    Ok(Value::String(part.to_owned()))
}
