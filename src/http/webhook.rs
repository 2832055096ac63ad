//! `POST /webhook`: verify the raw bytes, read the envelope, record the event, acknowledge.

use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use secrecy::ExposeSecret;

use super::envelope::{self, Delivery};
use super::{Edge, signature};
use crate::store::NewJob;

/// `POST /webhook`.
pub async fn receive(
    State(edge): State<Arc<Edge>>,
    headers: HeaderMap,
    body: Bytes,
) -> (StatusCode, &'static str) {
    let claimed = headers.get(signature::HEADER).map(|v| v.as_bytes());
    if let Err(error) = signature::verify(edge.secret.expose_secret().as_bytes(), &body, claimed) {
        tracing::warn!(%error, "refused a webhook delivery");
        return (StatusCode::UNAUTHORIZED, "bad signature");
    }
    let (dedupe_key, payload) = match envelope::parse(&body) {
        Ok(Delivery::Event {
            dedupe_key,
            payload,
        }) => (dedupe_key, payload),
        Ok(Delivery::Ignored) => return (StatusCode::NO_CONTENT, ""),
        Err(error) => {
            tracing::warn!(%error, "refused a signed delivery");
            return (
                StatusCode::BAD_REQUEST,
                "not a webhook envelope the bot can read",
            );
        }
    };
    match edge
        .recorder
        .record(NewJob::new(dedupe_key, &payload))
        .await
    {
        Ok(()) => (StatusCode::OK, "recorded"),
        Err(error) => {
            // Not acknowledged: the delivery counts as failed for Webex, which may send it again.
            tracing::error!(%error, "could not record a delivery");
            (StatusCode::SERVICE_UNAVAILABLE, "cannot record now")
        }
    }
}
