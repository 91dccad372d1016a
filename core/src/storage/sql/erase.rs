//! Erasure: finding every stored row that mentions one caller, then deleting
//! it so that nothing of it stays readable in the database's files.

use std::collections::BTreeSet;

use super::{
    prune::{delete_deliveries, ID_BATCH},
    Dialect, Fields, Sql, Statement, WriteTx,
};
use crate::{
    account::Scope,
    lifecycle::Identifier,
    storage::{CallerRows, Erased, ErasurePage, ErasureRecord, PageRequest, StoreError},
    time::{now_ms, rfc3339, Millis},
};

/// Rows read per page while searching (bounds memory, not the result).
const SCAN_PAGE: i64 = 1000;

const ERASURE_COLUMNS: &str = "id, account, erased_at, requested_by, identifier_kind, \
     identifier_hash, events, deliveries, invocations";

impl<DB: Dialect> Sql<DB> {
    /// The events and function invocations that mention `who` anywhere in
    /// their JSON, and the invocations of the calls those events are about.
    pub(crate) async fn find_caller(
        &self,
        scope: &Scope,
        who: &Identifier,
    ) -> Result<CallerRows, StoreError> {
        let pattern = who.like_pattern();
        let account = scope.account().as_str();
        let mut calls = BTreeSet::new();
        let events = self
            .scan(
                "SELECT id, body FROM events WHERE LOWER(body) LIKE $1",
                &pattern,
                account,
                |_, body| {
                    let hit = who.in_json(body);
                    if hit {
                        calls.extend(call_id_of(body));
                    }
                    hit
                },
            )
            .await?;
        let mut invocations: BTreeSet<String> = self
            .scan(
                "SELECT id, arguments, COALESCE(result, ''), call_id FROM function_invocations \
                 WHERE (LOWER(arguments) LIKE $1 OR LOWER(COALESCE(result, '')) LIKE $1 \
                 OR LOWER(call_id) LIKE $1)",
                &pattern,
                account,
                |row, _| {
                    let texts = [row.text(1), row.text(2), row.text(3)];
                    texts
                        .into_iter()
                        .any(|t| t.ok().flatten().is_some_and(|t| who.in_json(&t)))
                },
            )
            .await?
            .into_iter()
            .collect();
        let calls: Vec<String> = calls.into_iter().collect();
        for chunk in calls.chunks(ID_BATCH) {
            let mut q = Statement::new("SELECT id FROM function_invocations WHERE account = ");
            q.push_bind(account)
                .push(" AND call_id IN (")
                .push_list(chunk)
                .push(")");
            for row in self.read_all(&q).await? {
                invocations.insert(row.text_at(0)?);
            }
        }
        Ok(CallerRows {
            events,
            invocations: invocations.into_iter().collect(),
        })
    }

    /// Ids (column 0) of the rows of `select` (which filters with `LIKE $1`)
    /// in `account` that `keep` accepts, reading a page at a time in id order; `keep`
    /// sees the row and its column 1.
    async fn scan(
        &self,
        select: &str,
        pattern: &str,
        account: &str,
        mut keep: impl FnMut(&DB::Row, &str) -> bool,
    ) -> Result<Vec<String>, StoreError> {
        let mut found = Vec::new();
        let mut after = String::new();
        loop {
            let q = Statement::new(format!(
                "{select} AND account = $4 AND id > $2 ORDER BY id LIMIT $3"
            ))
            .bind(pattern)
            .bind(after.as_str())
            .bind(SCAN_PAGE)
            .bind(account);
            let rows = self.read_all(&q).await?;
            for row in &rows {
                let id = row.text_at(0)?;
                if keep(row, &row.text(1)?.unwrap_or_default()) {
                    found.push(id.clone());
                }
                after = id;
            }
            if (rows.len() as i64) < SCAN_PAGE {
                return Ok(found);
            }
        }
    }

    /// Deletes these rows (events with their deliveries and attempts, then
    /// invocations) and logs the erasure, in one transaction that leaves no
    /// copy of the deleted values in the files ([`Dialect::SCRUB`]).
    pub(crate) async fn erase(
        &self,
        scope: &Scope,
        rows: &CallerRows,
        who: &Identifier,
        requested_by: &str,
    ) -> Result<ErasureRecord, StoreError> {
        let mut tx = WriteTx::begin(&self.write).await?;
        if let Some(scrub) = &DB::SCRUB {
            DB::raw(tx.conn(), scrub.on).await?;
        }
        let account = scope.account().as_str();
        let mut erased = Erased::default();
        for chunk in rows.events.chunks(ID_BATCH) {
            let mut pick = Statement::new("SELECT id FROM deliveries WHERE account = ");
            pick.push_bind(account)
                .push(" AND event_id IN (")
                .push_list(chunk)
                .push(")")
                .push(DB::LOCK);
            let ids = tx
                .fetch_all(&pick)
                .await?
                .iter()
                .map(|r| r.text_at(0))
                .collect::<Result<Vec<_>, _>>()?;
            for batch in ids.chunks(ID_BATCH) {
                erased.deliveries += delete_deliveries::<DB>(&mut tx, batch).await?;
            }
            let mut events = Statement::new("DELETE FROM events WHERE account = ");
            events
                .push_bind(account)
                .push(" AND id IN (")
                .push_list(chunk)
                .push(")");
            erased.events += tx.execute(&events).await?;
        }
        for chunk in rows.invocations.chunks(ID_BATCH) {
            let mut q = Statement::new("DELETE FROM function_invocations WHERE id IN (");
            q.push_list(chunk).push(")");
            erased.invocations += tx.execute(&q).await?;
        }
        let at = now_ms();
        let record = ErasureRecord {
            id: crate::ids::erasure_id(),
            account: account.to_owned(),
            erased_at: rfc3339(at),
            requested_by: requested_by.to_owned(),
            identifier_kind: who.kind().to_owned(),
            identifier_hash: who.hash(),
            erased,
        };
        tx.execute(&insert_record(&record, at)).await?;
        if let Some(scrub) = &DB::SCRUB {
            DB::raw(tx.conn(), scrub.off).await?;
        }
        tx.commit().await?;
        if let Some(scrub) = &DB::SCRUB {
            DB::raw(&mut *self.write.acquire().await?, scrub.flush).await?;
        }
        Ok(record)
    }

    /// A page of erasure records, newest first.
    pub(crate) async fn erasures(
        &self,
        scope: &Scope,
        page: &PageRequest,
    ) -> Result<ErasurePage, StoreError> {
        let mut q = Statement::new(format!(
            "SELECT {ERASURE_COLUMNS} FROM erasures WHERE account = "
        ));
        q.push_bind(scope.account().as_str());
        if let Some(c) = &page.cursor {
            q.push(" AND id < ").push_bind(c);
        }
        q.push(" ORDER BY id DESC LIMIT ")
            .push_bind(i64::from(page.limit) + 1);
        let data = self
            .read_all(&q)
            .await?
            .iter()
            .map(erasure_row)
            .collect::<Result<Vec<_>, _>>()?;
        let (data, next_cursor) = crate::storage::rows::page(data, page.limit, |r| &r.id);
        Ok(ErasurePage { data, next_cursor })
    }
}

/// `data.call_id` of an event's JSON, if it has one.
fn call_id_of(body: &str) -> Option<String> {
    let v: serde_json::Value = serde_json::from_str(body).ok()?;
    v.pointer("/data/call_id")?.as_str().map(str::to_owned)
}

fn insert_record(r: &ErasureRecord, erased_at: Millis) -> Statement {
    let mut q = Statement::new(format!("INSERT INTO erasures ({ERASURE_COLUMNS}) VALUES "));
    q.push_tuple::<super::run::Value>([
        r.id.as_str().into(),
        r.account.as_str().into(),
        erased_at.into(),
        r.requested_by.as_str().into(),
        r.identifier_kind.as_str().into(),
        r.identifier_hash.as_str().into(),
        (r.erased.events as i64).into(),
        (r.erased.deliveries as i64).into(),
        (r.erased.invocations as i64).into(),
    ]);
    q
}

/// [`ERASURE_COLUMNS`].
fn erasure_row(r: &impl Fields) -> Result<ErasureRecord, StoreError> {
    Ok(ErasureRecord {
        id: r.text_at(0)?,
        account: r.text_at(1)?,
        erased_at: rfc3339(r.int_at(2)?),
        requested_by: r.text_at(3)?,
        identifier_kind: r.text_at(4)?,
        identifier_hash: r.text_at(5)?,
        erased: Erased {
            events: r.int_at(6)? as u64,
            deliveries: r.int_at(7)? as u64,
            invocations: r.int_at(8)? as u64,
        },
    })
}
