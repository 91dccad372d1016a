//! The command line as a user runs it: the real binary.

use std::{process::Command, time::Duration};

use switchboard_core::signing::{sign, SigningKey};

use crate::support::{
    fresh_event, ms, wait_until, Receiver, Reply, TestConfig, TestConnector, TestHub, ADMIN,
};

fn switchboard(args: &[&str]) -> (i32, String, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_switchboard"))
        .args(args)
        .env("RUST_LOG", "error")
        .output()
        .unwrap();
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

fn write(dir: &tempfile::TempDir, name: &str, text: &str) -> String {
    let path = dir.path().join(name);
    std::fs::write(&path, text).unwrap();
    path.display().to_string()
}

#[test]
fn bad_config_names_the_key_and_the_fix() {
    let dir = tempfile::tempdir().unwrap();
    let typo = write(
        &dir,
        "typo.toml",
        "[server]\ningest_token = \"a\"\nadmin_token = \"b\"\n[delivery]\ntimeout = \"soon\"\n",
    );
    let (code, _, err) = switchboard(&["check", "--config", &typo]);
    assert_ne!(code, 0);
    assert!(err.contains("timeout"), "{err}");

    let missing = write(
        &dir,
        "missing.toml",
        "[server]\ningest_token = \"${SB_TEST_UNSET_VAR}\"\nadmin_token = \"b\"\n",
    );
    let (code, _, err) = switchboard(&["serve", "--config", &missing]);
    assert_ne!(code, 0);
    assert!(
        err.contains("server.ingest_token") && err.contains("SB_TEST_UNSET_VAR"),
        "{err}"
    );

    let ok = write(
        &dir,
        "ok.toml",
        "[server]\ningest_token = \"a\"\nadmin_token = \"b\"\n",
    );
    let out = Command::new(env!("CARGO_BIN_EXE_switchboard"))
        .args(["check", "--config", &ok])
        .env("SWITCHBOARD_DELIVERY__FIRST_RETRY", "whenever")
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        !out.status.success() && err.contains("delivery.first_retry"),
        "environment overrides apply: {err}"
    );

    let kind = write(&dir, "kind.toml", "[server]\ningest_token = \"a\"\nadmin_token = \"b\"\n[[connectors]]\nname = \"x\"\nkind = \"webhok\"\n");
    let (code, _, err) = switchboard(&["check", "--config", &kind]);
    assert_ne!(code, 0);
    assert!(
        err.contains("unknown kind 'webhok'") && err.contains("webhook"),
        "{err}"
    );

    let secret = write(&dir, "secret.toml", "[server]\ningest_token = \"a\"\nadmin_token = \"b\"\n[[connectors]]\nname = \"x\"\nkind = \"webhook\"\nurl = \"https://example.com\"\nsecret = \"hunter2\"\n");
    let (code, _, err) = switchboard(&["check", "--config", &secret]);
    assert_ne!(code, 0);
    assert!(
        err.contains("whsec_") && !err.contains("hunter2"),
        "the secret is not echoed: {err}"
    );
}

#[test]
fn check_and_render_show_the_exact_request() {
    let dir = tempfile::tempdir().unwrap();
    let cfg = write(
        &dir,
        "sb.toml",
        "[server]\ningest_token = \"a\"\nadmin_token = \"b\"\n[[connectors]]\nname = \"crm\"\nkind = \"webhook\"\nurl = \"https://crm.example.com/hook\"\nsecret = \"whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw\"\n",
    );
    let (code, out, err) = switchboard(&["check", "--config", &cfg]);
    assert_eq!(code, 0, "{out}{err}");
    assert_eq!(
        out.lines().filter(|l| l.starts_with("ok ")).count(),
        6,
        "{out}"
    );

    let event = format!(
        "{}/core/fixtures/lead.captured.json",
        env!("CARGO_MANIFEST_DIR")
    );
    let (code, out, err) = switchboard(&[
        "render",
        "--config",
        &cfg,
        "--connector",
        "crm",
        "--event",
        &event,
    ]);
    assert_eq!(code, 0, "{err}");
    assert!(
        out.starts_with("POST https://crm.example.com/hook"),
        "{out}"
    );
    for h in [
        "x-oncallclerk-signature",
        "webhook-id: evt_01J9Z3M0W2Y4A6C8E0G2J4K6M8",
        "webhook-signature: v1,",
        "x-oncallclerk-event: lead.captured",
    ] {
        assert!(out.contains(h), "missing {h}: {out}");
    }
    assert!(out.contains("\"Jordan Reyes\""), "{out}");
}

#[test]
fn verify_accepts_good_and_refuses_tampered() {
    let dir = tempfile::tempdir().unwrap();
    let secret = SigningKey::generate();
    let body = br#"{"id":"evt_1","type":"call.started"}"#;
    let now = chrono::Utc::now().timestamp();
    let sigs = sign(&[SigningKey::parse(&secret).unwrap()], "evt_1", now, body);
    let good = write(&dir, "good.json", std::str::from_utf8(body).unwrap());
    let ts = now.to_string();
    let args = |file: &str| {
        vec![
            "verify",
            "--secret",
            &secret,
            "--body",
            file,
            "--signature",
            &sigs.plain,
            "--webhook-id",
            "evt_1",
            "--webhook-timestamp",
            &ts,
            "--webhook-signature",
            &sigs.standard,
        ]
        .into_iter()
        .map(str::to_owned)
        .collect::<Vec<_>>()
    };
    let run = |a: Vec<String>| switchboard(&a.iter().map(String::as_str).collect::<Vec<_>>());
    let (code, out, _) = run(args(&good));
    assert_eq!(code, 0, "{out}");
    let bad = write(&dir, "bad.json", r#"{"id":"evt_1","type":"call.startee"}"#);
    let (code, out, _) = run(args(&bad));
    assert_eq!(code, 1, "{out}");
    assert!(out.contains("FAIL"));
    let (code, out, _) = switchboard(&["verify", "--new-secret"]);
    assert_eq!(code, 0);
    assert!(SigningKey::parse(out.trim()).is_ok(), "{out}");
}

#[actix_rt::test]
async fn replay_command_recovers_failed_deliveries() {
    let rx = Receiver::start();
    rx.set_default(Reply::Status(500, None));
    let hub = TestHub::start(
        TestConfig::default()
            .delivery("retry_for", ms(60))
            .connector(TestConnector::webhook("crm", &format!("{}/h", rx.url))),
    )
    .await;
    let since = chrono::Utc::now().to_rfc3339();
    for _ in 0..3 {
        hub.post_event(&fresh_event("voicemail.left")).await;
    }
    assert!(
        wait_until(Duration::from_secs(5), async || {
            hub.admin_get("/v1/deliveries?status=failed").await.1["data"]
                .as_array()
                .unwrap()
                .len()
                == 3
        })
        .await
    );
    rx.set_default(Reply::Status(200, None));
    let url = hub.url.clone();
    let out = actix_rt::task::spawn_blocking(move || {
        Command::new(env!("CARGO_BIN_EXE_switchboard"))
            .args([
                "replay", "--since", &since, "--status", "failed", "--url", &url, "--token", ADMIN,
            ])
            .output()
            .unwrap()
    })
    .await
    .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{stdout} {}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(stdout.contains("3 deliveries queued"), "{stdout}");
    let (_, page) = hub.admin_get("/v1/deliveries?status=succeeded").await;
    assert_eq!(
        page["data"].as_array().unwrap().len(),
        3,
        "the command waited until they settled: {page}"
    );
    hub.stop().await;
}
