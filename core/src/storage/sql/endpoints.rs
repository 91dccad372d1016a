//! Runtime endpoints: their rows, and sealing secrets stored before a key was set.

use super::{Dialect, Fields, Sql, Statement, WriteTx};
use crate::{
    account::Scope,
    endpoints::{EndpointRecord, DELETED_REASON},
    storage::{
        rows::{self, ENDPOINT_COLUMNS},
        EndpointEntry, EndpointPage, PageRequest, Sealer, StoreError,
    },
    time::now_ms,
};

impl<DB: Dialect> Sql<DB> {
    /// See [`Store::save_endpoint`](crate::storage::Store::save_endpoint).
    pub(crate) async fn save_endpoint(&self, e: &EndpointRecord) -> Result<(), StoreError> {
        let r = e.to_row(&self.sealer);
        let q = Statement::new(format!(
            "INSERT INTO endpoints ({ENDPOINT_COLUMNS})
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)
             ON CONFLICT (id) DO UPDATE SET url = excluded.url, urls = excluded.urls,
                 events = excluded.events, description = excluded.description,
                 secrets = excluded.secrets, updated_at = excluded.updated_at"
        ))
        .bind(r.id)
        .bind(r.url)
        .bind(r.urls)
        .bind(r.events)
        .bind(r.description)
        .bind(r.secrets)
        .bind(r.created_at)
        .bind(r.updated_at)
        .bind(r.account);
        self.write(&q).await.map(drop)
    }

    /// See [`Store::endpoints`](crate::storage::Store::endpoints).
    pub(crate) async fn endpoints(&self) -> Result<Vec<EndpointRecord>, StoreError> {
        let q = Statement::new(format!(
            "SELECT {ENDPOINT_COLUMNS} FROM endpoints ORDER BY id"
        ));
        self.read_all(&q)
            .await?
            .iter()
            .map(|row| rows::endpoint(row)?.into_record(&self.sealer))
            .collect()
    }

    /// See [`Store::endpoint_page`](crate::storage::Store::endpoint_page).
    pub(crate) async fn endpoint_page(
        &self,
        scope: &Scope,
        page: &PageRequest,
    ) -> Result<EndpointPage, StoreError> {
        // State and health are keyed by the target key: the id after the
        // account's prefix (none in the default account).
        let prefix = scope.target_key("").to_string();
        let mut q = Statement::new(
            "SELECT e.id, e.url, e.urls, e.events, e.description, e.secrets, e.created_at,
                    e.updated_at, e.account, s.disabled, h.consecutive_failures,
                    h.last_success_at, h.last_failure_at, h.failing_since
             FROM endpoints e
             LEFT JOIN connector_state s ON s.name = $1 || e.id
             LEFT JOIN connector_health h ON h.name = $1 || e.id
             WHERE e.account = $2",
        )
        .bind(prefix)
        .bind(scope.account().as_str());
        if let Some(c) = &page.cursor {
            q.push(" AND e.id < ").push_bind(c);
        }
        q.push(" ORDER BY e.id DESC LIMIT ")
            .push_bind(i64::from(page.limit) + 1);
        let data = self
            .read_all(&q)
            .await?
            .iter()
            .map(|row| {
                Ok(EndpointEntry {
                    record: rows::endpoint(row)?.into_record(&self.sealer)?,
                    disabled: row.text(9)?,
                    health: match row.int(10)? {
                        Some(_) => Some(rows::health(row, 10)?),
                        None => None,
                    },
                })
            })
            .collect::<Result<Vec<_>, StoreError>>()?;
        let (data, next_cursor) = rows::page(data, page.limit, |e| &e.record.id);
        Ok(EndpointPage { data, next_cursor })
    }

    /// See [`Store::endpoint`](crate::storage::Store::endpoint).
    pub(crate) async fn endpoint(
        &self,
        scope: &Scope,
        id: &str,
    ) -> Result<Option<EndpointRecord>, StoreError> {
        let q = Statement::new(format!(
            "SELECT {ENDPOINT_COLUMNS} FROM endpoints WHERE account = $1 AND id = $2"
        ))
        .bind(scope.account().as_str())
        .bind(id);
        match self.read_optional(&q).await? {
            Some(row) => Ok(Some(rows::endpoint(&row)?.into_record(&self.sealer)?)),
            None => Ok(None),
        }
    }

    /// Deletes the endpoint, forgets its disabled state and parks its active
    /// deliveries as `disabled`, in one transaction; returns whether it existed.
    pub(crate) async fn delete_endpoint(
        &self,
        scope: &Scope,
        id: &str,
    ) -> Result<bool, StoreError> {
        let key = scope.target_key(id).to_string();
        let mut tx = WriteTx::begin(&self.write).await?;
        let delete = Statement::new("DELETE FROM endpoints WHERE account = $1 AND id = $2")
            .bind(scope.account().as_str())
            .bind(id);
        let gone = tx.execute(&delete).await? > 0;
        if gone {
            tx.execute(&Statement::new("DELETE FROM connector_state WHERE name = $1").bind(&key))
                .await?;
            let park = Statement::new(
                "UPDATE deliveries SET status = 'disabled', next_attempt_at = NULL,
                     lease_owner = NULL, lease_expires_at = NULL, last_error = $1, updated_at = $2
                 WHERE connector = $3 AND status IN ('pending', 'retrying')",
            );
            tx.execute(&park.bind(DELETED_REASON).bind(now_ms()).bind(key))
                .await?;
        }
        tx.commit().await?;
        Ok(gone)
    }

    /// Seals the secrets of endpoints stored before a key was set. Each row
    /// is replaced only if it is still the plaintext read, so an edit made
    /// meanwhile (by another node) is never overwritten; [`Dialect::SCRUB`]
    /// leaves no copy of the plaintext in the database's files. Returns how
    /// many rows were sealed.
    pub(crate) async fn seal_plain(&self) -> Result<usize, StoreError> {
        if !self.sealer.is_enabled() {
            return Ok(0);
        }
        let q = Statement::new("SELECT id, secrets FROM endpoints WHERE secrets NOT LIKE $1")
            .bind(Sealer::sealed_pattern());
        let plain = self.write_all(&q).await?;
        if plain.is_empty() {
            return Ok(0);
        }
        let mut tx = WriteTx::begin(&self.write).await?;
        if let Some(scrub) = &DB::SCRUB {
            DB::raw(tx.conn(), scrub.on).await?;
        }
        let mut sealed = 0;
        for row in &plain {
            let (id, secrets) = (row.text_at(0)?, row.text_at(1)?);
            let q =
                Statement::new("UPDATE endpoints SET secrets = $1 WHERE id = $2 AND secrets = $3")
                    .bind(self.sealer.seal(&secrets, &id))
                    .bind(id)
                    .bind(secrets);
            sealed += tx.execute(&q).await? as usize;
        }
        if let Some(scrub) = &DB::SCRUB {
            DB::raw(tx.conn(), scrub.off).await?;
        }
        tx.commit().await?;
        if let Some(scrub) = &DB::SCRUB {
            DB::raw(&mut *self.write.acquire().await?, scrub.flush).await?;
        }
        Ok(sealed)
    }
}
