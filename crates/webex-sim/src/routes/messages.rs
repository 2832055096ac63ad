//! Messages: sending, reading and deleting them.

use axum::Json;
use axum::body::Bytes;
use axum::extract::{Extension, Path, State};
use axum::http::StatusCode;

use super::{ApiResult, Sim, parse_json};
use crate::error::ApiError;
use crate::gateway::Caller;
use crate::world::MessageRequest;

pub(super) async fn create_message(
    State(sim): Sim,
    Extension(caller): Extension<Caller>,
    body: Bytes,
) -> ApiResult {
    let request: MessageRequest = parse_json(&body)?;
    let (json, deliveries) = {
        let mut world = sim.world();
        let new = world.message_from_request(&caller, request)?;
        let (message, deliveries) = world.create_message(new);
        (world.message_json(&message), deliveries)
    };
    // Webex answers the sender before it posts webhooks, so the call must not wait on them.
    tokio::spawn(async move { sim.announce_message(deliveries).await });
    Ok(Json(json))
}

pub(super) async fn get_message(
    State(sim): Sim,
    Extension(caller): Extension<Caller>,
    Path(id): Path<String>,
) -> ApiResult {
    Ok(Json(sim.world().message_for(&caller, &id)?))
}

pub(super) async fn delete_message(
    State(sim): Sim,
    Extension(caller): Extension<Caller>,
    Path(id): Path<String>,
) -> Result<StatusCode, ApiError> {
    sim.world().delete_message(&caller, &id)?;
    Ok(StatusCode::NO_CONTENT)
}
