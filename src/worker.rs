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
use crate::store::{Completion, Job, Store, StoreError, now_ms};

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

/// How a handler's run ended.
enum Worked {
    /// Boxed: a completion is large, and the other outcomes carry nothing.
    Finished(Box<Result<Completion, JobError>>),
    /// Shutdown's grace period ran out: the job is handed back.
    Stopped,
    /// Another worker holds the job now.
    LeaseLost,
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
        let delay_ms = i64::try_from(self.settings.release_delay.as_millis()).unwrap_or(i64::MAX);
        if let Err(error) = self.store().release_jobs(&self.owner, delay_ms).await {
            tracing::warn!(%error, "could not hand back jobs; they resume when their lease ends");
        }
    }

    async fn run_job(&self, job: Job) {
        let tracking = tracking_id(&job);
        let span = tracing::info_span!("job", id = job.id, kind = ?job.kind, attempt = job.attempts, tracking_id = %tracking);
        self.run_job_in_span(job).instrument(span).await;
    }

    async fn run_job_in_span(&self, job: Job) {
        // Claimed more often than allowed: its runs died with their process (or this is the last
        // try). Either way, stop and say so rather than crash every replica in turn.
        let result = if job.attempts > self.settings.max_attempts {
            Err(JobError::Permanent(format!(
                "it was tried {} times without finishing",
                self.settings.max_attempts
            )))
        } else {
            match self.work_on(&job).await {
                Worked::Finished(result) => *result,
                Worked::Stopped => {
                    tracing::info!(outcome = "released", "shutting down; job handed back");
                    return;
                }
                Worked::LeaseLost => {
                    tracing::warn!(outcome = "lost lease", "another worker took this job over");
                    return;
                }
            }
        };
        if let Err(error) = self.record(&job, result).await {
            tracing::error!(%error, "could not record the job's outcome; it runs again after its lease");
        }
    }

    /// Runs the handler while keeping the lease alive; stops it when the lease is lost or when
    /// shutdown's grace period is over.
    async fn work_on(&self, job: &Job) -> Worked {
        let work = self.workflow.handle(job);
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
                result = &mut work => return Worked::Finished(Box::new(result)),
                _ = heartbeat.tick() => match self.store().extend_lease(job, self.lease_ms()).await {
                    Ok(true) => {}
                    Ok(false) => return Worked::LeaseLost,
                    Err(error) => tracing::warn!(%error, "could not extend the lease"),
                },
                () = &mut stopping => return Worked::Stopped,
            }
        }
    }

    /// Commits the job's outcome: done, a retry later, or given up with the person told why.
    async fn record(
        &self,
        job: &Job,
        result: Result<Completion, JobError>,
    ) -> Result<(), StoreError> {
        let store = self.store();
        match result {
            Ok(done) => {
                if store.complete_job(job, done, None).await? {
                    tracing::info!(outcome = "done", "event handled");
                } else {
                    tracing::warn!(outcome = "lost lease", "another worker took this job over");
                }
                Ok(())
            }
            Err(JobError::Store(StoreError::LeaseLost)) => {
                tracing::warn!(outcome = "lost lease", "another worker took this job over");
                Ok(())
            }
            Err(error) if error.is_transient() && job.attempts < self.settings.max_attempts => {
                let delay = self.retry_delay(job, &error);
                let delay_ms = u64::try_from(delay.as_millis()).unwrap_or(u64::MAX);
                tracing::warn!(outcome = "retry", %error, delay_ms, "will try again");
                let at = now_ms().saturating_add(i64::try_from(delay_ms).unwrap_or(i64::MAX));
                store.retry_job(job, at, &error.to_string()).await
            }
            Err(error) => {
                let reason = error.to_string();
                let done = match self.workflow.give_up(job, &reason).await {
                    Ok(done) => done,
                    Err(store_error) => {
                        // Without the request's state the person cannot be told the truth; later.
                        let at = now_ms() + self.lease_ms();
                        return store.retry_job(job, at, &store_error.to_string()).await;
                    }
                };
                tracing::error!(outcome = "gave up", %error, "event could not be handled");
                store.complete_job(job, done, Some(&reason)).await.map(drop)
            }
        }
    }

    /// `Retry-After` when Webex sent one (capped), else exponential backoff with jitter: a random
    /// point in the upper half of the doubled delay, so that retries spread but still back off.
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
