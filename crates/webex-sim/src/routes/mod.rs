//! The REST endpoints, one file per resource: each handler parses its request, asks the
//! world, and shapes the answer.

mod actions;
mod contents;
mod messages;
mod multipart;
mod oauth;
mod org;
mod people;
mod query;
mod rooms;
mod teams;
mod webhooks;

use std::sync::Arc;

use axum::extract::{DefaultBodyLimit, State};
use axum::routing::{get, patch, post};
use axum::{Json, Router, middleware};
use serde::de::DeserializeOwned;
use serde_json::Value;

use super::Shared;
use super::error::ApiError;
use super::gateway::{Caller, MAX_BODY_BYTES, gateway};

pub(super) type Sim = State<Arc<Shared>>;
pub(super) type ApiResult = Result<Json<Value>, ApiError>;

/// The Webex REST API under `/v1`, behind the gateway.
pub(crate) fn router(sim: Arc<Shared>) -> Router {
    Router::new()
        .route(
            "/v1/people",
            get(people::list_people).post(people::create_person),
        )
        .route("/v1/people/me", get(people::me))
        .route("/v1/people/{id}", get(people::get_person))
        .route("/v1/rooms/{id}", get(rooms::get_room))
        .route(
            "/v1/memberships",
            get(rooms::list_memberships).post(rooms::add_membership),
        )
        .route("/v1/teams/{id}", get(teams::get_team))
        .route(
            "/v1/team/memberships",
            get(teams::list_team_memberships).post(teams::add_team_membership),
        )
        .route("/v1/licenses", get(org::list_licenses))
        .route("/v1/licenses/users", patch(org::assign_licenses))
        .route("/v1/locations", get(org::list_locations))
        .route("/v1/roles", get(org::list_roles))
        .route(
            "/v1/messages",
            get(messages::list_messages).post(messages::create_message),
        )
        .route("/v1/messages/direct", get(messages::list_direct_messages))
        .route(
            "/v1/messages/{id}",
            get(messages::get_message)
                .put(messages::edit_message)
                .delete(messages::delete_message),
        )
        .route("/v1/attachment/actions", post(actions::create_action))
        .route("/v1/attachment/actions/{id}", get(actions::get_action))
        .route("/v1/contents/{id}", get(contents::get_content))
        .route("/v1/access_token", post(oauth::access_token))
        .route(
            "/v1/webhooks",
            get(webhooks::list_webhooks).post(webhooks::create_webhook),
        )
        .route(
            "/v1/webhooks/{id}",
            get(webhooks::get_webhook)
                .put(webhooks::update_webhook)
                .delete(webhooks::delete_webhook),
        )
        // Webex takes files of up to 100 MB.
        .layer(DefaultBodyLimit::max(MAX_BODY_BYTES))
        .fallback(|| async { ApiError::not_found("The requested resource could not be found.") })
        .method_not_allowed_fallback(|| async { ApiError::method_not_allowed() })
        .layer(middleware::from_fn_with_state(Arc::clone(&sim), gateway))
        .with_state(sim)
}

/// Parses a request body, answering 400 with the reason when it does not fit.
pub(super) fn parse_json<T: DeserializeOwned>(body: &[u8]) -> Result<T, ApiError> {
    serde_json::from_slice(body)
        .map_err(|error| ApiError::bad_request(format!("The request body is invalid: {error}")))
}

/// Only an admin whose token holds the scope may make the call; others get 403, as in
/// Webex, naming the scope when the admin's token lacks it.
pub(super) fn require_admin(
    sim: &Shared,
    caller: &Caller,
    scope: &str,
    action: &str,
) -> Result<(), ApiError> {
    sim.world().require_admin_scope(caller, scope, action)
}
