//! Messages: sending, reading, listing, editing and deleting them.

use axum::Json;
use axum::body::Bytes;
use axum::extract::{Extension, Path, RawQuery, State};
use axum::http::StatusCode;
use serde_json::json;

use super::query::Params;
use super::{ApiResult, Sim, parse_json};
use crate::error::ApiError;
use crate::gateway::Caller;
use crate::world::{MessageEdit, MessageRequest};

/// `POST /v1/messages` takes no query parameters, per the spec.
const CREATE_QUERY: &[&str] = &[];

pub(super) async fn create_message(
    State(sim): Sim,
    Extension(caller): Extension<Caller>,
    RawQuery(query): RawQuery,
    body: Bytes,
) -> ApiResult {
    Params::parse(query, CREATE_QUERY)?;
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

/// `GET /v1/messages/{messageId}` takes no query parameters, per the spec.
const GET_QUERY: &[&str] = &[];

pub(super) async fn get_message(
    State(sim): Sim,
    Extension(caller): Extension<Caller>,
    Path(id): Path<String>,
    RawQuery(query): RawQuery,
) -> ApiResult {
    Params::parse(query, GET_QUERY)?;
    Ok(Json(sim.world().message_for(&caller, &id)?))
}

/// `DELETE /v1/messages/{messageId}` takes no query parameters, per the spec.
const DELETE_QUERY: &[&str] = &[];

pub(super) async fn delete_message(
    State(sim): Sim,
    Extension(caller): Extension<Caller>,
    Path(id): Path<String>,
    RawQuery(query): RawQuery,
) -> Result<StatusCode, ApiError> {
    Params::parse(query, DELETE_QUERY)?;
    let deliveries = sim.world().delete_message(&caller, &id)?;
    tokio::spawn(async move { sim.deliver_all(deliveries).await });
    Ok(StatusCode::NO_CONTENT)
}

/// The query parameters of `GET /v1/messages/direct`, per the spec: no `max`, no paging.
const DIRECT_QUERY: &[&str] = &["parentId", "personId", "personEmail"];

pub(super) async fn list_direct_messages(
    State(sim): Sim,
    Extension(caller): Extension<Caller>,
    RawQuery(query): RawQuery,
) -> ApiResult {
    let params = Params::parse(query, DIRECT_QUERY)?;
    let messages = sim.world().direct_messages_json(
        &caller,
        params.get("personId"),
        params.get("personEmail"),
        params.get("parentId"),
    )?;
    Ok(Json(json!({ "items": messages })))
}

/// `PUT /v1/messages/{messageId}` takes no query parameters, per the spec.
const EDIT_QUERY: &[&str] = &[];

pub(super) async fn edit_message(
    State(sim): Sim,
    Extension(caller): Extension<Caller>,
    Path(id): Path<String>,
    RawQuery(query): RawQuery,
    body: Bytes,
) -> ApiResult {
    Params::parse(query, EDIT_QUERY)?;
    let edit: MessageEdit = parse_json(&body)?;
    let (json, deliveries) = sim.world().edit_message(&caller, &id, edit)?;
    tokio::spawn(async move { sim.announce_message(deliveries).await });
    Ok(Json(json))
}
