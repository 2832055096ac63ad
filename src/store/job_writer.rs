//! Recording jobs: one multi-row `INSERT` for a whole batch, on SQLite and PostgreSQL alike,
//! and the recorder's own connection that runs it.

use std::fmt::Write as _;
use std::sync::{Arc, LazyLock};

use sqlx::Connection;
use sqlx::postgres::PgConnection;
use sqlx::sqlite::SqliteConnection;

use super::sqlite_writer::{Attempt, SqliteWriter};
use super::{BeginWrite, NewJob, Pool, Store, StoreError};

/// One job: $1 kind, $2 dedupe key, $3 payload, $4 now, $5 run after. A job already recorded
/// under the key is left as it is.
pub(super) const INSERT_JOB: &str = "INSERT INTO jobs (kind, dedupe_key, payload, state, attempts, run_after, created_at, updated_at) \
     VALUES ($1, $2, $3, 'queued', 0, $5, $4, $4) ON CONFLICT (dedupe_key) DO NOTHING";

/// Queues `$job`, a [`NewJob`], in the transaction `$tx` at `$now`: it commits with whatever
/// else the transaction records.
macro_rules! queue_in {
    ($tx:ident, $job:expr, $now:expr) => {{
        let job: &$crate::store::NewJob = $job;
        sqlx::query($crate::store::job_writer::INSERT_JOB)
            .bind(job.kind.as_str())
            .bind(&job.dedupe_key)
            .bind(&job.payload)
            .bind($now)
            .bind(job.run_after.unwrap_or($now))
            .execute(&mut *$tx)
            .await?;
    }};
}
pub(super) use queue_in;

/// The row counts of the multi-row job INSERTs: a fixed few, so that each connection prepares
/// each one once and keeps it (a statement per batch size would churn the statement cache).
pub(super) const INSERT_ROWS: [usize; 7] = [8, 16, 32, 64, 128, 256, 512];

/// The most jobs one statement inserts.
pub(crate) const MAX_INSERT_ROWS: usize = INSERT_ROWS[INSERT_ROWS.len() - 1];

/// The statements of [`INSERT_ROWS`] for SQLite (`?` parameters), built once. They return no
/// rows: sqlx hands each row of SQLite's over from the connection's thread through a channel,
/// and on a busy core that is a switch between threads per row. Which keys were inserted is
/// told by the rows changed, and only after a duplicate by their ids ([`inserted_keys`]).
pub(super) static INSERT_JOBS_SQLITE: LazyLock<[String; INSERT_ROWS.len()]> =
    LazyLock::new(|| INSERT_ROWS.map(|rows| insert_jobs_sql(rows, |_| "?".to_owned(), false)));

/// The statements of [`INSERT_ROWS`] for PostgreSQL (`$n` parameters), built once; they return
/// the keys inserted.
static INSERT_JOBS_POSTGRES: LazyLock<[String; INSERT_ROWS.len()]> =
    LazyLock::new(|| INSERT_ROWS.map(|rows| insert_jobs_sql(rows, |n| format!("${n}"), true)));

/// `INSERT ... SELECT ... FROM (VALUES ...)` of up to `rows` jobs, with `parameter(n)` as the
/// `n`th parameter. Parameters 1 to 3 are the time; row `r` (from 0) binds kind, dedupe key and
/// payload to `3r+4`, `3r+5` and `3r+6`. A batch binds the smallest statement that holds it and
/// NULL to its spare rows, which the `WHERE` drops. Both databases name the columns of `VALUES`
/// `columnN`. SQLite gets plain `?`: sqlx binds a numbered one by looking its name up among the
/// statement's, which costs time in the square of the parameters.
fn insert_jobs_sql(rows: usize, parameter: impl Fn(usize) -> String, returning: bool) -> String {
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
    // A delivery whose job retention deleted is known by its key still.
    sql.push_str(
        ") AS v WHERE column1 IS NOT NULL AND NOT EXISTS \
         (SELECT 1 FROM seen_deliveries s WHERE s.dedupe_key = v.column2) \
         ON CONFLICT (dedupe_key) DO NOTHING",
    );
    if returning {
        sql.push_str(" RETURNING dedupe_key");
    }
    sql
}

/// The keys of `jobs` in order, each once: what a statement inserted when nothing was there.
pub(super) fn first_occurrences(jobs: &[NewJob]) -> Vec<String> {
    let mut seen = std::collections::HashSet::with_capacity(jobs.len());
    jobs.iter()
        .map(NewJob::dedupe_key)
        .filter(|key| seen.insert(*key))
        .map(str::to_owned)
        .collect()
}

/// A query of the newest rows, at most `?` (the last parameter), among those holding one of
/// `keys` keys (the parameters before), newest first.
pub(super) fn newest_keys_sql(keys: usize) -> String {
    format!(
        "SELECT dedupe_key FROM jobs WHERE dedupe_key IN ({}) ORDER BY id DESC LIMIT ?",
        vec!["?"; keys].join(",")
    )
}

/// The keys a SQLite statement of [`INSERT_JOBS_SQLITE`] inserted, from what it changed. When
/// every new key was inserted, that is the answer; otherwise (a redelivery in the batch) every
/// key of the batch has a row now, and those this statement inserted are the newest of them.
/// (Their ids need not be consecutive: a row skipped for its key still takes an id.)
macro_rules! inserted_keys {
    ($done:expr, $jobs:expr, $connection:expr) => {{
        let done: sqlx::sqlite::SqliteQueryResult = $done;
        let fresh = first_occurrences($jobs);
        let changed = usize::try_from(done.rows_affected()).unwrap_or(usize::MAX);
        if changed == fresh.len() {
            fresh
        } else if changed == 0 {
            Vec::new()
        } else {
            let sql = newest_keys_sql(fresh.len());
            let mut query = sqlx::query_scalar::<_, String>(sqlx::AssertSqlSafe(sql));
            for key in &fresh {
                query = query.bind(key);
            }
            let mut inserted = query
                .bind(i64::try_from(changed).unwrap_or(i64::MAX))
                .fetch_all($connection)
                .await?;
            inserted.reverse();
            inserted
        }
    }};
}

/// The statement of `$statements` for `$jobs` (at most [`MAX_INSERT_ROWS`]), bound.
macro_rules! bind_jobs {
    ($statements:expr, $now:expr, $jobs:expr) => {
        bind_jobs!(sqlx::query_scalar::<_, String>, $statements, $now, $jobs)
    };
    ($query:expr, $statements:expr, $now:expr, $jobs:expr) => {{
        let jobs: &[NewJob] = $jobs;
        let slot = INSERT_ROWS
            .iter()
            .position(|&rows| rows >= jobs.len())
            .expect("a chunk of at most MAX_INSERT_ROWS jobs");
        let mut query = $query($statements[slot].as_str())
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
/// a transaction with `$begin`; evaluates to the keys inserted, and `?` returns the error.
macro_rules! insert_jobs {
    ($statements:expr, $now:expr, $jobs:expr, $one:expr, $begin:expr) => {{
        let jobs: &[NewJob] = $jobs;
        if jobs.len() <= MAX_INSERT_ROWS {
            bind_jobs!($statements, $now, jobs).fetch_all($one).await?
        } else {
            let mut inserted = Vec::new();
            let mut tx = $begin.await?;
            for chunk in jobs.chunks(MAX_INSERT_ROWS) {
                inserted.extend(
                    bind_jobs!($statements, $now, chunk)
                        .fetch_all(&mut *tx)
                        .await?,
                );
            }
            tx.commit().await?;
            inserted
        }
    }};
}

/// [`insert_jobs!`] on SQLite, whose statements return nothing: `$one` must be an executor
/// that can be used twice (a pool, or a reborrowed connection).
macro_rules! insert_jobs_sqlite {
    ($now:expr, $jobs:expr, $one:expr, $begin:expr) => {{
        let jobs: &[NewJob] = $jobs;
        if jobs.len() <= MAX_INSERT_ROWS {
            let done = bind_jobs!(sqlx::query, INSERT_JOBS_SQLITE, $now, jobs)
                .execute($one)
                .await?;
            inserted_keys!(done, jobs, $one)
        } else {
            let mut inserted = Vec::new();
            let mut tx = $begin.await?;
            for chunk in jobs.chunks(MAX_INSERT_ROWS) {
                let done = bind_jobs!(sqlx::query, INSERT_JOBS_SQLITE, $now, chunk)
                    .execute(&mut *tx)
                    .await?;
                inserted.extend(inserted_keys!(done, chunk, &mut *tx));
            }
            tx.commit().await?;
            inserted
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
///
/// On SQLite it first tries a connection of its own ([`SqliteWriter`]), which it drives directly
/// (see [`Self::insert`]); the sqlx connection takes the batches that one finds locked.
pub(crate) struct JobWriter {
    store: Store,
    connection: Option<WriterConnection>,
    direct: Option<SqliteWriter>,
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
            direct: None,
        }
    }

    /// Runs `work` on the direct SQLite connection, opening it first if need be; `None` when
    /// there is none (PostgreSQL, a database that is not a file, an error). After an error the
    /// connection is closed, and the next call opens another.
    ///
    /// `inline`: on the task's own thread, which blocks meanwhile; otherwise on one of the
    /// runtime's blocking threads.
    async fn on_direct<T: Send + 'static>(
        &mut self,
        inline: bool,
        work: impl FnOnce(&mut SqliteWriter) -> rusqlite::Result<T> + Send + 'static,
    ) -> Option<T> {
        let mut direct = match self.direct.take() {
            Some(direct) => direct,
            None => {
                let path = self.store.sqlite_path.as_deref().filter(|p| p.is_file())?;
                match SqliteWriter::open(path) {
                    Ok(direct) => direct,
                    Err(error) => {
                        tracing::warn!(%error, "could not open the recorder's SQLite connection");
                        return None;
                    }
                }
            }
        };
        let joined = if inline {
            let done = work(&mut direct);
            Ok((direct, done))
        } else {
            tokio::task::spawn_blocking(move || {
                let done = work(&mut direct);
                (direct, done)
            })
            .await
        };
        match joined {
            Ok((direct, Ok(done))) => {
                self.direct = Some(direct);
                Some(done)
            }
            Ok((_, Err(error))) => {
                tracing::warn!(%error, "the recorder's SQLite connection failed; reopening it");
                None
            }
            Err(error) => {
                tracing::error!(%error, "the recorder's SQLite connection failed; reopening it");
                None
            }
        }
    }

    /// Inserts `jobs` on the direct SQLite connection ([`Self::on_direct`]); `None` when it
    /// cannot take them (no such connection, more jobs than one statement holds, the write lock
    /// taken, an error), and the sqlx connection must. `jobs` is lent to the connection's thread
    /// and is back on return.
    ///
    /// On a runtime of one thread the statement runs on a blocking thread, so that the runtime
    /// serves the connections meanwhile. On a runtime of more, it runs on the writer's own
    /// thread and the others serve them: with cores of their own, that is 12 % faster in
    /// `bench/run` than handing every batch over.
    async fn insert_directly(&mut self, now: i64, jobs: &mut Vec<NewJob>) -> Option<Vec<String>> {
        if jobs.len() > MAX_INSERT_ROWS {
            return None;
        }
        let inline = tokio::runtime::Handle::current().metrics().num_workers() > 1;
        // Shared rather than moved, so that the jobs come back even from a thread that panicked.
        let batch = Arc::new(std::mem::take(jobs));
        let lent = Arc::clone(&batch);
        let attempt = self
            .on_direct(inline, move |direct| direct.try_insert(now, &lent))
            .await;
        *jobs = Arc::try_unwrap(batch).unwrap_or_else(|batch| batch.to_vec());
        match attempt? {
            Attempt::Done(inserted) => Some(inserted),
            // The sqlx connection waits for the lock, off the runtime.
            Attempt::Busy => None,
        }
    }

    /// Makes the next commit start SQLite's log over, on the direct connection, once what is
    /// left of it is copied into the database (see [`SqliteWriter::restart_log`]); nothing
    /// without a direct connection.
    pub(crate) async fn restart_log(&mut self) {
        // Never inline: it syncs the log and the database.
        self.on_direct(false, SqliteWriter::restart_log).await;
    }

    /// [`Store::insert_jobs`] on the writer's connection. After an error the connection is
    /// dropped and the next call takes a fresh one. `jobs` is as it was on return: it is only
    /// lent to the thread that commits it (see [`Self::insert_directly`]).
    pub(crate) async fn insert(
        &mut self,
        jobs: &mut Vec<NewJob>,
    ) -> Result<Vec<String>, StoreError> {
        let now = self.store.now();
        if let Some(inserted) = self.insert_directly(now, jobs).await {
            return Ok(inserted);
        }
        let jobs: &[NewJob] = jobs;
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
            let inserted = match connection {
                WriterConnection::Sqlite(c) => {
                    insert_jobs_sqlite!(now, jobs, &mut *c, c.begin())
                }
                WriterConnection::Postgres(c) => {
                    insert_jobs!(INSERT_JOBS_POSTGRES, now, jobs, &mut *c, c.begin())
                }
            };
            Ok::<_, StoreError>(inserted)
        }
        .await;
        if result.is_err() {
            self.connection = None;
        }
        result
    }
}

impl Store {
    /// Inserts jobs atomically, with one commit for the whole batch of deliveries, and returns
    /// the keys of those inserted: the others were there already, or were deliveries seen before
    /// retention deleted their jobs.
    ///
    /// Up to 512 jobs are a single multi-row statement, which commits on its own: one round trip
    /// to the database and no `BEGIN`/`COMMIT`. More take one such statement per 512, in a
    /// transaction. The recorder does the same on a connection of its own ([`Recorder`]).
    ///
    /// [`Recorder`]: super::Recorder
    pub async fn insert_jobs(&self, jobs: &[NewJob]) -> Result<Vec<String>, StoreError> {
        let now = self.now();
        Ok(match &self.pool {
            Pool::Sqlite(pool) => {
                insert_jobs_sqlite!(now, jobs, pool, pool.begin_write())
            }
            Pool::Postgres(pool) => {
                insert_jobs!(INSERT_JOBS_POSTGRES, now, jobs, pool, pool.begin_write())
            }
        })
    }
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::*;
    use crate::store::test_support::{job, temp_store};

    #[test]
    fn the_statements_number_their_parameters_in_order() {
        assert!(
            insert_jobs_sql(2, |n| format!("${n}"), true)
                .contains("'queued', 0, $1, $2, $3 FROM (VALUES ($4,$5,$6),($7,$8,$9)) AS v")
        );
        assert_eq!(
            insert_jobs_sql(8, |_| "?".to_owned(), false)
                .matches('?')
                .count(),
            27
        );
    }

    #[tokio::test]
    async fn batches_of_every_size_record_each_job_once() {
        let (store, dir) = temp_store("jobs").await;
        let jobs: Vec<NewJob> = (0..700).map(job).collect();
        let mut writer = JobWriter::new(store.clone());
        // The smallest statement, one with spare rows, and a batch holding a job twice.
        let key = |n: usize| format!("messages/created/{n}");
        assert_eq!(
            writer.insert(&mut jobs[..1].to_vec()).await.expect("one"),
            [key(0)]
        );
        let mut nine = jobs[1..10].to_vec();
        assert_eq!(writer.insert(&mut nine).await.expect("nine").len(), 9);
        let keys = |jobs: &[NewJob]| jobs.iter().map(|j| j.dedupe_key().to_owned()).collect();
        let lent: Vec<String> = keys(&nine);
        assert_eq!(lent, keys(&jobs[1..10]), "the batch is back as it was");
        // One there already, one new twice: only the new one, once.
        assert_eq!(
            writer
                .insert(&mut vec![job(5), job(10), job(10)])
                .await
                .expect("repeated"),
            [key(10)]
        );
        // A new one, one there already, a new one: the skipped row takes an id between them.
        assert_eq!(
            writer
                .insert(&mut vec![job(20), job(7), job(21)])
                .await
                .expect("mixed"),
            [key(20), key(21)]
        );
        assert!(
            writer
                .insert(&mut vec![job(3)])
                .await
                .expect("again")
                .is_empty()
        );
        // More than one statement holds, in one transaction, over jobs already recorded.
        let inserted = store.insert_jobs(&jobs).await.expect("700");
        assert_eq!(inserted.len(), 700 - 13);
        assert_eq!(inserted.first(), Some(&key(11)));
        assert_eq!(inserted.last(), Some(&key(699)));
        let counts = store.job_counts().await.expect("counts");
        assert_eq!(counts, vec![("message".into(), "queued".into(), 700)]);
        store.close().await;
        drop(writer);
        let _ = std::fs::remove_dir_all(&dir);
    }

    /// On one thread, a batch that waited for the lock on it would hold up the whole runtime,
    /// the other connection's commit included. (There the batch goes to a blocking thread.)
    #[tokio::test]
    async fn a_batch_that_finds_the_write_lock_taken_waits_for_it_off_the_runtime() {
        waits_for_the_write_lock_off_the_runtime("locked").await;
    }

    /// On more threads the batch runs on the writer's own thread first, and goes to the sqlx
    /// connection from there.
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn on_more_threads_a_batch_that_finds_the_write_lock_taken_is_recorded_once_free() {
        waits_for_the_write_lock_off_the_runtime("locked-mt").await;
    }

    async fn waits_for_the_write_lock_off_the_runtime(name: &str) {
        let (store, dir) = temp_store(name).await;
        let key = |n: usize| format!("messages/created/{n}");
        let mut writer = JobWriter::new(store.clone());
        assert_eq!(
            writer.insert(&mut vec![job(0)]).await.expect("first"),
            [key(0)]
        );
        assert!(
            writer.direct.is_some(),
            "SQLite batches go through the direct connection"
        );
        let Pool::Sqlite(pool) = &store.pool else {
            unreachable!("a SQLite store")
        };
        // Another connection takes the write lock and holds it.
        let holder = pool.begin_write().await.expect("the write lock");
        let pending = tokio::spawn(async move {
            let inserted = writer.insert(&mut vec![job(1), job(2)]).await;
            (writer, inserted)
        });
        let started = std::time::Instant::now();
        tokio::time::sleep(Duration::from_millis(200)).await;
        assert!(
            started.elapsed() < Duration::from_secs(1),
            "the runtime went on while the batch waited ({:?})",
            started.elapsed()
        );
        assert!(!pending.is_finished(), "the batch waits for the lock");
        holder.commit().await.expect("the lock released");
        let (mut writer, inserted) = pending.await.expect("the batch");
        assert_eq!(inserted.expect("recorded once free"), [key(1), key(2)]);
        // The next batch goes through the direct connection again.
        assert_eq!(
            writer.insert(&mut vec![job(3)]).await.expect("next"),
            [key(3)]
        );
        let counts = store.job_counts().await.expect("counts");
        assert_eq!(counts, vec![("message".into(), "queued".into(), 4)]);
        store.close().await;
        drop(writer);
        let _ = std::fs::remove_dir_all(&dir);
    }
}
