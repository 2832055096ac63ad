//! `POST /webhook`: verify the raw bytes, read the envelope, record the event, acknowledge.

use std::sync::Arc;
use std::time::Instant;

use axum::extract::{Request, State};
use axum::http::header::CONTENT_LENGTH;
use axum::http::{HeaderMap, StatusCode};
use secrecy::ExposeSecret;

use super::envelope::{self, Delivery};
use super::{Edge, LogBudget, MAX_BODY, signature};
use crate::domain::JobKind;
use crate::metrics::DeliveryOutcome;
use crate::store::{NewJob, Recorded};

/// Deliveries refused for their signature: anyone can send them, so they are logged a line a
/// second at most.
static UNSIGNED: LogBudget = LogBudget::new();

/// `POST /webhook`. A body that says it is over [`MAX_BODY`] is refused before a byte of it
/// is read, so that a stalled upload holds no buffer.
pub async fn receive(
    State(edge): State<Arc<Edge>>,
    request: Request,
) -> (StatusCode, &'static str) {
    let started = Instant::now();
    let (parts, body) = request.into_parts();
    let declared = parts
        .headers
        .get(CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.trim().parse::<u64>().ok());
    if declared.is_some_and(|length| length > MAX_BODY as u64) {
        return (StatusCode::PAYLOAD_TOO_LARGE, "body too large");
    }
    let body = match axum::body::to_bytes(body, MAX_BODY).await {
        Ok(body) => body,
        Err(error) if is_too_long(&error) => {
            return (StatusCode::PAYLOAD_TOO_LARGE, "body too large");
        }
        // The client went away or sent a broken body: nobody waits for the answer.
        Err(_) => return (StatusCode::BAD_REQUEST, "the body could not be read"),
    };
    let answer = handle(&edge, &parts.headers, &body).await;
    edge.metrics.ack(started.elapsed().as_secs_f64());
    answer
}

/// Whether reading a body failed for its length (chunked, without a `Content-Length`).
fn is_too_long(error: &axum::Error) -> bool {
    let mut source: Option<&(dyn std::error::Error + 'static)> = Some(error);
    while let Some(error) = source {
        if error.is::<http_body_util::LengthLimitError>() {
            return true;
        }
        source = error.source();
    }
    false
}

async fn handle(edge: &Edge, headers: &HeaderMap, body: &[u8]) -> (StatusCode, &'static str) {
    let mut claimed = headers.get_all(signature::HEADER).iter();
    let (first, second) = (claimed.next(), claimed.next());
    if second.is_some() {
        // Two signatures: which one would a proxy in front have checked?
        edge.metrics.delivery("", DeliveryOutcome::BadSignature);
        UNSIGNED.note("refused a delivery with more than one X-Spark-Signature");
        return (StatusCode::BAD_REQUEST, "more than one signature");
    }
    let claimed = first.map(|v| v.as_bytes());
    if let Err(error) = signature::verify(edge.secret.expose_secret().as_bytes(), body, claimed) {
        edge.metrics.delivery("", DeliveryOutcome::BadSignature);
        UNSIGNED.note(&format!("refused a webhook delivery: {error}"));
        return (StatusCode::UNAUTHORIZED, "bad signature");
    }
    let (dedupe_key, payload) = match envelope::parse(body) {
        Ok(Delivery::Event {
            dedupe_key,
            payload,
        }) => (dedupe_key, payload),
        Ok(Delivery::Ignored { resource }) => {
            edge.metrics.delivery(&resource, DeliveryOutcome::Ignored);
            return (StatusCode::NO_CONTENT, "");
        }
        Err(error) => {
            edge.metrics.delivery("", DeliveryOutcome::Malformed);
            tracing::warn!(%error, "refused a signed delivery");
            return (
                StatusCode::BAD_REQUEST,
                "not a webhook envelope the bot can read",
            );
        }
    };
    let resource = match payload.kind() {
        JobKind::Submission => "attachmentActions",
        _ => "messages",
    };
    match edge
        .recorder
        .record(NewJob::new(dedupe_key, &payload))
        .await
    {
        Ok(recorded) => {
            let outcome = match recorded {
                Recorded::New => DeliveryOutcome::Recorded,
                Recorded::Duplicate => DeliveryOutcome::Duplicate,
            };
            edge.metrics.delivery(resource, outcome);
            (StatusCode::OK, "recorded")
        }
        Err(error) => {
            // Not acknowledged: the delivery counts as failed for Webex, which may send it again.
            tracing::error!(%error, "could not record a delivery");
            (StatusCode::SERVICE_UNAVAILABLE, "cannot record now")
        }
    }
}
