//! Requests that wait too long: a request nobody approved or rejected within
//! `ONBOARD_REQUEST_TTL_DAYS` expires, and its requester and the approvers are told.
//!
//! The sweep only finds them; an expiry job per request (deduplicated on the request) does
//! the rest, so that a decision made at the same moment wins or loses cleanly, once.

use std::time::Duration;

use tokio_util::sync::CancellationToken;

use crate::domain::{Expiry, JobPayload};
use crate::store::{NewJob, Store, StoreError};

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
        Ok(store.insert_jobs(&jobs).await?.len())
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
