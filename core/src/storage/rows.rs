//! Rows to values, shared by both back-ends: the schema's columns have the
//! same names and types on SQLite and PostgreSQL (text and 64-bit integers),
//! so one mapper serves both rows.

use sqlx::{ColumnIndex, Database, Decode, Row, Type};

use crate::{
    delivery::{Attempt, AttemptRecord, Delivery, DeliveryState},
    event::{Event, EventType},
    functions::{InvocationRecord, Outcome},
    health::HealthRecord,
    storage::{Backlog, StateCount, StoreError},
    time::rfc3339,
};

/// The columns of a delivery as the admin API shows it.
pub(super) const DELIVERY_COLUMNS: &str =
    "id, event_id, event_type, connector, status, attempt_count, next_attempt_at, \
     created_at, updated_at, last_error";

/// A column type both back-ends decode.
pub(super) trait Column<DB: Database>: for<'r> Decode<'r, DB> + Type<DB> {}

impl<DB: Database, T: for<'r> Decode<'r, DB> + Type<DB>> Column<DB> for T {}

/// `type`, `id`, `created`, `body` of `events`.
pub(super) fn event<R>(row: &R) -> Result<Event, StoreError>
where
    R: Row,
    for<'a> &'a str: ColumnIndex<R>,
    String: Column<R::Database>,
    i64: Column<R::Database>,
{
    let kind: String = row.try_get("type")?;
    let kind: EventType = kind
        .parse()
        .map_err(|e| StoreError::Corrupt(format!("{e}")))?;
    Ok(Event::from_stored(
        row.try_get("id")?,
        kind,
        row.try_get("created")?,
        row.try_get("body")?,
    ))
}

/// [`DELIVERY_COLUMNS`].
pub(super) fn delivery<R>(row: &R) -> Result<Delivery, StoreError>
where
    R: Row,
    for<'a> &'a str: ColumnIndex<R>,
    String: Column<R::Database>,
    i64: Column<R::Database>,
{
    let status: String = row.try_get("status")?;
    Ok(Delivery {
        id: row.try_get("id")?,
        event_id: row.try_get("event_id")?,
        event_type: row.try_get("event_type")?,
        connector: row.try_get("connector")?,
        status: status
            .parse()
            .map_err(|e| StoreError::Corrupt(format!("{e}")))?,
        attempt_count: row.try_get::<i64, _>("attempt_count")? as u32,
        next_attempt_at: row
            .try_get::<Option<i64>, _>("next_attempt_at")?
            .map(rfc3339),
        created_at: rfc3339(row.try_get("created_at")?),
        updated_at: rfc3339(row.try_get("updated_at")?),
        last_error: row.try_get("last_error")?,
    })
}

/// The columns [`attempt`] reads, in its order.
pub(super) const ATTEMPT_COLUMNS: &str =
    "number, started_at, duration_ms, status_code, error, response_excerpt, node, request";

/// [`ATTEMPT_COLUMNS`].
pub(super) fn attempt<R>(r: &R) -> Result<Attempt, StoreError>
where
    R: Row,
    usize: ColumnIndex<R>,
    String: Column<R::Database>,
    i64: Column<R::Database>,
{
    Ok(Attempt {
        number: r.try_get::<i64, _>(0)? as u32,
        started_at: rfc3339(r.try_get(1)?),
        duration_ms: r.try_get::<i64, _>(2)? as u64,
        status_code: r.try_get::<Option<i64>, _>(3)?.map(|c| c as u16),
        error: r.try_get(4)?,
        response_excerpt: r.try_get(5)?,
        node: r.try_get(6)?,
        request: r
            .try_get::<Option<String>, _>(7)?
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
pub(super) fn state_count<R>(r: &R) -> Result<StateCount, StoreError>
where
    R: Row,
    usize: ColumnIndex<R>,
    String: Column<R::Database>,
    i64: Column<R::Database>,
{
    let state: String = r.try_get(1)?;
    Ok(StateCount {
        connector: r.try_get(0)?,
        state: state
            .parse::<DeliveryState>()
            .map_err(|e| StoreError::Corrupt(e.to_string()))?,
        count: r.try_get::<i64, _>(2)? as u64,
    })
}

/// `connector, COUNT(*), MIN(created_at)`.
pub(super) fn backlog<R>(r: &R) -> Result<Backlog, StoreError>
where
    R: Row,
    usize: ColumnIndex<R>,
    String: Column<R::Database>,
    i64: Column<R::Database>,
{
    Ok(Backlog {
        connector: r.try_get(0)?,
        depth: r.try_get::<i64, _>(1)? as u64,
        oldest_created_at: r.try_get(2)?,
    })
}

/// `consecutive_failures, last_success_at, last_failure_at, failing_since`,
/// starting at column `at`.
pub(super) fn health<R>(r: &R, at: usize) -> Result<HealthRecord, StoreError>
where
    R: Row,
    usize: ColumnIndex<R>,
    i64: Column<R::Database>,
{
    Ok(HealthRecord {
        consecutive_failures: r.try_get::<i64, _>(at)? as u64,
        last_success_at: r.try_get(at + 1)?,
        last_failure_at: r.try_get(at + 2)?,
        failing_since: r.try_get(at + 3)?,
    })
}

/// A row of `function_invocations`.
pub(super) fn invocation<R>(row: &R) -> Result<InvocationRecord, StoreError>
where
    R: Row,
    for<'a> &'a str: ColumnIndex<R>,
    String: Column<R::Database>,
    i64: Column<R::Database>,
{
    let outcome: String = row.try_get("outcome")?;
    Ok(InvocationRecord {
        id: row.try_get("id")?,
        function: row.try_get("function_name")?,
        call_id: row.try_get("call_id")?,
        outcome: outcome.parse::<Outcome>().map_err(StoreError::Corrupt)?,
        status_code: row.try_get::<i64, _>("status_code")? as u16,
        upstream_status: row
            .try_get::<Option<i64>, _>("upstream_status")?
            .map(|s| s as u16),
        arguments: row.try_get("arguments")?,
        result: row.try_get("result")?,
        error: row.try_get("error")?,
        response_excerpt: row.try_get("response_excerpt")?,
        attempts: row.try_get::<i64, _>("attempts")? as u32,
        started_at: row.try_get("started_at")?,
        duration_us: row.try_get("duration_us")?,
        node: row.try_get("node")?,
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
