//! The durable work queue: claim with a lease, finish in one transaction with what follows.

use std::fmt::Write as _;
use std::sync::LazyLock;

use sqlx::postgres::PgConnection;
use sqlx::sqlite::SqliteConnection;
use sqlx::{Connection, Row};

use super::audit::INSERT_AUDIT;
use super::cards::{INSERT_CARD, RETIRE_CARD};
use super::requests::{bind_request_update, update_request};
use super::{AuditEntry, CardRecord, Pool, RequestRecord, Store, StoreError, now_ms, with_pool};

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
    /// The worker holding the lease; every write about the job checks it still does.
    pub owner: String,
}

/// Everything that becomes true together when a job finishes.
#[derive(Debug, Default)]
pub struct Completion {
    /// The request's new state, when the job moved one.
    pub request: Option<RequestRecord>,
    /// A card the job just sent.
    pub card: Option<CardRecord>,
    /// A form that the card just sent replaces.
    pub retire_card: Option<String>,
    /// What happened, for people.
    pub audit: Vec<AuditEntry>,
    /// Jobs that follow from this one (replies).
    pub followups: Vec<NewJob>,
}

const INSERT_JOB: &str = "INSERT INTO jobs (kind, dedupe_key, payload, state, attempts, run_after, created_at, updated_at) \
     VALUES ($1, $2, $3, 'queued', 0, $4, $4, $4) ON CONFLICT (dedupe_key) DO NOTHING";

/// The row counts of the multi-row job INSERTs: a fixed few, so that each connection prepares
/// each one once and keeps it (a statement per batch size would churn the statement cache).
const INSERT_ROWS: [usize; 7] = [8, 16, 32, 64, 128, 256, 512];

/// The most jobs one statement inserts.
pub(crate) const MAX_INSERT_ROWS: usize = INSERT_ROWS[INSERT_ROWS.len() - 1];

/// The statements of [`INSERT_ROWS`] for SQLite (`?` parameters), built once.
static INSERT_JOBS_SQLITE: LazyLock<[String; INSERT_ROWS.len()]> =
    LazyLock::new(|| INSERT_ROWS.map(|rows| insert_jobs_sql(rows, |_| "?".to_owned())));

/// The statements of [`INSERT_ROWS`] for PostgreSQL (`$n` parameters), built once.
static INSERT_JOBS_POSTGRES: LazyLock<[String; INSERT_ROWS.len()]> =
    LazyLock::new(|| INSERT_ROWS.map(|rows| insert_jobs_sql(rows, |n| format!("${n}"))));

/// `INSERT ... SELECT ... FROM (VALUES ...)` of up to `rows` jobs, with `parameter(n)` as the
/// `n`th parameter. Parameters 1 to 3 are the time; row `r` (from 0) binds kind, dedupe key and
/// payload to `3r+4`, `3r+5` and `3r+6`. A batch binds the smallest statement that holds it and
/// NULL to its spare rows, which the `WHERE` drops. Both databases name the columns of `VALUES`
/// `columnN`. SQLite gets plain `?`: sqlx binds a numbered one by looking its name up among the
/// statement's, which costs time in the square of the parameters.
fn insert_jobs_sql(rows: usize, parameter: impl Fn(usize) -> String) -> String {
    let mut sql = String::with_capacity(300 + rows * 20);
    let _ = write!(
        sql,
        "INSERT INTO jobs (kind, dedupe_key, payload, state, attempts, run_after, created_at, updated_at) \
         SELECT column1, column2, column3, 'queued', 0, {}, {}, {} FROM (VALUES ",
        parameter(1),
        parameter(2),
        parameter(3),
    );
    for row in 0..rows {
        let first = 3 * row + 4;
        if row > 0 {
            sql.push(',');
        }
        let _ = write!(
            sql,
            "({},{},{})",
            parameter(first),
            parameter(first + 1),
            parameter(first + 2)
        );
    }
    sql.push_str(") AS v WHERE column1 IS NOT NULL ON CONFLICT (dedupe_key) DO NOTHING");
    sql
}

/// The statement of `$statements` for `$jobs` (at most [`MAX_INSERT_ROWS`]), bound.
macro_rules! bind_jobs {
    ($statements:expr, $now:expr, $jobs:expr) => {{
        let jobs: &[NewJob] = $jobs;
        let slot = INSERT_ROWS
            .iter()
            .position(|&rows| rows >= jobs.len())
            .expect("a chunk of at most MAX_INSERT_ROWS jobs");
        let mut query = sqlx::query($statements[slot].as_str())
            .bind($now)
            .bind($now)
            .bind($now);
        for job in jobs {
            query = query
                .bind(job.kind.as_str())
                .bind(job.dedupe_key.as_str())
                .bind(job.payload.as_str());
        }
        for _ in jobs.len()..INSERT_ROWS[slot] {
            query = query
                .bind(None::<&str>)
                .bind(None::<&str>)
                .bind(None::<&str>);
        }
        query
    }};
}

/// Inserts `$jobs` as [`Store::insert_jobs`] says, running one statement on `$one` or beginning
/// a transaction with `$begin`; `?` returns the error.
macro_rules! insert_jobs {
    ($statements:expr, $now:expr, $jobs:expr, $one:expr, $begin:expr) => {{
        let jobs: &[NewJob] = $jobs;
        if jobs.len() <= MAX_INSERT_ROWS {
            bind_jobs!($statements, $now, jobs).execute($one).await?;
        } else {
            let mut tx = $begin.await?;
            for chunk in jobs.chunks(MAX_INSERT_ROWS) {
                bind_jobs!($statements, $now, chunk)
                    .execute(&mut *tx)
                    .await?;
            }
            tx.commit().await?;
        }
    }};
}

/// The recorder's own connection, taken out of the pool for good.
///
/// One connection for all deliveries keeps its statements prepared and, on SQLite, its page
/// cache warm: SQLite drops a connection's cache whenever another connection wrote since, so
/// batches spread over the pool's connections would each start cold.
///
/// On SQLite it commits with `synchronous = NORMAL` where the pool has `FULL`: in WAL mode a
/// commit is then written to the log but not synced, which a crash of the process cannot undo
/// but a power loss can, until the log is synced. The recorder has a checkpoint (which syncs
/// the log first) follow its commits (see [`super::recorder::SYNC_DELAY`]).
pub(crate) struct JobWriter {
    store: Store,
    connection: Option<WriterConnection>,
}

enum WriterConnection {
    Sqlite(SqliteConnection),
    Postgres(PgConnection),
}

impl JobWriter {
    /// A writer that takes its connection on first use.
    pub(crate) fn new(store: Store) -> Self {
        Self {
            store,
            connection: None,
        }
    }

    /// [`Store::insert_jobs`] on the writer's connection. After an error the connection is
    /// dropped and the next call takes a fresh one.
    pub(crate) async fn insert(&mut self, jobs: &[NewJob]) -> Result<(), StoreError> {
        let now = now_ms();
        let result = async {
            let connection = match &mut self.connection {
                Some(connection) => connection,
                None => {
                    // Detached: the pool may open another in its place.
                    let fresh = match &self.store.pool {
                        Pool::Sqlite(pool) => {
                            let mut connection = pool.acquire().await?.detach();
                            // Commits survive a crash of the process as soon as they return;
                            // the recorder's checkpoints sync the log for a power loss.
                            sqlx::query("PRAGMA synchronous = NORMAL")
                                .execute(&mut connection)
                                .await?;
                            WriterConnection::Sqlite(connection)
                        }
                        Pool::Postgres(pool) => {
                            WriterConnection::Postgres(pool.acquire().await?.detach())
                        }
                    };
                    self.connection.insert(fresh)
                }
            };
            match connection {
                WriterConnection::Sqlite(c) => {
                    insert_jobs!(INSERT_JOBS_SQLITE, now, jobs, &mut *c, c.begin());
                }
                WriterConnection::Postgres(c) => {
                    insert_jobs!(INSERT_JOBS_POSTGRES, now, jobs, &mut *c, c.begin());
                }
            }
            Ok::<_, StoreError>(())
        }
        .await;
        if result.is_err() {
            self.connection = None;
        }
        result
    }
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
    /// Inserts jobs atomically, with one commit for the whole batch of deliveries.
    ///
    /// Up to 512 jobs are a single multi-row statement, which commits on its own: one round trip
    /// to the database and no `BEGIN`/`COMMIT`. More take one such statement per 512, in a
    /// transaction. The recorder does the same on a connection of its own ([`Recorder`]).
    ///
    /// [`Recorder`]: super::Recorder
    pub async fn insert_jobs(&self, jobs: &[NewJob]) -> Result<(), StoreError> {
        let now = now_ms();
        match &self.pool {
            Pool::Sqlite(pool) => insert_jobs!(INSERT_JOBS_SQLITE, now, jobs, pool, pool.begin()),
            Pool::Postgres(pool) => {
                insert_jobs!(INSERT_JOBS_POSTGRES, now, jobs, pool, pool.begin());
            }
        }
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
            owner: owner.to_owned(),
        }))
    }

    /// Keeps a long-running job's lease, so that no other worker takes it up meanwhile.
    ///
    /// Returns `false` when the lease was lost: another worker has the job, and this one must stop.
    pub async fn extend_lease(&self, job: &Job, lease_ms: i64) -> Result<bool, StoreError> {
        let extended = with_pool!(self, pool => {
            sqlx::query("UPDATE jobs SET lease_until = $1 WHERE id = $2 AND lease_owner = $3 AND state = 'running'")
                .bind(now_ms() + lease_ms)
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
                bind_request_update!(request, now).execute(&mut *tx).await?;
            }
            if let Some(card) = &done.card {
                sqlx::query(INSERT_CARD)
                    .bind(&card.message_id)
                    .bind(&card.room_id)
                    .bind(&card.requested_by)
                    .bind(card.kind.as_str())
                    .bind(card.request_id)
                    .bind(now)
                    .execute(&mut *tx)
                    .await?;
            }
            if let Some(retired) = &done.retire_card {
                sqlx::query(RETIRE_CARD).bind(now).bind(retired).execute(&mut *tx).await?;
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
            .bind(&job.owner)
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
        let now = now_ms();
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

#[cfg(test)]
mod tests {
    use super::*;

    fn job(n: usize) -> NewJob {
        NewJob {
            kind: JobKind::Message,
            dedupe_key: format!("messages/created/{n}"),
            payload: format!(r#"{{"id":"{n}"}}"#),
        }
    }

    #[test]
    fn the_statements_number_their_parameters_in_order() {
        assert!(
            insert_jobs_sql(2, |n| format!("${n}"))
                .contains("'queued', 0, $1, $2, $3 FROM (VALUES ($4,$5,$6),($7,$8,$9)) AS v")
        );
        assert_eq!(
            insert_jobs_sql(8, |_| "?".to_owned()).matches('?').count(),
            27
        );
    }

    #[tokio::test]
    async fn batches_of_every_size_record_each_job_once() {
        let dir = std::env::temp_dir().join(format!(
            "webex-onboard-jobs-{}-{}",
            std::process::id(),
            now_ms()
        ));
        std::fs::create_dir_all(&dir).expect("temp dir");
        let url = format!("sqlite://{}", dir.join("jobs.db").display());
        let store = Store::connect(&url).await.expect("store");
        let jobs: Vec<NewJob> = (0..700).map(job).collect();
        let mut writer = JobWriter::new(store.clone());
        // The smallest statement, one with spare rows, and a batch holding a job twice.
        writer.insert(&jobs[..1]).await.expect("one");
        writer.insert(&jobs[1..10]).await.expect("nine");
        writer
            .insert(&[job(5), job(10), job(10)])
            .await
            .expect("repeated");
        // More than one statement holds, in one transaction, over jobs already recorded.
        store.insert_jobs(&jobs).await.expect("700");
        let counts = store.job_counts().await.expect("counts");
        assert_eq!(counts, vec![("message".into(), "queued".into(), 700)]);
        store.close().await;
        drop(writer);
        let _ = std::fs::remove_dir_all(&dir);
    }
}
