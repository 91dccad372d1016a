//! A Zendesk Support simulator with the vendor's semantics, on wiremock:
//!
//! - Basic auth `{email}/token:{api_token}` (401 otherwise);
//! - `POST /api/v2/tickets` keeps tickets, resolves the requester (an email
//!   finds or creates the user; no requester means the token's agent) and
//!   honours `Idempotency-Key` for [`IDEMPOTENCY_WINDOW`] on the simulator's
//!   clock: the same key and body answer the same ticket with
//!   `x-idempotency-lookup: hit`, the same key with another body answers 400
//!   `IdempotentRequestError`; invalid tickets answer 422 `RecordInvalid`;
//! - `GET /api/v2/tickets?external_id=` lists the tickets with that id;
//! - `POST /api/v2/users/create_or_update` finds a user by email or phone,
//!   or creates one;
//! - [`ZendeskSim::fail_next_create`] scripts the next ticket creates: 429
//!   text/plain with `Retry-After`, a 5xx, a timeout AFTER the ticket was
//!   stored (the ambiguous failure), a 400 `IdempotentRequestError`.
//!
//! Tests assert what Zendesk ended up with: [`ZendeskSim::tickets`],
//! [`ZendeskSim::tickets_for`] a call or delivery, [`ZendeskSim::requester`].

mod rules;
mod state;

use std::{
    sync::{Arc, Mutex, MutexGuard},
    time::Duration,
};

use serde_json::{json, Value};
use switchboard_core::{connector::vendor, outbound::OutboundRequest};
use wiremock::{matchers::any, Mock, MockServer};

pub use rules::{is_e164, Invalid, PRIORITIES};
pub use state::{Fail, Ticket, User};
use state::{Handler, State};

/// The agent owning the simulator's API token.
pub const EMAIL: &str = "agent@acme.test";
/// The simulator's API token.
pub const API_TOKEN: &str = "zd-secret";
/// How long Zendesk honours an `Idempotency-Key` (about 2 hours).
pub const IDEMPOTENCY_WINDOW: Duration = Duration::from_secs(2 * 3600);

/// A running Zendesk Support simulator.
pub struct ZendeskSim {
    server: MockServer,
    state: Arc<Mutex<State>>,
}

impl ZendeskSim {
    /// Starts a simulator on a loopback port, with one agent ([`EMAIL`]).
    pub async fn start() -> Self {
        let server = MockServer::start().await;
        let state = Arc::new(Mutex::new(State::new(EMAIL)));
        Mock::given(any())
            .respond_with(Handler {
                state: state.clone(),
                auth: auth(),
            })
            .mount(&server)
            .await;
        ZendeskSim { server, state }
    }

    /// The base URL to configure as the connector's `base_url`.
    pub fn base_url(&self) -> String {
        self.server.uri()
    }

    /// The connector settings (JSON) pointing at this simulator.
    pub fn settings(&self) -> Value {
        json!({"base_url": self.base_url(), "email": EMAIL, "api_token": API_TOKEN})
    }

    /// A `[[connectors]]` TOML entry named `helpdesk` pointing at this
    /// simulator, with `extra` lines (e.g. `timeout = "300ms"`) appended.
    pub fn connector_toml(&self, extra: &str) -> String {
        format!(
            "[[connectors]]\nname = \"helpdesk\"\nkind = \"zendesk\"\nbase_url = \"{}\"\nemail = \"{EMAIL}\"\napi_token = \"{API_TOKEN}\"\n{extra}\n",
            self.base_url()
        )
    }

    fn state(&self) -> MutexGuard<'_, State> {
        self.state.lock().expect("simulator state")
    }

    /// Scripts the next ticket create (queued: call it again for the one after).
    pub fn fail_next_create(&self, fail: Fail) {
        self.state().fails.push_back(fail);
    }

    /// Moves the simulator's clock forward (idempotency keys expire).
    pub fn advance(&self, by: Duration) {
        self.state().clock += by;
    }

    /// Every ticket, oldest first.
    pub fn tickets(&self) -> Vec<Ticket> {
        self.state().tickets.clone()
    }

    /// The tickets whose `external_id` contains `marker` (a call id or a
    /// delivery id): one voicemail should mean one ticket.
    pub fn tickets_for(&self, marker: &str) -> Vec<Ticket> {
        self.tickets()
            .into_iter()
            .filter(|t| t.external_id.as_deref().is_some_and(|e| e.contains(marker)))
            .collect()
    }

    /// Every user (the agent first).
    pub fn users(&self) -> Vec<User> {
        self.state().users.clone()
    }

    /// The users who are not agents (callers).
    pub fn end_users(&self) -> Vec<User> {
        self.users().into_iter().filter(|u| !u.agent).collect()
    }

    /// The requester of a ticket.
    pub fn requester(&self, ticket: &Ticket) -> User {
        self.users()
            .into_iter()
            .find(|u| u.id == ticket.requester_id)
            .expect("a ticket's requester exists")
    }

    /// How many `POST /api/v2/tickets` arrived (answered or not).
    pub fn creates(&self) -> usize {
        self.state().creates
    }

    /// How many `GET /api/v2/tickets?external_id=` lookups arrived.
    pub fn lookups(&self) -> usize {
        self.state().lookups
    }

    /// Checks a request the way Zendesk would, without storing anything
    /// (for `sparse::check_connector`): the auth, the endpoint, the body.
    pub fn validate(&self, req: &OutboundRequest) -> Result<(), String> {
        let sent = req
            .headers
            .get("authorization")
            .and_then(|v| v.to_str().ok());
        if sent != Some(auth().as_str()) {
            return Err("401: Basic auth is not {email}/token:{api_token}".into());
        }
        let path = req.url.path();
        let json = || -> Result<Value, String> {
            let ct = req
                .headers
                .get("content-type")
                .and_then(|v| v.to_str().ok());
            if ct != Some("application/json") {
                return Err(format!("content-type must be application/json, not {ct:?}"));
            }
            serde_json::from_slice(&req.body).map_err(|e| format!("400: body is not JSON: {e}"))
        };
        match (req.method.as_str(), path) {
            ("POST", "/api/v2/tickets") => {
                if !req.headers.contains_key("idempotency-key") {
                    return Err("a ticket create carries no Idempotency-Key".into());
                }
                rules::ticket(&json()?).map(drop).map_err(|e| e.to_string())
            }
            ("POST", "/api/v2/users/create_or_update") => {
                rules::user(&json()?).map(drop).map_err(|e| e.to_string())
            }
            ("GET", "/api/v2/tickets")
                if req.url.query_pairs().any(|(k, _)| k == "external_id") =>
            {
                Ok(())
            }
            (m, p) => Err(format!("404: Zendesk has no {m} {p}")),
        }
    }
}

fn auth() -> String {
    vendor::basic_auth(&format!("{EMAIL}/token"), API_TOKEN)
}
