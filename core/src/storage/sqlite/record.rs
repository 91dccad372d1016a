//! The grouped attempt write: a batch of attempt records and delivery state
//! changes inside the writer's transaction.

use rusqlite::{params, Connection};

use crate::{
    delivery::NextStep,
    storage::{rows::request_json, RecordReq, StoreError},
    time::now_ms,
};

/// Writes a batch of attempt records inside the caller's transaction. A
/// delivery is attempted by one actor at a time, so a batch never holds two
/// records of one delivery and the `MAX(number) + 1` numbering is unambiguous.
/// A delivery erased while its attempt was in flight is gone: its record is
/// dropped rather than failing the whole batch on the foreign key.
pub(super) fn record(db: &Connection, batch: &[RecordReq]) -> Result<(), StoreError> {
    if batch.is_empty() {
        return Ok(());
    }
    let now = now_ms();
    let mut attempt = db.prepare(
        "INSERT INTO attempts (delivery_id, number, started_at, duration_ms, status_code, error, response_excerpt, node, request)
         SELECT ?1, (SELECT COALESCE(MAX(a.number), 0) + 1 FROM attempts a WHERE a.delivery_id = ?1),
                ?2, ?3, ?4, ?5, ?6, ?7, ?8
         WHERE EXISTS (SELECT 1 FROM deliveries d WHERE d.id = ?1)",
    )?;
    let mut delivery = db.prepare(
        "UPDATE deliveries SET status = ?2, attempt_count = attempt_count + 1, next_attempt_at = ?3,
             first_attempt_at = COALESCE(first_attempt_at, ?4), lease_owner = NULL,
             lease_expires_at = NULL, last_error = ?5, updated_at = ?6
         WHERE id = ?1",
    )?;
    for RecordReq {
        attempt: a,
        next,
        first_attempt_at: first,
    } in batch
    {
        attempt.execute(params![
            a.delivery_id,
            a.started_at,
            a.duration_ms as i64,
            a.status_code,
            a.error,
            a.response_excerpt,
            a.node,
            request_json(a),
        ])?;
        let next_at = match next {
            NextStep::RetryAt(t) => Some(*t),
            _ => None,
        };
        let last_error = match next {
            NextStep::Succeeded => None,
            _ => a.error.as_deref(),
        };
        delivery.execute(params![
            a.delivery_id,
            next.state().as_str(),
            next_at,
            first,
            last_error,
            now,
        ])?;
    }
    Ok(())
}
