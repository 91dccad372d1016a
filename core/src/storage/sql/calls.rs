//! The call view: one call's events with their deliveries and its function
//! invocations, and finding calls by their caller.

use std::collections::HashMap;

use super::{Dialect, Fields, Sql, Statement};
use crate::{
    account::Scope,
    calls::{CallEvent, CallRecord, CallSummary, Caller},
    delivery::{Attempt, DeliveryDetail},
    storage::{
        rows::{self, ATTEMPT_COLUMNS, DELIVERY_COLUMNS, INVOCATION_COLUMNS},
        StoreError,
    },
};

/// The column of `delivery_id`, after [`ATTEMPT_COLUMNS`].
const ATTEMPT_DELIVERY: usize = 8;
/// Events read per page while searching (bounds memory, not the result).
const SCAN_PAGE: i64 = 1000;

impl<DB: Dialect> Sql<DB> {
    /// See [`Store::call`](crate::storage::Store::call).
    pub(crate) async fn call(
        &self,
        scope: &Scope,
        call_id: &str,
    ) -> Result<Option<CallRecord>, StoreError> {
        let account = scope.account().as_str();
        // One snapshot: a delivery never shows beside an event it outran.
        let mut tx = self.read.begin().await?;
        if let Some(snapshot) = DB::SNAPSHOT {
            DB::raw(&mut *tx, snapshot).await?;
        }
        let q = Statement::new(
            "SELECT id, type, created, received_at FROM events \
             WHERE account = $1 AND call_id = $2 ORDER BY created, received_at, id",
        )
        .bind(account)
        .bind(call_id);
        let events = DB::fetch_all(&mut *tx, &q).await?;
        let q = Statement::new(format!(
            "SELECT {DELIVERY_COLUMNS} FROM deliveries WHERE account = $1 \
             AND event_id IN (SELECT id FROM events WHERE account = $1 AND call_id = $2) \
             ORDER BY id"
        ))
        .bind(account)
        .bind(call_id);
        let deliveries = DB::fetch_all(&mut *tx, &q).await?;
        let q = Statement::new(format!(
            "SELECT {ATTEMPT_COLUMNS}, delivery_id FROM attempts WHERE delivery_id IN \
             (SELECT id FROM deliveries WHERE account = $1 AND event_id IN \
              (SELECT id FROM events WHERE account = $1 AND call_id = $2)) \
             ORDER BY delivery_id, number"
        ))
        .bind(account)
        .bind(call_id);
        let mut attempts: HashMap<String, Vec<Attempt>> = HashMap::new();
        for row in DB::fetch_all(&mut *tx, &q).await? {
            let delivery = row.text_at(ATTEMPT_DELIVERY)?;
            attempts
                .entry(delivery)
                .or_default()
                .push(rows::attempt(&row)?);
        }
        let q = Statement::new(format!(
            "SELECT {INVOCATION_COLUMNS} FROM function_invocations \
             WHERE account = $1 AND call_id = $2 ORDER BY id"
        ))
        .bind(account)
        .bind(call_id);
        let invocations = DB::fetch_all(&mut *tx, &q)
            .await?
            .iter()
            .map(rows::invocation)
            .collect::<Result<Vec<_>, _>>()?;
        tx.commit().await?;
        if events.is_empty() && invocations.is_empty() {
            return Ok(None);
        }
        let mut by_event: HashMap<String, Vec<DeliveryDetail>> = HashMap::new();
        for row in &deliveries {
            let delivery = rows::delivery(row)?;
            let detail = DeliveryDetail {
                attempts: attempts.remove(&delivery.id).unwrap_or_default(),
                delivery,
            };
            by_event
                .entry(detail.delivery.event_id.clone())
                .or_default()
                .push(detail);
        }
        let events = events
            .iter()
            .map(|r| {
                let id = r.text_at(0)?;
                Ok(CallEvent {
                    deliveries: by_event.remove(&id).unwrap_or_default(),
                    id,
                    kind: r.text_at(1)?,
                    created: r.int_at(2)?,
                    received_at: r.int_at(3)?,
                })
            })
            .collect::<Result<_, StoreError>>()?;
        Ok(Some(CallRecord {
            call_id: call_id.to_owned(),
            events,
            invocations,
        }))
    }

    /// See [`Store::find_calls`](crate::storage::Store::find_calls).
    pub(crate) async fn find_calls(
        &self,
        scope: &Scope,
        who: &Caller,
        limit: usize,
    ) -> Result<Vec<CallSummary>, StoreError> {
        let pattern = who.like_pattern();
        let mut found: Vec<String> = Vec::new();
        let mut before: Option<String> = None;
        // Newest first, a page at a time, until enough calls are found.
        loop {
            let mut q = Statement::new(
                "SELECT id, call_id, body FROM events \
                 WHERE account = $1 AND call_id IS NOT NULL AND LOWER(body) LIKE $2",
            )
            .bind(scope.account().as_str())
            .bind(pattern.as_str());
            if let Some(b) = &before {
                q.push(" AND id < ").push_bind(b.as_str());
            }
            q.push(" ORDER BY id DESC LIMIT ").push_bind(SCAN_PAGE);
            let rows = self.read_all(&q).await?;
            for row in &rows {
                let call = row.text_at(1)?;
                if !found.contains(&call) && names(who, &row.text_at(2)?) {
                    found.push(call);
                }
                before = Some(row.text_at(0)?);
            }
            if found.len() >= limit || (rows.len() as i64) < SCAN_PAGE {
                break;
            }
        }
        found.truncate(limit);
        self.call_summaries(scope, &found).await
    }

    /// See [`Store::call_summaries`](crate::storage::Store::call_summaries).
    pub(crate) async fn call_summaries(
        &self,
        scope: &Scope,
        call_ids: &[String],
    ) -> Result<Vec<CallSummary>, StoreError> {
        if call_ids.is_empty() {
            return Ok(Vec::new());
        }
        let mut q = Statement::new(
            "SELECT call_id, COUNT(*), MIN(received_at), MAX(received_at) FROM events \
             WHERE account = ",
        );
        q.push_bind(scope.account().as_str())
            .push(" AND call_id IN (")
            .push_list(call_ids)
            .push(") GROUP BY call_id");
        let mut calls = self
            .read_all(&q)
            .await?
            .iter()
            .map(|r| {
                Ok(CallSummary {
                    call_id: r.text_at(0)?,
                    events: r.int_at(1)? as u64,
                    first_event_at: r.int_at(2)?,
                    last_event_at: r.int_at(3)?,
                })
            })
            .collect::<Result<Vec<_>, StoreError>>()?;
        calls.sort_by_key(|c| std::cmp::Reverse(c.last_event_at));
        Ok(calls)
    }
}

/// Whether a stored envelope names the caller (text that is not JSON does not).
fn names(who: &Caller, body: &str) -> bool {
    serde_json::from_str(body).is_ok_and(|v| who.matches(&v))
}
