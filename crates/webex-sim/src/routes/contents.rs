//! Downloading a message's file from its content URL. Not in the OpenAPI specs: Webex's
//! message-attachments guide describes it.

use axum::extract::{Extension, Path, RawQuery, State};
use axum::http::HeaderValue;
use axum::http::header::{CONTENT_DISPOSITION, CONTENT_TYPE};
use axum::response::{IntoResponse, Response};

use super::Sim;
use super::query::Params;
use crate::error::ApiError;
use crate::gateway::Caller;

/// The simulator defines no query parameters for a download.
const CONTENT_QUERY: &[&str] = &[];

pub(super) async fn get_content(
    State(sim): Sim,
    Extension(caller): Extension<Caller>,
    Path(id): Path<String>,
    RawQuery(query): RawQuery,
) -> Result<Response, ApiError> {
    Params::parse(query, CONTENT_QUERY)?;
    let file = sim.world().content_for(&caller, &id)?;
    let content_type = HeaderValue::from_str(&file.content_type)
        .unwrap_or(HeaderValue::from_static("application/octet-stream"));
    let escaped = file.name.replace('\\', "\\\\").replace('"', "\\\"");
    let disposition = HeaderValue::from_str(&format!("attachment; filename=\"{escaped}\""))
        .unwrap_or(HeaderValue::from_static("attachment"));
    Ok((
        [
            (CONTENT_TYPE, content_type),
            (CONTENT_DISPOSITION, disposition),
        ],
        file.bytes,
    )
        .into_response())
}
