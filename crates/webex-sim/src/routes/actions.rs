//! Card submissions.

use axum::Json;
use axum::extract::{Extension, Path, RawQuery, State};

use super::query::Params;
use super::{ApiResult, Sim};
use crate::gateway::Caller;

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
