//! Group commit: the webhook hot path records deliveries through one writer task, which commits
//! every delivery that arrived meanwhile in a single transaction.
//!
//! One writer means no lock contention between connections (SQLite takes one writer at a time
//! anyway), and one commit per batch means one fsync for many acknowledgements.

use std::sync::Arc;

use tokio::sync::{Notify, mpsc, oneshot};
use tokio::task::JoinHandle;

use super::{NewJob, Store, StoreError};

/// The most deliveries committed in one transaction.
const MAX_BATCH: usize = 512;

type Pending = (NewJob, oneshot::Sender<Result<(), String>>);

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
    pub async fn record(&self, job: NewJob) -> Result<(), StoreError> {
        let (done, committed) = oneshot::channel();
        self.tx
            .send((job, done))
            .await
            .map_err(|_| StoreError::Closed)?;
        match committed.await {
            Ok(Ok(())) => Ok(()),
            Ok(Err(reason)) => Err(StoreError::Unrecorded(reason)),
            Err(_) => Err(StoreError::Closed),
        }
    }
}

async fn write_batches(store: Store, mut rx: mpsc::Receiver<Pending>, recorded: Arc<Notify>) {
    let mut batch: Vec<Pending> = Vec::with_capacity(MAX_BATCH);
    while rx.recv_many(&mut batch, MAX_BATCH).await > 0 {
        let (jobs, waiting): (Vec<NewJob>, Vec<_>) = batch.drain(..).unzip();
        let result = store.insert_jobs(&jobs).await.map_err(|e| {
            tracing::error!(error = %e, deliveries = jobs.len(), "could not record deliveries");
            e.to_string()
        });
        for done in waiting {
            // The handler may have gone (client hung up); the job is recorded all the same.
            let _ = done.send(result.clone());
        }
        if result.is_ok() {
            recorded.notify_waiters();
        }
    }
}
