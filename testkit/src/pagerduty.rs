//! A PagerDuty Events API v2 simulator (`POST /v2/enqueue`) with the
//! vendor's semantics, built from the facts in PagerDuty's public Events API
//! v2 documentation (its OpenAPI text is not permissively licensed, so the
//! checks are written out here rather than copied):
//!
//! - an event is checked the way PagerDuty checks it (32-character
//!   `routing_key`, `event_action` trigger|acknowledge|resolve, a trigger's
//!   `payload.summary` of 1 to 1024 characters, `payload.source`,
//!   `payload.severity` in critical|error|warning|info, `dedup_key` of at
//!   most 255 characters, at most 512 KB) and refused with 400
//!   `{"status":"invalid event","message":"Event object is invalid","errors":[...]}`;
//! - a trigger whose `dedup_key` names an OPEN alert folds into it; resolve
//!   closes it, and a trigger after that opens a NEW incident;
//! - each routing key may send `limit` events per `window` (about 120 a
//!   minute by default); beyond that the answer is 429.
//!
//! Tests read the business outcome: [`PagerDutySim::incidents`].

use std::{
    collections::{HashMap, VecDeque},
    sync::{Arc, Mutex},
    time::{Duration, Instant},
};

use serde_json::{json, Value};
use switchboard_core::outbound::OutboundRequest;
use wiremock::{
    matchers::{method, path},
    Mock, MockServer, Request, Respond, ResponseTemplate,
};

mod validate;

pub use validate::validate_event;

/// An incident PagerDuty opened: one per alert that was not folded.
#[derive(Debug, Clone, PartialEq)]
pub struct Incident {
    /// The alert's `dedup_key` (PagerDuty's own when the event had none).
    pub dedup_key: String,
    /// The routing key (service integration) it came in on.
    pub routing_key: String,
    /// `payload.summary` of the trigger that opened it.
    pub summary: String,
    /// `payload.severity` of that trigger.
    pub severity: String,
    /// The whole event that opened it.
    pub event: Value,
    /// Triggers folded into it after the first.
    pub folded: usize,
    /// Whether it is still open (not resolved).
    pub open: bool,
}

#[derive(Debug, Default)]
struct State {
    incidents: Vec<Incident>,
    received: usize,
    invalid: Vec<Vec<String>>,
    throttled: usize,
    forced: VecDeque<u16>,
    recent: HashMap<String, VecDeque<Instant>>,
    next_key: u64,
}

#[derive(Debug, Clone, Copy)]
struct RateLimit {
    limit: usize,
    window: Duration,
}

/// The simulator: a loopback server answering like `events.pagerduty.com`.
pub struct PagerDutySim {
    server: MockServer,
    state: Arc<Mutex<State>>,
}

impl PagerDutySim {
    /// Starts one with PagerDuty's usual limit: 120 events a minute per key.
    pub async fn start() -> Self {
        Self::with_rate_limit(120, Duration::from_secs(60)).await
    }

    /// Starts one allowing `limit` events per `window` per routing key.
    pub async fn with_rate_limit(limit: usize, window: Duration) -> Self {
        let server = MockServer::start().await;
        let state = Arc::new(Mutex::new(State::default()));
        let responder = Enqueue {
            state: state.clone(),
            rate: RateLimit { limit, window },
        };
        Mock::given(method("POST"))
            .and(path("/v2/enqueue"))
            .respond_with(responder)
            .mount(&server)
            .await;
        PagerDutySim { server, state }
    }

    /// The connector's `base_url`.
    pub fn base_url(&self) -> String {
        self.server.uri()
    }

    /// Every incident opened so far, open or resolved, in order.
    pub fn incidents(&self) -> Vec<Incident> {
        self.lock().incidents.clone()
    }

    /// Requests received, accepted or not.
    pub fn received(&self) -> usize {
        self.lock().received
    }

    /// The `errors` of each event refused as invalid.
    pub fn invalid(&self) -> Vec<Vec<String>> {
        self.lock().invalid.clone()
    }

    /// Requests answered 429 by the rate limit.
    pub fn throttled(&self) -> usize {
        self.lock().throttled
    }

    /// Answers the next request with `status` (e.g. 502) instead of handling it.
    pub fn fail_next(&self, status: u16) {
        self.lock().forced.push_back(status);
    }

    /// Resolves the open incident with `dedup_key`, as a responder would in
    /// PagerDuty's web app. Returns whether one was open.
    pub fn resolve(&self, dedup_key: &str) -> bool {
        let mut s = self.lock();
        match s
            .incidents
            .iter_mut()
            .find(|i| i.open && i.dedup_key == dedup_key)
        {
            Some(i) => {
                i.open = false;
                true
            }
            None => false,
        }
    }

    /// PagerDuty's own check of a prepared request, for the sparse matrix:
    /// `POST .../v2/enqueue` with a valid event.
    pub fn validate(req: &OutboundRequest) -> Result<(), String> {
        if req.method != http::Method::POST || !req.url.path().ends_with("/v2/enqueue") {
            return Err(format!("not an enqueue: {} {}", req.method, req.url));
        }
        validate_event(&req.body)
            .map(drop)
            .map_err(|e| e.join("; "))
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, State> {
        self.state.lock().expect("simulator state")
    }
}

/// The `Respond` of `POST /v2/enqueue`.
struct Enqueue {
    state: Arc<Mutex<State>>,
    rate: RateLimit,
}

impl Respond for Enqueue {
    fn respond(&self, request: &Request) -> ResponseTemplate {
        let mut s = self.state.lock().expect("simulator state");
        s.received += 1;
        if let Some(status) = s.forced.pop_front() {
            return ResponseTemplate::new(status);
        }
        let event = match validate_event(&request.body) {
            Ok(event) => event,
            Err(errors) => {
                s.invalid.push(errors.clone());
                return ResponseTemplate::new(400).set_body_json(json!({
                    "status": "invalid event",
                    "message": "Event object is invalid",
                    "errors": errors,
                }));
            }
        };
        let key = event["routing_key"].as_str().unwrap_or_default().to_owned();
        if !s.admit(&key, self.rate) {
            s.throttled += 1;
            return ResponseTemplate::new(429).set_body_json(json!({
                "status": "throttle event",
                "message": "Requests for this service are arriving too quickly. Please retry later.",
            }));
        }
        let dedup_key = s.apply(&key, event);
        ResponseTemplate::new(202).set_body_json(json!({
            "status": "success",
            "message": "Event processed",
            "dedup_key": dedup_key,
        }))
    }
}

impl State {
    /// Counts an event against its key's window; false when over the limit.
    fn admit(&mut self, key: &str, rate: RateLimit) -> bool {
        let now = Instant::now();
        let recent = self.recent.entry(key.to_owned()).or_default();
        while recent.front().is_some_and(|t| now - *t >= rate.window) {
            recent.pop_front();
        }
        if recent.len() >= rate.limit {
            return false;
        }
        recent.push_back(now);
        true
    }

    /// What a valid event does to the alerts; the alert's dedup key.
    fn apply(&mut self, routing_key: &str, event: Value) -> String {
        let dedup_key = match event["dedup_key"].as_str() {
            Some(k) => k.to_owned(),
            None => {
                self.next_key += 1;
                format!("pd-generated-{:032x}", self.next_key)
            }
        };
        let open = self
            .incidents
            .iter_mut()
            .find(|i| i.open && i.routing_key == routing_key && i.dedup_key == dedup_key);
        match (event["event_action"].as_str().unwrap_or_default(), open) {
            ("trigger", Some(incident)) => incident.folded += 1,
            ("trigger", None) => self.incidents.push(Incident {
                dedup_key: dedup_key.clone(),
                routing_key: routing_key.to_owned(),
                summary: event["payload"]["summary"]
                    .as_str()
                    .unwrap_or_default()
                    .into(),
                severity: event["payload"]["severity"]
                    .as_str()
                    .unwrap_or_default()
                    .into(),
                event,
                folded: 0,
                open: true,
            }),
            ("resolve", Some(incident)) => incident.open = false,
            // Acknowledging keeps it open; acting on no open alert is a no-op.
            _ => {}
        }
        dedup_key
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const KEY: &str = "R0ut1ngK3yR0ut1ngK3yR0ut1ngK3y12";

    fn event(action: &str, dedup: &str) -> Value {
        json!({"routing_key": KEY, "event_action": action, "dedup_key": dedup,
            "payload": {"summary": "Server down", "source": "s", "severity": "critical"}})
    }

    async fn send(sim: &PagerDutySim, body: &Value) -> (u16, Value) {
        let resp = reqwest::Client::new()
            .post(format!("{}/v2/enqueue", sim.base_url()))
            .json(body)
            .send()
            .await
            .unwrap();
        (
            resp.status().as_u16(),
            resp.json().await.unwrap_or(Value::Null),
        )
    }

    #[tokio::test]
    async fn open_alerts_fold_and_a_trigger_after_resolve_opens_a_new_incident() {
        let sim = PagerDutySim::start().await;
        let (status, body) = send(&sim, &event("trigger", "call:1")).await;
        assert_eq!((status, body["dedup_key"].as_str()), (202, Some("call:1")));
        send(&sim, &event("trigger", "call:1")).await;
        assert_eq!(sim.incidents().len(), 1);
        assert_eq!(sim.incidents()[0].folded, 1);
        send(&sim, &event("resolve", "call:1")).await;
        assert!(!sim.incidents()[0].open);
        send(&sim, &event("trigger", "call:1")).await;
        assert_eq!(sim.incidents().len(), 2, "a resolved alert does not fold");
    }

    #[tokio::test]
    async fn invalid_events_are_400_with_pagerdutys_errors() {
        let sim = PagerDutySim::start().await;
        let mut bad = event("trigger", &"k".repeat(256));
        bad["routing_key"] = "short".into();
        bad["payload"]["summary"] = "x".repeat(1025).into();
        bad["payload"]["severity"] = "high".into();
        let (status, body) = send(&sim, &bad).await;
        assert_eq!(status, 400);
        assert_eq!(body["message"], "Event object is invalid");
        let errors = body["errors"].to_string();
        for field in [
            "routing_key",
            "dedup_key",
            "payload.summary",
            "payload.severity",
        ] {
            assert!(errors.contains(field), "{field} not named in {errors}");
        }
        assert!(sim.incidents().is_empty());
        assert!(validate_event(&vec![b' '; 512 * 1024 + 1]).is_err());
    }

    #[tokio::test]
    async fn each_routing_key_is_rate_limited() {
        let sim = PagerDutySim::with_rate_limit(2, Duration::from_secs(60)).await;
        for n in 0..2 {
            assert_eq!(send(&sim, &event("trigger", &format!("c{n}"))).await.0, 202);
        }
        assert_eq!(send(&sim, &event("trigger", "c3")).await.0, 429);
        assert_eq!((sim.throttled(), sim.incidents().len()), (1, 2));
        sim.fail_next(502);
        let mut other = event("trigger", "c4");
        other["routing_key"] = "0".repeat(32).into();
        assert_eq!(send(&sim, &other).await.0, 502);
        assert_eq!(
            send(&sim, &other).await.0,
            202,
            "another key has its own window"
        );
    }
}
