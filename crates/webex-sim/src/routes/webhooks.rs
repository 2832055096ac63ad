//! Webhook registrations.

use axum::Json;
use axum::body::Bytes;
use axum::extract::{Extension, Path, RawQuery, State};
use axum::http::StatusCode;
use axum::response::Response;

use super::query::{CURSOR, Params};
use super::{ApiResult, Sim, parse_json};
use crate::error::ApiError;
use crate::gateway::Caller;

/// The query parameters of `GET /v1/webhooks`, per the spec.
const LIST_QUERY: &[&str] = &["max", "ownedBy", CURSOR];

pub(super) async fn list_webhooks(
    State(sim): Sim,
    Extension(caller): Extension<Caller>,
    RawQuery(query): RawQuery,
) -> Result<Response, ApiError> {
    let params = Params::parse(query, LIST_QUERY)?;
    let request = params.page()?;
    let org_wide = match params.get("ownedBy") {
        None => false,
        Some("org") => true,
        Some(other) => {
            return Err(ApiError::bad_request(format!(
                "ownedBy may only be \"org\", not {other:?}."
            )));
        }
    };
    let page = sim.world().webhooks.page(&caller.id, org_wide, request);
    let list_url = format!("{}/webhooks", sim.api_url);
    Ok(page.respond(&list_url, params.raw(), request))
}

/// `POST /v1/webhooks` takes no query parameters, per the spec.
const CREATE_QUERY: &[&str] = &[];

pub(super) async fn create_webhook(
    State(sim): Sim,
    Extension(caller): Extension<Caller>,
    RawQuery(query): RawQuery,
    body: Bytes,
) -> ApiResult {
    Params::parse(query, CREATE_QUERY)?;
    let new = parse_json(&body)?;
    Ok(Json(sim.world().webhooks.create(&caller.id, new)?))
}

/// `GET /v1/webhooks/{webhookId}` takes no query parameters, per the spec.
const GET_QUERY: &[&str] = &[];

pub(super) async fn get_webhook(
    State(sim): Sim,
    Extension(caller): Extension<Caller>,
    Path(id): Path<String>,
    RawQuery(query): RawQuery,
) -> ApiResult {
    Params::parse(query, GET_QUERY)?;
    Ok(Json(sim.world().webhooks.get(&caller.id, &id)?))
}

/// `PUT /v1/webhooks/{webhookId}` takes no query parameters, per the spec.
const UPDATE_QUERY: &[&str] = &[];

pub(super) async fn update_webhook(
    State(sim): Sim,
    Extension(caller): Extension<Caller>,
    Path(id): Path<String>,
    RawQuery(query): RawQuery,
    body: Bytes,
) -> ApiResult {
    Params::parse(query, UPDATE_QUERY)?;
    let update = parse_json(&body)?;
    Ok(Json(sim.world().webhooks.update(&caller.id, &id, update)?))
}

/// `DELETE /v1/webhooks/{webhookId}` takes no query parameters, per the spec.
const DELETE_QUERY: &[&str] = &[];

pub(super) async fn delete_webhook(
    State(sim): Sim,
    Extension(caller): Extension<Caller>,
    Path(id): Path<String>,
    RawQuery(query): RawQuery,
) -> Result<StatusCode, ApiError> {
    Params::parse(query, DELETE_QUERY)?;
    sim.world().webhooks.delete(&caller.id, &id)?;
    Ok(StatusCode::NO_CONTENT)
}
