//! The REST endpoints: each parses its request, asks the world, and shapes the answer.

use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::{Extension, Path, Query, RawQuery, State};
use axum::http::StatusCode;
use axum::response::Response;
use axum::routing::{get, post};
use axum::{Json, Router, middleware};
use serde::Deserialize;
use serde::de::DeserializeOwned;
use serde_json::{Map, Value, json};

use super::Shared;
use super::error::ApiError;
use super::gateway::{Caller, gateway};
use super::paging::{Page, PageRequest};
use super::state::MembershipFilter;

type Sim = State<Arc<Shared>>;
type ApiResult = Result<Json<Value>, ApiError>;

/// The Webex REST API under `/v1`, behind the gateway.
pub(crate) fn router(sim: Arc<Shared>) -> Router {
    Router::new()
        .route("/v1/people", get(list_people).post(create_person))
        .route("/v1/people/me", get(me))
        .route("/v1/people/{id}", get(get_person))
        .route("/v1/rooms/{id}", get(get_room))
        .route("/v1/memberships", get(list_memberships))
        .route("/v1/licenses", get(list_licenses))
        .route("/v1/locations", get(list_locations))
        .route("/v1/roles", get(list_roles))
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

/// Only an admin may read what the organization offers; others get 403, as in Webex.
fn require_admin(sim: &Shared, caller: &Caller, what: &str) -> Result<(), ApiError> {
    if caller.id == sim.world().admin().id {
        return Ok(());
    }
    Err(ApiError::forbidden(format!(
        "Only an administrator of the organization may list {what}."
    )))
}

// People

/// The query every Person call accepts: `callingData=true` asks for the Webex Calling fields.
#[derive(Deserialize)]
struct CallingQuery {
    #[serde(rename = "callingData")]
    calling_data: Option<String>,
}

impl CallingQuery {
    /// Whether the answer may carry the Webex Calling fields: asked for, by an admin.
    fn shows_calling_data(&self, sim: &Shared, caller: &Caller) -> Result<bool, ApiError> {
        let asked = match self.calling_data.as_deref() {
            None => false,
            Some(text) if text.eq_ignore_ascii_case("true") => true,
            Some(text) if text.eq_ignore_ascii_case("false") => false,
            Some(text) => {
                return Err(ApiError::bad_request(format!(
                    "callingData must be true or false, not {text:?}."
                )));
            }
        };
        Ok(sim.world().shows_calling_data(caller, asked))
    }
}

#[derive(Deserialize)]
struct PeopleQuery {
    email: Option<String>,
}

async fn me(
    State(sim): Sim,
    Extension(caller): Extension<Caller>,
    Query(calling): Query<CallingQuery>,
) -> ApiResult {
    let calling_data = calling.shows_calling_data(&sim, &caller)?;
    Ok(Json(sim.world().person_json(&caller.id, calling_data)?))
}

async fn list_people(
    State(sim): Sim,
    Extension(caller): Extension<Caller>,
    Query(query): Query<PeopleQuery>,
    Query(calling): Query<CallingQuery>,
) -> ApiResult {
    let calling_data = calling.shows_calling_data(&sim, &caller)?;
    let people = sim
        .world()
        .people_json(query.email.as_deref(), calling_data);
    Ok(Json(json!({ "items": people })))
}

async fn get_person(
    State(sim): Sim,
    Extension(caller): Extension<Caller>,
    Path(id): Path<String>,
    Query(calling): Query<CallingQuery>,
) -> ApiResult {
    let calling_data = calling.shows_calling_data(&sim, &caller)?;
    Ok(Json(sim.world().person_json(&id, calling_data)?))
}

/// Create a Person; with `callingData=true` the answer shows the Webex Calling fields.
async fn create_person(
    State(sim): Sim,
    Extension(caller): Extension<Caller>,
    Query(calling): Query<CallingQuery>,
    body: Bytes,
) -> ApiResult {
    let calling_data = calling.shows_calling_data(&sim, &caller)?;
    let fields: Map<String, Value> = parse_json(&body)?;
    Ok(Json(sim.world().create_person(
        &caller,
        fields,
        calling_data,
    )?))
}

// What the organization offers

async fn list_licenses(State(sim): Sim, Extension(caller): Extension<Caller>) -> ApiResult {
    require_admin(&sim, &caller, "licenses")?;
    let world = sim.world();
    let licenses = world.catalog.licenses_json(|id| world.license_holders(id));
    Ok(Json(json!({ "items": licenses })))
}

async fn list_locations(
    State(sim): Sim,
    Extension(caller): Extension<Caller>,
    Query(paging): Query<PageQuery>,
    RawQuery(query): RawQuery,
) -> Result<Response, ApiError> {
    require_admin(&sim, &caller, "locations")?;
    let request = paging.parse()?;
    let locations = sim.world().catalog.locations_json();
    let list_url = format!("{}/locations", sim.api_url);
    Ok(Page::of_growing(locations, request).respond(&list_url, query.as_deref(), request))
}

async fn list_roles(State(sim): Sim, Extension(caller): Extension<Caller>) -> ApiResult {
    require_admin(&sim, &caller, "roles")?;
    Ok(Json(json!({ "items": sim.world().catalog.roles_json() })))
}

// Rooms and memberships

async fn get_room(
    State(sim): Sim,
    Extension(caller): Extension<Caller>,
    Path(id): Path<String>,
) -> ApiResult {
    Ok(Json(sim.world().room_json(&caller, &id)?))
}

async fn list_memberships(
    State(sim): Sim,
    Extension(caller): Extension<Caller>,
    Query(filter): Query<MembershipFilter>,
    Query(paging): Query<PageQuery>,
    RawQuery(query): RawQuery,
) -> Result<Response, ApiError> {
    let request = paging.parse()?;
    let memberships = sim.world().memberships_json(&caller, &filter)?;
    let list_url = format!("{}/memberships", sim.api_url);
    Ok(Page::of_growing(memberships, request).respond(&list_url, query.as_deref(), request))
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

/// The paging parameters of a list call.
#[derive(Deserialize)]
struct PageQuery {
    max: Option<String>,
    /// Opaque to clients: they only follow the `Link` header that carries it.
    cursor: Option<String>,
}

impl PageQuery {
    fn parse(&self) -> Result<PageRequest, ApiError> {
        PageRequest::parse(self.max.as_deref(), self.cursor.as_deref())
    }
}

async fn list_webhooks(
    State(sim): Sim,
    Extension(caller): Extension<Caller>,
    Query(paging): Query<PageQuery>,
    RawQuery(query): RawQuery,
) -> Result<Response, ApiError> {
    let request = paging.parse()?;
    let page = sim.world().webhooks.page(&caller.id, request);
    let list_url = format!("{}/webhooks", sim.api_url);
    Ok(page.respond(&list_url, query.as_deref(), request))
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
