//! The receiver SDKs end to end (issue 19): the packed TypeScript SDK and
//! the built Python wheel, installed from those artifacts, each behind a
//! receiver that a real hub delivers to. Every sample event and the sparsest
//! event of each type must arrive verified and parsed to its own type; a
//! tampered body and a replayed old timestamp must be refused.

use std::{collections::BTreeSet, time::Duration};

use serde_json::{Map, Value};
use switchboard_core::{
    event::{schema_document, EventType},
    signing::{sign, SigningKey},
};

use crate::support::{
    fixtures,
    sdk::{self, Receiver},
    wait_until, TestConfig, TestConnector, TestHub, SECRET,
};

/// `value` with only what `schema` requires, recursively.
fn only_required(value: &Value, schema: &Value) -> Value {
    let (Some(obj), Some(props)) = (value.as_object(), schema.get("properties")) else {
        return value.clone();
    };
    let required: Vec<&str> = schema["required"]
        .as_array()
        .map(|r| r.iter().filter_map(Value::as_str).collect())
        .unwrap_or_default();
    let mut out = Map::new();
    for (k, v) in obj {
        if required.contains(&k.as_str()) {
            out.insert(k.clone(), only_required(v, &props[k]));
        }
    }
    Value::Object(out)
}

/// The Python class of each event type.
fn class_of(t: &str) -> String {
    t.split('.')
        .map(|w| w[..1].to_uppercase() + &w[1..])
        .collect()
}

/// Posts `body` to a receiver signed as the hub would at `timestamp`,
/// after `tamper` changed the body; returns the status.
async fn post_signed(url: &str, body: &[u8], timestamp: i64, tampered: Option<&[u8]>) -> u16 {
    let key = SigningKey::parse(SECRET).unwrap();
    let sigs = sign(&[key], "evt_direct", timestamp, body);
    reqwest::Client::new()
        .post(url)
        .header("content-type", "application/json")
        .header("webhook-id", "evt_direct")
        .header("webhook-timestamp", timestamp.to_string())
        .header("webhook-signature", sigs.standard)
        .header("x-oncallclerk-signature", sigs.plain)
        .body(tampered.unwrap_or(body).to_vec())
        .send()
        .await
        .unwrap()
        .status()
        .as_u16()
}

#[actix_rt::test]
async fn sdk_receivers_verify_and_type_every_event() {
    let _load = crate::support::heavy_load().await;
    if !sdk::tools_present() {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let node_app = sdk::install_typescript(dir.path());
    let python = sdk::install_python(dir.path());
    // The receivers run next to the installed packages, away from the sources.
    let scripts = sdk::root().join("tests/it/sdk");
    std::fs::copy(scripts.join("receiver.mjs"), node_app.join("receiver.mjs")).unwrap();
    std::fs::copy(scripts.join("receiver.py"), dir.path().join("receiver.py")).unwrap();
    let node = Receiver::start(
        "node".as_ref(),
        &node_app.join("receiver.mjs"),
        SECRET,
        dir.path().join("node.log"),
        &node_app,
    );
    let py = Receiver::start(
        &python,
        &dir.path().join("receiver.py"),
        SECRET,
        dir.path().join("python.log"),
        dir.path(),
    );
    // Installed artifacts, not the source folders.
    assert!(
        node.sdk_path.starts_with(
            &node_app
                .join("node_modules/switchboard-webhooks")
                .display()
                .to_string()
        ),
        "node loaded the SDK from {}",
        node.sdk_path
    );
    assert!(
        py.sdk_path
            .starts_with(&dir.path().join("venv").display().to_string()),
        "python loaded the SDK from {}",
        py.sdk_path
    );

    let hub = TestHub::start(TestConfig::default().connectors([
        TestConnector::webhook("node", &node.url),
        TestConnector::webhook("python", &py.url),
    ]))
    .await;
    let mut events: Vec<Value> = fixtures()
        .iter()
        .map(|(_, src)| serde_json::from_str(src).unwrap())
        .collect();
    for t in EventType::ALL {
        let sample = events.iter().find(|e| e["type"] == t.as_str()).unwrap();
        events.push(only_required(sample, &schema_document(t)));
    }
    let mut expected = BTreeSet::new();
    for ev in &events {
        let (status, body) = hub.post_event(ev).await;
        assert_eq!(status, 202, "{ev}: {body}");
        assert_eq!(body["deliveries"], 2);
        let call = ev["data"]["call_id"].as_str().unwrap().to_owned();
        expected.insert((
            ev["type"].as_str().unwrap().to_owned(),
            body["id"].as_str().unwrap().to_owned(),
            call,
        ));
    }
    assert_eq!(expected.len(), 12);
    let all_in = wait_until(Duration::from_secs(20), async || {
        node.lines().len() >= 12 && py.lines().len() >= 12
    })
    .await;
    assert!(
        all_in,
        "node verified {:?}\npython verified {:?}",
        node.lines(),
        py.lines()
    );

    let mut got_node = BTreeSet::new();
    for l in node.lines() {
        assert_eq!(
            l[0], l[1],
            "node dispatched a {} to the {} handler",
            l[1], l[0]
        );
        got_node.insert((l[1].clone(), l[2].clone(), l[3].clone()));
    }
    assert_eq!(got_node, expected, "node receiver");
    let mut got_py = BTreeSet::new();
    for l in py.lines() {
        assert_eq!(
            l[0],
            class_of(&l[1]),
            "python parsed a {} as {}",
            l[1],
            l[0]
        );
        got_py.insert((l[1].clone(), l[2].clone(), l[3].clone()));
    }
    assert_eq!(got_py, expected, "python receiver");

    // Straight to the receivers: a good request, a tampered body, a replay.
    let body = serde_json::to_vec(&events[0]).unwrap();
    let now = chrono::Utc::now().timestamp();
    let tampered = String::from_utf8(body.clone())
        .unwrap()
        .replace("agent_main", "agent_evil");
    for rx in [&node, &py] {
        let before = rx.lines().len();
        assert_eq!(
            post_signed(&rx.url, &body, now, None).await,
            204,
            "{}",
            rx.url
        );
        assert_eq!(
            post_signed(&rx.url, &body, now, Some(tampered.as_bytes())).await,
            401,
            "tampered body at {}",
            rx.url
        );
        assert_eq!(
            post_signed(&rx.url, &body, now - 600, None).await,
            401,
            "replayed timestamp at {}",
            rx.url
        );
        assert_eq!(
            rx.lines().len(),
            before + 1,
            "only the good request was accepted"
        );
    }
    hub.stop().await;
}
