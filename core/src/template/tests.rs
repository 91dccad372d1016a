//! Unit tests of compiling, rendering and the helpers.

use serde_json::{json, Value};

use super::{helpers::normalize_phone, Mode, Template};

fn ctx() -> Value {
    serde_json::from_str(crate::event::fixtures()[1].1).unwrap()
}

fn render(src: &str) -> Result<String, super::TemplateError> {
    Template::compile("t.hbs", src, Mode::Json)?.render(&ctx())
}

#[test]
fn missing_field_is_an_error_with_line() {
    let e = render("{\n  \"x\": \"{{data.nope}}\"\n}").unwrap_err();
    assert_eq!(e.file, "t.hbs");
    assert_eq!(e.line, Some(2));
    assert!(e.message.contains("data.nope"), "{e}");
}

#[test]
fn default_fills_missing_null_and_empty() {
    assert_eq!(render("{{default data.nope \"n/a\"}}").unwrap(), "n/a");
    assert_eq!(
        render("{{default data.call_id \"n/a\"}}").unwrap(),
        "call_01J9Z3K8Q2M4N6P8R0S2T4V6X8"
    );
}

#[test]
fn values_are_json_escaped_and_json_helper_writes_values() {
    let t = Template::compile("t.hbs", r#"{"a": "{{x}}", "b": {{json y}}}"#, Mode::Json).unwrap();
    let v = t
        .render_json(&json!({"x": "say \"hi\"\n<b>", "y": ["a", 1]}))
        .unwrap();
    assert_eq!(v, json!({"a": "say \"hi\"\n<b>", "b": ["a", 1]}));
}

#[test]
fn invalid_json_output_names_the_template_line() {
    let src = "{\n  \"id\": \"{{id}}\",\n  \"duration\": {{data.summary.text}}\n}";
    let e = Template::compile("z.hbs", src, Mode::Json)
        .unwrap()
        .render_json(&ctx())
        .unwrap_err();
    assert_eq!((e.file.as_str(), e.line), ("z.hbs", Some(3)), "{e}");
    assert!(e.message.contains("not valid JSON"), "{e}");
}

#[test]
fn syntax_error_names_the_line() {
    let e = Template::compile("b.hbs", "{\n\n  {{#if x}}\n}", Mode::Json).unwrap_err();
    assert_eq!(e.file, "b.hbs");
    assert!(e.line.is_some(), "{e}");
    assert!(e.to_string().starts_with("b.hbs:"), "{e}");
}

#[test]
fn phone_normalisation() {
    assert_eq!(
        normalize_phone("+1 (555) 123-4567", "1").as_deref(),
        Some("+15551234567")
    );
    assert_eq!(
        normalize_phone("555.123.4567", "1").as_deref(),
        Some("+15551234567")
    );
    assert_eq!(
        normalize_phone("15551234567", "1").as_deref(),
        Some("+15551234567")
    );
    assert_eq!(
        normalize_phone("0044 20 7946 0958", "1").as_deref(),
        Some("+442079460958")
    );
    assert_eq!(
        normalize_phone("020 7946 0958", "44").as_deref(),
        Some("+442079460958")
    );
    assert_eq!(normalize_phone("call me", "1"), None);
    assert_eq!(normalize_phone("12", "1"), None);
    let e = render("{{e164 data.summary.text}}").unwrap_err();
    assert!(e.message.contains("E.164"), "{e}");
}

#[test]
fn e164_never_guesses_a_country() {
    // A national number without a country stays as written (no US guess).
    assert_eq!(
        render("{{e164 \"020 7946 0958\"}}").unwrap(),
        "020 7946 0958"
    );
    assert_eq!(render("{{e164 \" 5125550142 \"}}").unwrap(), "5125550142");
    assert_eq!(
        render("{{e164 \"020 7946 0958\" country=\"GB\"}}").unwrap(),
        "+442079460958"
    );
    assert_eq!(
        render("{{e164 \"(512) 555-0142\" country=\"US\"}}").unwrap(),
        "+15125550142"
    );
    assert_eq!(
        render("{{e164 \"0044 20 7946 0958\"}}").unwrap(),
        "+442079460958"
    );
    let e = render("{{e164 \"020 7946 0958\" country=\"XX\"}}").unwrap_err();
    assert!(e.message.contains("unknown country 'XX'"), "{e}");
}

#[test]
fn truncate_time_transcript_case_and_in() {
    assert_eq!(
        render("{{truncate data.summary.intent 4}}").unwrap(),
        "est…"
    );
    assert_eq!(
        render("{{truncate data.summary.intent 4 ellipsis=\"\"}}").unwrap(),
        "esti"
    );
    assert_eq!(
        render("{{truncate data.summary.intent 40}}").unwrap(),
        "estimate"
    );
    assert_eq!(
        render(
            "{{time data.started_at tz=\"America/Chicago\" format=\"%a %b %-d, %-I:%M %p %Z\"}}"
        )
        .unwrap(),
        "Wed May 8, 3:21 PM CDT"
    );
    assert_eq!(
        render("{{time created}}").unwrap(),
        "2024-05-08T20:26:50+00:00"
    );
    assert!(render("{{time created tz=\"Mars/Base\"}}")
        .unwrap_err()
        .message
        .contains("Mars/Base"));
    let t = render("{{transcript data.transcript}}").unwrap();
    assert!(t.starts_with("agent: Thanks for calling"), "{t}");
    // JSON mode escapes the newlines between entries.
    assert_eq!(t.matches("\\n").count(), 2, "{t}");
    assert_eq!(
        render("{{upper data.summary.intent}} {{lower \"AbC\"}}").unwrap(),
        "ESTIMATE abc"
    );
    assert_eq!(
        render("{{#if (in data.summary.intent \"support\" \"estimate\")}}yes{{else}}no{{/if}}")
            .unwrap(),
        "yes"
    );
    assert_eq!(
        render("{{#if (eq data.sentiment.label \"negative\")}}bad{{else}}good{{/if}}").unwrap(),
        "good"
    );
    assert_eq!(render("{{#if data.nope}}x{{else}}y{{/if}}").unwrap(), "y");
}

#[test]
fn url_mode_percent_encodes_values() {
    let t = Template::compile("u", "https://x.test/calls/{{id}}", Mode::Url).unwrap();
    assert_eq!(
        t.render(&json!({"id": "a/../b?c=d"})).unwrap(),
        "https://x.test/calls/a%2F..%2Fb%3Fc%3Dd"
    );
}

#[test]
fn name_parts() {
    let t = Template::compile(
        "n",
        "{{name_part n \"first\"}}|{{name_part n \"last\"}}",
        Mode::Text,
    )
    .unwrap();
    assert_eq!(
        t.render(&json!({"n": "Jordan  de Reyes"})).unwrap(),
        "Jordan|de Reyes"
    );
    assert_eq!(t.render(&json!({"n": "Cher"})).unwrap(), "Cher|");
}
