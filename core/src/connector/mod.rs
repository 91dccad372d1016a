//! The connector plug-in interface.
//!
//! A connector maps an event to one or more HTTP requests and says what an
//! answer means ([`Verdict`]). It holds no timers, retries, storage or actors:
//! core owns those, so a connector crate stays small and testable without a
//! network. New kinds register a [`Factory`] in a [`Registry`], one line each.

pub mod caller;
pub mod http;
pub mod limits;
pub mod marker;
mod outcome;
pub(crate) mod registry;
mod state;
pub mod testing;
pub mod vendor;
pub mod webhook;

use async_trait::async_trait;

pub use outcome::{classify_status, Outcome, Pause, Verdict};
pub use registry::{
    BuildError, ConnectorSpec, DefaultTemplate, Factory, Plugin, Registry, ShippedTemplate,
};
pub use state::{ConnectorState, StateError, DEFAULT_ACCOUNT};

use crate::{
    config::ConnectorConfig,
    event::{Event, EventType},
    outbound::{OutboundClient, OutboundRequest, Response},
};

/// What a connector is asked to deliver.
#[derive(Debug, Clone, Copy)]
pub struct DeliveryRequest<'a> {
    /// The stable delivery id (idempotency key material).
    pub delivery_id: &'a str,
    /// The event.
    pub event: &'a Event,
    /// 1-based number of this attempt.
    pub attempt: u32,
}

/// A mapping that cannot produce a request (bad template, missing field):
/// permanent, so the delivery fails at once with this reason.
#[derive(Debug, Clone, thiserror::Error)]
#[error("{0}")]
pub struct MappingError(pub String);

/// Why a connector cannot serve at all (its target refused the settings at
/// start-up): the hub does not start, and says this.
#[derive(Debug, Clone, thiserror::Error)]
#[error("{0}")]
pub struct StartError(pub String);

/// A connector instance, built from its config by a [`Factory`].
#[async_trait]
pub trait Connector: Send + Sync + 'static {
    /// The request(s) this delivery becomes, in order. Pure: also used by
    /// `switchboard render` and `check`.
    fn prepare(&self, req: &DeliveryRequest<'_>) -> Result<Vec<OutboundRequest>, MappingError>;

    /// What an answer means. The default: 2xx delivered, 429/503 retry after
    /// `Retry-After`, anything else retry.
    fn classify(&self, response: &Response) -> Verdict {
        classify_status(response)
    }

    /// The event types this connector can serve (those it has a mapping
    /// for); `None` means every type. When a connector's `events` is
    /// omitted, it subscribes to these.
    fn events(&self) -> Option<Vec<EventType>> {
        None
    }

    /// The condition (in the `filter` language, see [`crate::filter`]) a
    /// connector takes events under when the operator sets neither `events`
    /// nor `filter`, e.g. a pager's "transfers, and leads only when urgent".
    /// Setting either takes the subscription over: an operator's `filter`
    /// replaces this one, and `events` without `filter` means every event of
    /// those types. `None` (the default): no condition.
    fn default_filter(&self) -> Option<&str> {
        None
    }

    /// Warnings `switchboard check` prints for this connector's config
    /// (never errors), each saying how to fix it: e.g. a pager that would
    /// page on every event of a type. None by default.
    fn check_warnings(&self, _config: &ConnectorConfig) -> Vec<String> {
        Vec::new()
    }

    /// The target's own explanation of an answer that is not a success
    /// (e.g. a vendor's error message), recorded as the attempt's error.
    fn error_message(&self, _response: &Response) -> Option<String> {
        None
    }

    /// [`classify`](Self::classify) plus [`error_message`](Self::error_message):
    /// the outcome of one answer.
    fn judge(&self, response: &Response) -> Outcome {
        let outcome = Outcome::from_response(self.classify(response), response);
        match (&outcome.verdict, self.error_message(response)) {
            (Verdict::Delivered, _) | (_, None) => outcome,
            (_, Some(message)) => outcome.with_error(message),
        }
    }

    /// Checks the target before the hub serves (a database table's shape,
    /// say), so a wrong setting stops start-up with a clear message instead
    /// of failing every delivery. Nothing by default.
    async fn start(&self) -> Result<(), StartError> {
        Ok(())
    }

    /// Whether the attempt log keeps a masked copy of each request sent
    /// (`GET /v1/deliveries/{id}`). Signed webhooks say no: their request is
    /// the stored event, and a webhook attempt's record size is a benchmarked
    /// figure (BENCHMARKS.md).
    fn keeps_sent_requests(&self) -> bool {
        true
    }

    /// Makes the attempt. The default sends each prepared request in turn
    /// and stops at the first answer that is not a success; connectors whose
    /// later requests depend on earlier answers override it.
    async fn deliver(&self, req: &DeliveryRequest<'_>, http: &OutboundClient) -> Outcome {
        let requests = match self.prepare(req) {
            Ok(r) => r,
            Err(e) => return Outcome::rejected(format!("mapping failed: {e}")),
        };
        let mut last = Outcome::delivered_without_request();
        for request in &requests {
            let answer = if self.keeps_sent_requests() {
                http.send(request).await
            } else {
                http.send_unrecorded(request).await.map_err(Into::into)
            };
            last = match answer {
                Ok(resp) => self.judge(&resp),
                Err(e) => Outcome::from_send_error(&e),
            };
            if last.verdict != Verdict::Delivered {
                break;
            }
        }
        last
    }
}
