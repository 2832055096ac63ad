//! The queue, watched: how many jobs are in each state and how long the oldest waits, for
//! `/metrics`, and an alert when that wait is too long.

use std::time::Duration;

use tokio_util::sync::CancellationToken;

use super::alerts::{Alert, Alerts};
use crate::metrics::Metrics;
use crate::store::{Store, StoreError};

/// Watches the queue.
pub struct Watch {
    pub store: Store,
    pub metrics: Metrics,
    pub alerts: Alerts,
    /// `ONBOARD_ALERT_BACKLOG_SECS`: a wait longer than this is alerted.
    pub backlog: Duration,
    /// How often it looks.
    pub every: Duration,
}

impl Watch {
    /// Looks once: updates the gauges, and alerts a backlog.
    pub async fn look(&self) -> Result<(), StoreError> {
        let counts = self.store.job_counts().await?;
        let by_state: Vec<(String, i64)> =
            counts.into_iter().map(|(_, state, n)| (state, n)).collect();
        self.metrics.jobs(&by_state);
        let (waiting, oldest) = self.store.waiting_jobs().await?;
        let waited_ms = oldest.map_or(0, |since| (self.store.now() - since).max(0));
        let waited = Duration::from_millis(u64::try_from(waited_ms).unwrap_or(0));
        self.metrics.oldest_waiting_job(waited.as_secs_f64());
        if waited > self.backlog {
            self.alerts
                .raise(Alert::Backlog {
                    oldest_secs: waited.as_secs(),
                    waiting,
                })
                .await;
        }
        Ok(())
    }

    /// Looks every `every` until `stop`.
    pub async fn run(self, stop: CancellationToken) {
        loop {
            if let Err(error) = self.look().await {
                tracing::warn!(%error, "cannot watch the queue");
            }
            tokio::select! {
                () = tokio::time::sleep(self.every) => {}
                () = stop.cancelled() => return,
            }
        }
    }
}
