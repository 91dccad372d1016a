//! Accounts: what each holds, its tokens, and deleting it whole.

use super::{Dialect, Fields, Sql, Statement, WriteTx};
use crate::{
    account::{AccountId, Scope},
    storage::{DeletedAccount, StoreError, StoredAccount, StoredCounts, TokenRecord},
    time::now_ms,
};

/// The tables an account's rows are counted in, in [`StoredCounts`]' order.
const COUNTED: [&str; 5] = [
    "events",
    "deliveries",
    "endpoints",
    "function_invocations",
    "account_tokens",
];

/// `account, events, deliveries, endpoints, invocations, tokens` per
/// account, optionally of one account only.
fn counts(one: Option<&AccountId>) -> Statement {
    let mut q = Statement::new("SELECT account");
    for i in 0..COUNTED.len() {
        // SUM of integers is NUMERIC on PostgreSQL: cast back.
        q.push(&format!(", CAST(SUM(c{i}) AS BIGINT)"));
    }
    q.push(" FROM (");
    for (i, table) in COUNTED.iter().enumerate() {
        if i > 0 {
            q.push(" UNION ALL ");
        }
        q.push("SELECT account");
        for j in 0..COUNTED.len() {
            q.push(if i == j { ", COUNT(*)" } else { ", 0" });
            q.push(&format!(" AS c{j}"));
        }
        q.push(&format!(" FROM {table}"));
        if let Some(a) = one {
            q.push(" WHERE account = ").push_bind(a.as_str());
        }
        q.push(" GROUP BY account");
    }
    q.push(") t GROUP BY account ORDER BY account");
    q
}

fn stored(r: &impl Fields) -> Result<StoredAccount, StoreError> {
    let n = |i| r.int_at(i).map(|v| v as u64);
    Ok(StoredAccount {
        account: AccountId::parse(&r.text_at(0)?)
            .map_err(|e| StoreError::Corrupt(e.to_string()))?,
        counts: StoredCounts {
            events: n(1)?,
            deliveries: n(2)?,
            endpoints: n(3)?,
            invocations: n(4)?,
            tokens: n(5)?,
        },
    })
}

fn token(r: &impl Fields) -> Result<TokenRecord, StoreError> {
    Ok(TokenRecord {
        id: r.text_at(0)?,
        account: AccountId::parse(&r.text_at(1)?)
            .map_err(|e| StoreError::Corrupt(e.to_string()))?,
        name: r.text_at(2)?,
        hash: r.text_at(3)?,
        created_at: r.int_at(4)?,
    })
}

const TOKEN_COLUMNS: &str = "id, account, name, hash, created_at";

impl<DB: Dialect> Sql<DB> {
    /// See [`Store::accounts`](crate::storage::Store::accounts).
    pub(crate) async fn accounts(&self) -> Result<Vec<StoredAccount>, StoreError> {
        self.read_all(&counts(None))
            .await?
            .iter()
            .map(stored)
            .collect()
    }

    /// See [`Store::account_counts`](crate::storage::Store::account_counts).
    pub(crate) async fn account_counts(&self, scope: &Scope) -> Result<StoredCounts, StoreError> {
        let rows = self.read_all(&counts(Some(scope.account()))).await?;
        match rows.first() {
            Some(r) => Ok(stored(r)?.counts),
            None => Ok(StoredCounts::default()),
        }
    }

    /// See [`Store::save_token`](crate::storage::Store::save_token).
    pub(crate) async fn save_token(&self, t: &TokenRecord) -> Result<(), StoreError> {
        let q = Statement::new(format!(
            "INSERT INTO account_tokens ({TOKEN_COLUMNS}) VALUES ($1, $2, $3, $4, $5)"
        ))
        .bind(&t.id)
        .bind(t.account.as_str())
        .bind(&t.name)
        .bind(&t.hash)
        .bind(t.created_at);
        self.write(&q).await.map(drop)
    }

    /// See [`Store::tokens`](crate::storage::Store::tokens).
    pub(crate) async fn tokens(&self, scope: &Scope) -> Result<Vec<TokenRecord>, StoreError> {
        let q = Statement::new(format!(
            "SELECT {TOKEN_COLUMNS} FROM account_tokens WHERE account = $1 ORDER BY id"
        ))
        .bind(scope.account().as_str());
        self.read_all(&q).await?.iter().map(token).collect()
    }

    /// See [`Store::token`](crate::storage::Store::token).
    pub(crate) async fn token(&self, id: &str) -> Result<Option<TokenRecord>, StoreError> {
        // Read for every request the token makes (no cache): a revocation
        // committed by any node is seen by the next request on every node.
        let q = Statement::new(format!(
            "SELECT {TOKEN_COLUMNS} FROM account_tokens WHERE id = $1"
        ))
        .bind(id);
        self.read_optional(&q)
            .await?
            .as_ref()
            .map(token)
            .transpose()
    }

    /// See [`Store::revoke_token`](crate::storage::Store::revoke_token).
    pub(crate) async fn revoke_token(&self, scope: &Scope, id: &str) -> Result<bool, StoreError> {
        let q = Statement::new("DELETE FROM account_tokens WHERE account = $1 AND id = $2")
            .bind(scope.account().as_str())
            .bind(id);
        Ok(self.write(&q).await? > 0)
    }

    /// See [`Store::delete_account`](crate::storage::Store::delete_account).
    pub(crate) async fn delete_account(&self, scope: &Scope) -> Result<DeletedAccount, StoreError> {
        let account = scope.account().as_str();
        let prefix = scope.target_key("").to_string();
        let mut tx = WriteTx::begin(&self.write).await?;
        if let Some(scrub) = &DB::SCRUB {
            DB::raw(tx.conn(), scrub.on).await?;
        }
        let by_account = |sql: &str| Statement::new(sql).bind(account);
        tx.execute(&by_account(
            "DELETE FROM attempts WHERE delivery_id IN (SELECT id FROM deliveries WHERE account = $1)",
        ))
        .await?;
        let deliveries = tx
            .execute(&by_account("DELETE FROM deliveries WHERE account = $1"))
            .await?;
        let events = tx
            .execute(&by_account("DELETE FROM events WHERE account = $1"))
            .await?;
        let invocations = tx
            .execute(&by_account(
                "DELETE FROM function_invocations WHERE account = $1",
            ))
            .await?;
        let endpoint_keys = tx
            .fetch_all(&by_account(
                "DELETE FROM endpoints WHERE account = $1 RETURNING id",
            ))
            .await?
            .iter()
            .map(|r| Ok(format!("{prefix}{}", r.text_at(0)?)))
            .collect::<Result<Vec<_>, StoreError>>()?;
        let tokens = tx
            .execute(&by_account("DELETE FROM account_tokens WHERE account = $1"))
            .await?;
        if !scope.account().is_default() {
            // State and health rows are keyed `account/name`. Compared as a
            // prefix, not with LIKE: `_` in an account id is a LIKE wildcard.
            for table in ["connector_state", "connector_health"] {
                let q = Statement::new(format!(
                    "DELETE FROM {table} WHERE substr(name, 1, {}) = $1",
                    prefix.len()
                ))
                .bind(&prefix);
                tx.execute(&q).await?;
            }
        }
        let counts = StoredCounts {
            events,
            deliveries,
            endpoints: endpoint_keys.len() as u64,
            invocations,
            tokens,
        };
        let record = Statement::new(
            "INSERT INTO account_deletions
                 (id, deleted_at, events, deliveries, endpoints, invocations, tokens)
             VALUES ($1, $2, $3, $4, $5, $6, $7)",
        )
        .bind(format!("del_{}", ulid::Ulid::new()))
        .bind(now_ms())
        .bind(counts.events as i64)
        .bind(counts.deliveries as i64)
        .bind(counts.endpoints as i64)
        .bind(counts.invocations as i64)
        .bind(counts.tokens as i64);
        tx.execute(&record).await?;
        if let Some(scrub) = &DB::SCRUB {
            DB::raw(tx.conn(), scrub.off).await?;
        }
        tx.commit().await?;
        if let Some(scrub) = &DB::SCRUB {
            DB::raw(&mut *self.write.acquire().await?, scrub.flush).await?;
        }
        Ok(DeletedAccount {
            counts,
            endpoint_keys,
        })
    }
}
