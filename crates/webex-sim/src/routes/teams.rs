//! Teams and their memberships.

use axum::Json;
use axum::body::Bytes;
use axum::extract::{Extension, Path, RawQuery, State};
use axum::response::Response;

use super::query::{CURSOR, Params};
use super::{ApiResult, Sim, parse_json};
use crate::error::ApiError;
use crate::gateway::Caller;
use crate::paging::Page;
use crate::world::NewTeamMembership;

/// The query parameters of `GET /v1/teams/{teamId}`, per the spec (which lists
/// `description`, though it filters nothing).
const GET_TEAM_QUERY: &[&str] = &["description"];

pub(super) async fn get_team(
    State(sim): Sim,
    Extension(caller): Extension<Caller>,
    Path(id): Path<String>,
    RawQuery(query): RawQuery,
) -> ApiResult {
    Params::parse(query, GET_TEAM_QUERY)?;
    Ok(Json(sim.world().team_json(&caller, &id)?))
}

/// The query parameters of `GET /v1/team/memberships`, per the spec.
const LIST_QUERY: &[&str] = &["teamId", "max", CURSOR];

pub(super) async fn list_team_memberships(
    State(sim): Sim,
    Extension(caller): Extension<Caller>,
    RawQuery(query): RawQuery,
) -> Result<Response, ApiError> {
    let params = Params::parse(query, LIST_QUERY)?;
    let request = params.page()?;
    let team_id = params
        .get("teamId")
        .ok_or_else(|| ApiError::bad_request("teamId is required."))?;
    let memberships = sim.world().team_memberships_json(&caller, team_id)?;
    let list_url = format!("{}/team/memberships", sim.api_url);
    Ok(Page::of_growing(memberships, request).respond(&list_url, params.raw(), request))
}

/// `POST /v1/team/memberships` takes no query parameters, per the spec.
const ADD_QUERY: &[&str] = &[];

pub(super) async fn add_team_membership(
    State(sim): Sim,
    Extension(caller): Extension<Caller>,
    RawQuery(query): RawQuery,
    body: Bytes,
) -> ApiResult {
    Params::parse(query, ADD_QUERY)?;
    let new: NewTeamMembership = parse_json(&body)?;
    Ok(Json(sim.world().add_team_membership(&caller, new)?))
}
