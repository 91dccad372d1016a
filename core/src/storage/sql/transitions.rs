//! The lifecycle records' queries: one read of every target, and the
//! conditional writes that let exactly one node win each transition.

use super::{Dialect, Fields, Sql, Statement};
use crate::{
    storage::{rows, Alerted, StoreError, TargetLifecycle, Transition},
    time::now_ms,
};

/// Every target that has health, a disabled state or a lifecycle record.
const LIFECYCLES: &str = "SELECT n.name, h.consecutive_failures, h.last_success_at,
         h.last_failure_at, h.failing_since, s.disabled, t.alerted, t.exhausted,
         t.exhausted_alerted_at, t.probed_at, t.auth_refused_at, t.auth_alerted_at
     FROM (SELECT name FROM connector_health
           UNION SELECT name FROM connector_state
           UNION SELECT name FROM target_transitions) n
     LEFT JOIN connector_health h ON h.name = n.name
     LEFT JOIN connector_state s ON s.name = n.name
     LEFT JOIN target_transitions t ON t.name = n.name
     ORDER BY n.name";

impl<DB: Dialect> Sql<DB> {
    /// See [`Store::lifecycles`](crate::storage::Store::lifecycles).
    pub(crate) async fn lifecycles(&self) -> Result<Vec<TargetLifecycle>, StoreError> {
        let rows = self.read_all(&Statement::new(LIFECYCLES)).await?;
        rows.iter()
            .map(|r| {
                let health = match r.int(1)? {
                    Some(_) => Some(rows::health(r, 1)?),
                    None => None,
                };
                Ok(TargetLifecycle {
                    name: r.text_at(0)?,
                    health,
                    disabled: r.text(5)?,
                    alerted: r.text(6)?.map_or(Alerted::Ok, |s| Alerted::parse(&s)),
                    exhausted: r.int(7)?.unwrap_or(0).max(0) as u64,
                    exhausted_alerted_at: r.int(8)?,
                    probed_at: r.int(9)?,
                    auth_refused_at: r.int(10)?,
                    auth_alerted_at: r.int(11)?,
                })
            })
            .collect()
    }

    /// See [`Store::transition`](crate::storage::Store::transition).
    pub(crate) async fn transition(
        &self,
        target: &str,
        change: Transition,
    ) -> Result<Option<u64>, StoreError> {
        let now = now_ms();
        match change {
            Transition::Alert { from, to, period } => {
                self.ensure_row(target, now).await?;
                // The probe clock starts at the disable: the first probe
                // goes out one `probe_every` later.
                let probed_at = (to == Alerted::Disabled).then_some(now);
                let q = Statement::new(
                    "UPDATE target_transitions SET alerted = $1, period_start = $2,
                         probed_at = COALESCE($3, probed_at), updated_at = $4
                     WHERE name = $5 AND alerted = $6",
                )
                .bind(to.as_str())
                .bind(period)
                .bind(probed_at)
                .bind(now)
                .bind(target)
                .bind(from.as_str());
                Ok((self.write(&q).await? == 1).then_some(1))
            }
            Transition::CountExhausted(n) => {
                self.ensure_row(target, now).await?;
                let q = Statement::new(
                    "UPDATE target_transitions SET exhausted = exhausted + $1, updated_at = $2
                     WHERE name = $3",
                )
                .bind(n as i64)
                .bind(now)
                .bind(target);
                Ok((self.write(&q).await? == 1).then_some(n))
            }
            Transition::ClaimExhausted => {
                let q = Statement::new(
                    "UPDATE target_transitions SET exhausted_alerted_at = $1, updated_at = $2
                     WHERE name = $3 AND exhausted > 0 AND exhausted_alerted_at IS NULL
                     RETURNING exhausted",
                )
                .bind(now)
                .bind(now)
                .bind(target);
                let rows = self.write_all(&q).await?;
                match rows.first() {
                    Some(r) => Ok(Some(r.int_at(0)?.max(0) as u64)),
                    None => Ok(None),
                }
            }
            Transition::ResetExhausted { alerted_at } => {
                let q = Statement::new(
                    "UPDATE target_transitions SET exhausted = 0, exhausted_alerted_at = NULL,
                         updated_at = $1
                     WHERE name = $2 AND exhausted_alerted_at = $3",
                )
                .bind(now)
                .bind(target)
                .bind(alerted_at);
                Ok((self.write(&q).await? == 1).then_some(0))
            }
            Transition::NoteAuthRefused => {
                self.ensure_row(target, now).await?;
                let q = Statement::new(
                    "UPDATE target_transitions SET auth_refused_at = $1, updated_at = $2
                     WHERE name = $3",
                )
                .bind(now)
                .bind(now)
                .bind(target);
                Ok((self.write(&q).await? == 1).then_some(1))
            }
            Transition::ClaimAuthAlert => {
                let q = Statement::new(
                    "UPDATE target_transitions SET auth_alerted_at = $1, updated_at = $2
                     WHERE name = $3 AND auth_refused_at IS NOT NULL AND auth_alerted_at IS NULL",
                )
                .bind(now)
                .bind(now)
                .bind(target);
                Ok((self.write(&q).await? == 1).then_some(1))
            }
            Transition::ResetAuth { alerted_at } => {
                let q = Statement::new(
                    "UPDATE target_transitions SET auth_refused_at = NULL,
                         auth_alerted_at = NULL, updated_at = $1
                     WHERE name = $2 AND auth_alerted_at = $3",
                )
                .bind(now)
                .bind(target)
                .bind(alerted_at);
                Ok((self.write(&q).await? == 1).then_some(0))
            }
            Transition::ClaimProbe { every } => {
                let q = Statement::new(
                    "UPDATE target_transitions SET probed_at = $1, updated_at = $2
                     WHERE name = $3 AND alerted = 'disabled'
                       AND (probed_at IS NULL OR probed_at <= $4)",
                )
                .bind(now)
                .bind(now)
                .bind(target)
                .bind(now - every);
                Ok((self.write(&q).await? == 1).then_some(1))
            }
        }
    }

    /// A target's lifecycle row, created `ok` if missing (the conditional
    /// updates then have a row to test).
    async fn ensure_row(&self, target: &str, now: i64) -> Result<(), StoreError> {
        let q = Statement::new(
            "INSERT INTO target_transitions (name, alerted, exhausted, updated_at)
             VALUES ($1, 'ok', 0, $2) ON CONFLICT (name) DO NOTHING",
        )
        .bind(target)
        .bind(now);
        self.write(&q).await.map(drop)
    }

    /// See [`Store::held`](crate::storage::Store::held).
    pub(crate) async fn held(
        &self,
        targets: &[String],
    ) -> Result<std::collections::HashMap<String, u64>, StoreError> {
        let mut held = std::collections::HashMap::new();
        if targets.is_empty() {
            return Ok(held);
        }
        let mut q = Statement::new(
            "SELECT connector, COUNT(*) FROM deliveries WHERE status = 'disabled' AND connector IN (",
        );
        q.push_list(targets).push(") GROUP BY connector");
        for r in self.read_all(&q).await? {
            held.insert(r.text_at(0)?, r.int_at(1)?.max(0) as u64);
        }
        Ok(held)
    }

    /// See [`Store::last_error`](crate::storage::Store::last_error).
    pub(crate) async fn last_error(&self, target: &str) -> Result<Option<String>, StoreError> {
        let q = Statement::new(
            "SELECT a.error FROM attempts a JOIN deliveries d ON d.id = a.delivery_id
             WHERE d.connector = $1 AND a.error IS NOT NULL
             ORDER BY a.started_at DESC LIMIT 1",
        )
        .bind(target);
        match self.read_optional(&q).await? {
            Some(r) => r.text(0),
            None => Ok(None),
        }
    }
}
