//! Transactions that write: on SQLite they take the write lock when they begin (`BEGIN
//! IMMEDIATE`), so that one which reads and then writes never finds, at its first write, that
//! another connection wrote since it read (SQLite would refuse it at once, without waiting).

use std::future::Future;
use std::time::{Duration, Instant};

use sqlx::{PgPool, Postgres, Sqlite, SqlitePool, Transaction};

use super::StoreError;

/// How long a transaction waits for SQLite's write lock in all.
const LOCK_WAIT: Duration = Duration::from_secs(30);

/// Begins a transaction that will write.
pub(crate) trait BeginWrite {
    /// The database the transaction runs on.
    type Db: sqlx::Database;

    /// A transaction holding the right to write from its start (SQLite), or a plain one
    /// (PostgreSQL, whose rows lock as they are written).
    fn begin_write(
        &self,
    ) -> impl Future<Output = Result<Transaction<'static, Self::Db>, StoreError>> + Send;
}

impl BeginWrite for SqlitePool {
    type Db = Sqlite;

    /// `BEGIN IMMEDIATE`, tried again while SQLite answers "database is locked" (see
    /// [`retry_busy`]).
    async fn begin_write(&self) -> Result<Transaction<'static, Sqlite>, StoreError> {
        Ok(retry_busy(|| self.begin_with("BEGIN IMMEDIATE")).await?)
    }
}

impl BeginWrite for PgPool {
    type Db = Postgres;

    async fn begin_write(&self) -> Result<Transaction<'static, Postgres>, StoreError> {
        Ok(self.begin().await?)
    }
}

/// Runs `attempt` again while SQLite answers "database is locked" (any `SQLITE_BUSY` code), for
/// up to [`LOCK_WAIT`]. Besides waiting its busy timeout, SQLite answers so at once where
/// waiting could deadlock: to a connection that has just opened, or that sets the journal mode
/// of a new file, while another process does the same.
pub(crate) async fn retry_busy<T, F>(mut attempt: impl FnMut() -> F) -> Result<T, sqlx::Error>
where
    F: Future<Output = Result<T, sqlx::Error>>,
{
    let deadline = Instant::now() + LOCK_WAIT;
    loop {
        match attempt().await {
            Err(sqlx::Error::Database(error))
                if is_busy(error.code().as_deref()) && Instant::now() < deadline =>
            {
                tracing::debug!(%error, "SQLite is busy; trying again");
                let pause = Duration::from_millis(20 + fastrand::u64(..30));
                tokio::time::sleep(pause).await;
            }
            done => return done,
        }
    }
}

/// Whether an SQLite result code is `SQLITE_BUSY` or one of its extended codes.
fn is_busy(code: Option<&str>) -> bool {
    code.and_then(|code| code.parse::<i64>().ok())
        .is_some_and(|code| code % 256 == 5)
}

#[cfg(test)]
mod tests {
    use super::is_busy;

    #[test]
    fn every_busy_code_is_busy() {
        assert!(is_busy(Some("5")) && is_busy(Some("517")) && !is_busy(Some("1")));
        assert!(!is_busy(None) && !is_busy(Some("SQLITE_BUSY")));
    }
}
