//! Group commit: the webhook hot path records deliveries through one writer task, which commits
//! every delivery that arrived meanwhile in a single statement on its own connection.
//!
//! One writer means no lock contention between connections (SQLite takes one writer at a time
//! anyway), and one commit per batch means one write of the log for many acknowledgements.
//!
//! Durability, on SQLite: a delivery is acknowledged once its commit returns, which survives a
//! crash of the process (WAL, with `synchronous = NORMAL` on the writer's connection). Against a
//! power loss it is safe once the log is synced: after commits, a background checkpoint starts
//! within [`SYNC_DELAY`] of the previous one and syncs the log before copying it into the
//! database, so a power loss can take back the deliveries acknowledged in the last tens of
//! milliseconds. Syncing before each acknowledgement (`FULL`) cost about a fifth of the
//! throughput in `bench/run`. The checkpoints also keep the copying out of the writer's commits.
//! On PostgreSQL a commit is durable.

use std::collections::HashSet;
use std::sync::Arc;
use std::time::Duration;

use sqlx::SqlitePool;
use tokio::sync::{Notify, mpsc, oneshot};
use tokio::task::JoinHandle;

use super::job_writer::{JobWriter, MAX_INSERT_ROWS};
use super::{NewJob, Pool, Store, StoreError};

/// The most deliveries committed in one transaction: one multi-row INSERT.
const MAX_BATCH: usize = MAX_INSERT_ROWS;

/// What became of a delivery.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Recorded {
    /// A new event: its job is committed.
    New,
    /// A redelivery of an event that was recorded before.
    Duplicate,
}

type Pending = (NewJob, oneshot::Sender<Result<Recorded, String>>);

/// Records deliveries durably; cheap to clone.
#[derive(Clone)]
pub struct Recorder {
    tx: mpsc::Sender<Pending>,
}

impl Recorder {
    /// Starts the writer task. It ends once every `Recorder` clone is dropped and all is written.
    ///
    /// `recorded` is notified after each commit, so that idle workers start at once.
    pub fn spawn(store: Store, recorded: Arc<Notify>) -> (Self, JoinHandle<()>) {
        let (tx, rx) = mpsc::channel(4 * MAX_BATCH);
        let task = tokio::spawn(write_batches(store, rx, recorded));
        (Self { tx }, task)
    }

    /// Returns once the job is committed (or was already there): only then may Webex get a 2xx.
    pub async fn record(&self, job: NewJob) -> Result<Recorded, StoreError> {
        let (done, committed) = oneshot::channel();
        self.tx
            .send((job, done))
            .await
            .map_err(|_| StoreError::Closed)?;
        match committed.await {
            Ok(Ok(recorded)) => Ok(recorded),
            Ok(Err(reason)) => Err(StoreError::Unrecorded(reason)),
            Err(_) => Err(StoreError::Closed),
        }
    }
}

async fn write_batches(store: Store, mut rx: mpsc::Receiver<Pending>, recorded: Arc<Notify>) {
    let committed = Arc::new(Notify::new());
    let checkpointer = match &store.pool {
        Pool::Sqlite(pool) => Some((
            pool.clone(),
            tokio::spawn(checkpoints(pool.clone(), committed.clone())),
        )),
        Pool::Postgres(_) => None,
    };
    let mut writer = JobWriter::new(store);
    let mut batch: Vec<Pending> = Vec::with_capacity(MAX_BATCH);
    let mut jobs: Vec<NewJob> = Vec::with_capacity(MAX_BATCH);
    let mut waiting = Vec::with_capacity(MAX_BATCH);
    while rx.recv_many(&mut batch, MAX_BATCH).await > 0 {
        for (job, done) in batch.drain(..) {
            jobs.push(job);
            waiting.push(done);
        }
        let result = writer.insert(&jobs).await.map_err(|e| {
            tracing::error!(error = %e, deliveries = jobs.len(), "could not record deliveries");
            e.to_string()
        });
        // Each key inserted is new for the first delivery that carries it in the batch.
        let mut inserted: HashSet<String> = result
            .as_ref()
            .map(|keys| keys.iter().cloned().collect())
            .unwrap_or_default();
        for (job, done) in jobs.drain(..).zip(waiting.drain(..)) {
            let outcome = result.as_ref().map_err(Clone::clone).map(|_| {
                if inserted.remove(job.dedupe_key()) {
                    Recorded::New
                } else {
                    Recorded::Duplicate
                }
            });
            // The handler may have gone (client hung up); the job is recorded all the same.
            let _ = done.send(outcome);
        }
        if result.is_ok() {
            recorded.notify_waiters();
            committed.notify_one();
        }
    }
    if let Some((pool, checkpointer)) = checkpointer {
        checkpointer.abort();
        checkpoint(&pool).await;
    }
}

/// How long after a commit (or after the previous checkpoint, under load) the next checkpoint
/// starts: the bound on how long a commit of the writer's stays unsynced, besides the checkpoint
/// itself.
pub(crate) const SYNC_DELAY: Duration = Duration::from_millis(10);

/// Checkpoints the log (passively, on a pool connection, so beside the writer's commits) soon
/// after every commit: that syncs the writer's commits, and copies them into the database before
/// the writer's automatic checkpoint would, inside one of its commits. A long read can hold a
/// checkpoint back; the next one catches up.
async fn checkpoints(pool: SqlitePool, committed: Arc<Notify>) {
    loop {
        committed.notified().await;
        tokio::time::sleep(SYNC_DELAY).await;
        checkpoint(&pool).await;
    }
}

async fn checkpoint(pool: &SqlitePool) {
    // The pool's connections have `synchronous = FULL`: the log is synced before it is copied.
    if let Err(error) = sqlx::query("PRAGMA wal_checkpoint(PASSIVE)")
        .execute(pool)
        .await
    {
        tracing::warn!(%error, "checkpoint failed");
    }
}
