//! `LISTEN/NOTIFY`: telling other nodes that work became due without waiting for their poll.
//!
//! Replay, release and lease give-backs make deliveries due that another node
//! may be the one to attempt; a notice on [`WORK_CHANNEL`] (payload: the
//! connector name) wakes that connector's actor on every node. Notices are
//! only a hint: a lost one costs at most one `[storage] poll_interval`.

use std::time::Duration;

use sqlx::{postgres::PgListener, PgPool};
use tokio::sync::mpsc;

/// The channel every node listens on.
pub const WORK_CHANNEL: &str = "switchboard_work";

/// The channel announcing runtime endpoints created, changed or deleted
/// (payload: the endpoint's target key), so every node runs the same set.
pub const ENDPOINT_CHANNEL: &str = "switchboard_endpoints";

/// Sends work notices.
pub(super) struct Notifier {
    pool: PgPool,
}

impl Notifier {
    pub(super) fn new(pool: PgPool) -> Self {
        Notifier { pool }
    }

    /// Announces a change to a runtime endpoint; failures are logged only
    /// (other nodes then see it at their next start).
    pub(super) async fn endpoint(&self, id: &str) {
        let sent = sqlx::query("SELECT pg_notify($1, $2)")
            .bind(ENDPOINT_CHANNEL)
            .bind(id)
            .execute(&self.pool)
            .await;
        if let Err(e) = sent {
            tracing::warn!(error = %e, endpoint = id, "cannot notify other nodes of an endpoint change");
        }
    }

    /// Announces due work of these connectors; failures are logged only.
    pub(super) async fn work(&self, mut connectors: Vec<String>) {
        connectors.sort();
        connectors.dedup();
        if connectors.is_empty() {
            return;
        }
        let sent = sqlx::query("SELECT pg_notify($1, c) FROM unnest($2::text[]) AS c")
            .bind(WORK_CHANNEL)
            .bind(&connectors)
            .execute(&self.pool)
            .await;
        if let Err(e) = sent {
            tracing::warn!(error = %e, "cannot notify other nodes; they find the work on their next poll");
        }
    }
}

/// Starts listening on `channel`; yields payloads until the receiver is
/// dropped or the pool closes. Reconnects on its own after a lost connection;
/// once listening (and after each reconnect), an empty payload means
/// "notices may have been lost".
pub(super) fn listen(pool: PgPool, channel: &'static str) -> mpsc::UnboundedReceiver<String> {
    let (tx, rx) = mpsc::unbounded_channel();
    tokio::spawn(async move {
        loop {
            match run(&pool, channel, &tx).await {
                Ok(()) => return,
                Err(sqlx::Error::PoolClosed) => return,
                Err(e) => {
                    tracing::warn!(error = %e, "lost the work-notice listener; reconnecting in 1s");
                    tokio::time::sleep(Duration::from_secs(1)).await;
                }
            }
        }
    });
    rx
}

/// Forwards notices until the receiver is gone (`Ok`) or the database fails.
async fn run(
    pool: &PgPool,
    channel: &str,
    tx: &mpsc::UnboundedSender<String>,
) -> Result<(), sqlx::Error> {
    let mut listener = PgListener::connect_with(pool).await?;
    listener.listen(channel).await?;
    // Anything announced before this point (startup, a reconnect) was
    // missed: have the receiver look at everything once.
    if tx.send(String::new()).is_err() {
        return Ok(());
    }
    loop {
        match listener.try_recv().await? {
            Some(n) => {
                if tx.send(n.payload().to_owned()).is_err() {
                    return Ok(());
                }
            }
            // Notices sent while disconnected are lost: have the actors look anyway.
            None => {
                if tx.send(String::new()).is_err() {
                    return Ok(());
                }
            }
        }
    }
}
