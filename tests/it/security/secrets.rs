//! Secrets never leave the hub except toward their own target: not in its log
//! (at debug level), not in API answers (errors, admin API, OpenAPI, metrics,
//! dashboard), not in `check` output.

use std::{process::Stdio, time::Duration};

use serde_json::json;

use crate::support::{
    fresh_event,
    process::{free_port, process_config, Proc},
    wait_until, Receiver, Reply, TestConnector, ADMIN, INGEST,
};

const WEBHOOK_SECRET: &str = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
const API_TOKEN: &str = "api-token-3f9c1d7e5b2a4068";
const HUBSPOT_TOKEN: &str = "pat-na1-7d6c5b4a-3921-4e8f-a0b1-secret";

#[actix_rt::test]
async fn secrets_stay_out_of_logs_errors_and_the_admin_api() {
    let dir = tempfile::tempdir().unwrap();
    let rx = Receiver::start();
    // Failing answers make the hub log retries, the chattiest path.
    rx.set_default(Reply::Status(500, None));
    let port = free_port();
    let api = TestConnector::new("api", "http")
        .set("url", format!("{}/api", rx.url))
        .set("headers", json!({"X-Source": "switchboard"}))
        .set(
            "auth",
            json!({"type": "bearer", "token": "${API_TOKEN_FOR_TEST}"}),
        )
        .set("body", r#"{"id": "{{id}}"}"#);
    let hubspot = TestConnector::new("hubspot", "hubspot")
        .set("token", HUBSPOT_TOKEN)
        .set("base_url", &rx.url);
    let config = process_config(port, &rx.url)
        .connector(api)
        .connector(hubspot)
        .in_dir(dir.path())
        .write(dir.path());
    let log_path = dir.path().join("hub.log");
    let log = std::fs::File::create(&log_path).unwrap();
    let mut hub = Proc::spawn_with(
        &config,
        port,
        "debug",
        &[("API_TOKEN_FOR_TEST", API_TOKEN)],
        Stdio::from(log.try_clone().unwrap()),
        Stdio::from(log),
    )
    .await;

    let client = reqwest::Client::new();
    let mut answers = String::new();
    let ev = fresh_event("lead.captured");
    let resp = client
        .post(format!("{}/v1/events", hub.url))
        .bearer_auth(INGEST)
        .json(&ev)
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 202);
    // Wrong tokens: the answer must not echo what was presented or expected.
    for (path, token) in [
        ("/v1/events", ADMIN.to_string()),
        ("/v1/connectors", INGEST.to_string()),
        ("/v1/connectors", format!("{ADMIN}x")),
    ] {
        let resp = client
            .post(format!("{}{path}", hub.url))
            .bearer_auth(&token)
            .json(&ev)
            .send()
            .await
            .unwrap();
        answers.push_str(&resp.text().await.unwrap());
    }
    let attempted = wait_until(Duration::from_secs(15), async || rx.count() >= 6).await;
    assert!(attempted, "every connector attempted and retried");
    let id = ev["id"].as_str().unwrap();
    for path in [
        "/v1/connectors".to_owned(),
        format!("/v1/events/{id}"),
        format!("/v1/deliveries?event_id={id}"),
        "/openapi.json".to_owned(),
        "/metrics".to_owned(),
        "/".to_owned(),
    ] {
        let resp = client
            .get(format!("{}{path}", hub.url))
            .bearer_auth(ADMIN)
            .send()
            .await
            .unwrap();
        answers.push_str(&resp.text().await.unwrap());
    }
    let page: serde_json::Value = client
        .get(format!("{}/v1/deliveries?event_id={id}", hub.url))
        .bearer_auth(ADMIN)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    for d in page["data"].as_array().unwrap() {
        let resp = client
            .get(format!(
                "{}/v1/deliveries/{}",
                hub.url,
                d["id"].as_str().unwrap()
            ))
            .bearer_auth(ADMIN)
            .send()
            .await
            .unwrap();
        answers.push_str(&resp.text().await.unwrap());
    }
    hub.signal(libc::SIGTERM);
    hub.wait();

    let check = std::process::Command::new(env!("CARGO_BIN_EXE_switchboard"))
        .args(["check", "--config"])
        .arg(&config)
        .env("API_TOKEN_FOR_TEST", API_TOKEN)
        .output()
        .unwrap();
    let check_out = format!(
        "{}{}",
        String::from_utf8_lossy(&check.stdout),
        String::from_utf8_lossy(&check.stderr)
    );
    let logged = std::fs::read_to_string(&log_path).unwrap();
    assert!(
        logged.lines().count() > 5,
        "the debug log was captured:\n{logged}"
    );
    for secret in [WEBHOOK_SECRET, API_TOKEN, HUBSPOT_TOKEN, INGEST, ADMIN] {
        assert!(!logged.contains(secret), "log leaks {secret}:\n{logged}");
        assert!(!answers.contains(secret), "API leaks {secret}:\n{answers}");
        assert!(
            !check_out.contains(secret),
            "check leaks {secret}:\n{check_out}"
        );
    }
    // The secrets did reach their own targets (the test is not vacuous).
    let sent: Vec<_> = rx
        .received()
        .iter()
        .filter_map(|r| r.header("authorization").map(str::to_owned))
        .collect();
    assert!(sent.iter().any(|h| h.contains(API_TOKEN)), "{sent:?}");
    assert!(sent.iter().any(|h| h.contains(HUBSPOT_TOKEN)), "{sent:?}");
}
