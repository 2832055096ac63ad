//! `POST /webhook`.

use std::borrow::Cow;
use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use secrecy::ExposeSecret;
use serde::Deserialize;
use serde_json::value::RawValue;

use super::{Edge, signature};
use crate::store::{JobKind, NewJob};

/// The parts of a Webex envelope the edge reads; every other field is optional.
/// Strings borrow from the body unless they hold an escape.
#[derive(Deserialize)]
struct Envelope<'a> {
    #[serde(borrow)]
    resource: Cow<'a, str>,
    #[serde(borrow)]
    event: Cow<'a, str>,
    #[serde(borrow)]
    data: &'a RawValue,
}

#[derive(Deserialize)]
struct DataId<'a> {
    #[serde(borrow)]
    id: Cow<'a, str>,
}

/// `POST /webhook`: verify the raw bytes, record the event, acknowledge.
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
    let envelope: Envelope = match serde_json::from_slice(&body) {
        Ok(envelope) => envelope,
        Err(error) => {
            tracing::warn!(%error, "refused a signed delivery that is not a Webex envelope");
            return (StatusCode::BAD_REQUEST, "not a webhook envelope");
        }
    };
    let kind = match (envelope.resource.as_ref(), envelope.event.as_ref()) {
        ("messages", "created") => JobKind::Message,
        ("attachmentActions", "created") => JobKind::Submission,
        _ => return (StatusCode::NO_CONTENT, ""),
    };
    let Ok(data) = serde_json::from_str::<DataId>(envelope.data.get()) else {
        tracing::warn!("refused a signed delivery whose data has no id");
        return (StatusCode::BAD_REQUEST, "data.id is missing");
    };
    let job = NewJob {
        kind,
        dedupe_key: format!("{}/{}/{}", envelope.resource, envelope.event, data.id),
        payload: envelope.data.get().to_owned(),
    };
    match edge.recorder.record(job).await {
        Ok(()) => (StatusCode::OK, "recorded"),
        Err(error) => {
            // Not acknowledged: the delivery counts as failed for Webex, which may send it again.
            tracing::error!(%error, "could not record a delivery");
            (StatusCode::SERVICE_UNAVAILABLE, "cannot record now")
        }
    }
}
