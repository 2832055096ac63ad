//! Requests that wait too long: a request nobody approved or rejected within
//! `ONBOARD_REQUEST_TTL_DAYS` expires, and its requester and the approvers are told. So does a
//! batch nobody confirmed or decided in that time.
//!
//! The sweep only finds requests; an expiry job per request (deduplicated on the request) does
//! the rest, so that a decision made at the same moment wins or loses cleanly, once. A batch
//! expires in one conditional commit with the job that tells its sender. The same sweep gives a
//! running batch whose looks at its progress were lost (a look that gave up) a new one, so that
//! it still ends and sends its report.

use std::time::Duration;

use tokio_util::sync::CancellationToken;

use crate::domain::{BatchTick, Expiry, JobPayload, Reply};
use crate::replies::batch as say;
use crate::store::{NewJob, Store, StoreError};

/// A running batch not looked at for this long has lost its looks (they come at least every
/// minute).
const LOOKS_LOST_MS: i64 = 10 * 60 * 1000;

/// How long requests may wait for a decision, and how often they are looked at.
#[derive(Debug, Clone)]
pub struct RequestExpiry {
    /// `ONBOARD_REQUEST_TTL_DAYS`.
    pub ttl: Duration,
    /// How often waiting requests are looked at.
    pub every: Duration,
}

impl RequestExpiry {
    /// Makes an expiry job for each request that has waited longer than `ttl`; returns how
    /// many were new.
    pub async fn sweep(&self, store: &Store) -> Result<usize, StoreError> {
        let ttl_ms = i64::try_from(self.ttl.as_millis()).unwrap_or(i64::MAX);
        let cutoff = store.now().saturating_sub(ttl_ms);
        let days = u32::try_from(self.ttl.as_secs().div_ceil(24 * 3600)).unwrap_or(u32::MAX);
        let jobs: Vec<NewJob> = store
            .waiting_since(cutoff)
            .await?
            .into_iter()
            .map(|request_id| {
                NewJob::new(
                    format!("expire/{request_id}"),
                    &JobPayload::Expire(Expiry { request_id, days }),
                )
            })
            .collect();
        let mut expiring = store.insert_jobs(&jobs).await?.len();
        for batch in store.batches_waiting_since(cutoff).await? {
            let told = NewJob::new(
                format!("batch/{}/expired", batch.id),
                &JobPayload::Reply(Reply::text(
                    batch.room_id.clone(),
                    batch.preview_id.clone(),
                    &say::expired(&batch.file_name, days),
                )),
            );
            if store.expire_batch(batch.id, &[told]).await? {
                expiring += 1;
            }
        }
        let now = store.now();
        let looks: Vec<NewJob> = store
            .batches_unlooked_since(now.saturating_sub(LOOKS_LOST_MS))
            .await?
            .into_iter()
            .map(|batch_id| {
                let look = BatchTick { batch_id, n: 0 };
                NewJob::new(look.dedupe_key(now), &JobPayload::BatchProgress(look)).at(now)
            })
            .collect();
        if !looks.is_empty() {
            tracing::warn!(
                batches = looks.len(),
                "running batches lost their looks; looking again"
            );
            store.insert_jobs(&looks).await?;
        }
        Ok(expiring)
    }

    /// Sweeps every `every` until `stop`.
    pub async fn run(self, store: Store, stop: CancellationToken) {
        loop {
            match self.sweep(&store).await {
                Ok(0) => {}
                Ok(expiring) => tracing::info!(expiring, "requests nobody decided in time expire"),
                Err(error) => tracing::warn!(%error, "cannot look for requests that expire"),
            }
            tokio::select! {
                () = tokio::time::sleep(self.every) => {}
                () = stop.cancelled() => return,
            }
        }
    }
}
