//! What the organization offers: licenses, locations and roles, to an admin.

use axum::Json;
use axum::extract::{Extension, Query, RawQuery, State};
use axum::response::Response;
use serde_json::json;

use super::{ApiResult, PageQuery, Sim, require_admin};
use crate::error::ApiError;
use crate::gateway::Caller;
use crate::paging::Page;

pub(super) async fn list_licenses(
    State(sim): Sim,
    Extension(caller): Extension<Caller>,
) -> ApiResult {
    require_admin(&sim, &caller, "licenses")?;
    let world = sim.world();
    let licenses = world.catalog.licenses_json(|id| world.license_holders(id));
    Ok(Json(json!({ "items": licenses })))
}

pub(super) async fn list_locations(
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

pub(super) async fn list_roles(State(sim): Sim, Extension(caller): Extension<Caller>) -> ApiResult {
    require_admin(&sim, &caller, "roles")?;
    Ok(Json(json!({ "items": sim.world().catalog.roles_json() })))
}
