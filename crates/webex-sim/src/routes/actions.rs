//! Card submissions: reading one, and submitting a card through the API.

use axum::Json;
use axum::body::Bytes;
use axum::extract::{Extension, Path, RawQuery, State};
use axum::http::StatusCode;
use serde_json::Value;

use super::query::Params;
use super::{ApiResult, Sim, parse_json};
use crate::error::ApiError;
use crate::gateway::Caller;
use crate::world::NewAction;

/// `GET /v1/attachment/actions/{id}` takes no query parameters, per the spec.
const GET_QUERY: &[&str] = &[];

pub(super) async fn get_action(
    State(sim): Sim,
    Extension(caller): Extension<Caller>,
    Path(id): Path<String>,
    RawQuery(query): RawQuery,
) -> ApiResult {
    Params::parse(query, GET_QUERY)?;
    Ok(Json(sim.world().action_json(&caller, &id)?))
}

/// `POST /v1/attachment/actions` takes no query parameters, per the spec.
const CREATE_QUERY: &[&str] = &[];

/// A person submits a card through the API. The spec's only success status is 202.
pub(super) async fn create_action(
    State(sim): Sim,
    Extension(caller): Extension<Caller>,
    RawQuery(query): RawQuery,
    body: Bytes,
) -> Result<(StatusCode, Json<Value>), ApiError> {
    Params::parse(query, CREATE_QUERY)?;
    let new: NewAction = parse_json(&body)?;
    let (action, deliveries) = sim.world().submit_through_api(&caller, new)?;
    tokio::spawn(async move { sim.deliver_all(deliveries).await });
    Ok((StatusCode::ACCEPTED, Json(action)))
}
