//! The function invocation log: batched appends and newest-first pages.

use super::{run::Value, Dialect, Sql, Statement, WriteTx};
use crate::{
    account::Scope,
    functions::{InvocationFilter, InvocationPage, InvocationRecord},
    storage::{
        rows::{self, INVOCATION_COLUMNS},
        PageRequest, StoreError,
    },
};

/// Rows per statement: 15 parameters each stays far below both databases'
/// limits (SQLite 32,766, PostgreSQL 65,535).
const CHUNK: usize = 1000;

impl<DB: Dialect> Sql<DB> {
    /// See [`Store::record_invocations`](crate::storage::Store::record_invocations).
    pub(crate) async fn record_invocations(
        &self,
        records: Vec<InvocationRecord>,
    ) -> Result<(), StoreError> {
        let mut tx = WriteTx::begin(&self.write).await?;
        for chunk in records.chunks(CHUNK) {
            let mut q = Statement::new(format!(
                "INSERT INTO function_invocations ({INVOCATION_COLUMNS}) VALUES "
            ));
            for (i, r) in chunk.iter().enumerate() {
                if i > 0 {
                    q.push(", ");
                }
                q.push_tuple::<Value>([
                    r.id.as_str().into(),
                    r.function.as_str().into(),
                    r.call_id.as_str().into(),
                    r.outcome.as_str().into(),
                    i64::from(r.status_code).into(),
                    r.upstream_status.map(i64::from).into(),
                    r.arguments.as_str().into(),
                    r.result.clone().into(),
                    r.error.clone().into(),
                    r.response_excerpt.clone().into(),
                    i64::from(r.attempts).into(),
                    r.started_at.into(),
                    r.duration_us.into(),
                    r.node.as_str().into(),
                    r.account.as_str().into(),
                ]);
            }
            q.push(" ON CONFLICT (id) DO NOTHING");
            tx.execute(&q).await?;
        }
        tx.commit().await
    }

    /// See [`Store::invocations`](crate::storage::Store::invocations).
    pub(crate) async fn invocations(
        &self,
        scope: &Scope,
        filter: &InvocationFilter,
        page: &PageRequest,
    ) -> Result<InvocationPage, StoreError> {
        let mut q = Statement::new(format!(
            "SELECT {INVOCATION_COLUMNS} FROM function_invocations WHERE account = $1"
        ))
        .bind(scope.account().as_str());
        if let Some(f) = &filter.function {
            q.push(" AND function_name = ").push_bind(f);
        }
        if let Some(c) = &filter.call_id {
            q.push(" AND call_id = ").push_bind(c);
        }
        if let Some(o) = filter.outcome {
            q.push(" AND outcome = ").push_bind(o.as_str());
        }
        if let Some(c) = &page.cursor {
            q.push(" AND id < ").push_bind(c);
        }
        q.push(" ORDER BY id DESC LIMIT ")
            .push_bind(i64::from(page.limit) + 1);
        let data = self
            .read_all(&q)
            .await?
            .iter()
            .map(rows::invocation)
            .collect::<Result<Vec<_>, _>>()?;
        let (data, next_cursor) = rows::page(data, page.limit, |r| &r.id);
        Ok(InvocationPage { data, next_cursor })
    }
}
