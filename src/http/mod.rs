//! The HTTP edge: `POST /webhook`, `GET /healthz`, `GET /readyz`.
//!
//! webhook → verify → record → acknowledge. Nothing here calls Webex: all work happens in the
//! workers, so an acknowledgement never waits on Webex.

pub mod envelope;
mod framing;
mod health;
pub mod server;
pub mod signature;
mod webhook;

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::routing::{get, post};
use secrecy::SecretString;

use crate::metrics::Metrics;
use crate::store::{Recorder, Store};

/// The largest webhook body accepted; Webex's envelopes are a few hundred bytes, and a few
/// kilobytes at most.
pub const MAX_BODY: usize = 64 * 1024;

/// A log line that anyone on the internet can cause, written a line a second at most, with the
/// number of those left out since.
pub struct LogBudget {
    /// The second of the last line written (since the epoch).
    last: AtomicU64,
    left_out: AtomicU64,
}

impl LogBudget {
    /// A budget with nothing written yet.
    pub const fn new() -> Self {
        Self {
            last: AtomicU64::new(0),
            left_out: AtomicU64::new(0),
        }
    }

    /// Writes `line` as a warning, unless a line was written this second.
    pub fn note(&self, line: &str) {
        let now = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_secs());
        let last = self.last.load(Ordering::Relaxed);
        if now > last
            && self
                .last
                .compare_exchange(last, now, Ordering::Relaxed, Ordering::Relaxed)
                .is_ok()
        {
            let left_out = self.left_out.swap(0, Ordering::Relaxed);
            tracing::warn!(left_out, "{line}");
        } else {
            self.left_out.fetch_add(1, Ordering::Relaxed);
        }
    }
}

impl Default for LogBudget {
    fn default() -> Self {
        Self::new()
    }
}

/// What the handlers share.
pub struct Edge {
    /// The key of `X-Spark-Signature`.
    pub secret: SecretString,
    /// Commits deliveries before they are acknowledged.
    pub recorder: Recorder,
    /// For `/readyz`.
    pub store: Store,
    /// What deliveries came to, and how long they waited.
    pub metrics: Metrics,
}

/// `GET /metrics`, alone on `METRICS_ADDR`: the webhook port never shows it.
pub fn metrics_router(metrics: Metrics) -> Router {
    Router::new()
        .route("/metrics", get(health::metrics))
        .with_state(metrics)
}

/// The bot's routes.
pub fn router(edge: Arc<Edge>) -> Router {
    Router::new()
        .route("/webhook", post(webhook::receive))
        .route("/healthz", get(health::alive))
        .route("/readyz", get(health::ready))
        .layer(DefaultBodyLimit::max(MAX_BODY))
        .with_state(edge)
}
