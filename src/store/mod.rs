//! The store: jobs, cards sent and onboarding requests, on SQLite or PostgreSQL.
//!
//! Both databases run the same SQL (numbered `$n` parameters, `ON CONFLICT`, `RETURNING`), so each
//! query is written once and [`with_pool!`] runs it on whichever pool is configured. Deduplication
//! rests on unique constraints, never on a read before a write.

mod alerts;
mod audit;
mod batches;
mod cards;
mod job_writer;
mod jobs;
mod leases;
mod liveness;
mod migrations;
mod recorder;
mod requests;
mod retention;
mod sqlite_writer;
mod steps;
#[cfg(test)]
mod test_support;
mod tokens;
mod write_lock;

use std::path::PathBuf;
use std::str::FromStr;
use std::sync::Arc;
use std::sync::atomic::{AtomicI64, Ordering};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use sqlx::postgres::{PgConnectOptions, PgPool, PgPoolOptions};
use sqlx::sqlite::{
    SqliteConnectOptions, SqliteJournalMode, SqlitePool, SqlitePoolOptions, SqliteSynchronous,
};

pub use audit::{AuditEntry, AuditRecord};
pub use batches::{BatchRecord, BatchRow, Moved, NewBatch, NewBatchRow, Turn};
pub use cards::CardRecord;
use job_writer::queue_in;
pub use jobs::{Completion, Job, NewJob};
pub use liveness::{BEAT, Life, process_id};
pub use migrations::SchemaState;
pub use recorder::{Recorded, Recorder};
pub use requests::{Decided, Limit, NewDecision, NewRequest, Opened, RequestLimits, RequestRecord};
pub use steps::StepState;
pub use tokens::{OAuthRow, Refreshed};
use write_lock::BeginWrite;

/// The database URL used when `DATABASE_URL` is not set.
pub const DEFAULT_DATABASE_URL: &str = "sqlite://webex-onboard.db";

/// How long an SQLite connection waits for another's lock before it answers "database is
/// locked".
const BUSY_TIMEOUT: Duration = Duration::from_secs(10);

/// Why the store could not do what was asked.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// `DATABASE_URL` names no database this bot supports (only its scheme is kept: the rest
    /// may hold a password).
    #[error("DATABASE_URL must start with sqlite:// or postgres://, not {0}://")]
    UnsupportedUrl(String),
    /// The database refused or failed the operation.
    #[error("database error: {0}")]
    Database(#[from] sqlx::Error),
    /// The schema is not one this release can bring up to date.
    #[error("the database schema cannot be used: {0}")]
    Schema(String),
    /// A stored value is not what this version of the bot wrote.
    #[error("unreadable stored value: {0}")]
    Corrupt(String),
    /// The batch holding this delivery could not be committed.
    #[error("could not record the delivery: {0}")]
    Unrecorded(String),
    /// Another job changed what this one read, first: its outcome is void, and it runs again on
    /// what is there now.
    #[error("{0}")]
    Conflict(String),
    /// Another worker took this job over after this worker's lease ran out.
    #[error("this worker lost the job's lease")]
    LeaseLost,
    /// The recorder task has stopped, so nothing more can be recorded.
    #[error("the store is shutting down")]
    Closed,
}

#[derive(Clone)]
enum Pool {
    Sqlite(SqlitePool),
    Postgres(PgPool),
}

/// Runs one generic body against whichever pool the store holds.
macro_rules! with_pool {
    ($store:expr, $pool:ident => $body:expr) => {
        match &$store.pool {
            $crate::store::Pool::Sqlite($pool) => $body,
            $crate::store::Pool::Postgres($pool) => $body,
        }
    };
}
pub(crate) use with_pool;

/// Whether a process may change the database.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Access {
    /// The bot: a missing SQLite file is created, and the schema brought up to date.
    ReadWrite,
    /// An existing database, read and written but not migrated, as `check` does.
    Existing,
    /// Reading only, as `audit` does.
    ReadOnly,
}

/// A handle to the database; cheap to clone.
#[derive(Clone)]
pub struct Store {
    pool: Pool,
    /// How far the database's clock is ahead of this machine's, in milliseconds: every time
    /// the store writes is the database's, so that replicas agree on when a lease runs out.
    /// Always 0 on SQLite, which is on this machine.
    clock_offset: Arc<AtomicI64>,
    /// How far the sandbox moved this store's clock on, to play a later day (0 when serving).
    skew: Arc<AtomicI64>,
    /// The SQLite file, beside which each process keeps its lock of life.
    sqlite_path: Option<PathBuf>,
}

impl Store {
    /// Connects to `sqlite://PATH` (created when missing) or `postgres://...`, and migrates.
    pub async fn connect(url: &str) -> Result<Self, StoreError> {
        let store = Self::open(url, Access::ReadWrite).await?;
        store.migrate().await?;
        Ok(store)
    }

    /// Connects to an existing database without bringing its schema up to date, for `check`:
    /// nothing is created, and the schema is left as it is.
    pub async fn connect_unmigrated(url: &str) -> Result<Self, StoreError> {
        Self::open(url, Access::Existing).await
    }

    /// Connects to an existing database to read it: nothing is created, migrated or written.
    pub async fn connect_read_only(url: &str) -> Result<Self, StoreError> {
        Self::open(url, Access::ReadOnly).await
    }

    async fn open(url: &str, access: Access) -> Result<Self, StoreError> {
        let writes = access != Access::ReadOnly;
        let mut sqlite_path = None;
        let pool = if url.starts_with("sqlite:") {
            let mut options = SqliteConnectOptions::from_str(url)?
                .create_if_missing(access == Access::ReadWrite)
                .read_only(!writes)
                .busy_timeout(BUSY_TIMEOUT);
            if writes {
                options = options
                    .journal_mode(SqliteJournalMode::Wal)
                    // With WAL, NORMAL survives a crash of the process; FULL adds an fsync per
                    // commit so that a power loss cannot take back an acknowledged delivery.
                    .synchronous(SqliteSynchronous::Full);
            }
            sqlite_path = Some(options.get_filename().to_path_buf());
            Pool::Sqlite(
                write_lock::retry_busy(|| {
                    SqlitePoolOptions::new()
                        .max_connections(4)
                        // An in-process database has no connection to lose: the check before each
                        // acquire would only cost a round trip to the connection's thread, and
                        // replacing idle or old connections only makes cold ones.
                        .test_before_acquire(false)
                        .idle_timeout(None)
                        .max_lifetime(None)
                        .connect_with(options.clone())
                })
                .await?,
            )
        } else if url.starts_with("postgres:") || url.starts_with("postgresql:") {
            let mut options = PgConnectOptions::from_str(url)?;
            if !writes {
                options = options.options([("default_transaction_read_only", "on")]);
            }
            // One connection first: its error says why (refused, an unknown host, a password),
            // where the pool would only say that it timed out.
            let first = tokio::time::timeout(
                Duration::from_secs(10),
                <sqlx::postgres::PgConnection as sqlx::Connection>::connect_with(&options),
            )
            .await
            .map_err(|_| sqlx::Error::PoolTimedOut)??;
            let _ = sqlx::Connection::close(first).await;
            Pool::Postgres(
                PgPoolOptions::new()
                    .max_connections(10)
                    .acquire_timeout(Duration::from_secs(10))
                    .connect_with(options)
                    .await?,
            )
        } else {
            let scheme = url.split_once(':').map_or("(none)", |(scheme, _)| scheme);
            return Err(StoreError::UnsupportedUrl(scheme.to_owned()));
        };
        let store = Self {
            pool,
            clock_offset: Arc::new(AtomicI64::new(0)),
            skew: Arc::new(AtomicI64::new(0)),
            sqlite_path,
        };
        store.read_clock().await?;
        Ok(store)
    }

    /// Milliseconds since the Unix epoch by the database's clock: the one clock every stored
    /// time uses.
    pub fn now(&self) -> i64 {
        now_ms()
            .saturating_add(self.clock_offset.load(Ordering::Relaxed))
            .saturating_add(self.skew.load(Ordering::Relaxed))
    }

    /// Moves this store's clock `ms` on: the sandbox plays a later day with it.
    #[cfg(feature = "demo")]
    pub(crate) fn skew_clock(&self, ms: i64) {
        self.skew.store(ms, Ordering::Relaxed);
    }

    /// Learns how far the database's clock is from this machine's (PostgreSQL only), halfway
    /// through the round trip; the reaper reads it again now and then.
    pub async fn read_clock(&self) -> Result<(), StoreError> {
        let Pool::Postgres(pool) = &self.pool else {
            return Ok(());
        };
        let before = now_ms();
        let database: i64 =
            sqlx::query_scalar("SELECT (EXTRACT(EPOCH FROM clock_timestamp()) * 1000)::BIGINT")
                .fetch_one(pool)
                .await?;
        let after = now_ms();
        let local = before + (after - before) / 2;
        self.clock_offset.store(database - local, Ordering::Relaxed);
        Ok(())
    }

    /// Whether the database answers a trivial query (for `/readyz`).
    pub async fn ping(&self) -> Result<(), StoreError> {
        with_pool!(self, pool => {
            sqlx::query("SELECT 1").execute(pool).await?;
        });
        Ok(())
    }

    /// Whether this store is PostgreSQL, whose claims can skip rows locked by other replicas.
    fn is_postgres(&self) -> bool {
        matches!(self.pool, Pool::Postgres(_))
    }

    /// Closes every connection.
    pub async fn close(&self) {
        with_pool!(self, pool => pool.close().await);
    }
}

/// A Webex id read from a column: one that is not an id is a corrupt row, named with `row`.
pub(crate) fn id_column<T: crate::webex::WebexId>(
    row: &str,
    column: &str,
    value: &str,
) -> Result<T, StoreError> {
    T::parse(value)
        .map_err(|e| StoreError::Corrupt(format!("{row}: its {column} is unreadable: {e}")))
}

/// Milliseconds since the Unix epoch by this machine's clock; the store's times are
/// [`Store::now`].
pub fn now_ms() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| i64::try_from(d.as_millis()).unwrap_or(i64::MAX))
        .unwrap_or(0)
}
