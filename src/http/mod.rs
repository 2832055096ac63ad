//! The HTTP edge: `POST /webhook`, `GET /healthz`, `GET /readyz`.
//!
//! webhook → verify → record → acknowledge. Nothing here calls Webex: all work happens in the
//! workers, so an acknowledgement never waits on Webex.

mod envelope;
mod health;
pub mod signature;
mod webhook;

use std::sync::Arc;

use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::routing::{get, post};
use secrecy::SecretString;
use tower_http::trace::TraceLayer;

use crate::metrics::Metrics;
use crate::store::{Recorder, Store};

/// The largest webhook body accepted; Webex's envelopes are a few hundred bytes.
pub const MAX_BODY: usize = 1024 * 1024;

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
        .layer(TraceLayer::new_for_http())
        .with_state(edge)
}
