//! Rooms and their memberships.

use axum::Json;
use axum::body::Bytes;
use axum::extract::{Extension, Path, RawQuery, State};
use axum::response::Response;

use super::query::{CURSOR, Params};
use super::{ApiResult, Sim, parse_json};
use crate::error::ApiError;
use crate::gateway::Caller;
use crate::paging::Page;
use crate::world::{MembershipFilter, NewMembership};

/// `GET /v1/rooms/{roomId}` takes no query parameters, per the spec.
const GET_ROOM_QUERY: &[&str] = &[];

pub(super) async fn get_room(
    State(sim): Sim,
    Extension(caller): Extension<Caller>,
    Path(id): Path<String>,
    RawQuery(query): RawQuery,
) -> ApiResult {
    Params::parse(query, GET_ROOM_QUERY)?;
    Ok(Json(sim.world().room_json(&caller, &id)?))
}

/// The query parameters of `GET /v1/memberships`, per the spec.
const LIST_MEMBERSHIPS_QUERY: &[&str] = &["roomId", "personId", "personEmail", "max", CURSOR];

pub(super) async fn list_memberships(
    State(sim): Sim,
    Extension(caller): Extension<Caller>,
    RawQuery(query): RawQuery,
) -> Result<Response, ApiError> {
    let params = Params::parse(query, LIST_MEMBERSHIPS_QUERY)?;
    let request = params.page()?;
    let filter = MembershipFilter {
        room_id: params.get("roomId").map(str::to_owned),
        person_id: params.get("personId").map(str::to_owned),
        person_email: params.get("personEmail").map(str::to_owned),
    };
    let memberships = sim.world().memberships_json(&caller, &filter)?;
    let list_url = format!("{}/memberships", sim.api_url);
    Ok(Page::of_growing(memberships, request).respond(&list_url, params.raw(), request))
}

/// `POST /v1/memberships` takes no query parameters, per the spec.
const ADD_MEMBERSHIP_QUERY: &[&str] = &[];

pub(super) async fn add_membership(
    State(sim): Sim,
    Extension(caller): Extension<Caller>,
    RawQuery(query): RawQuery,
    body: Bytes,
) -> ApiResult {
    Params::parse(query, ADD_MEMBERSHIP_QUERY)?;
    let new: NewMembership = parse_json(&body)?;
    Ok(Json(sim.world().add_membership(&caller, new)?))
}
