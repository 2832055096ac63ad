//! Webhook registrations.

use axum::Json;
use axum::body::Bytes;
use axum::extract::{Extension, Path, Query, RawQuery, State};
use axum::http::StatusCode;
use axum::response::Response;

use super::{ApiResult, PageQuery, Sim, parse_json};
use crate::error::ApiError;
use crate::gateway::Caller;

pub(super) async fn list_webhooks(
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

pub(super) async fn create_webhook(
    State(sim): Sim,
    Extension(caller): Extension<Caller>,
    body: Bytes,
) -> ApiResult {
    let new = parse_json(&body)?;
    Ok(Json(sim.world().webhooks.create(&caller.id, new)?))
}

pub(super) async fn get_webhook(
    State(sim): Sim,
    Extension(caller): Extension<Caller>,
    Path(id): Path<String>,
) -> ApiResult {
    Ok(Json(sim.world().webhooks.get(&caller.id, &id)?))
}

pub(super) async fn update_webhook(
    State(sim): Sim,
    Extension(caller): Extension<Caller>,
    Path(id): Path<String>,
    body: Bytes,
) -> ApiResult {
    let update = parse_json(&body)?;
    Ok(Json(sim.world().webhooks.update(&caller.id, &id, update)?))
}

pub(super) async fn delete_webhook(
    State(sim): Sim,
    Extension(caller): Extension<Caller>,
    Path(id): Path<String>,
) -> Result<StatusCode, ApiError> {
    sim.world().webhooks.delete(&caller.id, &id)?;
    Ok(StatusCode::NO_CONTENT)
}
