//! The schema: the files of `migrations/sqlite` and `migrations/postgres`, compiled in, each run
//! once, in order, under a lock.
//!
//! The record of what ran is the `_sqlx_migrations` table that earlier releases wrote through
//! sqlx's migrator, with the same versions, descriptions and SHA-384 checksums, so that a
//! database made by any release opens and migrates unchanged.
//!
//! Any number of processes may start together on a fresh database: each takes the lock (SQLite's
//! write lock with `BEGIN IMMEDIATE`, a PostgreSQL advisory lock held by the transaction), and
//! then reads what has run, so the second one finds the first one's work done.

use sha2::{Digest, Sha384};

use super::{BeginWrite, Pool, Store, StoreError};

/// One numbered file of `migrations/<database>/`.
pub(super) struct Migration {
    pub(super) version: i64,
    /// The file name's words, as the migration table records them.
    pub(super) description: &'static str,
    pub(super) sql: &'static str,
}

macro_rules! migrations {
    ($dir:literal: $(($version:literal, $description:literal, $file:literal)),* $(,)?) => {
        &[$(Migration {
            version: $version,
            description: $description,
            sql: include_str!(concat!("../../migrations/", $dir, "/", $file)),
        }),*]
    };
}

/// The SQLite schema, oldest first.
pub(super) const SQLITE: &[Migration] = migrations!("sqlite":
    (1, "init", "0001_init.sql"),
    (2, "helpdesk", "0002_helpdesk.sql"),
    (3, "operations", "0003_operations.sql"),
    (4, "lighter inserts", "0004_lighter_inserts.sql"),
    (5, "batches", "0005_batches.sql"),
);

/// The PostgreSQL schema, oldest first.
pub(super) const POSTGRES: &[Migration] = migrations!("postgres":
    (1, "init", "0001_init.sql"),
    (2, "helpdesk", "0002_helpdesk.sql"),
    (3, "operations", "0003_operations.sql"),
    (4, "lighter inserts", "0004_lighter_inserts.sql"),
    (5, "batches", "0005_batches.sql"),
);

/// The key of the advisory lock that PostgreSQL migrations hold ("webex-onboard migrate").
const POSTGRES_LOCK: i64 = 0x7765_6278_6d69_6772;

const CREATE_TABLE_SQLITE: &str = "CREATE TABLE IF NOT EXISTS _sqlx_migrations (\
     version BIGINT PRIMARY KEY, description TEXT NOT NULL, \
     installed_on TIMESTAMP NOT NULL DEFAULT CURRENT_TIMESTAMP, success BOOLEAN NOT NULL, \
     checksum BLOB NOT NULL, execution_time BIGINT NOT NULL)";

const CREATE_TABLE_POSTGRES: &str = "CREATE TABLE IF NOT EXISTS _sqlx_migrations (\
     version BIGINT PRIMARY KEY, description TEXT NOT NULL, \
     installed_on TIMESTAMPTZ NOT NULL DEFAULT now(), success BOOLEAN NOT NULL, \
     checksum BYTEA NOT NULL, execution_time BIGINT NOT NULL)";

const INSERT_APPLIED: &str = "INSERT INTO _sqlx_migrations \
     (version, description, success, checksum, execution_time) VALUES ($1, $2, TRUE, $3, $4)";

/// How far a database's schema is from this release's.
#[derive(Debug, PartialEq, Eq)]
pub enum SchemaState {
    /// Every migration of this release has run.
    Current,
    /// The database has no schema of this bot at all.
    Empty,
    /// Some migrations have run, these have not.
    Behind(Vec<i64>),
}

impl Migration {
    fn checksum(&self) -> Vec<u8> {
        Sha384::digest(self.sql.as_bytes()).to_vec()
    }
}

/// Compares what ran with what this release has: a migration that ran with other contents, or
/// one this release does not know, means the database belongs to another version of the bot.
fn pending<'a>(
    known: &'a [Migration],
    applied: &[(i64, Vec<u8>, bool)],
) -> Result<Vec<&'a Migration>, StoreError> {
    for (version, checksum, success) in applied {
        if !success {
            return Err(StoreError::Schema(format!(
                "migration {version} failed part-way in an earlier start: restore the database \
                 from a backup"
            )));
        }
        match known.iter().find(|m| m.version == *version) {
            None => {
                return Err(StoreError::Schema(format!(
                    "the database has migration {version}, which this version of webex-onboard \
                     does not know: it was made by a newer release"
                )));
            }
            Some(migration) if migration.checksum() != *checksum => {
                return Err(StoreError::Schema(format!(
                    "migration {version} ({}) ran with other contents than this release's",
                    migration.description
                )));
            }
            Some(_) => {}
        }
    }
    Ok(known
        .iter()
        .filter(|m| applied.iter().all(|(version, ..)| *version != m.version))
        .collect())
}

fn elapsed_ns(start: std::time::Instant) -> i64 {
    i64::try_from(start.elapsed().as_nanos()).unwrap_or(i64::MAX)
}

/// Runs, on `$connection` and inside the caller's transaction, each of `$known` that has not
/// run yet, recording it as it goes.
macro_rules! apply_pending {
    ($connection:ident, $known:expr) => {
        let applied: Vec<(i64, Vec<u8>, bool)> = sqlx::query_as(SELECT_APPLIED)
            .fetch_all(&mut *$connection)
            .await?;
        for migration in pending($known, &applied)? {
            let start = std::time::Instant::now();
            sqlx::raw_sql(migration.sql)
                .execute(&mut *$connection)
                .await?;
            sqlx::query(INSERT_APPLIED)
                .bind(migration.version)
                .bind(migration.description)
                .bind(migration.checksum())
                .bind(elapsed_ns(start))
                .execute(&mut *$connection)
                .await?;
        }
    };
}

const SELECT_APPLIED: &str =
    "SELECT version, checksum, success FROM _sqlx_migrations ORDER BY version";

impl Store {
    /// Brings the schema up to date, under the lock.
    pub(super) async fn migrate(&self) -> Result<(), StoreError> {
        match &self.pool {
            Pool::Sqlite(pool) => {
                // The write lock first, so that a second process waits here and then finds the
                // work done, instead of racing to create the same tables.
                let mut tx = pool.begin_write().await?;
                sqlx::raw_sql(CREATE_TABLE_SQLITE).execute(&mut *tx).await?;
                apply_pending!(tx, SQLITE);
                tx.commit().await?;
                Ok(())
            }
            Pool::Postgres(pool) => {
                let mut tx = pool.begin_write().await?;
                sqlx::query("SELECT pg_advisory_xact_lock($1)")
                    .bind(POSTGRES_LOCK)
                    .execute(&mut *tx)
                    .await?;
                sqlx::raw_sql(CREATE_TABLE_POSTGRES)
                    .execute(&mut *tx)
                    .await?;
                apply_pending!(tx, POSTGRES);
                tx.commit().await?;
                Ok(())
            }
        }
    }

    /// How this database's schema compares with this release's, without changing anything.
    pub async fn schema_state(&self) -> Result<SchemaState, StoreError> {
        let (known, has_table) = match &self.pool {
            Pool::Sqlite(pool) => (
                SQLITE,
                sqlx::query("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = '_sqlx_migrations'")
                    .fetch_optional(pool)
                    .await?
                    .is_some(),
            ),
            Pool::Postgres(pool) => (
                POSTGRES,
                sqlx::query("SELECT 1 FROM pg_tables WHERE schemaname = current_schema() AND tablename = '_sqlx_migrations'")
                    .fetch_optional(pool)
                    .await?
                    .is_some(),
            ),
        };
        if !has_table {
            return Ok(SchemaState::Empty);
        }
        let applied: Vec<(i64, Vec<u8>, bool)> =
            super::with_pool!(self, pool => sqlx::query_as(SELECT_APPLIED).fetch_all(pool).await?);
        let pending = pending(known, &applied)?;
        Ok(match (applied.is_empty(), pending.is_empty()) {
            (true, _) => SchemaState::Empty,
            (false, true) => SchemaState::Current,
            (false, false) => SchemaState::Behind(pending.iter().map(|m| m.version).collect()),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn both_databases_have_the_same_migrations_in_order() {
        let versions = |list: &[Migration]| -> Vec<(i64, &str)> {
            list.iter().map(|m| (m.version, m.description)).collect()
        };
        assert_eq!(versions(SQLITE), versions(POSTGRES));
        assert!(SQLITE.windows(2).all(|w| w[0].version + 1 == w[1].version));
    }

    #[test]
    fn a_changed_or_unknown_migration_is_refused_and_the_rest_is_pending() {
        let first = (1, SQLITE[0].checksum(), true);
        assert_eq!(
            pending(SQLITE, std::slice::from_ref(&first))
                .expect("known")
                .iter()
                .map(|m| m.version)
                .collect::<Vec<_>>(),
            (2..=i64::try_from(SQLITE.len()).expect("few")).collect::<Vec<_>>()
        );
        assert!(pending(SQLITE, &[(1, vec![0; 48], true)]).is_err());
        assert!(pending(SQLITE, &[(999, vec![0; 48], true)]).is_err());
        assert!(pending(SQLITE, &[(1, SQLITE[0].checksum(), false)]).is_err());
    }
}
