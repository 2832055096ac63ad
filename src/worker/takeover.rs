//! Taking over the jobs of a process that died: this process holds its lock of life and beats
//! (see [`crate::store::Life`]), and looks every `takeover_poll` for running jobs whose holder's
//! lock is free and whose beat stopped (it died), so that their work goes on within seconds
//! instead of after their leases.

use std::sync::Arc;
use std::time::Duration;

use tokio::sync::Notify;
use tokio_util::sync::CancellationToken;

use crate::store::{BEAT, Life, Store};

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
    let beating = tokio::spawn(beat(store.clone(), life.clone(), stop.clone()));
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
            () = stop.cancelled() => break,
        }
    }
    let _ = beating.await;
}

/// Renews this process's beat until `stop`, then ends it.
async fn beat(store: Store, life: Arc<Life>, stop: CancellationToken) {
    let mut every = tokio::time::interval(BEAT);
    every.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        tokio::select! {
            _ = every.tick() => {
                if let Err(error) = life.beat(&store).await {
                    tracing::warn!(%error, "cannot renew this process's beat");
                }
            }
            () = stop.cancelled() => break,
        }
    }
    if let Err(error) = life.end(&store).await {
        tracing::warn!(%error, "cannot end this process's beat; it runs out by itself");
    }
}
