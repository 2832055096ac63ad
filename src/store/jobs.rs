//! The durable work queue: claim with a lease, finish in one transaction with what follows.

use sqlx::Row;

use super::audit::INSERT_AUDIT;
use super::cards::{CARD_USED, INSERT_CARD, RETIRE_CARD, bind_card};
use super::requests::{bind_request_update, request_moved, update_request};
use super::{
    AuditEntry, BeginWrite, CardRecord, RequestRecord, Store, StoreError, queue_in, with_pool,
};
use crate::domain::{JobKind, JobPayload, RequestState};

/// A job to enqueue; a second job with the same `dedupe_key` is dropped.
///
/// The payload is encoded when the job is made, by the task that makes it, so that the one
/// writer of deliveries only binds text.
#[derive(Debug, Clone)]
pub struct NewJob {
    pub(super) kind: JobKind,
    /// `resource/event/data.id` for deliveries, so redeliveries collapse into one job.
    pub(super) dedupe_key: String,
    pub(super) payload: String,
    /// When it may run (milliseconds since the epoch); none: at once.
    pub(super) run_after: Option<i64>,
}

impl NewJob {
    /// A job of this payload, unless one with the same key exists.
    pub fn new(dedupe_key: String, payload: &JobPayload) -> Self {
        Self {
            kind: payload.kind(),
            dedupe_key,
            payload: payload.encode(),
            run_after: None,
        }
    }

    /// The same job, not to run before `at` (milliseconds since the epoch). Only the jobs a
    /// completion follows up with are scheduled; batches of deliveries run at once.
    #[must_use]
    pub fn at(mut self, at: i64) -> Self {
        self.run_after = Some(at);
        self
    }

    /// The key that makes a second job of the same event a duplicate.
    pub fn dedupe_key(&self) -> &str {
        &self.dedupe_key
    }
}

/// A claimed job.
#[derive(Debug, Clone)]
pub struct Job {
    pub id: i64,
    pub payload: JobPayload,
    /// How many times it has been claimed, this time included.
    pub attempts: i64,
    /// The worker holding the lease; every write about the job checks it still does.
    pub owner: String,
}

impl Job {
    /// What kind of job it is.
    pub fn kind(&self) -> JobKind {
        self.payload.kind()
    }
}

/// Everything that becomes true together when a job finishes.
#[derive(Debug, Default)]
pub struct Completion {
    /// The request's new state, when the job moved one.
    pub request: Option<RequestRecord>,
    /// A card the job just sent.
    pub card: Option<CardRecord>,
    /// A form that a corrected one replaces: it can no longer be submitted.
    pub retire_card: Option<CardRecord>,
    /// What happened, for people.
    pub audit: Vec<AuditEntry>,
    /// Jobs that follow from this one (replies).
    pub followups: Vec<NewJob>,
}

const CLAIM_SQLITE: &str = "UPDATE jobs SET state = 'running', lease_owner = $1, lease_until = $2, \
     attempts = attempts + 1, updated_at = $3 \
     WHERE id = (SELECT id FROM jobs WHERE (state = 'queued' AND run_after <= $3) \
                 OR (state = 'running' AND lease_until < $3) ORDER BY run_after, id LIMIT 1) \
     RETURNING id, kind, payload, attempts";

const CLAIM_POSTGRES: &str = "UPDATE jobs SET state = 'running', lease_owner = $1, lease_until = $2, \
     attempts = attempts + 1, updated_at = $3 \
     WHERE id = (SELECT id FROM jobs WHERE (state = 'queued' AND run_after <= $3) \
                 OR (state = 'running' AND lease_until < $3) ORDER BY run_after, id LIMIT 1 \
                 FOR UPDATE SKIP LOCKED) \
     RETURNING id, kind, payload, attempts";

impl Store {
    /// Takes the oldest runnable job, or one whose worker's lease ran out, for `lease_ms`.
    pub async fn claim_job(&self, owner: &str, lease_ms: i64) -> Result<Option<Job>, StoreError> {
        let now = self.now();
        let sql = if self.is_postgres() {
            CLAIM_POSTGRES
        } else {
            CLAIM_SQLITE
        };
        let row = with_pool!(self, pool => {
            sqlx::query(sql)
                .bind(owner)
                .bind(now + lease_ms)
                .bind(now)
                .fetch_optional(pool)
                .await?
                .map(|row| -> Result<_, sqlx::Error> {
                    Ok((
                        row.try_get::<i64, _>("id")?,
                        row.try_get::<String, _>("kind")?,
                        row.try_get::<String, _>("payload")?,
                        row.try_get::<i64, _>("attempts")?,
                    ))
                })
                .transpose()?
        });
        let Some((id, kind, payload, attempts)) = row else {
            return Ok(None);
        };
        match JobPayload::decode(&kind, &payload) {
            Ok(payload) => Ok(Some(Job {
                id,
                payload,
                attempts,
                owner: owner.to_owned(),
            })),
            Err(reason) => {
                // It can never run: set it aside, so that it is not claimed again and again.
                with_pool!(self, pool => {
                    sqlx::query(
                        "UPDATE jobs SET state = 'failed', last_error = $1, lease_owner = NULL, \
                         lease_until = NULL, updated_at = $2 WHERE id = $3",
                    )
                    .bind(&reason)
                    .bind(self.now())
                    .bind(id)
                    .execute(pool)
                    .await?;
                });
                Err(StoreError::Corrupt(format!("job {id}: {reason}")))
            }
        }
    }

    /// Keeps a long-running job's lease, so that no other worker takes it up meanwhile.
    ///
    /// Returns `false` when the lease was lost: another worker has the job, and this one must stop.
    pub async fn extend_lease(&self, job: &Job, lease_ms: i64) -> Result<bool, StoreError> {
        let extended = with_pool!(self, pool => {
            sqlx::query("UPDATE jobs SET lease_until = $1 WHERE id = $2 AND lease_owner = $3 AND state = 'running'")
                .bind(self.now() + lease_ms)
                .bind(job.id)
                .bind(&job.owner)
                .execute(pool)
                .await?
                .rows_affected()
        });
        Ok(extended > 0)
    }

    /// Marks the job done (or, with `failure`, failed for that reason) and makes its effects
    /// true, all or nothing.
    ///
    /// Returns `false` when this worker no longer holds the job (its lease ran out and another
    /// worker took it), in which case nothing is written.
    pub async fn complete_job(
        &self,
        job: &Job,
        done: Completion,
        failure: Option<&str>,
    ) -> Result<bool, StoreError> {
        let now = self.now();
        let state = if failure.is_some() { "failed" } else { "done" };
        with_pool!(self, pool => {
            let mut tx = pool.begin_write().await?;
            let updated = sqlx::query(
                "UPDATE jobs SET state = $4, last_error = $5, lease_owner = NULL, lease_until = NULL, \
                 updated_at = $1 WHERE id = $2 AND lease_owner = $3 AND state = 'running'",
            )
            .bind(now)
            .bind(job.id)
            .bind(&job.owner)
            .bind(state)
            .bind(failure)
            .execute(&mut *tx)
            .await?
            .rows_affected();
            if updated == 0 {
                return Ok(false);
            }
            if let Some(request) = &done.request {
                let written = bind_request_update!(request, now)
                    .execute(&mut *tx)
                    .await?
                    .rows_affected();
                if written == 0 {
                    let (state,): (String,) = sqlx::query_as("SELECT state FROM requests WHERE id = $1")
                        .bind(request.id)
                        .fetch_one(&mut *tx)
                        .await?;
                    let state = RequestState::parse(&state).map_err(StoreError::Corrupt)?;
                    return Err(StoreError::Conflict(request_moved(request.id, state)));
                }
            }
            if let Some(card) = &done.card {
                bind_card!(INSERT_CARD, card, now).execute(&mut *tx).await?;
            }
            if let Some(retired) = &done.retire_card {
                let card = retired.message_id.as_str();
                bind_card!(INSERT_CARD, retired, now).execute(&mut *tx).await?;
                sqlx::query(RETIRE_CARD).bind(card).bind(now).execute(&mut *tx).await?;
                // Read after the row is taken, so that a request opened meanwhile is seen.
                let used: Option<(i64,)> =
                    sqlx::query_as(CARD_USED).bind(card).fetch_optional(&mut *tx).await?;
                if let Some((request,)) = used {
                    return Err(StoreError::Conflict(format!(
                        "card {card} was used by request {request} before it could be retired"
                    )));
                }
            }
            for entry in &done.audit {
                sqlx::query(INSERT_AUDIT)
                    .bind(now)
                    .bind(&entry.actor)
                    .bind(entry.action)
                    .bind(entry.request_id)
                    .bind(&entry.email)
                    .bind(&entry.detail)
                    .bind(&entry.result)
                    .bind(&entry.tracking_id)
                    .bind(entry.batch_id)
                    .execute(&mut *tx)
                    .await?;
            }
            for followup in &done.followups {
                queue_in!(tx, followup, now);
            }
            tx.commit().await?;
        });
        Ok(true)
    }

    /// Puts the job back to run again no earlier than `run_after_ms`.
    pub async fn retry_job(
        &self,
        job: &Job,
        run_after_ms: i64,
        error: &str,
    ) -> Result<(), StoreError> {
        self.requeue(job, run_after_ms, error, 0).await
    }

    /// Puts the job back to wait until `run_after_ms` for something only an operator can give;
    /// this run does not count among its attempts.
    pub async fn wait_job(
        &self,
        job: &Job,
        run_after_ms: i64,
        error: &str,
    ) -> Result<(), StoreError> {
        self.requeue(job, run_after_ms, error, 1).await
    }

    /// Queues a job this worker holds again, giving back `refund` of its attempts.
    async fn requeue(
        &self,
        job: &Job,
        run_after_ms: i64,
        error: &str,
        refund: i64,
    ) -> Result<(), StoreError> {
        with_pool!(self, pool => {
            sqlx::query(
                "UPDATE jobs SET state = 'queued', lease_owner = NULL, lease_until = NULL, run_after = $1, \
                 attempts = attempts - $6, last_error = $2, updated_at = $3 \
                 WHERE id = $4 AND lease_owner = $5 AND state = 'running'",
            )
            .bind(run_after_ms)
            .bind(error)
            .bind(self.now())
            .bind(job.id)
            .bind(&job.owner)
            .bind(refund)
            .execute(pool)
            .await?;
        });
        Ok(())
    }

    /// Hands this worker's unfinished jobs back at shutdown, to run again after `delay_ms`.
    ///
    /// The delay covers a Webex call the worker abandoned, so that no replica looks the email up
    /// while that call may still create the person.
    pub async fn release_jobs(&self, owner: &str, delay_ms: i64) -> Result<u64, StoreError> {
        let now = self.now();
        let released = with_pool!(self, pool => {
            sqlx::query(
                "UPDATE jobs SET state = 'queued', lease_owner = NULL, lease_until = NULL, \
                 attempts = attempts - 1, run_after = $3, updated_at = $1 \
                 WHERE lease_owner = $2 AND state = 'running'",
            )
            .bind(now)
            .bind(owner)
            .bind(now + delay_ms)
            .execute(pool)
            .await?
            .rows_affected()
        });
        Ok(released)
    }

    /// How many jobs are in each state, for tests and operators.
    pub async fn job_counts(&self) -> Result<Vec<(String, String, i64)>, StoreError> {
        let rows = with_pool!(self, pool => {
            sqlx::query("SELECT kind, state, COUNT(*) AS n FROM jobs GROUP BY kind, state ORDER BY kind, state")
                .fetch_all(pool)
                .await?
                .into_iter()
                .map(|row| Ok((row.try_get("kind")?, row.try_get("state")?, row.try_get("n")?)))
                .collect::<Result<Vec<_>, sqlx::Error>>()?
        });
        Ok(rows)
    }
}
