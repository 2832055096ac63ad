//! Card submissions.

use axum::Json;
use axum::extract::{Extension, Path, State};

use super::{ApiResult, Sim};
use crate::gateway::Caller;

pub(super) async fn get_action(
    State(sim): Sim,
    Extension(caller): Extension<Caller>,
    Path(id): Path<String>,
) -> ApiResult {
    Ok(Json(sim.world().action_json(&caller, &id)?))
}
