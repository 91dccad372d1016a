//! The API against its own OpenAPI document under schemathesis (issue 24):
//! every check and every phase, with both tokens, on SQLite and on
//! PostgreSQL, bounded in time; any failure fails the test with the
//! fuzzer's report. The stateful phase follows the document's links from
//! created endpoints, posted events, listed connectors and functions.

use std::{
    path::{Path, PathBuf},
    process::{Command, Stdio},
    time::Duration,
};

use serde_json::json;
use wiremock::{matchers::any, Mock, MockServer, ResponseTemplate};

use crate::{
    storage::support::pg,
    support::{
        process::{free_port, Proc},
        sdk::{root, run},
    },
};

/// The configuration `switchboard serve` falls back to.
const EMBEDDED_DEFAULT: &str = include_str!("../../core/config.default.toml");

/// Seconds of fuzzing per back-end: two back-ends stay within 3 minutes.
const BUDGET_SECS: u64 = 75;

/// The schemathesis that `.ci/run` installs (pinned) into the SDK venv.
fn schemathesis() -> Option<PathBuf> {
    let bin = root().join("target/sdk-venv/bin/schemathesis");
    if bin.is_file() {
        return Some(bin);
    }
    let why = format!(
        "the contract test needs {} (.ci/run installs it from sdk/python/dev-requirements.txt)",
        bin.display()
    );
    if std::env::var("CI").is_ok_and(|v| v == "true") {
        panic!("{why}; CI=true requires it");
    }
    eprintln!("\n*** SKIPPED: {why} ***\n");
    None
}

/// A target that takes every delivery and answers every function call
/// with JSON, as a customer's system would.
async fn target() -> MockServer {
    let server = MockServer::start().await;
    Mock::given(any())
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({"available": true})))
        .mount(&server)
        .await;
    server
}

/// The embedded default configuration plus one connector and one function
/// (so the `{name}` operations have something to find), both aimed at `target`.
fn config(dir: &Path, target: &str) -> PathBuf {
    let path = dir.join("switchboard.toml");
    let text = format!(
        "{EMBEDDED_DEFAULT}\n\
         [[connectors]]\nname = \"crm\"\nkind = \"webhook\"\nurl = \"{0}/crm\"\nsecret = \"whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw\"\n\n\
         [[functions]]\nname = \"check_availability\"\nurl = \"{0}/fn\"\nsecret = \"whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw\"\n\
         parameters = {{ type = \"object\" }}\n",
        target
    );
    std::fs::write(&path, text).unwrap();
    path
}

/// Runs schemathesis against a hub on `storage` (`None`: the default SQLite
/// file); panics with its report on any failure.
async fn fuzz(storage: Option<&str>) {
    let Some(st) = schemathesis() else { return };
    let dir = tempfile::tempdir().unwrap();
    let target = target().await;
    let port = free_port();
    let listen = format!("127.0.0.1:{port}");
    let db = format!("sqlite://{}/hub.db", dir.path().display());
    let env = [
        ("SWITCHBOARD_SERVER__LISTEN", listen.as_str()),
        ("SWITCHBOARD_STORAGE__URL", storage.unwrap_or(&db)),
        ("SWITCHBOARD_DELIVERY__ALLOW_PRIVATE_TARGETS", "true"),
    ];
    let mut hub = Proc::spawn_with(
        &config(dir.path(), &target.uri()),
        port,
        "warn",
        &env,
        Stdio::null(),
        Stdio::null(),
    )
    .await;
    let mut cmd = Command::new(st);
    cmd.current_dir(dir.path())
        .arg("--config-file")
        .arg(root().join("tests/contract/schemathesis.toml"))
        .arg("--no-color")
        .args(["run", &format!("{}/openapi.json", hub.url)])
        .args(["--checks", "all"])
        .args(["--phases", "examples,coverage,fuzzing,stateful"])
        .args(["--max-time", &BUDGET_SECS.to_string()])
        .args(["--generation-database", "none"])
        .env("SWITCHBOARD_ADMIN_TOKEN", "dev-admin-token")
        .env("SWITCHBOARD_INGEST_TOKEN", "dev-ingest-token");
    let log = dir.path().join("schemathesis.log");
    // `run` panics with the whole report when schemathesis finds a failure.
    run(&mut cmd, &log, Duration::from_secs(BUDGET_SECS + 60));
    let report = std::fs::read_to_string(&log).unwrap();
    // Every operation schemathesis loaded from the document was tested.
    let selected = report
        .lines()
        .find_map(|l| l.trim().strip_prefix("Selected: "))
        .and_then(|n| n.split_once('/'))
        .map(|(a, b)| (a.to_owned(), b.to_owned()));
    let (tested, loaded) = selected.unwrap_or_else(|| panic!("no summary:\n{report}"));
    assert!(
        tested == loaded
            && loaded.parse::<usize>().is_ok_and(|n| n >= 25)
            && report.contains(&format!("Tested: {tested}")),
        "schemathesis did not test every operation:\n{report}"
    );
    hub.signal(libc::SIGTERM);
    hub.wait();
}

#[actix_rt::test]
async fn the_api_matches_its_document_on_sqlite() {
    let _alone = crate::support::quiet_machine().await;
    fuzz(None).await;
}

#[actix_rt::test]
async fn the_api_matches_its_document_on_postgres() {
    let Some(pg) = pg("contract").await else {
        return;
    };
    let _alone = crate::support::quiet_machine().await;
    fuzz(Some(&pg.url)).await;
    pg.drop().await;
}
