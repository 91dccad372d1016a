//! `GET /metrics`: counters, the latency histogram and the backlog gauges
//! move with real ingests and deliveries.

use std::{collections::BTreeMap, net::TcpListener, time::Duration};

use crate::support::{
    fresh_event, wait_until, Receiver, Reply, TestConfig, TestConnector, TestHub, ADMIN,
};

/// Parsed exposition: (metric name, sorted labels) -> value.
type Samples = BTreeMap<(String, BTreeMap<String, String>), f64>;

fn parse(text: &str) -> Samples {
    let mut out = Samples::new();
    for line in text
        .lines()
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
    {
        let (series, value) = line.rsplit_once(' ').expect("`series value`");
        let (name, labels) = match series.split_once('{') {
            Some((n, rest)) => (n, rest.strip_suffix('}').expect("closing brace")),
            None => (series, ""),
        };
        let labels = labels
            .split(',')
            .filter(|p| !p.is_empty())
            .map(|p| {
                let (k, v) = p.split_once('=').expect("label=value");
                (k.to_owned(), v.trim_matches('"').to_owned())
            })
            .collect();
        let value = value.parse().unwrap_or_else(|e| panic!("{line}: {e}"));
        out.insert((name.to_owned(), labels), value);
    }
    out
}

fn get(s: &Samples, name: &str, labels: &[(&str, &str)]) -> Option<f64> {
    let key = labels
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
    s.get(&(name.to_owned(), key)).copied()
}

async fn scrape(hub: &TestHub) -> (String, Samples) {
    let resp = hub
        .client
        .get(format!("{}/metrics", hub.url))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 200);
    let ct = resp.headers()["content-type"].to_str().unwrap().to_owned();
    assert!(ct.starts_with("text/plain; version=0.0.4"), "{ct}");
    let text = resp.text().await.unwrap();
    let samples = parse(&text);
    (text, samples)
}

#[actix_rt::test]
async fn metrics_move_as_events_are_ingested_and_delivered() {
    let rx = Receiver::start();
    // A port nobody listens on: that connector's delivery stays retrying.
    let dead = TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap();
    let hub = TestHub::start(
        TestConfig::default().connectors([
            TestConnector::webhook("crm", &format!("{}/crm", rx.url)),
            TestConnector::webhook("dead", &format!("http://{dead}/x"))
                .set("events", ["booking.created"]),
        ]),
    )
    .await;

    let (text, before) = scrape(&hub).await;
    assert!(
        text.contains("# TYPE switchboard_retry_queue_depth gauge"),
        "{text}"
    );
    for c in ["crm", "dead"] {
        assert_eq!(
            get(
                &before,
                "switchboard_retry_queue_depth",
                &[("connector", c)]
            ),
            Some(0.0)
        );
        assert_eq!(
            get(
                &before,
                "switchboard_oldest_pending_age_seconds",
                &[("connector", c)]
            ),
            Some(0.0)
        );
    }
    assert_eq!(
        get(
            &before,
            "switchboard_events_ingested_total",
            &[("type", "lead.captured")]
        ),
        None,
        "nothing ingested yet"
    );

    // crm fails once, then succeeds; dead never answers.
    rx.script([Reply::Status(500, None)]);
    let lead = fresh_event("lead.captured");
    assert_eq!(hub.post_event(&lead).await.0, 202);
    assert_eq!(
        hub.post_event(&lead).await.0,
        200,
        "a repeat is not counted"
    );
    let booking = fresh_event("booking.created");
    assert_eq!(hub.post_event(&booking).await.0, 202);

    let lead_id = lead["id"].as_str().unwrap();
    let booking_id = booking["id"].as_str().unwrap();
    assert!(
        wait_until(Duration::from_secs(10), async || {
            let crm_done = hub
                .deliveries_of(lead_id)
                .await
                .iter()
                .chain(hub.deliveries_of(booking_id).await.iter())
                .filter(|d| d["connector"] == "crm" && d["status"] == "succeeded")
                .count()
                == 2;
            let dead_retrying = hub
                .deliveries_of(booking_id)
                .await
                .iter()
                .any(|d| d["connector"] == "dead" && d["status"] == "retrying");
            crm_done && dead_retrying
        })
        .await
    );

    let (text, after) = scrape(&hub).await;
    let m = |name: &str, labels: &[(&str, &str)]| get(&after, name, labels);
    assert_eq!(
        m(
            "switchboard_events_ingested_total",
            &[("type", "lead.captured")]
        ),
        Some(1.0),
        "{text}"
    );
    assert_eq!(
        m(
            "switchboard_events_ingested_total",
            &[("type", "booking.created")]
        ),
        Some(1.0)
    );
    // crm: lead 500 (retrying) then 200, booking 200 (or the other way round).
    let attempts = "switchboard_delivery_attempts_total";
    assert_eq!(
        m(attempts, &[("connector", "crm"), ("outcome", "retrying")]),
        Some(1.0),
        "{text}"
    );
    assert_eq!(
        m(attempts, &[("connector", "crm"), ("outcome", "succeeded")]),
        Some(2.0)
    );
    assert!(m(attempts, &[("connector", "dead"), ("outcome", "retrying")]).unwrap() >= 1.0);
    assert_eq!(
        m(attempts, &[("connector", "dead"), ("outcome", "succeeded")]),
        None
    );
    let finished = "switchboard_deliveries_total";
    assert_eq!(
        m(finished, &[("connector", "crm"), ("outcome", "succeeded")]),
        Some(2.0)
    );
    assert_eq!(
        m(finished, &[("connector", "dead"), ("outcome", "failed")]),
        None
    );
    let hist = "switchboard_delivery_attempt_duration_seconds";
    assert_eq!(
        m(&format!("{hist}_count"), &[("connector", "crm")]),
        Some(3.0),
        "{text}"
    );
    assert_eq!(
        m(
            &format!("{hist}_bucket"),
            &[("connector", "crm"), ("le", "+Inf")]
        ),
        Some(3.0)
    );
    assert!(m(&format!("{hist}_sum"), &[("connector", "crm")]).unwrap() > 0.0);
    assert!(text.contains(&format!("# TYPE {hist} histogram")), "{text}");
    // The backlog gauges come from storage: crm is empty, dead holds one.
    assert_eq!(
        m("switchboard_retry_queue_depth", &[("connector", "crm")]),
        Some(0.0)
    );
    assert_eq!(
        m("switchboard_retry_queue_depth", &[("connector", "dead")]),
        Some(1.0)
    );
    assert!(
        m(
            "switchboard_oldest_pending_age_seconds",
            &[("connector", "dead")]
        )
        .unwrap()
            > 0.0
    );
    hub.stop().await;
}

#[actix_rt::test]
async fn metrics_can_require_the_admin_token() {
    let hub = TestHub::start(TestConfig::default().server("metrics_require_token", true)).await;
    assert_eq!(hub.post_event(&fresh_event("call.started")).await.0, 202);
    let url = format!("{}/metrics", hub.url);
    let anonymous = hub.client.get(&url).send().await.unwrap();
    assert_eq!(anonymous.status(), 401);
    let with_token = hub
        .client
        .get(&url)
        .bearer_auth(ADMIN)
        .send()
        .await
        .unwrap();
    assert_eq!(with_token.status(), 200);
    let text = with_token.text().await.unwrap();
    assert!(
        text.contains("switchboard_events_ingested_total{type=\"call.started\"} 1"),
        "{text}"
    );
    hub.stop().await;
}
