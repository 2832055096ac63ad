//! The workers: claim a job with a lease, run it, and commit its outcome or schedule a retry.
//!
//! Concurrency is bounded by the number of workers. A worker keeps its lease alive while a job
//! runs, so a crashed process's jobs are taken up by any replica once its leases run out.

use std::sync::Arc;
use std::time::Duration;

use tokio::sync::Notify;
use tokio_util::sync::CancellationToken;
use tokio_util::task::TaskTracker;

use tracing::Instrument;

use crate::onboarding::{JobError, Workflow, tracking_id};
use crate::store::{Job, Store, now_ms};

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
        }
    }
}

/// Starts the workers on `tracker`; they stop when `stop` is cancelled.
pub fn spawn(
    workflow: Arc<Workflow>,
    settings: WorkerSettings,
    recorded: Arc<Notify>,
    stop: CancellationToken,
    tracker: &TaskTracker,
) {
    let owner = format!("{}-{:08x}", std::process::id(), fastrand::u32(..));
    for n in 0..settings.workers {
        let worker = Worker {
            workflow: workflow.clone(),
            settings: settings.clone(),
            owner: format!("{owner}-{n}"),
            recorded: recorded.clone(),
            stop: stop.clone(),
        };
        tracker.spawn(worker.run());
    }
}

struct Worker {
    workflow: Arc<Workflow>,
    settings: WorkerSettings,
    /// Written into each claimed job, so that only this worker completes it.
    owner: String,
    recorded: Arc<Notify>,
    stop: CancellationToken,
}

impl Worker {
    fn store(&self) -> &Store {
        &self.workflow.store
    }

    fn lease_ms(&self) -> i64 {
        i64::try_from(self.settings.lease.as_millis()).unwrap_or(i64::MAX)
    }

    async fn run(self) {
        while !self.stop.is_cancelled() {
            // Registered before the claim, so that a commit in between still wakes us.
            let recorded = self.recorded.notified();
            match self.store().claim_job(&self.owner, self.lease_ms()).await {
                Ok(Some(job)) => self.run_job(job).await,
                Ok(None) => {
                    tokio::select! {
                        () = recorded => {}
                        () = tokio::time::sleep(self.settings.poll) => {}
                        () = self.stop.cancelled() => {}
                    }
                }
                Err(error) => {
                    tracing::warn!(%error, "cannot claim jobs; the database may be down");
                    tokio::select! {
                        () = tokio::time::sleep(self.settings.poll * 4) => {}
                        () = self.stop.cancelled() => {}
                    }
                }
            }
        }
        if let Err(error) = self.store().release_jobs(&self.owner).await {
            tracing::warn!(%error, "could not hand back jobs; they resume when their lease ends");
        }
    }

    async fn run_job(&self, job: Job) {
        let tracking = tracking_id(&job);
        let span = tracing::info_span!("job", id = job.id, kind = ?job.kind, attempt = job.attempts, tracking_id = %tracking);
        self.run_job_in_span(job).instrument(span).await;
    }

    async fn run_job_in_span(&self, job: Job) {
        let handled = {
            let work = self.workflow.handle(&job);
            tokio::pin!(work);
            let mut heartbeat = tokio::time::interval(self.settings.lease / 3);
            heartbeat.tick().await;
            let stopping = async {
                self.stop.cancelled().await;
                tokio::time::sleep(self.settings.grace).await;
            };
            tokio::pin!(stopping);
            loop {
                tokio::select! {
                    result = &mut work => break Some(result),
                    _ = heartbeat.tick() => {
                        if let Err(error) = self.store().extend_lease(&job, &self.owner, self.lease_ms()).await {
                            tracing::warn!(%error, "could not extend the lease");
                        }
                    }
                    () = &mut stopping => break None,
                }
            }
        };
        let Some(result) = handled else {
            tracing::info!(outcome = "released", "shutting down; job handed back");
            return;
        };
        let store = self.store();
        let written = match result {
            Ok(done) => store
                .complete_job(&job, &self.owner, done, None)
                .await
                .map(|ours| {
                    if ours {
                        tracing::info!(outcome = "done", "event handled");
                    } else {
                        tracing::warn!(outcome = "lost lease", "another worker took this job over");
                    }
                }),
            Err(error) if error.is_transient() && job.attempts < self.settings.max_attempts => {
                let delay = self.retry_delay(&job, &error);
                tracing::warn!(outcome = "retry", %error, delay_ms = delay.as_millis() as u64, "will try again");
                let at = now_ms() + i64::try_from(delay.as_millis()).unwrap_or(i64::MAX);
                store
                    .retry_job(&job, &self.owner, at, &error.to_string())
                    .await
            }
            Err(error) => {
                tracing::error!(outcome = "gave up", %error, "event could not be handled");
                let reason = error.to_string();
                let done = self.workflow.give_up(&job, &reason).await;
                store
                    .complete_job(&job, &self.owner, done, Some(&reason))
                    .await
                    .map(drop)
            }
        };
        if let Err(error) = written {
            tracing::error!(%error, "could not record the job's outcome; it runs again after its lease");
        }
    }

    /// `Retry-After` when Webex sent one (capped), else exponential backoff with full jitter.
    fn retry_delay(&self, job: &Job, error: &JobError) -> Duration {
        let cap = self.settings.retry_cap;
        if let JobError::Webex(webex) = error
            && let Some(asked) = webex.retry_after()
        {
            return asked.min(cap);
        }
        let exponent = u32::try_from(job.attempts.saturating_sub(1))
            .unwrap_or(u32::MAX)
            .min(16);
        let ceiling = self
            .settings
            .retry_base
            .saturating_mul(1 << exponent)
            .min(cap);
        let jitter = fastrand::f64() * 0.5 + 0.5;
        ceiling.mul_f64(jitter)
    }
}
