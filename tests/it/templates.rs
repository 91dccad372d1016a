//! Golden tests of every shipped template against every sample event it
//! serves (the exact request `switchboard render` prints), and `check`
//! catching broken templates with their file and line.

use std::{path::PathBuf, process::Command};

use serde_json::json;
use switchboard::registry::registry;
use switchboard_core::{
    config::DeliveryConfig,
    connector::{testing, ConnectorSpec},
    event::{fixtures, Event},
};

use crate::support::{TestConfig, TestConnector};

/// Settings that make each prebuilt kind serve every shipped template.
fn settings(kind: &str) -> serde_json::Value {
    match kind {
        "hubspot" => json!({"token": "pat-golden"}),
        "pagerduty" => json!({"routing_key": "R0ut1ngK3yR0ut1ngK3yR0ut1ngK3y12"}),
        "twilio" => {
            json!({"account_sid": "AC0123456789abcdef0123456789abcdef", "auth_token": "t", "from": "+15557654321"})
        }
        "zendesk" => json!({"subdomain": "acme", "email": "agent@acme.test", "api_token": "t"}),
        "sendgrid" => {
            json!({"api_key": "SG.golden", "from": "Reyes Plumbing <bookings@reyes.example>", "to": "office@reyes.example"})
        }
        "jsm" => json!({"api_key": "golden-genie-key"}),
        "customerio" => json!({"site_id": "site-golden", "api_key": "t"}),
        "pipedrive" => json!({"api_token": "golden", "company_domain": "acme"}),
        "intercom" => json!({"token": "golden"}),
        "freshdesk" => json!({"domain": "acme", "api_key": "golden"}),
        "housecallpro" => json!({"api_key": "golden"}),
        "slack" => json!({"token": "xoxb-golden", "channel": "C0GOLDEN"}),
        other => panic!("no golden settings for {other}"),
    }
}

#[test]
fn every_shipped_template_renders_its_golden_request() {
    let golden = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/golden");
    let update = std::env::var_os("UPDATE_GOLDEN").is_some();
    let mut checked = 0;
    for shipped in registry().shipped() {
        let (kind, event_type) = (shipped.kind, shipped.template.event);
        let name = shipped.name();
        let (_, src) = fixtures()
            .into_iter()
            .find(|(t, _)| t.as_str() == event_type)
            .unwrap_or_else(|| panic!("{name} is named after no event type"));
        let mut s = settings(kind);
        s["events"] = json!([event_type]);
        // Twilio's staff alert needs a staff number.
        if event_type == "transfer.requested" && kind == "twilio" {
            s["to"] = json!("+15550001111");
        }
        let config = testing::config(kind, s);
        let delivery = DeliveryConfig::default();
        let connector = registry()
            .build(&ConnectorSpec::new(&config, &delivery))
            .unwrap();
        let event = Event::parse(src.as_bytes(), 0).unwrap();
        let shown: Vec<String> = testing::prepare(&*connector, &event)
            .unwrap_or_else(|e| panic!("{name}: {e}"))
            .iter()
            .map(ToString::to_string)
            .collect();
        let shown = shown.join("\n---\n") + "\n";
        let path = golden.join(kind).join(format!("{event_type}.txt"));
        if update {
            std::fs::create_dir_all(path.parent().unwrap()).unwrap();
            std::fs::write(&path, &shown).unwrap();
        }
        let want = std::fs::read_to_string(&path)
            .unwrap_or_else(|_| panic!("{} missing: run with UPDATE_GOLDEN=1", path.display()));
        assert_eq!(shown, want, "{name} no longer renders {}", path.display());
        checked += 1;
    }
    assert_eq!(checked, 39, "every shipped template has a golden file");
}

/// `switchboard check` of a config file with this one connector.
fn check(dir: &tempfile::TempDir, connector: TestConnector) -> (bool, String) {
    let config = TestConfig::bare()
        .server("ingest_token", "i")
        .server("admin_token", "a")
        .database(&dir.path().join("c.db"))
        .connector(connector)
        .write(dir.path());
    let out = Command::new(env!("CARGO_BIN_EXE_switchboard"))
        .args(["check", "--config"])
        .arg(&config)
        .output()
        .unwrap();
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    (out.status.success(), text)
}

fn zendesk_with(dir: &tempfile::TempDir, template: &str) -> TestConnector {
    let tdir = dir.path().join("tpl");
    std::fs::create_dir_all(&tdir).unwrap();
    std::fs::write(tdir.join("call.completed.hbs"), template).unwrap();
    TestConnector::new("helpdesk", "zendesk")
        .set("subdomain", "acme")
        .set("email", "a@acme.test")
        .set("api_token", "t")
        .set("templates_dir", tdir.display().to_string())
}

/// The `pd` pagerduty connector.
fn pagerduty() -> TestConnector {
    TestConnector::new("pd", "pagerduty").set("routing_key", "R0ut1ngK3yR0ut1ngK3yR0ut1ngK3y12")
}

#[test]
fn check_passes_the_shipped_templates() {
    let dir = tempfile::tempdir().unwrap();
    let pd = pagerduty().set("filter", r#"data.transfer.urgency == "emergency""#);
    let (ok, text) = check(&dir, pd);
    assert!(ok, "{text}");
    assert!(
        text.contains("ok    pd") && text.contains("transfer.requested"),
        "{text}"
    );
    assert!(
        text.contains("skip  pd") && text.contains("lead.captured"),
        "the filter skips the lead: {text}"
    );
}

#[test]
fn check_warns_about_a_pager_that_pages_on_every_lead() {
    let dir = tempfile::tempdir().unwrap();
    let (ok, text) = check(&dir, pagerduty().set("events", ["lead.captured"]));
    assert!(ok, "a warning does not fail check: {text}");
    assert!(
        text.contains("warn  pd") && text.contains("pages on every lead.captured"),
        "{text}"
    );
    assert!(
        text.contains("add a `filter`"),
        "says how to fix it: {text}"
    );

    // With `events` omitted the kind's default filter pages on transfers only.
    let (ok, text) = check(&dir, pagerduty());
    assert!(ok && !text.contains("warn"), "{text}");
    assert!(
        text.contains("skip  pd") && text.contains("default filter"),
        "the non-urgent sample lead is skipped: {text}"
    );
}

#[test]
fn check_names_file_and_line_of_a_missing_field() {
    let dir = tempfile::tempdir().unwrap();
    let tpl = "{\n  \"ticket\": {\n    \"subject\": \"{{data.summary.headline}}\",\n    \"comment\": {\"body\": \"x\"}\n  }\n}\n";
    let (ok, text) = check(&dir, zendesk_with(&dir, tpl));
    assert!(!ok, "{text}");
    let file = dir.path().join("tpl/call.completed.hbs");
    assert!(
        text.contains(&format!(
            "{}:3: missing field `data.summary.headline`",
            file.display()
        )),
        "{text}"
    );
}

#[test]
fn check_names_file_and_line_of_invalid_json() {
    let dir = tempfile::tempdir().unwrap();
    let tpl = "{\n  \"ticket\": {\n    \"subject\": \"Call\",\n    \"comment\": {\"body\": {{data.summary.text}}}\n  }\n}\n";
    let (ok, text) = check(&dir, zendesk_with(&dir, tpl));
    assert!(!ok, "{text}");
    let file = dir.path().join("tpl/call.completed.hbs");
    assert!(
        text.contains(&format!("{}:4: output is not valid JSON", file.display())),
        "{text}"
    );
}

#[test]
fn check_names_file_and_line_of_a_syntax_error_and_a_bad_filter() {
    let dir = tempfile::tempdir().unwrap();
    let tpl = "{\n  \"ticket\": {\n    {{#if data.summary}}\n  }\n}\n";
    let (ok, text) = check(&dir, zendesk_with(&dir, tpl));
    assert!(!ok, "{text}");
    let file = dir.path().join("tpl/call.completed.hbs");
    assert!(
        text.contains(&format!("{}:", file.display())) && text.contains("does not compile"),
        "{text}"
    );

    let (ok, text) = check(&dir, pagerduty().set("filter", "data.x = 1"));
    assert!(!ok, "{text}");
    assert!(
        text.contains("connector 'pd' (pagerduty): `filter`") && text.contains("column 8"),
        "{text}"
    );
}

#[test]
fn check_refuses_opsgenie_and_names_jsm() {
    let dir = tempfile::tempdir().unwrap();
    let (ok, text) = check(
        &dir,
        TestConnector::new("alerts", "opsgenie").set("api_key", "k"),
    );
    assert!(!ok, "{text}");
    assert!(
        text.contains("'alerts' (opsgenie)")
            && text.contains("2027-04-05")
            && text.contains("kind = \"jsm\""),
        "{text}"
    );
}
