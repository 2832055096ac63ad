//! Retention: finished jobs go after `ONBOARD_RETENTION_DAYS`, audit rows after
//! `ONBOARD_AUDIT_RETENTION_DAYS` when set, and a delivery's key is kept for a year after its
//! job went, so that a redelivery is recognised for at least that long.

use std::time::Duration;

use tokio_util::sync::CancellationToken;

use crate::store::{Store, StoreError};

/// How long a delivery's key is kept after its job was deleted.
pub const DELIVERY_KEYS_KEPT: Duration = Duration::from_secs(365 * 24 * 3600);

/// The rows one delete takes at most, so that the recorder never waits long for the database.
const BATCH: i64 = 200;

/// A pause between batches, for the same reason.
const BETWEEN_BATCHES: Duration = Duration::from_millis(50);

/// What is kept, and for how long.
#[derive(Debug, Clone)]
pub struct Retention {
    /// Finished jobs older than this go.
    pub jobs: Duration,
    /// Audit rows older than this go; none go when unset.
    pub audit: Option<Duration>,
    /// How often old rows are looked for.
    pub every: Duration,
}

fn before(store: &Store, age: Duration) -> i64 {
    store
        .now()
        .saturating_sub(i64::try_from(age.as_millis()).unwrap_or(i64::MAX))
}

impl Retention {
    /// Deletes everything that is due now, batch by batch; returns how many jobs went.
    pub async fn prune(&self, store: &Store) -> Result<u64, StoreError> {
        let jobs = drain(|| store.prune_jobs(before(store, self.jobs), BATCH)).await?;
        if let Some(audit) = self.audit {
            drain(|| store.prune_audit(before(store, audit), BATCH)).await?;
        }
        drain(|| store.prune_seen_deliveries(before(store, DELIVERY_KEYS_KEPT), BATCH)).await?;
        // Leases that ran out: turns, beats, strangers told.
        drain(|| store.prune_leases(before(store, Duration::from_secs(3600)), BATCH)).await?;
        Ok(jobs)
    }

    /// Prunes every `every` until `stop`.
    pub async fn run(self, store: Store, stop: CancellationToken) {
        loop {
            match self.prune(&store).await {
                Ok(0) => {}
                Ok(jobs) => tracing::info!(jobs, "old finished jobs deleted"),
                Err(error) => tracing::warn!(%error, "retention could not delete old rows"),
            }
            tokio::select! {
                () = tokio::time::sleep(self.every) => {}
                () = stop.cancelled() => return,
            }
        }
    }
}

/// Runs `batch` until it deletes nothing more; returns how many it deleted in all.
async fn drain<F, Fut>(mut batch: F) -> Result<u64, StoreError>
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = Result<u64, StoreError>>,
{
    let mut total = 0;
    loop {
        let deleted = batch().await?;
        total += deleted;
        if deleted < u64::try_from(BATCH).unwrap_or(u64::MAX) {
            return Ok(total);
        }
        tokio::time::sleep(BETWEEN_BATCHES).await;
    }
}
