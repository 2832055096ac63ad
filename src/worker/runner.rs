//! One worker: claims jobs one at a time, runs each under a heartbeat, and records the outcome.

use std::sync::Arc;

use tokio::sync::Notify;
use tokio_util::sync::CancellationToken;
use tracing::Instrument;

use super::{JobError, JobHandler, WorkerSettings, retry, tracking_id};
use crate::metrics::Metrics;
use crate::ops::alerts::{Alert, Alerts};
use crate::store::{Completion, Job, Life, Store, StoreError};

/// How a handler's run ended.
enum Worked {
    /// Boxed: a completion is large, and the other outcomes carry nothing.
    Finished(Box<Result<Completion, JobError>>),
    /// Shutdown's grace period ran out: the job is handed back.
    Stopped,
    /// Another worker holds the job now.
    LeaseLost,
}

pub(super) struct Worker<H> {
    pub(super) store: Store,
    pub(super) handler: Arc<H>,
    pub(super) settings: WorkerSettings,
    /// Written into each claimed job, so that only this worker completes it:
    /// `PROCESS/WORKER`, the process part naming its lock of life.
    pub(super) owner: String,
    /// Held while this worker may hold jobs: others take them over once no worker holds it.
    pub(super) _life: Arc<Life>,
    /// Notified when the edge commits deliveries, so that an idle worker starts at once.
    pub(super) recorded: Arc<Notify>,
    pub(super) metrics: Metrics,
    pub(super) alerts: Alerts,
    pub(super) stop: CancellationToken,
}

impl<H: JobHandler> Worker<H> {
    fn store(&self) -> &Store {
        &self.store
    }

    fn lease_ms(&self) -> i64 {
        i64::try_from(self.settings.lease.as_millis()).unwrap_or(i64::MAX)
    }

    pub(super) async fn run(self) {
        while !self.stop.is_cancelled() {
            // Registered before the claim, so that a commit in between still wakes us.
            let recorded = self.recorded.notified();
            match self.store().claim_job(&self.owner, self.lease_ms()).await {
                Ok(Some(job)) => self.run_job(job).await,
                Err(error @ StoreError::Corrupt(_)) => {
                    tracing::error!(%error, "a job can never run; it is set aside as failed");
                }
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
        let span = tracing::info_span!("job", id = job.id, kind = job.kind().as_str(), attempt = job.attempts, tracking_id = %tracking);
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
                    self.outcome(&job, "released");
                    tracing::info!(outcome = "released", "shutting down; job handed back");
                    return;
                }
                Worked::LeaseLost => {
                    self.outcome(&job, "lost_lease");
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
        let work = self.handler.handle(job);
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
            Ok(done) => match store.complete_job(job, done, None).await {
                Ok(true) => {
                    self.outcome(job, "done");
                    tracing::info!(outcome = "done", "event handled");
                    Ok(())
                }
                Ok(false) => {
                    self.outcome(job, "lost_lease");
                    tracing::warn!(outcome = "lost lease", "another worker took this job over");
                    Ok(())
                }
                Err(StoreError::Conflict(why)) => self.run_again(job, &why).await,
                Err(error) => Err(error),
            },
            Err(JobError::Store(StoreError::LeaseLost)) => {
                self.outcome(job, "lost_lease");
                tracing::warn!(outcome = "lost lease", "another worker took this job over");
                Ok(())
            }
            Err(JobError::Store(StoreError::Conflict(why))) => self.run_again(job, &why).await,
            Err(JobError::Paced(at)) => {
                self.outcome(job, "paced");
                store.wait_job(job, at, "waits for its turn").await
            }
            Err(error) if error.is_waiting() => {
                self.outcome(job, "waiting");
                let delay_ms =
                    i64::try_from(self.settings.waiting_delay.as_millis()).unwrap_or(i64::MAX);
                tracing::warn!(outcome = "waiting", %error, "waits for a valid token");
                store
                    .wait_job(
                        job,
                        self.store.now().saturating_add(delay_ms),
                        &error.to_string(),
                    )
                    .await
            }
            Err(error) if error.is_transient() && job.attempts < self.settings.max_attempts => {
                self.outcome(job, "retry");
                let delay = retry::delay(&self.settings, job.attempts, &error);
                let delay_ms = u64::try_from(delay.as_millis()).unwrap_or(u64::MAX);
                tracing::warn!(outcome = "retry", %error, delay_ms, "will try again");
                let at = self
                    .store
                    .now()
                    .saturating_add(i64::try_from(delay_ms).unwrap_or(i64::MAX));
                store.retry_job(job, at, &error.to_string()).await
            }
            Err(error) => self.give_up(job, &error.to_string()).await,
        }
    }

    fn outcome(&self, job: &Job, outcome: &'static str) {
        self.metrics.job_outcome(job.kind().as_str(), outcome);
    }

    /// Another job moved what this one read: its outcome is void, and it runs again at once on
    /// what is there now.
    async fn run_again(&self, job: &Job, why: &str) -> Result<(), StoreError> {
        self.outcome(job, "conflict");
        tracing::info!(
            outcome = "conflict",
            why,
            "running the job again on what is there now"
        );
        self.store().retry_job(job, self.store.now(), why).await
    }

    /// Stops trying: the handler says what becomes true (usually, someone is told why), and
    /// the job is marked failed with it. What it says is read afresh when another job moved
    /// it meanwhile.
    async fn give_up(&self, job: &Job, reason: &str) -> Result<(), StoreError> {
        let store = self.store();
        for _ in 0..3 {
            let done = match self.handler.give_up(job, reason).await {
                Ok(done) => done,
                Err(error) => {
                    // Without the request's state the person cannot be told the truth; later.
                    let at = self.store.now() + self.lease_ms();
                    return store.retry_job(job, at, &error.to_string()).await;
                }
            };
            match store.complete_job(job, done, Some(reason)).await {
                Ok(_) => {
                    self.outcome(job, "gave_up");
                    tracing::error!(
                        outcome = "gave up",
                        error = reason,
                        "event could not be handled"
                    );
                    self.alerts
                        .raise(Alert::GaveUp {
                            job: job.id,
                            kind: job.kind().as_str(),
                            reason: reason.to_owned(),
                            tracking_id: tracking_id(job),
                        })
                        .await;
                    return Ok(());
                }
                Err(StoreError::Conflict(why)) => {
                    tracing::info!(why, "giving up again on what is there now")
                }
                Err(error) => return Err(error),
            }
        }
        let at = self.store.now() + self.lease_ms();
        store.retry_job(job, at, "its outcome kept changing").await
    }
}
