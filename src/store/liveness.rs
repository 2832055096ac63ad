//! Whether the process that holds a job is alive.
//!
//! Each process holds a lock of life for as long as it runs, which the operating system or the
//! database releases the moment the process dies: on SQLite an exclusive lock on a file of its
//! own beside the database, on PostgreSQL a session advisory lock. Another process that can
//! take a holder's lock knows the holder is dead, and frees its jobs at once, instead of
//! waiting for their leases to run out.
//!
//! A lock alone can be lost while its process lives: a PostgreSQL session can drop, and with it
//! the advisory lock, while the process goes on with a Webex call. So a process also beats: it
//! renews a short lease of its own (`life/PROCESS` in `leases`) every [`BEAT`], and another
//! process takes its jobs over only when its lock is free *and* its beat has stopped.
//!
//! A job's lease owner is `PROCESS/WORKER`; the process part names the lock.

use std::fs::{File, TryLockError};
use std::path::{Path, PathBuf};

use sha2::{Digest, Sha256};
use sqlx::Connection;
use sqlx::postgres::PgConnection;

use super::{Pool, Store, StoreError, with_pool};

/// This process's lock of life: held until it is dropped, or the process dies.
pub struct Life {
    process: String,
    hold: tokio::sync::Mutex<Hold>,
}

enum Hold {
    /// The locked file; the lock goes with the open file.
    File { _file: File },
    /// The session that holds the advisory lock; the lock goes with the session.
    Postgres(Box<PgConnection>),
}

/// The PostgreSQL advisory lock key of a name (a process's, or `requester/ID`): the first 8
/// bytes of the SHA-256 of the name.
pub(super) fn lock_key(name: &str) -> i64 {
    let digest = Sha256::digest(name.as_bytes());
    let mut bytes = [0_u8; 8];
    bytes.copy_from_slice(&digest[..8]);
    i64::from_be_bytes(bytes)
}

/// Where the SQLite lock files of the processes on `database` are.
fn life_folder(database: &Path) -> PathBuf {
    let mut folder = database.as_os_str().to_owned();
    folder.push(".life");
    PathBuf::from(folder)
}

/// A name for this process, unique among the replicas and restarts sharing the database:
/// `p-{pid}-{random}`. Workers own jobs under it; leases name their holder with it.
pub fn process_id() -> String {
    format!("p-{}-{:08x}", std::process::id(), fastrand::u32(..))
}

/// How often a living process renews its beat.
pub const BEAT: std::time::Duration = std::time::Duration::from_millis(500);

/// How long a beat lasts: three missed beats, and the process may be dead.
const BEAT_LASTS_MS: i64 = 1_500;

/// The lease that carries a process's beat.
fn beat_lease(process: &str) -> String {
    format!("life/{process}")
}

/// Whether `name` is a process name this module made (letters, digits and dashes).
fn is_process_name(name: &str) -> bool {
    !name.is_empty() && name.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-')
}

impl Store {
    /// Takes the lock of life of `process`, held while the returned [`Life`] is.
    pub async fn live(&self, process: &str) -> Result<Life, StoreError> {
        let hold = self.hold(process).await?;
        self.take_lease(&beat_lease(process), process, BEAT_LASTS_MS)
            .await?;
        Ok(Life {
            process: process.to_owned(),
            hold: tokio::sync::Mutex::new(hold),
        })
    }

    async fn hold(&self, process: &str) -> Result<Hold, StoreError> {
        if !is_process_name(process) {
            return Err(StoreError::Corrupt(format!(
                "{process:?} is no process name"
            )));
        }
        Ok(match &self.pool {
            Pool::Sqlite(_) => {
                let Some(database) = &self.sqlite_path else {
                    return Err(StoreError::Corrupt(
                        "the SQLite file has no path".to_owned(),
                    ));
                };
                let folder = life_folder(database);
                std::fs::create_dir_all(&folder).map_err(|e| life_error(&folder, &e))?;
                let path = folder.join(format!("{process}.lock"));
                let file = File::create(&path).map_err(|e| life_error(&path, &e))?;
                file.try_lock()
                    .map_err(|e| life_error(&path, &std::io::Error::other(e)))?;
                Hold::File { _file: file }
            }
            Pool::Postgres(pool) => {
                let mut connection = pool.acquire().await?.detach();
                sqlx::query("SELECT pg_advisory_lock($1)")
                    .bind(lock_key(process))
                    .execute(&mut connection)
                    .await?;
                Hold::Postgres(Box::new(connection))
            }
        })
    }

    /// Frees, for claiming at once, the running jobs of every process but `me` that is dead;
    /// returns how many were freed.
    pub async fn free_jobs_of_the_dead(&self, me: &str) -> Result<u64, StoreError> {
        let now = self.now();
        let owners: Vec<String> = with_pool!(self, pool => {
            sqlx::query_scalar(
                "SELECT DISTINCT lease_owner FROM jobs WHERE state = 'running' AND lease_until > $1 \
                 AND lease_owner IS NOT NULL",
            )
            .bind(now)
            .fetch_all(pool)
            .await?
        });
        let mut processes: Vec<&str> = owners
            .iter()
            .filter_map(|owner| owner.split_once('/').map(|(process, _)| process))
            .filter(|process| *process != me && is_process_name(process))
            .collect();
        processes.sort_unstable();
        processes.dedup();
        let mut freed = 0;
        for process in processes {
            if !self.is_dead(process).await? {
                continue;
            }
            let done = with_pool!(self, pool => {
                sqlx::query(
                    "UPDATE jobs SET lease_until = 0 WHERE state = 'running' AND lease_owner LIKE $1",
                )
                .bind(format!("{process}/%"))
                .execute(pool)
                .await?
                .rows_affected()
            });
            if done > 0 {
                tracing::warn!(
                    process,
                    jobs = done,
                    "a process died; its jobs are taken over"
                );
            }
            freed += done;
        }
        Ok(freed)
    }

    /// Whether `process` died: its beat stopped and its lock of life can be taken. A process
    /// that left no lock (an older release) is not known to be dead; its leases run out as
    /// before.
    async fn is_dead(&self, process: &str) -> Result<bool, StoreError> {
        if self.lease_held(&beat_lease(process)).await? {
            return Ok(false);
        }
        let dead = self.lock_is_free(process).await?;
        if dead {
            self.release_lease(&beat_lease(process), process).await?;
        }
        Ok(dead)
    }

    /// Whether the lock of life of `process` can be taken.
    async fn lock_is_free(&self, process: &str) -> Result<bool, StoreError> {
        match &self.pool {
            Pool::Sqlite(_) => {
                let Some(database) = &self.sqlite_path else {
                    return Ok(false);
                };
                let path = life_folder(database).join(format!("{process}.lock"));
                let Ok(file) = File::open(&path) else {
                    return Ok(false);
                };
                match file.try_lock() {
                    Ok(()) => {
                        // Dead: its file goes too.
                        let _ = file.unlock();
                        let _ = std::fs::remove_file(&path);
                        Ok(true)
                    }
                    Err(TryLockError::WouldBlock) => Ok(false),
                    Err(TryLockError::Error(error)) => Err(life_error(&path, &error)),
                }
            }
            Pool::Postgres(pool) => {
                let mut connection = pool.acquire().await?;
                let key = lock_key(process);
                let taken: bool = sqlx::query_scalar("SELECT pg_try_advisory_lock($1)")
                    .bind(key)
                    .fetch_one(&mut *connection)
                    .await?;
                if taken {
                    sqlx::query("SELECT pg_advisory_unlock($1)")
                        .bind(key)
                        .execute(&mut *connection)
                        .await?;
                }
                Ok(taken)
            }
        }
    }
}

impl Life {
    /// Renews this process's beat; see [`BEAT`].
    pub async fn beat(&self, store: &Store) -> Result<(), StoreError> {
        store
            .take_lease(&beat_lease(&self.process), &self.process, BEAT_LASTS_MS)
            .await
            .map(drop)
    }

    /// Ends the beat at a clean stop, so that nobody waits for it.
    pub async fn end(&self, store: &Store) -> Result<(), StoreError> {
        store
            .release_lease(&beat_lease(&self.process), &self.process)
            .await
    }

    /// Makes sure the lock is still held: a PostgreSQL session can be lost, and the lock with
    /// it, so it is taken again on a new one.
    pub async fn keep(&self, store: &Store) -> Result<(), StoreError> {
        let mut hold = self.hold.lock().await;
        if let Hold::Postgres(connection) = &mut *hold
            && connection.ping().await.is_err()
        {
            tracing::warn!("the lock of life was lost with its session; taking it again");
            *hold = store.hold(&self.process).await?;
        }
        Ok(())
    }
}

fn life_error(path: &Path, error: &std::io::Error) -> StoreError {
    StoreError::Corrupt(format!(
        "cannot hold the lock of life {}: {error}",
        path.display()
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn process_names_and_keys_are_what_the_locks_need() {
        assert!(is_process_name("p-123-0a1b2c3d"));
        assert!(!is_process_name("../etc") && !is_process_name("a%b") && !is_process_name(""));
        assert_eq!(lock_key("p-1-a"), lock_key("p-1-a"));
        assert_ne!(lock_key("p-1-a"), lock_key("p-1-b"));
    }
}
