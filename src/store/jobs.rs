//! The durable work queue: claim with a lease, finish in one transaction with what follows.

use sqlx::Row;

use super::cards::INSERT_CARD;
use super::requests::bind_request_update;
use super::{CardRecord, RequestRecord, Store, StoreError, now_ms, with_pool};

/// What a job does.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum JobKind {
    /// A `messages`/`created` webhook: read the message and answer a command.
    Message,
    /// An `attachmentActions`/`created` webhook: a submitted card.
    Submission,
    /// A message the bot posts; a job so that a failed reply is retried, not lost.
    Reply,
}

impl JobKind {
    fn as_str(self) -> &'static str {
        match self {
            Self::Message => "message",
            Self::Submission => "submission",
            Self::Reply => "reply",
        }
    }

    fn parse(s: &str) -> Result<Self, StoreError> {
        match s {
            "message" => Ok(Self::Message),
            "submission" => Ok(Self::Submission),
            "reply" => Ok(Self::Reply),
            other => Err(StoreError::Corrupt(format!("job kind {other}"))),
        }
    }
}

/// A job to enqueue; a second job with the same `dedupe_key` is dropped.
#[derive(Debug, Clone)]
pub struct NewJob {
    pub kind: JobKind,
    /// `resource/event/data.id` for deliveries, so redeliveries collapse into one job.
    pub dedupe_key: String,
    /// JSON the handler of `kind` reads.
    pub payload: String,
}

/// A claimed job.
#[derive(Debug, Clone)]
pub struct Job {
    pub id: i64,
    pub kind: JobKind,
    pub payload: String,
    /// How many times it has been claimed, this time included.
    pub attempts: i64,
}

/// Everything that becomes true together when a job finishes.
#[derive(Debug, Default)]
pub struct Completion {
    /// The request's new state, when the job moved one.
    pub request: Option<RequestRecord>,
    /// A card the job just sent.
    pub card: Option<CardRecord>,
    /// Jobs that follow from this one (replies).
    pub followups: Vec<NewJob>,
}

const INSERT_JOB: &str = "INSERT INTO jobs (kind, dedupe_key, payload, state, attempts, run_after, created_at, updated_at) \
     VALUES ($1, $2, $3, 'queued', 0, $4, $4, $4) ON CONFLICT (dedupe_key) DO NOTHING";

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
    /// Inserts jobs in one transaction (one commit for a whole batch of deliveries).
    pub async fn insert_jobs(&self, jobs: &[NewJob]) -> Result<(), StoreError> {
        let now = now_ms();
        with_pool!(self, pool => {
            let mut tx = pool.begin().await?;
            for job in jobs {
                sqlx::query(INSERT_JOB)
                    .bind(job.kind.as_str())
                    .bind(&job.dedupe_key)
                    .bind(&job.payload)
                    .bind(now)
                    .execute(&mut *tx)
                    .await?;
            }
            tx.commit().await?;
        });
        Ok(())
    }

    /// Takes the oldest runnable job, or one whose worker's lease ran out, for `lease_ms`.
    pub async fn claim_job(&self, owner: &str, lease_ms: i64) -> Result<Option<Job>, StoreError> {
        let now = now_ms();
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
        Ok(Some(Job {
            id,
            kind: JobKind::parse(&kind)?,
            payload,
            attempts,
        }))
    }

    /// Keeps a long-running job's lease, so that no other worker takes it up meanwhile.
    pub async fn extend_lease(
        &self,
        job: &Job,
        owner: &str,
        lease_ms: i64,
    ) -> Result<(), StoreError> {
        with_pool!(self, pool => {
            sqlx::query("UPDATE jobs SET lease_until = $1 WHERE id = $2 AND lease_owner = $3 AND state = 'running'")
                .bind(now_ms() + lease_ms)
                .bind(job.id)
                .bind(owner)
                .execute(pool)
                .await?;
        });
        Ok(())
    }

    /// Marks the job done (or, with `failure`, failed for that reason) and makes its effects
    /// true, all or nothing.
    ///
    /// Returns `false` when this worker no longer holds the job (its lease ran out and another
    /// worker took it), in which case nothing is written.
    pub async fn complete_job(
        &self,
        job: &Job,
        owner: &str,
        done: Completion,
        failure: Option<&str>,
    ) -> Result<bool, StoreError> {
        let now = now_ms();
        let state = if failure.is_some() { "failed" } else { "done" };
        with_pool!(self, pool => {
            let mut tx = pool.begin().await?;
            let updated = sqlx::query(
                "UPDATE jobs SET state = $4, last_error = $5, lease_owner = NULL, lease_until = NULL, \
                 updated_at = $1 WHERE id = $2 AND lease_owner = $3 AND state = 'running'",
            )
            .bind(now)
            .bind(job.id)
            .bind(owner)
            .bind(state)
            .bind(failure)
            .execute(&mut *tx)
            .await?
            .rows_affected();
            if updated == 0 {
                return Ok(false);
            }
            if let Some(request) = &done.request {
                bind_request_update!(request, now).execute(&mut *tx).await?;
            }
            if let Some(card) = &done.card {
                sqlx::query(INSERT_CARD)
                    .bind(&card.message_id)
                    .bind(&card.room_id)
                    .bind(&card.requested_by)
                    .bind(now)
                    .execute(&mut *tx)
                    .await?;
            }
            for followup in &done.followups {
                sqlx::query(INSERT_JOB)
                    .bind(followup.kind.as_str())
                    .bind(&followup.dedupe_key)
                    .bind(&followup.payload)
                    .bind(now)
                    .execute(&mut *tx)
                    .await?;
            }
            tx.commit().await?;
        });
        Ok(true)
    }

    /// Puts the job back to run again no earlier than `run_after_ms`.
    pub async fn retry_job(
        &self,
        job: &Job,
        owner: &str,
        run_after_ms: i64,
        error: &str,
    ) -> Result<(), StoreError> {
        with_pool!(self, pool => {
            sqlx::query(
                "UPDATE jobs SET state = 'queued', lease_owner = NULL, lease_until = NULL, run_after = $1, \
                 last_error = $2, updated_at = $3 WHERE id = $4 AND lease_owner = $5 AND state = 'running'",
            )
            .bind(run_after_ms)
            .bind(error)
            .bind(now_ms())
            .bind(job.id)
            .bind(owner)
            .execute(pool)
            .await?;
        });
        Ok(())
    }

    /// Hands this worker's unfinished jobs back at shutdown, so that any replica takes them at once.
    pub async fn release_jobs(&self, owner: &str) -> Result<u64, StoreError> {
        let released = with_pool!(self, pool => {
            sqlx::query(
                "UPDATE jobs SET state = 'queued', lease_owner = NULL, lease_until = NULL, \
                 attempts = attempts - 1, updated_at = $1 WHERE lease_owner = $2 AND state = 'running'",
            )
            .bind(now_ms())
            .bind(owner)
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
