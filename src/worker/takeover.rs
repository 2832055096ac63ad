//! Taking over the jobs of a process that died: this process holds its lock of life, and
//! looks every `takeover_poll` for running jobs whose holder's lock is free (it died), so that
//! their work goes on within seconds instead of after their leases.

use std::sync::Arc;
use std::time::Duration;

use tokio::sync::Notify;
use tokio_util::sync::CancellationToken;

use crate::store::{Life, Store};

/// How often the database's clock is read again.
const READ_CLOCK_EVERY: Duration = Duration::from_secs(60);

/// Frees the jobs of dead processes until `stop`, waking the workers when it did.
pub(super) async fn run(
    store: Store,
    process: String,
    life: Arc<Life>,
    every: Duration,
    wake: Arc<Notify>,
    stop: CancellationToken,
) {
    let mut clock_read = tokio::time::Instant::now();
    loop {
        match store.free_jobs_of_the_dead(&process).await {
            Ok(0) => {}
            Ok(_) => wake.notify_waiters(),
            Err(error) => tracing::warn!(%error, "cannot look for the jobs of dead processes"),
        }
        if let Err(error) = life.keep(&store).await {
            tracing::error!(%error, "cannot hold the lock of life");
        }
        if clock_read.elapsed() >= READ_CLOCK_EVERY {
            clock_read = tokio::time::Instant::now();
            if let Err(error) = store.read_clock().await {
                tracing::warn!(%error, "cannot read the database's clock");
            }
        }
        tokio::select! {
            () = tokio::time::sleep(every) => {}
            () = stop.cancelled() => return,
        }
    }
}
