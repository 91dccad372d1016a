//! Endpoint secrets encrypted at rest with a key from the environment, on a
//! real `switchboard serve`: the database files never hold the secret, a
//! restart with the key keeps signing with it, and a restart without the key
//! or with another one refuses to start with an error that says which.

use std::{path::Path, process::Stdio, time::Duration};

use base64::{engine::general_purpose::STANDARD, Engine};
use serde_json::json;

use crate::support::{
    fresh_event,
    process::{free_port, post, serve_failing, serve_failing_with, write_config, Proc},
    wait_until, Receiver,
};

const KEY_VAR: &str = "SWITCHBOARD_STORAGE__SECRET_KEY";

async fn start(config: &Path, port: u16, key: Option<&str>) -> Proc {
    let env: Vec<(&str, &str)> = key.map(|k| (KEY_VAR, k)).into_iter().collect();
    Proc::spawn_with(config, port, "warn", &env, Stdio::inherit(), Stdio::null()).await
}

async fn create_endpoint(hub: &Proc, target: &str) -> String {
    let answer = hub
        .api()
        .admin_post(
            "/v1/endpoints",
            &json!({"url": format!("{target}/ep"), "events": ["lead.captured"]}),
        )
        .await
        .unwrap();
    assert_eq!(answer.status, 201, "{}", answer.text);
    answer.json()["secret"].as_str().unwrap().to_owned()
}

/// Whether any of the database's files (main, WAL) holds `needle`.
fn database_holds(dir: &Path, needle: &str) -> bool {
    ["hub.db", "hub.db-wal"].iter().any(|f| {
        std::fs::read(dir.join(f))
            .is_ok_and(|bytes| bytes.windows(needle.len()).any(|w| w == needle.as_bytes()))
    })
}

/// Posts a lead and waits for the endpoint to receive it, signed by `secret`.
async fn delivered_signed(hub: &Proc, rx: &Receiver, secret: &str) -> bool {
    let before = rx.count();
    assert_eq!(
        post(&hub.api(), &fresh_event("lead.captured")).await,
        Some(202)
    );
    wait_until(Duration::from_secs(10), async || {
        rx.received()
            .iter()
            .skip(before)
            .any(|r| r.path == "/ep" && r.signed_by(secret))
    })
    .await
}

#[actix_rt::test]
async fn endpoint_secrets_are_encrypted_with_the_key_from_the_environment() {
    let dir = tempfile::tempdir().unwrap();
    let rx = Receiver::start();
    let port = free_port();
    let config = write_config(dir.path(), port, &rx.url);
    let key = STANDARD.encode([42u8; 32]);

    let mut hub = start(&config, port, Some(&key)).await;
    let secret = create_endpoint(&hub, &rx.url).await;
    assert!(delivered_signed(&hub, &rx, &secret).await);
    // The key part of the secret is what would let an attacker sign.
    let body = secret.trim_start_matches("whsec_");
    assert!(!database_holds(dir.path(), body), "secret stored readable");
    hub.kill();
    assert!(
        !database_holds(dir.path(), body),
        "secret readable after a kill"
    );

    let (ok, stderr) = serve_failing(&config);
    assert!(!ok);
    assert!(
        stderr.contains("encrypted at rest") && stderr.contains("secret_key"),
        "{stderr}"
    );
    let other = STANDARD.encode([7u8; 32]);
    let (ok, stderr) = serve_failing_with(&config, &[(KEY_VAR, &other)]);
    assert!(!ok);
    assert!(stderr.contains("does not decrypt"), "{stderr}");
    let (ok, stderr) = serve_failing_with(&config, &[(KEY_VAR, "too-short")]);
    assert!(!ok);
    assert!(stderr.contains("openssl rand -base64 32"), "{stderr}");

    let mut hub = start(&config, port, Some(&key)).await;
    assert!(delivered_signed(&hub, &rx, &secret).await);
    hub.kill();
}

#[actix_rt::test]
async fn setting_a_key_seals_secrets_stored_before() {
    let dir = tempfile::tempdir().unwrap();
    let rx = Receiver::start();
    let port = free_port();
    let config = write_config(dir.path(), port, &rx.url);

    let mut hub = start(&config, port, None).await;
    let secret = create_endpoint(&hub, &rx.url).await;
    hub.signal(libc::SIGTERM);
    hub.wait();
    let body = secret.trim_start_matches("whsec_");
    assert!(
        database_holds(dir.path(), body),
        "stored as plaintext without a key"
    );

    let key = STANDARD.encode([9u8; 32]);
    let mut hub = start(&config, port, Some(&key)).await;
    assert!(delivered_signed(&hub, &rx, &secret).await);
    hub.signal(libc::SIGTERM);
    hub.wait();
    // The hub wiped the plaintext when it sealed the row: no copy is left
    // in the database file or its WAL.
    assert!(
        !database_holds(dir.path(), body),
        "still readable after sealing"
    );
}
