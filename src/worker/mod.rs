//! The workers: claim a job with a lease, run it, and commit its outcome or schedule a retry.
//!
//! Concurrency is bounded by the number of workers. A worker keeps its lease alive while a job
//! runs, so a crashed process's jobs are taken up by any replica once its leases run out.
//!
//! What a job does is not the worker's business: a [`JobHandler`] does it, and says what becomes
//! true when it is done (a [`Completion`]), which the worker commits with the job's end.

mod retry;
mod runner;
mod takeover;

use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

use tokio::sync::Notify;
use tokio_util::sync::CancellationToken;
use tokio_util::task::TaskTracker;

use crate::metrics::Metrics;
use crate::ops::alerts::Alerts;
use crate::store::{Completion, Job, Store, StoreError};
use crate::webex::WebexError;

/// Does the work of jobs.
pub trait JobHandler: Send + Sync + 'static {
    /// Does one job's work and says what becomes true when it is done.
    fn handle(&self, job: &Job) -> impl Future<Output = Result<Completion, JobError>> + Send;

    /// What becomes true when the worker stops trying, after `reason`: usually, someone is told.
    fn give_up(
        &self,
        job: &Job,
        reason: &str,
    ) -> impl Future<Output = Result<Completion, StoreError>> + Send;
}

/// Why a job did not finish this time.
#[derive(Debug, thiserror::Error)]
pub enum JobError {
    /// Webex failed; the job runs again later when the failure may pass.
    #[error(transparent)]
    Webex(#[from] WebexError),
    /// The database failed: the job runs again later.
    #[error(transparent)]
    Store(#[from] StoreError),
    /// The job can never succeed (e.g. what it refers to is gone).
    #[error("{0}")]
    Permanent(String),
    /// The job waits for its turn, shared with other jobs, until this time (milliseconds since
    /// the epoch); waiting uses up no attempt.
    #[error("waits for its turn")]
    Paced(i64),
}

impl JobError {
    /// Whether the job waits for something only an operator can give (a valid token): it
    /// runs again later without using up an attempt.
    pub fn is_waiting(&self) -> bool {
        matches!(self, Self::Webex(e) if e.meaning() == crate::webex::Meaning::Blocked)
    }

    /// Whether running the job again may succeed.
    pub fn is_transient(&self) -> bool {
        match self {
            Self::Webex(e) => e.is_transient(),
            // A row that does not decode stays so.
            Self::Store(StoreError::Corrupt(_)) => false,
            Self::Store(_) => true,
            Self::Permanent(_) | Self::Paced(_) => false,
        }
    }
}

/// The `TrackingID` sent with every Webex call a job makes, so that one request can be followed
/// across the bot's log and Webex's.
pub fn tracking_id(job: &Job) -> String {
    format!("webex-onboard_job{}_{}", job.id, job.attempts)
}

/// How the workers pace themselves.
#[derive(Debug, Clone)]
pub struct WorkerSettings {
    /// How many jobs run at once in this process.
    pub workers: usize,
    /// How long a claim lasts without being renewed.
    pub lease: Duration,
    /// How often an idle worker looks for work that another replica recorded.
    pub poll: Duration,
    /// The first retry's delay; each further retry doubles it, with jitter.
    pub retry_base: Duration,
    /// The longest wait between retries, `Retry-After` included.
    pub retry_cap: Duration,
    /// After this many attempts, the bot gives up and says why.
    pub max_attempts: i64,
    /// On shutdown, how long a running job may take before it is handed back.
    pub grace: Duration,
    /// How long a handed-back job waits, so that a Webex call abandoned at shutdown has ended
    /// before anyone looks at its outcome (the call timeout).
    pub release_delay: Duration,
    /// How long a job that waits for a valid token waits before it looks again.
    pub waiting_delay: Duration,
    /// How often this process looks for the jobs of processes that died.
    pub takeover_poll: Duration,
}

impl Default for WorkerSettings {
    fn default() -> Self {
        Self {
            workers: 4,
            lease: Duration::from_secs(30),
            poll: Duration::from_millis(500),
            retry_base: Duration::from_secs(1),
            retry_cap: Duration::from_secs(300),
            max_attempts: 12,
            grace: Duration::from_secs(7),
            release_delay: crate::webex::CALL_TIMEOUT,
            waiting_delay: Duration::from_secs(30),
            takeover_poll: Duration::from_secs(1),
        }
    }
}

/// What the workers share besides their handler.
pub struct Workers {
    pub store: Store,
    pub settings: WorkerSettings,
    /// Wakes idle workers as soon as the edge has committed a delivery.
    pub recorded: Arc<Notify>,
    pub metrics: Metrics,
    /// Where a job that gives up is reported.
    pub alerts: Alerts,
}

impl Workers {
    /// Takes this process's lock of life, then starts the workers on `tracker`, and the task
    /// that takes over the jobs of processes that died; they stop when `stop` is cancelled.
    /// The lock is held until the last worker has ended.
    pub async fn spawn<H: JobHandler>(
        self,
        handler: Arc<H>,
        stop: CancellationToken,
        tracker: &TaskTracker,
    ) -> Result<(), StoreError> {
        let process = crate::store::process_id();
        let life = Arc::new(self.store.live(&process).await?);
        tracker.spawn(takeover::run(
            self.store.clone(),
            process.clone(),
            life.clone(),
            self.settings.takeover_poll,
            self.recorded.clone(),
            stop.clone(),
        ));
        for n in 0..self.settings.workers {
            let worker = runner::Worker {
                store: self.store.clone(),
                handler: handler.clone(),
                settings: self.settings.clone(),
                owner: format!("{process}/{n}"),
                _life: life.clone(),
                recorded: self.recorded.clone(),
                metrics: self.metrics.clone(),
                alerts: self.alerts.clone(),
                stop: stop.clone(),
            };
            tracker.spawn(worker.run());
        }
        Ok(())
    }
}
