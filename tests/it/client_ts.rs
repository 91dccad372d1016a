//! `/openapi.json` as a client contract (issue 24): TypeScript types
//! generated from the live document with openapi-typescript, a client on
//! openapi-fetch that must pass `tsc --noEmit`, then run against the hub: it
//! creates an endpoint, posts an event, sees its delivery succeed and reads
//! a typed error answer.

use std::{process::Command, time::Duration};

use serde_json::Value;

use crate::support::{
    sdk::{root, run, tools_present},
    Receiver, TestConfig, TestHub, ADMIN, INGEST,
};

#[actix_rt::test]
async fn a_generated_typescript_client_creates_posts_and_lists() {
    let _load = crate::support::heavy_load().await;
    if !tools_present() {
        return;
    }
    let package = root().join("tests/client-ts");
    let bin = package.join("node_modules/.bin");
    assert!(
        bin.join("openapi-typescript").is_file(),
        "run `npm ci` in tests/client-ts first (.ci/run does)"
    );
    let rx = Receiver::start();
    let hub = TestHub::start(TestConfig::default()).await;
    let logs = tempfile::tempdir().unwrap();
    let npx = |tool: &str| {
        let mut c = Command::new(bin.join(tool));
        c.current_dir(&package);
        c
    };
    // Fetched here: a blocking child that called the in-process hub would
    // wait on this very thread.
    let doc = hub
        .client
        .get(format!("{}/openapi.json", hub.url))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let doc_file = logs.path().join("openapi.json");
    std::fs::write(&doc_file, doc).unwrap();
    run(
        npx("openapi-typescript")
            .arg(&doc_file)
            // A documented default (`enabled`) does not make a request field required.
            .args(["--default-non-nullable=false", "-o", "generated/api.d.ts"]),
        &logs.path().join("generate.log"),
        Duration::from_secs(120),
    );
    run(
        npx("tsc").args(["--noEmit", "-p", "tsconfig.json"]),
        &logs.path().join("typecheck.log"),
        Duration::from_secs(180),
    );
    let dist = logs.path().join("dist");
    run(
        npx("tsc")
            .args(["-p", "tsconfig.json", "--noEmit", "false", "--outDir"])
            .arg(&dist),
        &logs.path().join("build.log"),
        Duration::from_secs(180),
    );
    // Run next to its node_modules, from the compiled output.
    let script = package.join("dist-client.mjs");
    std::fs::copy(dist.join("client.js"), &script).unwrap();
    let out = tokio::process::Command::new("node")
        .arg(&script)
        .current_dir(&package)
        .env("SWITCHBOARD_URL", &hub.url)
        .env("ADMIN_TOKEN", ADMIN)
        .env("INGEST_TOKEN", INGEST)
        .env("TARGET_URL", &rx.url)
        .output()
        .await
        .unwrap();
    std::fs::remove_file(&script).unwrap();
    assert!(
        out.status.success(),
        "the client failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let said: Value = serde_json::from_slice(&out.stdout).expect("the client prints JSON");
    assert_eq!(said["status"], "succeeded", "{said}");
    assert_eq!(said["refused"], "invalid_endpoint", "{said}");
    assert_eq!(said["pointer"], "/url", "{said}");
    // The delivery really reached the endpoint's target, signed as the event.
    let got = rx.received();
    assert_eq!(got.len(), 1, "{got:?}");
    assert_eq!(got[0].path, "/hook");
    assert_eq!(got[0].json()["id"], said["event"]);
    hub.stop().await;
}
