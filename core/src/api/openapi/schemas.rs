//! Schemas of the JSON bodies that handlers build with `json!`, so the
//! OpenAPI document can name them. `tests/it/openapi.rs` validates real
//! responses against these, which keeps them honest.

use std::collections::BTreeMap;

use utoipa::{
    openapi::{schema::OneOfBuilder, Ref, RefOr, Schema},
    PartialSchema, ToSchema,
};

use crate::event::EventType;

/// Any event envelope: one of the six per-type schemas (components named
/// after the type, e.g. `lead.captured`), chosen by `type`.
pub struct AnyEvent;

impl PartialSchema for AnyEvent {
    fn schema() -> RefOr<Schema> {
        let mut one_of = OneOfBuilder::new().description(Some(
            "An event envelope; `data` depends on `type`. Unknown extra fields are kept.",
        ));
        for t in EventType::ALL {
            one_of = one_of.item(Ref::from_schema_name(t.as_str()));
        }
        Schema::OneOf(one_of.build()).into()
    }
}

impl ToSchema for AnyEvent {}

/// `{"error": {...}}`: every error answer.
#[derive(ToSchema)]
pub struct ErrorBody {
    /// The error.
    pub error: ErrorDetail,
}

/// What went wrong.
#[derive(ToSchema)]
pub struct ErrorDetail {
    /// Stable machine-readable code; each code has one HTTP status.
    pub code: crate::api::ErrorCode,
    /// What is wrong and how to fix it.
    pub message: String,
    /// JSON pointer to the offending value of the body, when there is one.
    #[schema(required = false)]
    pub path: String,
}

/// Answer of `POST /v1/events`: `202` when created, `200` for a known id.
#[derive(ToSchema)]
pub struct Accepted {
    /// The event id (`evt_<ULID>` when generated).
    pub id: String,
    /// How many deliveries the event fans out to.
    pub deliveries: u64,
}

/// A configured connector with its state and delivery counts.
#[derive(ToSchema)]
pub struct ConnectorStatus {
    /// Name.
    pub name: String,
    /// Kind (`webhook`, `http`, `hubspot`, ...).
    pub kind: String,
    /// Subscribed event types; `null` means all.
    pub events: Option<Vec<String>>,
    /// `active` or `disabled`.
    pub state: String,
    /// Why it is disabled, if it is.
    pub disabled_reason: Option<String>,
    /// `gone` (it answered 410), `no_success` (no success for
    /// `disable_after`; generic webhooks are probed) or `operator`; `null`
    /// while enabled.
    pub disabled_cause: Option<String>,
    /// Deliveries held as `disabled`, sent oldest first once it is re-enabled.
    pub held: u64,
    /// Deliveries per state (`pending`, `retrying`, `succeeded`, `failed`, `disabled`).
    pub counts: BTreeMap<String, u64>,
    /// Failure streak, last success and failure, success rate, breaker.
    pub health: crate::health::HealthView,
    /// Configured `rate_limit` and any pause the target asked for.
    pub pacing: crate::pacing::PacingView,
}

/// Answer of `PATCH /v1/connectors/{name}`.
#[derive(ToSchema)]
pub struct ConnectorState {
    /// Name.
    pub name: String,
    /// `active` or `disabled`.
    pub state: String,
    /// `operator` when disabled by this call; `null` when enabled.
    pub disabled_reason: Option<String>,
}

/// `GET /v1/connectors`.
#[derive(ToSchema)]
pub struct ConnectorList {
    /// The connectors.
    pub data: Vec<ConnectorStatus>,
    /// Always `null`: the list is not paginated.
    pub next_cursor: Option<String>,
}

/// `GET /v1/deliveries`: a page, newest first.
#[derive(ToSchema)]
pub struct DeliveryPage {
    /// The deliveries.
    pub data: Vec<crate::delivery::Delivery>,
    /// Pass as `cursor` for the next page; `null` on the last.
    pub next_cursor: Option<String>,
}

/// `GET /v1/events/{id}`.
#[derive(ToSchema)]
pub struct EventView {
    /// Event id.
    pub id: String,
    /// Event type.
    pub r#type: String,
    /// Unix seconds, as in the envelope.
    pub created: i64,
    /// When the hub accepted it (RFC 3339).
    pub received_at: String,
    /// The envelope's `data`.
    #[schema(value_type = Object)]
    pub data: serde_json::Value,
    /// The envelope exactly as stored and delivered.
    #[schema(value_type = Object)]
    pub envelope: serde_json::Value,
    /// Its deliveries.
    pub deliveries: Vec<crate::delivery::Delivery>,
}

/// Answer of the replay routes.
#[derive(ToSchema)]
pub struct Replayed {
    /// How many deliveries were made due again.
    pub replayed: u64,
}

/// `GET /v1/functions` and the invocation log: a list of JSON objects.
#[derive(ToSchema)]
pub struct ObjectList {
    /// The items.
    #[schema(value_type = Vec<Object>)]
    pub data: Vec<serde_json::Value>,
    /// Pass as `cursor` for the next page; `null` on the last.
    pub next_cursor: Option<String>,
}

/// Answer of `POST /v1/functions/{name}/invoke`.
#[derive(ToSchema)]
pub struct InvokeResult {
    /// What the customer's endpoint answered.
    #[schema(value_type = Object)]
    pub result: serde_json::Value,
}

/// `GET /healthz` and `GET /readyz`.
#[derive(ToSchema)]
pub struct Health {
    /// `ok`, `ready` or `unavailable`.
    pub status: String,
    /// This node's id (`/readyz` only).
    pub node: Option<String>,
}
