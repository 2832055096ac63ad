use std::sync::Arc;

use axum::extract::State;
use axum::http::StatusCode;

use super::Edge;
use crate::metrics::Metrics;

/// `GET /healthz`: the process answers.
pub async fn alive() -> &'static str {
    "ok"
}

/// `GET /readyz`: the database answers, so deliveries can be recorded.
pub async fn ready(State(edge): State<Arc<Edge>>) -> (StatusCode, &'static str) {
    match edge.store.ping().await {
        Ok(()) => (StatusCode::OK, "ready"),
        Err(error) => {
            tracing::warn!(%error, "not ready: the database does not answer");
            (StatusCode::SERVICE_UNAVAILABLE, "database unreachable")
        }
    }
}

/// `GET /metrics`: the Prometheus text format.
pub async fn metrics(
    State(metrics): State<Metrics>,
) -> ([(axum::http::header::HeaderName, &'static str); 1], String) {
    (
        [(
            axum::http::header::CONTENT_TYPE,
            "text/plain; version=0.0.4; charset=utf-8",
        )],
        metrics.render(),
    )
}
