//! OpenTelemetry traces (DESIGN.md section 16): a real `switchboard serve`
//! exporting to an OTLP/HTTP collector in the test shows one trace spanning
//! the ingest request and the delivery attempt, continuing the platform's
//! `traceparent`, and the webhook's receiver sees that trace in its own
//! `traceparent`; without an exporter the platform's `traceparent` is
//! forwarded as it came.

use std::{process::Stdio, time::Duration};

use opentelemetry_proto::tonic::{
    collector::trace::v1::ExportTraceServiceRequest,
    common::v1::{any_value::Value as Any, KeyValue},
    trace::v1::Span,
};
use prost::Message;
use serde_json::{json, Value};

use crate::{
    storage::support::pg,
    support::{
        fresh_event,
        process::{free_port, process_config, Proc},
        wait_until, Receiver, Reply, TestConfig, TestConnector, TestHub, INGEST, SECRET,
    },
};

const TRACE_ID: &str = "4bf92f3577b34da6a3ce929d0e0e4736";
const PLATFORM_SPAN: &str = "00f067aa0ba902b7";
const TRACEPARENT: &str = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01";

/// A `[[functions]]` entry calling `base`, taking any arguments.
fn function(base: &str) -> Value {
    json!({"name": "lookup", "url": format!("{base}/lookup"), "secret": SECRET})
}

/// Every span the collector received.
fn spans(collector: &Receiver) -> Vec<Span> {
    collector
        .received()
        .iter()
        .filter(|r| r.path == "/v1/traces")
        .flat_map(|r| {
            assert_eq!(r.header("content-type"), Some("application/x-protobuf"));
            ExportTraceServiceRequest::decode(r.body.as_slice())
                .expect("OTLP protobuf")
                .resource_spans
        })
        .flat_map(|rs| rs.scope_spans)
        .flat_map(|ss| ss.spans)
        .collect()
}

fn attribute<'a>(span: &'a Span, key: &str) -> Option<&'a Any> {
    span.attributes
        .iter()
        .find(|kv: &&KeyValue| kv.key == key)
        .and_then(|kv| kv.value.as_ref()?.value.as_ref())
}

fn text<'a>(span: &'a Span, key: &str) -> &'a str {
    match attribute(span, key) {
        Some(Any::StringValue(s)) => s,
        other => panic!("span {:?}: {key} is {other:?}", span.name),
    }
}

fn named<'a>(spans: &'a [Span], name: &str) -> &'a Span {
    let found: Vec<_> = spans.iter().filter(|s| s.name == name).collect();
    assert_eq!(found.len(), 1, "one {name:?} span: {spans:#?}");
    found[0]
}

/// Posts `event` with the platform's `traceparent`.
async fn post_traced(url: &str, event: &Value) -> u16 {
    reqwest::Client::new()
        .post(format!("{url}/v1/events"))
        .bearer_auth(INGEST)
        .header("traceparent", TRACEPARENT)
        .json(event)
        .send()
        .await
        .unwrap()
        .status()
        .as_u16()
}

async fn invoke_traced(url: &str) -> u16 {
    reqwest::Client::new()
        .post(format!("{url}/v1/functions/lookup/invoke"))
        .bearer_auth(INGEST)
        .header("traceparent", TRACEPARENT)
        .json(&json!({"call_id": "call_traced", "arguments": {}}))
        .send()
        .await
        .unwrap()
        .status()
        .as_u16()
}

/// Runs a traced hub process on `storage` (`None`: SQLite in its folder).
async fn one_trace_spans_ingest_and_attempt(storage: Option<&str>) {
    let collector = Receiver::start();
    let target = Receiver::start();
    let answers = Receiver::start();
    answers.set_default(Reply::Json(json!({"found": true})));
    let dir = tempfile::tempdir().unwrap();
    let port = free_port();
    let config = process_config(port, &target.url)
        .telemetry("otlp_endpoint", &collector.url)
        .function(function(&answers.url));
    let config = match storage {
        Some(url) => config.storage_url(url),
        None => config.in_dir(dir.path()),
    };
    let path = config.write(dir.path());
    // The batch exporter posts every 50 ms instead of every 5 s.
    let env = [("OTEL_BSP_SCHEDULE_DELAY", "50")];
    let mut hub =
        Proc::spawn_with(&path, port, "warn", &env, Stdio::inherit(), Stdio::null()).await;

    let event = fresh_event("lead.captured");
    assert_eq!(post_traced(&hub.url, &event).await, 202);
    assert!(wait_until(Duration::from_secs(10), async || target.count() == 1).await);
    assert_eq!(invoke_traced(&hub.url).await, 200);
    let complete = wait_until(Duration::from_secs(10), async || {
        let all = spans(&collector);
        ["ingest", "delivery attempt", "function invocation"]
            .iter()
            .all(|name| all.iter().any(|s| s.name == *name))
    })
    .await;
    hub.signal(libc::SIGTERM);
    hub.wait();
    assert!(complete, "spans exported: {:#?}", spans(&collector));

    let all = spans(&collector);
    let trace_id = hex::decode(TRACE_ID).unwrap();
    let ingest = named(&all, "ingest");
    assert_eq!(
        ingest.trace_id, trace_id,
        "ingest continues the platform's trace"
    );
    assert_eq!(hex::encode(&ingest.parent_span_id), PLATFORM_SPAN);
    assert_eq!(text(ingest, "switchboard.event_id"), event["id"]);
    assert_eq!(text(ingest, "switchboard.event_type"), "lead.captured");
    assert_eq!(text(ingest, "switchboard.account"), "default");

    let delivered = &target.received()[0];
    let attempt = named(&all, "delivery attempt");
    assert_eq!(
        attempt.trace_id, trace_id,
        "the attempt joins the same trace"
    );
    assert_eq!(
        attempt.parent_span_id, ingest.span_id,
        "as a child of the ingest span"
    );
    assert_eq!(text(attempt, "switchboard.event_id"), event["id"]);
    assert_eq!(text(attempt, "switchboard.connector"), "crm");
    assert_eq!(
        Some(text(attempt, "switchboard.delivery_id")),
        delivered.header("x-oncallclerk-delivery")
    );
    assert_eq!(text(attempt, "switchboard.outcome"), "succeeded");
    let seen = format!("00-{TRACE_ID}-{}-01", hex::encode(&attempt.span_id));
    assert_eq!(
        delivered.header("traceparent"),
        Some(seen.as_str()),
        "the webhook carries the attempt's span of the platform's trace"
    );

    let invocation = named(&all, "function invocation");
    assert_eq!(invocation.trace_id, trace_id);
    assert_eq!(hex::encode(&invocation.parent_span_id), PLATFORM_SPAN);
    assert_eq!(text(invocation, "switchboard.function"), "lookup");
    assert_eq!(text(invocation, "switchboard.call_id"), "call_traced");
    let called = format!("00-{TRACE_ID}-{}-01", hex::encode(&invocation.span_id));
    assert_eq!(
        answers.received()[0].header("traceparent"),
        Some(called.as_str())
    );
}

#[actix_rt::test]
async fn one_trace_spans_ingest_and_attempt_on_sqlite() {
    one_trace_spans_ingest_and_attempt(None).await;
}

#[actix_rt::test]
async fn one_trace_spans_ingest_and_attempt_on_postgres() {
    let Some(pg) = pg("traces").await else {
        return;
    };
    one_trace_spans_ingest_and_attempt(Some(&pg.url)).await;
    pg.drop().await;
}

/// No exporter in this process: the hub creates no spans, but forwards the
/// platform's `traceparent` unchanged, and sends none when none came.
#[actix_rt::test]
async fn without_an_exporter_the_platforms_traceparent_is_forwarded() {
    let target = Receiver::start();
    let answers = Receiver::start();
    answers.set_default(Reply::Json(json!({"found": true})));
    let hub = TestHub::start(
        TestConfig::default()
            .connector(TestConnector::hook("crm", &target.url))
            .function(function(&answers.url)),
    )
    .await;
    assert_eq!(
        post_traced(&hub.url, &fresh_event("call.started")).await,
        202
    );
    let (status, _) = hub.post_event(&fresh_event("call.started")).await;
    assert_eq!(status, 202);
    assert!(wait_until(Duration::from_secs(5), async || target.count() == 2).await);
    let mut carried: Vec<_> = target
        .received()
        .iter()
        .map(|r| r.header("traceparent").map(str::to_owned))
        .collect();
    carried.sort();
    assert_eq!(carried, [None, Some(TRACEPARENT.to_owned())]);

    assert_eq!(invoke_traced(&hub.url).await, 200);
    assert_eq!(
        answers.received()[0].header("traceparent"),
        Some(TRACEPARENT)
    );
    hub.stop().await;
}
