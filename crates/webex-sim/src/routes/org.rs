//! What the organization offers, to an admin: licenses (and assigning them), locations
//! and roles.

use axum::Json;
use axum::body::Bytes;
use axum::extract::{Extension, RawQuery, State};
use axum::response::Response;
use serde_json::json;

use super::query::{CURSOR, Params};
use super::{ApiResult, Sim, parse_json, require_admin};
use crate::error::ApiError;
use crate::gateway::Caller;
use crate::paging::Page;
use crate::world::LicenseAssignment;

/// The query parameters of `GET /v1/licenses`, per the spec: no `max`, no paging.
const LICENSES_QUERY: &[&str] = &["orgId"];

pub(super) async fn list_licenses(
    State(sim): Sim,
    Extension(caller): Extension<Caller>,
    RawQuery(query): RawQuery,
) -> ApiResult {
    let params = Params::parse(query, LICENSES_QUERY)?;
    require_admin(&sim, &caller, "spark-admin:licenses_read", "list licenses")?;
    let world = sim.world();
    world.check_org(params.get("orgId"))?;
    let licenses = world.catalog.licenses_json(|id| world.license_holders(id));
    Ok(Json(json!({ "items": licenses })))
}

/// The query parameters of `GET /v1/locations`, per the spec.
const LOCATIONS_QUERY: &[&str] = &["name", "id", "orgId", "max", CURSOR];

pub(super) async fn list_locations(
    State(sim): Sim,
    Extension(caller): Extension<Caller>,
    RawQuery(query): RawQuery,
) -> Result<Response, ApiError> {
    let params = Params::parse(query, LOCATIONS_QUERY)?;
    let request = params.page()?;
    require_admin(
        &sim,
        &caller,
        "spark-admin:locations_read",
        "list locations",
    )?;
    let locations = {
        let world = sim.world();
        world.check_org(params.get("orgId"))?;
        world
            .catalog
            .locations_json(params.get("name"), params.get("id"))
    };
    let list_url = format!("{}/locations", sim.api_url);
    Ok(Page::of_growing(locations, request).respond(&list_url, params.raw(), request))
}

/// `GET /v1/roles` takes no query parameters, per the spec.
const ROLES_QUERY: &[&str] = &[];

pub(super) async fn list_roles(
    State(sim): Sim,
    Extension(caller): Extension<Caller>,
    RawQuery(query): RawQuery,
) -> ApiResult {
    Params::parse(query, ROLES_QUERY)?;
    require_admin(&sim, &caller, "spark-admin:roles_read", "list roles")?;
    Ok(Json(json!({ "items": sim.world().catalog.roles_json() })))
}

/// `PATCH /v1/licenses/users` takes no query parameters, per the spec.
const ASSIGN_QUERY: &[&str] = &[];

pub(super) async fn assign_licenses(
    State(sim): Sim,
    Extension(caller): Extension<Caller>,
    RawQuery(query): RawQuery,
    body: Bytes,
) -> ApiResult {
    Params::parse(query, ASSIGN_QUERY)?;
    let assignment: LicenseAssignment = parse_json(&body)?;
    Ok(Json(sim.world().assign_licenses(&caller, assignment)?))
}
