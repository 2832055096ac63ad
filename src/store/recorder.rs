//! Group commit: the webhook hot path records deliveries through one writer task, which commits
//! every delivery that arrived meanwhile in a single statement on its own connection. On SQLite
//! that statement runs on a blocking thread when the runtime has one thread, and on the writer's
//! own when it has more ([`super::sqlite_writer`]): either way another thread serves the
//! connections meanwhile.
//!
//! One writer means no lock contention between connections (SQLite takes one writer at a time
//! anyway), and one commit per batch means one write of the log for many acknowledgements.
//!
//! Durability, on SQLite: a delivery is acknowledged once its commit returns, which survives a
//! crash of the process (WAL, with `synchronous = NORMAL` on the writer's connection). Against a
//! power loss it is safe once the log is synced: after commits, a background checkpoint starts
//! within [`SYNC_DELAY`] of the previous one and syncs the log before copying it into the
//! database (when the writer restarts the log, that restart syncs it instead), so a power loss
//! can take back the deliveries acknowledged in the last tens of milliseconds. Syncing before
//! each acknowledgement (`FULL`) cost about a fifth of the throughput in `bench/run`. The
//! checkpoints also keep the copying out of the writer's commits.
//! On PostgreSQL a commit is durable.

use std::collections::HashSet;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use sqlx::SqlitePool;
use sqlx::sqlite::SqliteConnection;
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

/// The most turns the writer gives the other connections before it commits a batch.
const GATHER_TURNS: usize = 4;

/// Adds to `batch` the deliveries that arrived while the runtime gave the other connections
/// that were ready a turn, and another while a turn brought more, up to [`GATHER_TURNS`]. The
/// first delivery wakes the writer at once, ahead of the connections already waiting, so
/// without a turn a busy bot commits one delivery at a time (less than half the throughput, in
/// `bench/run`); with one, a batch holds what those connections brought, about half of them;
/// with up to four, nearly all, and a delivery costs a quarter fewer bytes written (the pages
/// every commit rewrites serve twice the deliveries) and 8 to 10 % less time. An idle bot loses
/// a turn: microseconds.
async fn gather(rx: &mut mpsc::Receiver<Pending>, batch: &mut Vec<Pending>) {
    for _ in 0..GATHER_TURNS {
        tokio::task::yield_now().await;
        let before = batch.len();
        while batch.len() < MAX_BATCH {
            match rx.try_recv() {
                Ok(pending) => batch.push(pending),
                Err(_) => break,
            }
        }
        if batch.len() == before || batch.len() == MAX_BATCH {
            return;
        }
    }
}

async fn write_batches(store: Store, mut rx: mpsc::Receiver<Pending>, recorded: Arc<Notify>) {
    let log = Arc::new(Log::default());
    let checkpointer = match &store.pool {
        Pool::Sqlite(pool) => Some((
            pool.clone(),
            tokio::spawn(checkpoints(pool.clone(), log.clone())),
        )),
        Pool::Postgres(_) => None,
    };
    let mut writer = JobWriter::new(store);
    let mut batch: Vec<Pending> = Vec::with_capacity(MAX_BATCH);
    let mut jobs: Vec<NewJob> = Vec::with_capacity(MAX_BATCH);
    let mut waiting = Vec::with_capacity(MAX_BATCH);
    let mut gave_way = 0;
    while rx.recv_many(&mut batch, MAX_BATCH).await > 0 {
        gather(&mut rx, &mut batch).await;
        for (job, done) in batch.drain(..) {
            jobs.push(job);
            waiting.push(done);
        }
        let result = writer.insert(&mut jobs).await.map_err(|e| {
            tracing::error!(error = %e, deliveries = jobs.len(), "could not record deliveries");
            e.to_string()
        });
        // Each key inserted is new for the first delivery that carries it in the batch; when
        // there are as many as deliveries, every one of them is new.
        let all_new = result.as_ref().is_ok_and(|keys| keys.len() == jobs.len());
        let mut inserted: HashSet<String> = match &result {
            Ok(keys) if !all_new => keys.iter().cloned().collect(),
            _ => HashSet::new(),
        };
        for (job, done) in jobs.drain(..).zip(waiting.drain(..)) {
            let outcome = result.as_ref().map_err(Clone::clone).map(|_| {
                if all_new || inserted.remove(job.dedupe_key()) {
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
            log.committed.notify_one();
        }
        // Without a connection of the writer's own, its commits go through the sqlx
        // connection, whose automatic checkpoint starts the log over.
        if checkpointer.is_some() && log.too_long.load(Ordering::Relaxed) {
            // Never beside this process's own checkpoint, which would make it give up. While
            // that one copies (and syncs), the restart gives way to a later batch; after
            // GIVE_WAY batches in a row it waits for its turn, behind one checkpoint at most
            // (the lock is fair), so that the log cannot grow on and on.
            let turn = match log.copying.try_lock() {
                Ok(turn) => Some(turn),
                Err(_) if gave_way < GIVE_WAY => {
                    gave_way += 1;
                    None
                }
                Err(_) => Some(log.copying.lock().await),
            };
            if let Some(_turn) = turn {
                gave_way = 0;
                log.too_long.store(false, Ordering::Relaxed);
                writer.restart_log().await;
            }
        }
    }
    if let Some((pool, checkpointer)) = checkpointer {
        checkpointer.abort();
        if let Ok(mut connection) = pool.acquire().await {
            checkpoint(&mut connection).await;
        }
    }
}

/// How many batches in a row the log's restart gives way to the background checkpoint before
/// it waits for it.
const GIVE_WAY: u32 = 8;

/// How long after a commit (or after the previous checkpoint, under load) the next checkpoint
/// starts: the bound on how long a commit of the writer's stays unsynced, besides the checkpoint
/// itself.
pub(crate) const SYNC_DELAY: Duration = Duration::from_millis(10);

/// Checkpoints the log (passively, on a pool connection, so beside the writer's commits) soon
/// after every commit: that syncs the writer's commits, and copies them into the database before
/// the writer's automatic checkpoint would, inside one of its commits. A long read can hold a
/// checkpoint back; the next one catches up.
async fn checkpoints(pool: SqlitePool, log: Arc<Log>) {
    loop {
        log.committed.notified().await;
        tokio::time::sleep(SYNC_DELAY).await;
        // A connection first, and only then the turn, so that the writer never waits for the
        // pool.
        let mut connection = match pool.acquire().await {
            Ok(connection) => connection,
            Err(error) => {
                tracing::warn!(%error, "no connection to checkpoint on");
                continue;
            }
        };
        // After the writer's restart, if one is under way: it syncs the log too.
        let _copying = log.copying.lock().await;
        if checkpoint(&mut connection).await {
            log.too_long.store(true, Ordering::Relaxed);
        }
    }
}

/// What the writer and its checkpoints tell each other about the log.
#[derive(Default)]
struct Log {
    /// Notified after each commit.
    committed: Notify,
    /// Set when the log has grown past [`RESTART_FRAMES`]: the writer restarts it.
    too_long: AtomicBool,
    /// Held by whoever checkpoints the log, so that the writer's restart and the background
    /// checkpoint take turns: a restart that found the other checkpoint running would give up.
    copying: tokio::sync::Mutex<()>,
}

/// Frames in the log past which a checkpoint makes the log start over (see [`checkpoint`]):
/// 4 MiB of pages, as far as SQLite's own automatic checkpoint lets it grow.
const RESTART_FRAMES: i64 = 1000;

/// Copies the log into the database, passively, and says whether the log has grown past
/// [`RESTART_FRAMES`]. A passive checkpoint never waits, but under steady load the writer
/// appends to the log while it runs, so it never finds the whole log copied, and the log is
/// never started over: it would grow without end, and the writes that extend its file stall
/// now and then. So past that size the writer itself, between two batches, runs a checkpoint
/// that copies what this one left and makes the next commit start the log over; that holds the
/// deliveries back for a millisecond or so, as little is left. It runs on the writer's own
/// connection ([`JobWriter::restart_log`]), taking turns with this checkpoint ([`Log::copying`],
/// [`GIVE_WAY`]), and otherwise waits for nobody: when a reader, a worker's commit (and its
/// automatic checkpoint) or another process is in the way, it leaves the log as it is until
/// after the next checkpoint. Without that connection the commits go through the sqlx
/// connection, and its own automatic checkpoint (SQLite's, after a commit past 1,000 frames)
/// starts the log over as the only writer.
async fn checkpoint(connection: &mut SqliteConnection) -> bool {
    // The pool's connections have `synchronous = FULL`: the log is synced before it is copied.
    match sqlx::query_as::<_, (i64, i64, i64)>("PRAGMA wal_checkpoint(PASSIVE)")
        .fetch_one(connection)
        .await
    {
        // Even when it copied the whole log: the next commit would not reliably start it over.
        Ok((_, log, _)) => log > RESTART_FRAMES,
        Err(error) => {
            tracing::warn!(%error, "checkpoint failed");
            false
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::test_support::{job, temp_store};

    /// Under steady load a passive checkpoint never finds the whole log copied, so only the
    /// checkpoint that restarts it keeps the log from growing with everything recorded.
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn under_steady_load_the_log_starts_over() {
        log_starts_over_under_steady_load("log", true).await;
    }

    /// Without a connection of its own the writer commits through sqlx's, and SQLite's
    /// automatic checkpoint on it starts the log over.
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn without_its_own_connection_too_the_log_starts_over() {
        log_starts_over_under_steady_load("log-sqlx", false).await;
    }

    async fn log_starts_over_under_steady_load(name: &str, own_connection: bool) {
        const SENDERS: usize = 64;
        const EACH: usize = 3_000;
        let (store, dir) = temp_store(name).await;
        let mut writers_store = store.clone();
        if !own_connection {
            // The writer opens its own connection only on a file it knows.
            writers_store.sqlite_path = None;
        }
        let (recorder, writer) = Recorder::spawn(writers_store, Arc::new(Notify::new()));
        let senders: Vec<_> = (0..SENDERS)
            .map(|sender| {
                let recorder = recorder.clone();
                tokio::spawn(async move {
                    for n in 0..EACH {
                        let recorded = recorder.record(job(sender * EACH + n)).await;
                        assert_eq!(recorded.expect("recorded"), Recorded::New);
                    }
                })
            })
            .collect();
        for sender in senders {
            sender.await.expect("sender");
        }
        drop(recorder);
        writer.await.expect("writer");
        let counts = store.job_counts().await.expect("counts");
        let all = i64::try_from(SENDERS * EACH).expect("a count");
        assert_eq!(counts, vec![("message".into(), "queued".into(), all)]);
        // The frames in the log now: those since it last started over.
        let Pool::Sqlite(pool) = &store.pool else {
            unreachable!("a SQLite store")
        };
        let (_, frames, _): (i64, i64, i64) = sqlx::query_as("PRAGMA wal_checkpoint(PASSIVE)")
            .fetch_one(pool)
            .await
            .expect("checkpoint");
        let pages: i64 = sqlx::query_scalar("PRAGMA page_count")
            .fetch_one(pool)
            .await
            .expect("pages");
        assert!(
            frames < pages,
            "the log holds {frames} frames for a database of {pages} pages"
        );
        store.close().await;
        let _ = std::fs::remove_dir_all(&dir);
    }
}
