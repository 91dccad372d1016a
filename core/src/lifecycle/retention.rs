//! Background pruning: every `[retention] interval`, delete what is past
//! its age in small batches with pauses between them, then give the freed
//! space back. Ingest and delivery commit between any two batches.

use std::{sync::Arc, time::Duration};

use crate::{
    config::RetentionConfig,
    storage::{Cutoffs, Pruned, Store, StoreError},
    time::{now_ms, Millis},
};

/// Rows of each kind per batch (one short transaction).
pub const BATCH: usize = 500;
/// Pause between batches, so ingests queued behind one commit promptly.
const PAUSE: Duration = Duration::from_millis(10);

/// The cutoffs `config` gives at `now`; an age of 0 keeps that kind forever.
pub fn cutoffs(config: &RetentionConfig, now: Millis) -> Cutoffs {
    let before = |age: Duration| (!age.is_zero()).then(|| now - age.as_millis() as Millis);
    Cutoffs {
        succeeded: before(config.succeeded),
        failed: before(config.failed),
        invocations: before(config.invocations),
    }
}

/// One prune pass: batches until nothing past its age is left, then compaction.
pub async fn prune_once(store: &dyn Store, cutoffs: &Cutoffs) -> Result<Pruned, StoreError> {
    let mut total = Pruned::default();
    loop {
        let batch = store.prune(cutoffs, BATCH).await?;
        total.deliveries += batch.deliveries;
        total.events += batch.events;
        total.invocations += batch.invocations;
        if !batch.more {
            break;
        }
        tokio::time::sleep(PAUSE).await;
    }
    store.compact().await?;
    Ok(total)
}

/// Runs [`prune_once`] every `interval`, for the life of the hub.
pub async fn run(store: Arc<dyn Store>, config: RetentionConfig) {
    let mut tick = tokio::time::interval(config.interval);
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        tick.tick().await;
        match prune_once(&*store, &cutoffs(&config, now_ms())).await {
            Ok(p) if p == Pruned::default() => {}
            Ok(p) => tracing::info!(
                deliveries = p.deliveries,
                events = p.events,
                invocations = p.invocations,
                "retention: pruned"
            ),
            Err(e) => {
                tracing::warn!(error = %e, "retention: prune failed; trying again at the next interval")
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_zero_age_keeps_that_kind_forever() {
        let config = RetentionConfig {
            succeeded: Duration::from_secs(10),
            failed: Duration::ZERO,
            ..RetentionConfig::default()
        };
        let c = cutoffs(&config, 100_000);
        assert_eq!(c.succeeded, Some(90_000));
        assert_eq!(c.failed, None);
        assert_eq!(c.invocations, Some(100_000 - 30 * 24 * 3600 * 1000));
    }
}
