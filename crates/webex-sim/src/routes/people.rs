//! People: who they are, looking them up, and Create a Person.

use axum::Json;
use axum::body::Bytes;
use axum::extract::{Extension, Path, RawQuery, State};
use axum::response::Response;
use serde_json::{Map, Value, json};

use super::query::{CURSOR, Params};
use super::{ApiResult, Sim, parse_json};
use crate::error::ApiError;
use crate::gateway::Caller;
use crate::paging::Page;
use crate::world::PeopleFilter;

/// The query parameters of `GET /v1/people/me`, per the spec.
const ME_QUERY: &[&str] = &["callingData"];

pub(super) async fn me(
    State(sim): Sim,
    Extension(caller): Extension<Caller>,
    RawQuery(query): RawQuery,
) -> ApiResult {
    let params = Params::parse(query, ME_QUERY)?;
    let world = sim.world();
    let view = world.person_view(&caller, params.flag("callingData")?);
    Ok(Json(world.person_json(&caller.id, view)?))
}

/// The query parameters of `GET /v1/people`, per the spec.
const LIST_QUERY: &[&str] = &[
    "email",
    "displayName",
    "id",
    "orgId",
    "roles",
    "callingData",
    "locationId",
    "max",
    "excludeStatus",
    CURSOR,
];

pub(super) async fn list_people(
    State(sim): Sim,
    Extension(caller): Extension<Caller>,
    RawQuery(query): RawQuery,
) -> Result<Response, ApiError> {
    let params = Params::parse(query, LIST_QUERY)?;
    let request = params.page()?;
    // Presence is not simulated, so there is no status to exclude.
    params.flag("excludeStatus")?;
    let filter = PeopleFilter {
        email: params.get("email").map(str::to_owned),
        display_name: params.get("displayName").map(str::to_owned),
        ids: params.get("id").map(str::to_owned),
        roles: params.get("roles").map(str::to_owned),
        location_id: params.get("locationId").map(str::to_owned),
    };
    let people = {
        let world = sim.world();
        world.check_org(params.get("orgId"))?;
        let view = world.person_view(&caller, params.flag("callingData")?);
        world.list_people(&caller, &filter, view)?
    };
    let list_url = format!("{}/people", sim.api_url);
    Ok(Page::of_growing(people, request).respond(&list_url, params.raw(), request))
}

/// The query parameters of `GET /v1/people/{personId}`, per the spec.
const GET_QUERY: &[&str] = &["callingData"];

pub(super) async fn get_person(
    State(sim): Sim,
    Extension(caller): Extension<Caller>,
    Path(id): Path<String>,
    RawQuery(query): RawQuery,
) -> ApiResult {
    let params = Params::parse(query, GET_QUERY)?;
    let world = sim.world();
    let view = world.person_view(&caller, params.flag("callingData")?);
    Ok(Json(world.person_json(&id, view)?))
}

/// The query parameters of `POST /v1/people`, per the spec.
const CREATE_QUERY: &[&str] = &["callingData", "minResponse"];

/// Create a Person; with `callingData=true` the answer shows the Webex Calling fields, with
/// `minResponse=true` only the new person's id.
pub(super) async fn create_person(
    State(sim): Sim,
    Extension(caller): Extension<Caller>,
    RawQuery(query): RawQuery,
    body: Bytes,
) -> ApiResult {
    let params = Params::parse(query, CREATE_QUERY)?;
    let min_response = params.flag("minResponse")?;
    let fields: Map<String, Value> = parse_json(&body)?;
    let created = {
        let mut world = sim.world();
        let view = world.person_view(&caller, params.flag("callingData")?);
        world.create_person(&caller, fields, view)?
    };
    if min_response {
        return Ok(Json(json!({ "id": created["id"] })));
    }
    Ok(Json(created))
}
