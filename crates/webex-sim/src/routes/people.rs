//! People: who they are, looking them up, and Create a Person.

use axum::Json;
use axum::body::Bytes;
use axum::extract::{Extension, Path, Query, State};
use serde::Deserialize;
use serde_json::{Map, Value, json};

use super::{ApiResult, Sim, parse_json};
use crate::Shared;
use crate::error::ApiError;
use crate::gateway::Caller;

/// The query every Person call accepts: `callingData=true` asks for the Webex Calling fields.
#[derive(Deserialize)]
pub(super) struct CallingQuery {
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
pub(super) struct PeopleQuery {
    email: Option<String>,
}

pub(super) async fn me(
    State(sim): Sim,
    Extension(caller): Extension<Caller>,
    Query(calling): Query<CallingQuery>,
) -> ApiResult {
    let calling_data = calling.shows_calling_data(&sim, &caller)?;
    Ok(Json(sim.world().person_json(&caller.id, calling_data)?))
}

pub(super) async fn list_people(
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

pub(super) async fn get_person(
    State(sim): Sim,
    Extension(caller): Extension<Caller>,
    Path(id): Path<String>,
    Query(calling): Query<CallingQuery>,
) -> ApiResult {
    let calling_data = calling.shows_calling_data(&sim, &caller)?;
    Ok(Json(sim.world().person_json(&id, calling_data)?))
}

/// Create a Person; with `callingData=true` the answer shows the Webex Calling fields.
pub(super) async fn create_person(
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
