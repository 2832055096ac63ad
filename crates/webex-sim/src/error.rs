//! The error body every failed Webex API call carries.

use axum::Json;
use axum::http::header::RETRY_AFTER;
use axum::http::{HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use serde_json::json;

/// A failed call: its status and the message Webex would give.
///
/// As a response it carries itself as an extension: the gateway writes the body,
/// because only the gateway knows the call's tracking id.
#[derive(Clone, Debug)]
pub(crate) struct ApiError {
    status: StatusCode,
    message: String,
    /// The `Retry-After` header: seconds, or an HTTP-date, the client must wait until.
    retry_after: Option<String>,
    /// A code naming the failure more precisely, sent as `errors[0].errorCode`, as the
    /// licenses API does.
    error_code: Option<u64>,
    /// The OAuth error code (RFC 6749) of a failed token request, such as "invalid_grant",
    /// sent as `error` beside Webex's own fields.
    oauth_error: Option<&'static str>,
}

impl ApiError {
    fn new(status: StatusCode, message: impl Into<String>) -> Self {
        Self {
            status,
            message: message.into(),
            retry_after: None,
            error_code: None,
            oauth_error: None,
        }
    }

    /// A refused license assignment, with the licenses API's error code.
    pub(crate) fn license(code: u64, message: impl Into<String>) -> Self {
        Self {
            error_code: Some(code),
            ..Self::bad_request(message)
        }
    }

    /// A refused token request: its status, RFC 6749 error code, and why.
    pub(crate) fn oauth(
        status: StatusCode,
        code: &'static str,
        message: impl Into<String>,
    ) -> Self {
        Self {
            oauth_error: Some(code),
            ..Self::new(status, message)
        }
    }

    pub(crate) fn bad_request(message: impl Into<String>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, message)
    }

    pub(crate) fn unauthorized() -> Self {
        Self::new(
            StatusCode::UNAUTHORIZED,
            "The request requires a valid access token set in the Authorization request header.",
        )
    }

    pub(crate) fn token_expired() -> Self {
        Self::new(StatusCode::UNAUTHORIZED, "The access token has expired.")
    }

    /// A call the token's owner may make, but not with this token: it lacks the scope.
    pub(crate) fn missing_scope(scope: &str) -> Self {
        Self::new(
            StatusCode::FORBIDDEN,
            format!("The access token lacks the scope {scope}, which this call requires."),
        )
    }

    pub(crate) fn forbidden(message: impl Into<String>) -> Self {
        Self::new(StatusCode::FORBIDDEN, message)
    }

    pub(crate) fn not_found(message: impl Into<String>) -> Self {
        Self::new(StatusCode::NOT_FOUND, message)
    }

    pub(crate) fn method_not_allowed() -> Self {
        Self::new(
            StatusCode::METHOD_NOT_ALLOWED,
            "The requested method is not supported on this resource.",
        )
    }

    pub(crate) fn unsupported_media_type(message: impl Into<String>) -> Self {
        Self::new(StatusCode::UNSUPPORTED_MEDIA_TYPE, message)
    }

    /// A call beyond a rate limit, to be retried after this many seconds.
    pub(crate) fn too_many_requests(retry_after: u64) -> Self {
        Self {
            retry_after: Some(retry_after.to_string()),
            ..Self::new(
                StatusCode::TOO_MANY_REQUESTS,
                "Too many requests have been sent in a given amount of time.",
            )
        }
    }

    pub(crate) fn conflict(message: impl Into<String>) -> Self {
        Self::new(StatusCode::CONFLICT, message)
    }

    /// A failure a test asked for, with the standard reason phrase of its status.
    pub(crate) fn injected(status: u16, retry_after: Option<u64>) -> Self {
        Self::injected_with(status, retry_after.map(|seconds| seconds.to_string()))
    }

    /// A failure a test asked for, with this `Retry-After` value as it is to be sent.
    pub(crate) fn injected_with(status: u16, retry_after: Option<String>) -> Self {
        let status = StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
        let reason = status.canonical_reason().unwrap_or("Simulated failure");
        Self {
            retry_after,
            ..Self::new(status, reason)
        }
    }

    /// A request body too large to take.
    pub(crate) fn payload_too_large() -> Self {
        Self::new(
            StatusCode::PAYLOAD_TOO_LARGE,
            "The request body is larger than the API takes.",
        )
    }

    pub(crate) fn status(&self) -> u16 {
        self.status.as_u16()
    }

    /// The response Webex sends for this error on the call with this tracking id.
    pub(crate) fn render(&self, tracking_id: &str) -> Response {
        let mut body = json!({
            "message": self.message,
            "errors": [{ "description": self.message }],
            "trackingId": tracking_id,
        });
        if let Some(code) = self.error_code {
            body["errors"][0]["errorCode"] = code.into();
        }
        if let Some(code) = self.oauth_error {
            body["error"] = code.into();
            body["error_description"] = self.message.clone().into();
        }
        let mut response = (self.status, Json(body)).into_response();
        if let Some(value) = self
            .retry_after
            .as_deref()
            .and_then(|value| HeaderValue::from_str(value).ok())
        {
            response.headers_mut().insert(RETRY_AFTER, value);
        }
        response
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let mut response = self.status.into_response();
        response.extensions_mut().insert(self);
        response
    }
}
