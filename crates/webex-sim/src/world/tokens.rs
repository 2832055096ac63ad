//! Tokens over time: who a bearer token speaks for and with which scopes, the OAuth
//! integration the admin authorizes, its rotating refresh tokens and expiring access
//! tokens.

use std::time::{Duration, Instant};

use axum::http::StatusCode;
use serde_json::{Value, json};

use super::World;
use crate::error::ApiError;
use crate::gateway::Caller;
use crate::ids;

/// The scopes every admin token carries until a test takes one away.
pub(crate) const ADMIN_SCOPES: [&str; 5] = [
    "spark-admin:people_read",
    "spark-admin:people_write",
    "spark-admin:licenses_read",
    "spark-admin:locations_read",
    "spark-admin:roles_read",
];

/// How long an access token lasts unless a test says otherwise: the service-app example's
/// 3600 s (integration tokens last longer, 14 days; a shorter life is the strict side).
const ACCESS_TOKEN_LIFETIME: Duration = Duration::from_secs(3600);

/// How long a refresh token lasts unless a test says otherwise: 90 days, as Webex documents.
const REFRESH_TOKEN_LIFETIME: Duration = Duration::from_secs(90 * 24 * 3600);

/// An OAuth integration registered in the organization, which the admin authorizes.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct OAuthApp {
    pub client_id: String,
    pub client_secret: String,
}

/// One call of `POST /v1/access_token`, for tests to assert on.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Refresh {
    /// The refresh token the client presented; empty when it gave none.
    pub refresh_token: String,
    /// The status the token endpoint answered, before any injected fault.
    pub status: u16,
    pub at: Instant,
}

/// A refresh token handed out, until it is spent or expires.
struct RefreshToken {
    token: String,
    expires_at: Instant,
    /// Spent by its use (a new one replaces it) or by a revocation.
    spent: bool,
}

/// An access token the integration obtained; it acts as the admin until it expires.
struct AccessToken {
    token: String,
    expires_at: Instant,
}

/// The body of `POST /v1/access_token`.
pub(crate) struct RefreshRequest {
    pub(crate) grant_type: Option<String>,
    pub(crate) client_id: Option<String>,
    pub(crate) client_secret: Option<String>,
    pub(crate) refresh_token: Option<String>,
}

/// The organization's OAuth integration and the admin's scopes.
pub(crate) struct Tokens {
    app: OAuthApp,
    refresh_tokens: Vec<RefreshToken>,
    access_tokens: Vec<AccessToken>,
    access_lifetime: Duration,
    refresh_lifetime: Duration,
    /// What every admin token, static or OAuth, may do.
    admin_scopes: Vec<String>,
    /// Every token request, in order.
    refreshes: Vec<Refresh>,
}

impl Tokens {
    pub(crate) fn new() -> Self {
        Self {
            app: OAuthApp {
                client_id: format!("C{}", ids::access_token()),
                client_secret: ids::access_token(),
            },
            refresh_tokens: Vec::new(),
            access_tokens: Vec::new(),
            access_lifetime: ACCESS_TOKEN_LIFETIME,
            refresh_lifetime: REFRESH_TOKEN_LIFETIME,
            admin_scopes: ADMIN_SCOPES.map(str::to_owned).to_vec(),
            refreshes: Vec::new(),
        }
    }

    pub(crate) fn app(&self) -> OAuthApp {
        self.app.clone()
    }

    /// The admin authorizes the integration: a fresh refresh token.
    pub(crate) fn grant(&mut self) -> String {
        self.issue_refresh_token(Instant::now())
    }

    fn issue_refresh_token(&mut self, now: Instant) -> String {
        let token = ids::access_token();
        self.refresh_tokens.push(RefreshToken {
            token: token.clone(),
            expires_at: now + self.refresh_lifetime,
            spent: false,
        });
        token
    }

    pub(crate) fn set_access_lifetime(&mut self, lifetime: Duration) {
        self.access_lifetime = lifetime;
    }

    pub(crate) fn set_refresh_lifetime(&mut self, lifetime: Duration) {
        self.refresh_lifetime = lifetime;
    }

    /// Spends every outstanding refresh token, as a revocation in Control Hub does.
    pub(crate) fn revoke_refresh_tokens(&mut self) {
        for token in &mut self.refresh_tokens {
            token.spent = true;
        }
    }

    /// Ends every OAuth access token now.
    pub(crate) fn expire_access_tokens(&mut self) {
        let now = Instant::now();
        for token in &mut self.access_tokens {
            token.expires_at = token.expires_at.min(now);
        }
    }

    pub(crate) fn refreshes(&self) -> Vec<Refresh> {
        self.refreshes.clone()
    }

    pub(crate) fn remove_admin_scope(&mut self, scope: &str) {
        self.admin_scopes.retain(|held| held != scope);
    }

    pub(crate) fn admin_scopes(&self) -> &[String] {
        &self.admin_scopes
    }

    /// `POST /v1/access_token` with `grant_type=refresh_token`: a new access token and a
    /// new refresh token; the one presented is spent. Every call is recorded.
    pub(crate) fn refresh(&mut self, request: &RefreshRequest) -> Result<Value, ApiError> {
        let answer = self.answer_refresh(request);
        let status = match &answer {
            Ok(_) => 200,
            Err(error) => error.status(),
        };
        self.refreshes.push(Refresh {
            refresh_token: request.refresh_token.clone().unwrap_or_default(),
            status,
            at: Instant::now(),
        });
        answer
    }

    fn answer_refresh(&mut self, request: &RefreshRequest) -> Result<Value, ApiError> {
        match request.grant_type.as_deref() {
            Some("refresh_token") => {}
            None => return Err(invalid_request("grant_type is required.")),
            Some(other) => {
                return Err(ApiError::oauth(
                    StatusCode::BAD_REQUEST,
                    "unsupported_grant_type",
                    format!("Only grant_type=refresh_token is simulated, not {other:?}."),
                ));
            }
        }
        let is_client = request.client_id.as_deref() == Some(self.app.client_id.as_str())
            && request.client_secret.as_deref() == Some(self.app.client_secret.as_str());
        if !is_client {
            return Err(ApiError::oauth(
                StatusCode::UNAUTHORIZED,
                "invalid_client",
                "The client_id and client_secret do not name an integration of this organization.",
            ));
        }
        let presented = request
            .refresh_token
            .as_deref()
            .ok_or_else(|| invalid_request("refresh_token is required."))?;
        let now = Instant::now();
        let held = self
            .refresh_tokens
            .iter_mut()
            .find(|held| held.token == presented && !held.spent && now < held.expires_at)
            .ok_or_else(|| {
                ApiError::oauth(
                    StatusCode::BAD_REQUEST,
                    "invalid_grant",
                    "The refresh token is unknown, expired, revoked or already used.",
                )
            })?;
        held.spent = true;
        let refresh_token = self.issue_refresh_token(now);
        let access_token = ids::access_token();
        self.access_tokens.push(AccessToken {
            token: access_token.clone(),
            expires_at: now + self.access_lifetime,
        });
        Ok(json!({
            "access_token": access_token,
            "expires_in": whole_seconds(self.access_lifetime),
            "refresh_token": refresh_token,
            "refresh_token_expires_in": whole_seconds(self.refresh_lifetime),
            "token_type": "Bearer",
        }))
    }

    /// Whether this is an OAuth access token: Some(true) while it lasts, Some(false) once
    /// it has expired (to the instant), None when it is not one.
    fn access_token_lasts(&self, token: &str) -> Option<bool> {
        let held = self.access_tokens.iter().find(|held| held.token == token)?;
        Some(Instant::now() < held.expires_at)
    }
}

/// A lifetime in the whole seconds a token answer gives, at least 1.
fn whole_seconds(lifetime: Duration) -> u64 {
    lifetime.as_secs().max(1)
}

fn invalid_request(message: &str) -> ApiError {
    ApiError::oauth(StatusCode::BAD_REQUEST, "invalid_request", message)
}

impl World {
    /// The person a bearer token speaks for, with its scopes: a person's own token, or an
    /// OAuth access token of the admin's integration while it lasts.
    ///
    /// # Errors
    /// 401 for an unknown token, and for an access token past its expiry.
    pub(crate) fn authenticate(&self, token: &str) -> Result<Caller, ApiError> {
        let person_id = match self.tokens.access_token_lasts(token) {
            Some(true) => self.admin.id.clone(),
            Some(false) => return Err(ApiError::token_expired()),
            None => self
                .person_with_token(token)
                .ok_or_else(ApiError::unauthorized)?,
        };
        let email = self
            .person(&person_id)
            .map(|person| person.email().to_owned())
            .unwrap_or_default();
        let scopes = if person_id == self.admin.id {
            self.tokens.admin_scopes().to_vec()
        } else {
            Vec::new()
        };
        Ok(Caller {
            id: person_id,
            email,
            scopes,
        })
    }

    /// Refuses with 403 a caller who is not an admin of the organization, or whose token
    /// lacks the admin scope the call needs (the error names it).
    pub(crate) fn require_admin_scope(
        &self,
        caller: &Caller,
        scope: &str,
        action: &str,
    ) -> Result<(), ApiError> {
        if !self.is_admin(caller) {
            return Err(ApiError::forbidden(format!(
                "Only an administrator of the organization may {action}."
            )));
        }
        if !caller.scopes.iter().any(|held| held == scope) {
            return Err(ApiError::missing_scope(scope));
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn request(tokens: &Tokens, refresh_token: &str) -> RefreshRequest {
        RefreshRequest {
            grant_type: Some("refresh_token".to_owned()),
            client_id: Some(tokens.app.client_id.clone()),
            client_secret: Some(tokens.app.client_secret.clone()),
            refresh_token: Some(refresh_token.to_owned()),
        }
    }

    #[test]
    fn a_refresh_token_is_spent_by_its_use_and_replaced() {
        let mut tokens = Tokens::new();
        let first = tokens.grant();

        let answer = tokens
            .refresh(&request(&tokens, &first))
            .expect("a fresh token");
        let second = answer["refresh_token"]
            .as_str()
            .expect("a new refresh token")
            .to_owned();
        let again = tokens.refresh(&request(&tokens, &first));

        assert_ne!(first, second);
        assert_eq!(answer["token_type"], "Bearer");
        assert_eq!(answer["expires_in"], 3600);
        assert!(again.is_err_and(|error| error.status() == 400));
        assert!(tokens.refresh(&request(&tokens, &second)).is_ok());
        let statuses: Vec<u16> = tokens.refreshes().iter().map(|r| r.status).collect();
        assert_eq!(statuses, [200, 400, 200]);
    }

    #[test]
    fn lifetimes_are_whole_seconds_and_at_least_one() {
        assert_eq!(whole_seconds(Duration::from_millis(300)), 1);
        assert_eq!(whole_seconds(Duration::from_millis(2900)), 2);
        assert_eq!(whole_seconds(Duration::from_secs(3600)), 3600);
    }
}
