//! Tokens over time: the admin's OAuth integration, its refresh and access tokens, and the
//! scopes admin tokens carry.

use std::time::Duration;

use crate::{OAuthApp, Refresh, Simulator};

impl Simulator {
    /// The OAuth integration registered in the organization.
    pub fn oauth_app(&self) -> OAuthApp {
        self.shared.world().tokens.app()
    }

    /// The admin authorizes the integration, as in Control Hub: a fresh refresh token for
    /// `POST /v1/access_token`. Its access tokens act as the admin, with the admin's scopes.
    pub fn grant_admin_refresh_token(&self) -> String {
        self.shared.world().tokens.grant()
    }

    /// How long access tokens issued from now on last (3600 s unless set). The answer's
    /// `expires_in` gives it in whole seconds, at least 1; the token stops working at its
    /// expiry to the instant, and a call with it then answers 401.
    pub fn set_access_token_lifetime(&self, lifetime: Duration) {
        self.shared.world().tokens.set_access_lifetime(lifetime);
    }

    /// How long refresh tokens issued from now on last (90 days unless set).
    pub fn set_refresh_token_lifetime(&self, lifetime: Duration) {
        self.shared.world().tokens.set_refresh_lifetime(lifetime);
    }

    /// Spends every outstanding refresh token of the integration: using one answers 400
    /// `invalid_grant`.
    pub fn revoke_refresh_tokens(&self) {
        self.shared.world().tokens.revoke_refresh_tokens();
    }

    /// Ends every OAuth access token now: calls with them answer 401. The admin's static
    /// token keeps working.
    pub fn expire_access_tokens(&self) {
        self.shared.world().tokens.expire_access_tokens();
    }

    /// Every call of `POST /v1/access_token` so far, in order.
    pub fn refreshes(&self) -> Vec<Refresh> {
        self.shared.world().tokens.refreshes()
    }

    /// Takes a scope, such as "spark-admin:people_write", away from every admin token,
    /// static and OAuth alike: the calls that need it answer 403 naming it.
    pub fn remove_admin_scope(&self, scope: &str) {
        self.shared.world().tokens.remove_admin_scope(scope);
    }
}
