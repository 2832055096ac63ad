//! The recorder's SQLite connection, driven directly, one batch at a time.
//!
//! sqlx runs each SQLite connection on a thread of its own, and hands every statement over to
//! it and its result back, with more switches between threads per statement than a batch's
//! commit is worth. The recorder runs its one statement per batch (a multi-row `INSERT`,
//! written to the log and not synced, see [`super::recorder`]) here instead, with the SQLite
//! library sqlx itself links. On a runtime of one thread (one core), it does so on one of the
//! runtime's blocking threads: one hand-over there and one back per batch, and the runtime's
//! thread serves the connections meanwhile. (On the runtime's own thread it took a second
//! runtime thread to serve them, and on one core the two woke each other eight times a batch or
//! so.) On a runtime of more threads, it runs on the writer's own, and the others serve them.
//!
//! It never waits for a lock here: the connection's busy timeout is zero. When another
//! connection holds SQLite's write lock (a worker's transaction, or another process's), the
//! attempt answers [`Attempt::Busy`] at once and the batch goes through the sqlx connection,
//! which waits for the lock on its own thread.

use std::path::Path;
use std::time::Duration;

use rusqlite::{Connection, ErrorCode, OpenFlags};

use super::NewJob;
use super::job_writer::{INSERT_JOBS_SQLITE, INSERT_ROWS, first_occurrences, newest_keys_sql};

/// What became of an attempt to insert a batch.
#[derive(Debug)]
pub(crate) enum Attempt {
    /// Committed: the keys inserted.
    Done(Vec<String>),
    /// Another connection holds the write lock (or wrote since this statement read); nothing
    /// was written.
    Busy,
}

/// A connection of the recorder's own to the SQLite file, driven synchronously.
pub(crate) struct SqliteWriter {
    connection: Connection,
}

impl SqliteWriter {
    /// Opens the database at `path`, which the pool has already created and put in WAL mode.
    pub(crate) fn open(path: &Path) -> rusqlite::Result<Self> {
        let connection = Connection::open_with_flags(
            path,
            OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_NO_MUTEX,
        )?;
        // Commits survive a crash of the process as soon as they return; the recorder's
        // checkpoints sync the log for a power loss.
        connection.pragma_update(None, "synchronous", "NORMAL")?;
        // The recorder's checkpoints copy the log into the database, beside the commits: one
        // run inside a commit here would hold the batch's deliveries for its syncs.
        connection.pragma_update(None, "wal_autocheckpoint", 0)?;
        connection.busy_timeout(Duration::ZERO)?;
        connection.set_prepared_statement_cache_capacity(INSERT_ROWS.len() + 1);
        Ok(Self { connection })
    }

    /// Copies what is left of the log into the database, syncing both, and makes the next
    /// commit start the log over (a `RESTART` checkpoint). When a reader or another checkpoint
    /// is in the way it does not wait: what it copied stays copied, and the log goes on.
    pub(crate) fn restart_log(&mut self) -> rusqlite::Result<()> {
        // The first column says whether it was in someone's way; nothing to do about it here.
        self.connection
            .query_row("PRAGMA wal_checkpoint(RESTART)", [], |_| Ok(()))
    }

    /// Inserts up to [`super::job_writer::MAX_INSERT_ROWS`] jobs in one statement, which commits on its own, and
    /// returns the keys inserted, as [`super::Store::insert_jobs`] does.
    pub(crate) fn try_insert(&mut self, now: i64, jobs: &[NewJob]) -> rusqlite::Result<Attempt> {
        let slot = INSERT_ROWS
            .iter()
            .position(|&rows| rows >= jobs.len())
            .expect("a batch of at most MAX_INSERT_ROWS jobs");
        let mut statement = self.connection.prepare_cached(&INSERT_JOBS_SQLITE[slot])?;
        for parameter in 1..=3 {
            statement.raw_bind_parameter(parameter, now)?;
        }
        for (row, job) in jobs.iter().enumerate() {
            let first = 3 * row + 4;
            statement.raw_bind_parameter(first, job.kind.as_str())?;
            statement.raw_bind_parameter(first + 1, job.dedupe_key.as_str())?;
            statement.raw_bind_parameter(first + 2, job.payload.as_str())?;
        }
        for row in jobs.len()..INSERT_ROWS[slot] {
            let first = 3 * row + 4;
            for parameter in first..first + 3 {
                statement.raw_bind_parameter(parameter, rusqlite::types::Null)?;
            }
        }
        let changed = match statement.raw_execute() {
            Ok(changed) => changed,
            Err(error) if error.sqlite_error_code() == Some(ErrorCode::DatabaseBusy) => {
                return Ok(Attempt::Busy);
            }
            Err(error) => return Err(error),
        };
        drop(statement);
        let fresh = first_occurrences(jobs);
        if changed == fresh.len() {
            return Ok(Attempt::Done(fresh));
        }
        if changed == 0 {
            return Ok(Attempt::Done(Vec::new()));
        }
        // A redelivery in the batch: every key of it has a row now, and those this statement
        // inserted are the newest of them.
        let mut statement = self.connection.prepare(&newest_keys_sql(fresh.len()))?;
        for (n, key) in fresh.iter().enumerate() {
            statement.raw_bind_parameter(n + 1, key.as_str())?;
        }
        statement
            .raw_bind_parameter(fresh.len() + 1, i64::try_from(changed).unwrap_or(i64::MAX))?;
        let mut rows = statement.raw_query();
        let mut inserted = Vec::with_capacity(changed);
        while let Some(row) = rows.next()? {
            inserted.push(row.get::<_, String>(0)?);
        }
        inserted.reverse();
        Ok(Attempt::Done(inserted))
    }
}
