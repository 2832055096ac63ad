//! Rooms and their memberships.

use axum::Json;
use axum::extract::{Extension, Path, Query, RawQuery, State};
use axum::response::Response;

use super::{ApiResult, PageQuery, Sim};
use crate::error::ApiError;
use crate::gateway::Caller;
use crate::paging::Page;
use crate::world::MembershipFilter;

pub(super) async fn get_room(
    State(sim): Sim,
    Extension(caller): Extension<Caller>,
    Path(id): Path<String>,
) -> ApiResult {
    Ok(Json(sim.world().room_json(&caller, &id)?))
}

pub(super) async fn list_memberships(
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
