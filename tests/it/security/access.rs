//! Who may do what: distinct tokens required at start-up, neither token
//! grants the other's API, header size limit (431), per-client ingest rate
//! limit (429 with Retry-After).

use crate::support::{
    fresh_event,
    process::{free_port, serve_failing},
    TestConfig, TestHub, ADMIN, INGEST,
};

/// A config file with only these `[server]` keys (and a listener and database).
fn config_with_server(dir: &std::path::Path, server: &[(&str, &str)]) -> std::path::PathBuf {
    server
        .iter()
        .fold(TestConfig::bare().listen(free_port()), |c, (key, value)| {
            c.server(key, *value)
        })
        .in_dir(dir)
        .write(dir)
}

#[actix_rt::test]
async fn the_hub_refuses_to_start_without_two_distinct_tokens() {
    let dir = tempfile::tempdir().unwrap();
    let cases: [(&[(&str, &str)], &str); 3] = [
        (&[("admin_token", "a-token")], "ingest_token"),
        (&[("ingest_token", "i-token")], "admin_token"),
        (
            &[
                ("ingest_token", "same-token"),
                ("admin_token", "same-token"),
            ],
            "must differ from server.ingest_token",
        ),
    ];
    for (server, expected) in cases {
        let (ok, stderr) = serve_failing(&config_with_server(dir.path(), server));
        assert!(!ok, "{server:?}");
        assert!(stderr.contains(expected), "{server:?}: {stderr}");
        assert!(
            !stderr.contains("same-token"),
            "the error shows no token: {stderr}"
        );
    }
}

#[actix_rt::test]
async fn neither_token_grants_the_other_api() {
    let hub = TestHub::start(TestConfig::default()).await;
    let ev = fresh_event("call.started");
    let (status, body) = hub
        .post_raw(
            serde_json::to_vec(&ev).unwrap(),
            "application/json",
            Some(ADMIN),
        )
        .await;
    assert_eq!(status, 401, "{body}");
    let resp = hub
        .client
        .get(format!("{}/v1/connectors", hub.url))
        .bearer_auth(INGEST)
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 401);
    let resp = hub
        .client
        .get(format!("{}/v1/connectors", hub.url))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 401, "no token, no admin API");
}

#[actix_rt::test]
async fn oversized_headers_get_431() {
    let hub = TestHub::start(TestConfig::default().server("max_header_bytes", 4096)).await;
    let ev = fresh_event("call.started");
    let resp = hub
        .client
        .post(format!("{}/v1/events", hub.url))
        .bearer_auth(INGEST)
        .header("X-Padding", "p".repeat(5000))
        .json(&ev)
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 431);
    let body: serde_json::Value = resp.json().await.unwrap();
    assert_eq!(body["error"]["code"], "headers_too_large", "{body}");
    assert!(
        body["error"]["message"]
            .as_str()
            .unwrap()
            .contains("max_header_bytes"),
        "{body}"
    );
    // Nothing was stored, and normal requests pass.
    let (_, stored) = hub
        .admin_get(&format!("/v1/events/{}", ev["id"].as_str().unwrap()))
        .await;
    assert_eq!(stored["error"]["code"], "not_found", "{stored}");
    assert_eq!(hub.post_event(&fresh_event("call.started")).await.0, 202);
}

#[actix_rt::test]
async fn a_client_over_its_ingest_rate_gets_429_with_retry_after() {
    let hub = TestHub::start(
        TestConfig::default()
            .server("ingest_rate_limit", 1)
            .server("ingest_rate_burst", 3),
    )
    .await;
    let mut statuses = Vec::new();
    let mut retry_after = None;
    let mut refused_body = serde_json::Value::Null;
    for _ in 0..10 {
        let resp = hub
            .client
            .post(format!("{}/v1/events", hub.url))
            .bearer_auth(INGEST)
            .json(&fresh_event("call.started"))
            .send()
            .await
            .unwrap();
        statuses.push(resp.status().as_u16());
        if resp.status() == 429 {
            retry_after = resp
                .headers()
                .get("retry-after")
                .map(|v| v.to_str().unwrap().parse::<u64>().unwrap());
            refused_body = resp.json().await.unwrap();
        }
    }
    // A burst of 3 passes; at 1 event/s the next ones (sent within
    // milliseconds) are refused.
    assert_eq!(&statuses[..3], [202; 3], "{statuses:?}");
    assert!(statuses[3..].contains(&429), "{statuses:?}");
    let retry_after = retry_after.expect("429 carries Retry-After");
    assert!((1..=2).contains(&retry_after), "{retry_after}");
    assert_eq!(refused_body["error"]["code"], "rate_limited");
    assert!(
        refused_body["error"]["message"]
            .as_str()
            .unwrap()
            .contains("ingest_rate_limit"),
        "{refused_body}"
    );
    // The admin API is not limited by the ingest limiter.
    assert_eq!(hub.admin_get("/v1/connectors").await.0, 200);
    // Another client (another loopback source address) has its own budget.
    let other = reqwest::Client::builder()
        .local_address(std::net::IpAddr::from([127, 0, 0, 2]))
        .build()
        .unwrap();
    let resp = other
        .post(format!("{}/v1/events", hub.url))
        .bearer_auth(INGEST)
        .json(&fresh_event("call.started"))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 202);
}
