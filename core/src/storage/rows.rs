//! Rows to values, shared by both back-ends: the schema's columns have the
//! same names and types on SQLite and PostgreSQL (text and 64-bit integers),
//! so one mapper serves both. Columns are read by position: each mapper
//! names the column list it reads, in order.

use super::sql::Fields;
use crate::{
    account::TargetName,
    delivery::{Attempt, AttemptRecord, Delivery, DeliveryState},
    endpoints::EndpointRow,
    event::{Event, EventType},
    functions::{InvocationRecord, Outcome},
    health::HealthRecord,
    storage::{Backlog, StateCount, StoreError},
};

/// The columns [`event`] reads, in its order.
pub(super) const EVENT_COLUMNS: &str = "id, type, created, body";

/// [`EVENT_COLUMNS`], starting at column `at`.
pub(super) fn event(r: &impl Fields, at: usize) -> Result<Event, StoreError> {
    let kind: EventType = r
        .text_at(at + 1)?
        .parse()
        .map_err(|e| StoreError::Corrupt(format!("{e}")))?;
    Ok(Event::from_stored(
        r.text_at(at)?,
        kind,
        r.int_at(at + 2)?,
        r.text_at(at + 3)?,
    ))
}

/// The columns of a delivery as the admin API shows it, in [`delivery`]'s order.
pub(super) const DELIVERY_COLUMNS: &str =
    "id, event_id, event_type, connector, status, attempt_count, next_attempt_at, \
     created_at, updated_at, last_error";

/// [`DELIVERY_COLUMNS`]. The connector is shown by its name within its
/// account, not by its target key.
pub(super) fn delivery(r: &impl Fields) -> Result<Delivery, StoreError> {
    Ok(Delivery {
        id: r.text_at(0)?,
        event_id: r.text_at(1)?,
        event_type: r.text_at(2)?,
        connector: TargetName::of(&r.text_at(3)?).name.to_owned(),
        status: r
            .text_at(4)?
            .parse()
            .map_err(|e| StoreError::Corrupt(format!("{e}")))?,
        attempt_count: r.int_at(5)? as u32,
        next_attempt_at: r.int(6)?,
        created_at: r.int_at(7)?,
        updated_at: r.int_at(8)?,
        last_error: r.text(9)?,
    })
}

/// The columns [`attempt`] reads, in its order.
pub(super) const ATTEMPT_COLUMNS: &str =
    "number, started_at, duration_ms, status_code, error, response_excerpt, node, request";

/// [`ATTEMPT_COLUMNS`].
pub(super) fn attempt(r: &impl Fields) -> Result<Attempt, StoreError> {
    Ok(Attempt {
        number: r.int_at(0)? as u32,
        started_at: r.int_at(1)?,
        duration_ms: r.int_at(2)? as u64,
        status_code: r.int(3)?.map(|c| c as u16),
        error: r.text(4)?,
        response_excerpt: r.text(5)?,
        node: r.text_at(6)?,
        request: r
            .text(7)?
            .map(|json| serde_json::from_str(&json))
            .transpose()
            .map_err(|e| StoreError::Corrupt(format!("attempt request: {e}")))?,
    })
}

/// The `request` column of an attempt record: its [`SentRequest`] as JSON.
///
/// [`SentRequest`]: crate::outbound::SentRequest
pub(super) fn request_json(a: &AttemptRecord) -> Option<String> {
    a.request
        .as_deref()
        .map(|r| serde_json::to_string(r).expect("strings and a map serialize"))
}

/// `connector, status, COUNT(*)`.
pub(super) fn state_count(r: &impl Fields) -> Result<StateCount, StoreError> {
    Ok(StateCount {
        connector: r.text_at(0)?,
        state: r
            .text_at(1)?
            .parse::<DeliveryState>()
            .map_err(|e| StoreError::Corrupt(e.to_string()))?,
        count: r.int_at(2)? as u64,
    })
}

/// `connector, COUNT(*), MIN(created_at)`.
pub(super) fn backlog(r: &impl Fields) -> Result<Backlog, StoreError> {
    Ok(Backlog {
        connector: r.text_at(0)?,
        depth: r.int_at(1)? as u64,
        oldest_created_at: r.int_at(2)?,
    })
}

/// `consecutive_failures, last_success_at, last_failure_at, failing_since`,
/// starting at column `at`.
pub(super) fn health(r: &impl Fields, at: usize) -> Result<HealthRecord, StoreError> {
    Ok(HealthRecord {
        consecutive_failures: r.int_at(at)? as u64,
        last_success_at: r.int(at + 1)?,
        last_failure_at: r.int(at + 2)?,
        failing_since: r.int(at + 3)?,
    })
}

/// The columns of `function_invocations`, in [`invocation`]'s order.
pub(super) const INVOCATION_COLUMNS: &str =
    "id, function_name, call_id, outcome, status_code, upstream_status, \
     arguments, result, error, response_excerpt, attempts, started_at, duration_us, node, \
     account";

/// [`INVOCATION_COLUMNS`].
pub(super) fn invocation(r: &impl Fields) -> Result<InvocationRecord, StoreError> {
    Ok(InvocationRecord {
        id: r.text_at(0)?,
        function: r.text_at(1)?,
        call_id: r.text_at(2)?,
        outcome: r
            .text_at(3)?
            .parse::<Outcome>()
            .map_err(StoreError::Corrupt)?,
        status_code: r.int_at(4)? as u16,
        upstream_status: r.int(5)?.map(|s| s as u16),
        arguments: r.text_at(6)?,
        result: r.text(7)?,
        error: r.text(8)?,
        response_excerpt: r.text(9)?,
        attempts: r.int_at(10)? as u32,
        started_at: r.int_at(11)?,
        duration_us: r.int_at(12)?,
        node: r.text_at(13)?,
        account: crate::account::AccountId::parse(&r.text_at(14)?)
            .map_err(|e| StoreError::Corrupt(e.to_string()))?,
    })
}

/// The columns of `endpoints`, in [`endpoint`]'s order.
pub(super) const ENDPOINT_COLUMNS: &str =
    "id, url, urls, events, description, secrets, created_at, updated_at, account";

/// [`ENDPOINT_COLUMNS`].
pub(super) fn endpoint(r: &impl Fields) -> Result<EndpointRow, StoreError> {
    Ok(EndpointRow {
        id: r.text_at(0)?,
        url: r.text(1)?,
        urls: r.text_at(2)?,
        events: r.text(3)?,
        description: r.text_at(4)?,
        secrets: r.text_at(5)?,
        created_at: r.int_at(6)?,
        updated_at: r.int_at(7)?,
        account: r.text_at(8)?,
    })
}

/// Cuts a page fetched with one extra row: the extra row's presence means
/// there is a next page, starting after the last row kept.
pub(super) fn page<T>(
    mut rows: Vec<T>,
    limit: u32,
    id: impl Fn(&T) -> &str,
) -> (Vec<T>, Option<String>) {
    if rows.len() <= limit as usize {
        return (rows, None);
    }
    rows.truncate(limit as usize);
    let next = rows.last().map(|r| id(r).to_owned());
    (rows, next)
}
