//! The OAuth token endpoint, where an integration trades its refresh token for a new
//! access token (and a new refresh token). Documented in Webex's authentication guide,
//! not in the OpenAPI specs.

use axum::Json;
use axum::body::Bytes;
use axum::extract::{RawQuery, State};
use axum::http::header::CONTENT_TYPE;
use axum::http::{HeaderMap, StatusCode};

use super::query::Params;
use super::{ApiResult, Sim};
use crate::error::ApiError;
use crate::form;
use crate::world::RefreshRequest;

const FORM: &str = "application/x-www-form-urlencoded";

/// The token endpoint takes its parameters in the body, none in the query.
const TOKEN_QUERY: &[&str] = &[];

/// The fields of the token request this simulator knows.
const FIELDS: [&str; 4] = ["grant_type", "client_id", "client_secret", "refresh_token"];

pub(super) async fn access_token(
    State(sim): Sim,
    RawQuery(query): RawQuery,
    headers: HeaderMap,
    body: Bytes,
) -> ApiResult {
    Params::parse(query, TOKEN_QUERY)?;
    let request = parse(&headers, &body)?;
    Ok(Json(sim.world().tokens.refresh(&request)?))
}

/// The form, refusing another content type with 415 and a field it does not know, or one
/// given twice, with 400 (`invalid_request`).
fn parse(headers: &HeaderMap, body: &[u8]) -> Result<RefreshRequest, ApiError> {
    let content_type = headers
        .get(CONTENT_TYPE)
        .and_then(|value| value.to_str().ok())
        .unwrap_or_default();
    if !content_type.starts_with(FORM) {
        return Err(ApiError::oauth(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "invalid_request",
            format!("The token request must be {FORM}, not {content_type:?}."),
        ));
    }
    let text = std::str::from_utf8(body).map_err(|_| invalid("The form is not UTF-8."))?;
    let mut request = RefreshRequest {
        grant_type: None,
        client_id: None,
        client_secret: None,
        refresh_token: None,
    };
    for (name, value) in form::pairs(text)? {
        let slot = match name.as_str() {
            "grant_type" => &mut request.grant_type,
            "client_id" => &mut request.client_id,
            "client_secret" => &mut request.client_secret,
            "refresh_token" => &mut request.refresh_token,
            other => {
                return Err(invalid(&format!(
                    "The token request takes {FIELDS:?}, not {other:?}."
                )));
            }
        };
        if slot.replace(value).is_some() {
            return Err(invalid(&format!("{name} is given more than once.")));
        }
    }
    Ok(request)
}

fn invalid(message: &str) -> ApiError {
    ApiError::oauth(StatusCode::BAD_REQUEST, "invalid_request", message)
}
