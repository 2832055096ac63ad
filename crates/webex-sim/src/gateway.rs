//! What every API call passes through: the token, the tracking id, injected faults and the
//! call log.

use std::sync::Arc;

use axum::body::{Body, Bytes};
use axum::extract::{Request, State};
use axum::http::header::AUTHORIZATION;
use axum::http::{HeaderMap, HeaderName, HeaderValue};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

use super::Shared;
use super::error::ApiError;
use super::faults::FaultKind;
use super::ids;

/// The OAuth token endpoint: its client authenticates with the credentials in the body,
/// not with a bearer token.
const TOKEN_PATH: &str = "/v1/access_token";

/// The largest request body taken: Webex's limit on an uploaded file.
pub(crate) const MAX_BODY_BYTES: usize = 100 * 1024 * 1024;

/// How much of a request body the call log keeps.
const LOGGED_BODY_BYTES: usize = 64 * 1024;

/// Webex's correlation header, on requests and responses alike.
const TRACKING_ID: HeaderName = HeaderName::from_static("trackingid");

/// One API call as the simulator saw it, for tests to assert on.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Call {
    pub method: String,
    /// The path without the query string.
    pub path: String,
    pub query: Option<String>,
    /// The email of the token's owner, or "anonymous" when the token is missing, unknown or
    /// expired (and on the token endpoint, whose client has no bearer token).
    pub identity: String,
    /// The status the client received; 0 while the call is under way, and for good when the
    /// simulator never answers (`DoThenHang`).
    pub status: u16,
    /// When the call arrived, so that tests can measure how long a client waited between calls.
    pub received_at: std::time::Instant,
    /// The `TrackingID` request header, when the client sent one.
    pub tracking_id: Option<String>,
    /// The request body, its first 64 KiB, so that tests can see what a client sent.
    pub body: Vec<u8>,
}

/// The person whose token authorized the call; handlers act as them.
#[derive(Clone, Debug)]
pub(crate) struct Caller {
    pub(crate) id: String,
    pub(crate) email: String,
    /// The admin scopes the token carries; none for anyone but the admin.
    pub(crate) scopes: Vec<String>,
}

/// Authenticates the call, applies any fault, logs the call, and gives the answer its
/// tracking id and, when it is an error, the Webex error body.
pub(crate) async fn gateway(
    State(sim): State<Arc<Shared>>,
    request: Request,
    next: Next,
) -> Response {
    let sent_tracking_id = request
        .headers()
        .get(&TRACKING_ID)
        .and_then(|value| value.to_str().ok())
        .map(str::to_owned);
    let tracking_id = sent_tracking_id.clone().unwrap_or_else(ids::tracking_id);
    let mut call = Call {
        method: request.method().to_string(),
        path: request.uri().path().to_owned(),
        query: request.uri().query().map(str::to_owned),
        identity: "anonymous".to_owned(),
        status: 0,
        tracking_id: sent_tracking_id,
        received_at: std::time::Instant::now(),
        body: Vec::new(),
    };
    // Read whole, so that the log keeps the start of it and the handler still gets it all.
    let (parts, body) = request.into_parts();
    let (body, unreadable) = match axum::body::to_bytes(body, MAX_BODY_BYTES).await {
        Ok(bytes) => (bytes, None),
        Err(_) => (Bytes::new(), Some(ApiError::payload_too_large())),
    };
    call.body = body[..body.len().min(LOGGED_BODY_BYTES)].to_vec();
    let mut request = Request::from_parts(parts, Body::from(body));
    let caller = match bearer_token(request.headers()) {
        Some(token) => sim.world().authenticate(token),
        None => Err(ApiError::unauthorized()),
    };
    if let Ok(caller) = &caller {
        call.identity.clone_from(&caller.email);
    }
    // Logged on arrival, so that a test sees a call that is still under way.
    let index = {
        let mut world = sim.world();
        world.calls.push(call.clone());
        world.calls.len() - 1
    };
    let answer = match (unreadable, caller) {
        (Some(unreadable), _) => Some(unreadable.into_response()),
        (None, Err(refused)) if call.path != TOKEN_PATH => Some(refused.into_response()),
        (None, caller) => {
            if let Ok(caller) = caller {
                request.extensions_mut().insert(caller);
            }
            let fault = sim.world().faults.next_for(&call.method, &call.path);
            answer(fault, request, next).await
        }
    };
    let Some(response) = answer else {
        return std::future::pending().await;
    };
    let response = finish(response, &tracking_id);
    if let Some(logged) = sim.world().calls.get_mut(index) {
        logged.status = response.status().as_u16();
    }
    response
}

fn bearer_token(headers: &HeaderMap) -> Option<&str> {
    headers
        .get(AUTHORIZATION)?
        .to_str()
        .ok()?
        .strip_prefix("Bearer ")
}

/// Runs the call as the fault says; None when the fault says never to answer.
async fn answer(fault: Option<FaultKind>, request: Request, next: Next) -> Option<Response> {
    let Some(fault) = fault else {
        return Some(next.run(request).await);
    };
    match fault {
        FaultKind::Status {
            status,
            retry_after,
        } => Some(ApiError::injected(status, retry_after).into_response()),
        FaultKind::StatusRetryAt { status, after } => {
            let date = ids::http_date_after(after);
            Some(ApiError::injected_with(status, Some(date)).into_response())
        }
        FaultKind::Delay(delay) => {
            let response = next.run(request).await;
            tokio::time::sleep(delay).await;
            Some(response)
        }
        FaultKind::DoThenStatus { status } => {
            next.run(request).await;
            Some(ApiError::injected(status, None).into_response())
        }
        FaultKind::DoThenHang => {
            next.run(request).await;
            None
        }
    }
}

fn finish(response: Response, tracking_id: &str) -> Response {
    let mut response = match response.extensions().get::<ApiError>() {
        Some(error) => error.render(tracking_id),
        None => response,
    };
    if let Ok(value) = HeaderValue::from_str(tracking_id) {
        response.headers_mut().insert(TRACKING_ID, value);
    }
    response
}
