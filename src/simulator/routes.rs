//! The REST endpoints: each parses its request, asks the world, and shapes the answer.

use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::{Extension, Path, Query, State};
use axum::http::StatusCode;
use axum::http::header::LINK;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router, middleware};
use serde::Deserialize;
use serde::de::DeserializeOwned;
use serde_json::{Map, Value, json};

use super::Shared;
use super::error::ApiError;
use super::gateway::{Caller, gateway};

/// The page size Webex uses when a list call gives no `max`.
const DEFAULT_PAGE_SIZE: usize = 100;

type Sim = State<Arc<Shared>>;
type ApiResult = Result<Json<Value>, ApiError>;

/// The Webex REST API under `/v1`, behind the gateway.
pub(crate) fn router(sim: Arc<Shared>) -> Router {
    Router::new()
        .route("/v1/people", get(list_people).post(create_person))
        .route("/v1/people/me", get(me))
        .route("/v1/people/{id}", get(get_person))
        .route("/v1/rooms/{id}", get(get_room))
        .route("/v1/messages", post(create_message))
        .route("/v1/messages/{id}", get(get_message).delete(delete_message))
        .route("/v1/attachment/actions/{id}", get(get_action))
        .route("/v1/webhooks", get(list_webhooks).post(create_webhook))
        .route(
            "/v1/webhooks/{id}",
            get(get_webhook).put(update_webhook).delete(delete_webhook),
        )
        .fallback(|| async { ApiError::not_found("The requested resource could not be found.") })
        .method_not_allowed_fallback(|| async { ApiError::method_not_allowed() })
        .layer(middleware::from_fn_with_state(Arc::clone(&sim), gateway))
        .with_state(sim)
}

/// Parses a request body, answering 400 with the reason when it does not fit.
fn parse_json<T: DeserializeOwned>(body: &[u8]) -> Result<T, ApiError> {
    serde_json::from_slice(body)
        .map_err(|error| ApiError::bad_request(format!("The request body is invalid: {error}")))
}

// People

#[derive(Deserialize)]
struct PeopleQuery {
    email: Option<String>,
}

async fn me(State(sim): Sim, Extension(caller): Extension<Caller>) -> ApiResult {
    Ok(Json(sim.world().person_json(&caller.id)?))
}

async fn list_people(State(sim): Sim, Query(query): Query<PeopleQuery>) -> Json<Value> {
    Json(json!({ "items": sim.world().people_json(query.email.as_deref()) }))
}

async fn get_person(State(sim): Sim, Path(id): Path<String>) -> ApiResult {
    Ok(Json(sim.world().person_json(&id)?))
}

/// Create a Person; the `callingData` query parameter is accepted and changes nothing here.
async fn create_person(
    State(sim): Sim,
    Extension(caller): Extension<Caller>,
    body: Bytes,
) -> ApiResult {
    let fields: Map<String, Value> = parse_json(&body)?;
    Ok(Json(sim.world().create_person(&caller, fields)?))
}

// Rooms

async fn get_room(
    State(sim): Sim,
    Extension(caller): Extension<Caller>,
    Path(id): Path<String>,
) -> ApiResult {
    Ok(Json(sim.world().room_json(&caller, &id)?))
}

// Messages

async fn create_message(
    State(sim): Sim,
    Extension(caller): Extension<Caller>,
    body: Bytes,
) -> ApiResult {
    let request = parse_json(&body)?;
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

async fn get_message(
    State(sim): Sim,
    Extension(caller): Extension<Caller>,
    Path(id): Path<String>,
) -> ApiResult {
    Ok(Json(sim.world().message_for(&caller, &id)?))
}

async fn delete_message(
    State(sim): Sim,
    Extension(caller): Extension<Caller>,
    Path(id): Path<String>,
) -> Result<StatusCode, ApiError> {
    sim.world().delete_message(&caller, &id)?;
    Ok(StatusCode::NO_CONTENT)
}

// Card submissions

async fn get_action(
    State(sim): Sim,
    Extension(caller): Extension<Caller>,
    Path(id): Path<String>,
) -> ApiResult {
    Ok(Json(sim.world().action_json(&caller, &id)?))
}

// Webhooks

#[derive(Deserialize)]
struct PageQuery {
    max: Option<String>,
    /// Opaque to clients: they only follow the `Link` header that carries it.
    cursor: Option<String>,
}

async fn list_webhooks(
    State(sim): Sim,
    Extension(caller): Extension<Caller>,
    Query(query): Query<PageQuery>,
) -> Result<Response, ApiError> {
    let max = match query.max.as_deref() {
        None => DEFAULT_PAGE_SIZE,
        Some(text) => text.parse().ok().filter(|&max| max > 0).ok_or_else(|| {
            ApiError::bad_request(format!("max must be a positive integer, not {text:?}."))
        })?,
    };
    let from = match query.cursor.as_deref() {
        None => 0,
        Some(text) => text
            .parse()
            .map_err(|_| ApiError::bad_request(format!("The cursor {text:?} is not valid.")))?,
    };
    let page = sim.world().webhooks.page(&caller.id, max, from);
    let body = Json(json!({ "items": page.items }));
    let Some(next) = page.next else {
        return Ok(body.into_response());
    };
    let link = format!(
        "<{}/webhooks?max={max}&cursor={next}>; rel=\"next\"",
        sim.api_url
    );
    Ok(([(LINK, link)], body).into_response())
}

async fn create_webhook(
    State(sim): Sim,
    Extension(caller): Extension<Caller>,
    body: Bytes,
) -> ApiResult {
    let new = parse_json(&body)?;
    Ok(Json(sim.world().webhooks.create(&caller.id, new)?))
}

async fn get_webhook(
    State(sim): Sim,
    Extension(caller): Extension<Caller>,
    Path(id): Path<String>,
) -> ApiResult {
    Ok(Json(sim.world().webhooks.get(&caller.id, &id)?))
}

async fn update_webhook(
    State(sim): Sim,
    Extension(caller): Extension<Caller>,
    Path(id): Path<String>,
    body: Bytes,
) -> ApiResult {
    let update = parse_json(&body)?;
    Ok(Json(sim.world().webhooks.update(&caller.id, &id, update)?))
}

async fn delete_webhook(
    State(sim): Sim,
    Extension(caller): Extension<Caller>,
    Path(id): Path<String>,
) -> Result<StatusCode, ApiError> {
    sim.world().webhooks.delete(&caller.id, &id)?;
    Ok(StatusCode::NO_CONTENT)
}
