//! [`CallLog`]: the reads behind the call view (`GET /v1/calls...`),
//! a part of every [`Store`](super::Store).

use async_trait::async_trait;

use super::{store::Engine, SqlStore, StoreError};
use crate::{
    account::Scope,
    calls::{CallRecord, CallSummary, Caller},
};

/// What the call view reads.
#[async_trait]
pub trait CallLog {
    /// Everything stored about one call of `scope`'s account: its events (oldest first) with
    /// their deliveries, and its function invocations; `None` when nothing
    /// is stored about it.
    async fn call(&self, scope: &Scope, call_id: &str) -> Result<Option<CallRecord>, StoreError>;

    /// The calls of `scope`'s account, most recent first and at most `limit`, one of whose
    /// events names `who` as the caller.
    async fn find_calls(
        &self,
        scope: &Scope,
        who: &Caller,
        limit: usize,
    ) -> Result<Vec<CallSummary>, StoreError>;

    /// The summaries of these calls of `scope`'s account (those that have events), most recent first.
    async fn call_summaries(
        &self,
        scope: &Scope,
        call_ids: &[String],
    ) -> Result<Vec<CallSummary>, StoreError>;
}

#[async_trait]
impl<E: Engine> CallLog for SqlStore<E> {
    async fn call(&self, scope: &Scope, call_id: &str) -> Result<Option<CallRecord>, StoreError> {
        self.sql.call(scope, call_id).await
    }

    async fn find_calls(
        &self,
        scope: &Scope,
        who: &Caller,
        limit: usize,
    ) -> Result<Vec<CallSummary>, StoreError> {
        self.sql.find_calls(scope, who, limit).await
    }

    async fn call_summaries(
        &self,
        scope: &Scope,
        call_ids: &[String],
    ) -> Result<Vec<CallSummary>, StoreError> {
        self.sql.call_summaries(scope, call_ids).await
    }
}
