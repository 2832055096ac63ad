//! The admin token's lifecycle: a static `WEBEX_ADMIN_TOKEN`, or an OAuth chain renewed from
//! `WEBEX_ADMIN_REFRESH_TOKEN` while the bot runs.
//!
//! The chain lives in the database, so that every replica and every restart uses the newest
//! refresh token, and refreshes one at a time: a replica refreshes only while it holds the
//! chain's lease, stores what Webex gave before it uses it, and the others then read it. A
//! refresh runs in a task of its own, so that a caller that stops waiting cannot lose what
//! Webex gave. While a refresh fails or another replica's is under way, the token held is used
//! as long as it is valid. A refusal of the refresh token raises one alert and makes admin
//! calls wait ([`WebexError::Credentials`]) until an operator configures a new token.

mod refresh;

use std::sync::Arc;
use std::time::Duration;

use secrecy::{ExposeSecret, SecretString};
use sha2::{Digest, Sha256};
use tokio::sync::Mutex;
use tokio_util::sync::CancellationToken;

pub use refresh::OAuthClient;
use refresh::{RefreshError, refresh};

use crate::metrics::Metrics;
use crate::ops::alerts::{Alert, Alerts};
use crate::replies;
use crate::store::{OAuthRow, Store, StoreError};
use crate::webex::{Bearer, BoxFuture, StaticToken, TokenSource, WebexError};

/// The chain's name in the database.
const ADMIN: &str = "admin";

/// The shortest time a replica may hold the right to refresh; longer when calls may take
/// longer (three call timeouts).
const MIN_LEASE: Duration = Duration::from_secs(30);

/// How often a waiting caller looks whether the other replica's refresh is in.
const LOOK_AGAIN: Duration = Duration::from_millis(50);

/// Warned about a week before the refresh token expires.
const EXPIRY_WARNING_MS: i64 = 7 * 24 * 3600 * 1000;

/// After a failed refresh, the next is tried no sooner than this, while the held token lasts.
const REFRESH_BACKOFF_MS: i64 = 5_000;

/// The held token is alerted about when a refresh fails and less than this is left of it.
const NEAR_EXPIRY_MS: i64 = 15 * 60 * 1000;

/// The static admin token: a refusal raises an alert and makes admin calls wait.
pub struct StaticAdminToken {
    token: StaticToken,
    alerts: Alerts,
}

impl StaticAdminToken {
    /// `WEBEX_ADMIN_TOKEN`, whose refusal is alerted.
    pub fn new(token: SecretString, alerts: Alerts) -> Self {
        Self {
            token: StaticToken::new(token, "WEBEX_ADMIN_TOKEN"),
            alerts,
        }
    }
}

impl TokenSource for StaticAdminToken {
    fn bearer(&self) -> BoxFuture<'_, Result<Bearer, WebexError>> {
        self.token.bearer()
    }

    fn refused(&self, generation: i64, again: bool) -> BoxFuture<'_, Result<(), WebexError>> {
        Box::pin(async move {
            let refused = self.token.refused(generation, again).await;
            self.alerts
                .raise(Alert::AdminToken {
                    reason: replies::ADMIN_TOKEN_REFUSED.to_owned(),
                })
                .await;
            refused
        })
    }
}

/// The admin token renewed through OAuth, shared by every replica through the database.
pub struct OAuthToken {
    inner: Arc<Inner>,
}

struct Inner {
    store: Store,
    http: reqwest::Client,
    api_url: String,
    client: OAuthClient,
    /// Who holds the lease when this process refreshes.
    holder: String,
    lease: Duration,
    alerts: Alerts,
    metrics: Metrics,
    /// The access token this process last read or got.
    current: Mutex<Held>,
    /// Why Webex refused the client id or secret, once it did: only a restart with other ones
    /// helps, and the refresh token may still be good, so the chain is not marked.
    client_refused: std::sync::Mutex<Option<String>>,
}

#[derive(Default)]
struct Held {
    token: Option<Current>,
    /// No refresh is tried before this (milliseconds since the epoch) after one failed.
    next_try_at: i64,
}

#[derive(Clone)]
struct Current {
    token: SecretString,
    generation: i64,
    expires_at: i64,
    /// A fifth of the token's life before it expires: "well before".
    due_at: i64,
}

/// What calls wait on when Webex refused the chain.
fn refused_error(reason: &str) -> WebexError {
    WebexError::Credentials {
        reason: replies::admin_refresh_token_refused(reason),
    }
}

/// What calls get while the token cannot be renewed just now.
fn token_error(reason: impl Into<String>) -> WebexError {
    WebexError::Token {
        reason: reason.into(),
    }
}

fn store_error(error: StoreError) -> WebexError {
    token_error(format!("its state cannot be read: {error}"))
}

impl OAuthToken {
    /// Starts from the chain in the database, or from `refresh_token` the first time that
    /// token is configured (its hash tells).
    pub async fn start(
        store: Store,
        api_url: &str,
        timeout: Duration,
        client: OAuthClient,
        refresh_token: &SecretString,
        alerts: Alerts,
        metrics: Metrics,
    ) -> Result<Self, StoreError> {
        let hash = hex::encode(Sha256::digest(refresh_token.expose_secret().as_bytes()));
        if store
            .adopt_refresh_token(ADMIN, &hash, refresh_token)
            .await?
        {
            tracing::info!("the configured admin refresh token starts the chain");
        }
        let http = crate::webex::http_client(timeout)
            .map_err(|e| StoreError::Unrecorded(e.to_string()))?;
        Ok(Self {
            inner: Arc::new(Inner {
                store,
                http,
                api_url: api_url.to_owned(),
                client,
                holder: crate::store::process_id(),
                lease: MIN_LEASE.max(timeout * 3),
                alerts,
                metrics,
                current: Mutex::new(Held::default()),
                client_refused: std::sync::Mutex::new(None),
            }),
        })
    }

    /// Refreshes now, whether the token is due or not (for `check`): proves that the refresh
    /// token, the client id and the secret work together.
    pub async fn refresh_now(&self) -> Result<(), WebexError> {
        let generation = self.inner.current.lock().await.token.as_ref().map_or(
            match self.inner.store.oauth_row(ADMIN).await {
                Ok(Some(row)) => row.generation,
                Ok(None) => 0,
                Err(error) => return Err(store_error(error)),
            },
            |held| held.generation,
        );
        self.inner.fresh(Some(generation)).await.map(drop)
    }

    /// Keeps the chain alive while the bot runs, even when nobody asks for the token: refreshes
    /// when the token is due, alerts when it cannot be refreshed before it expires, and warns a
    /// week before the refresh token expires.
    pub async fn keep_fresh(&self, stop: CancellationToken) {
        let inner = &self.inner;
        loop {
            let pause = match inner.fresh(None).await {
                Ok(_) => {
                    inner.warn_before_expiry().await;
                    let held = inner.current.lock().await.token.clone();
                    let now = inner.store.now();
                    held.map_or(Duration::from_secs(60), |held| {
                        inner
                            .metrics
                            .admin_token_expires_in(seconds(held.expires_at - now));
                        millis((held.due_at - now).max(0) + 100)
                    })
                }
                Err(error) => {
                    tracing::warn!(%error, "the admin token is not fresh");
                    Duration::from_secs(10)
                }
            };
            tokio::select! {
                () = tokio::time::sleep(pause.min(Duration::from_secs(3600))) => {}
                () = stop.cancelled() => return,
            }
        }
    }
}

impl Inner {
    /// The access token to call with: the one this process holds while it is not due, else
    /// the newest one stored, else a fresh one from a refresh (by this replica, or another).
    /// While a refresh fails or another replica's is under way, the token held serves as long
    /// as it is valid and was not refused.
    async fn fresh(self: &Arc<Self>, refused: Option<i64>) -> Result<Bearer, WebexError> {
        if let Some(reason) = self.client_refused.lock().expect("not poisoned").clone() {
            return Err(WebexError::Credentials { reason });
        }
        let mut held = self.current.lock().await;
        let valid = |held: &Held, now: i64| {
            held.token
                .as_ref()
                .filter(|t| refused.is_none_or(|g| t.generation > g) && now < t.expires_at)
                .map(Current::bearer)
        };
        if let Some(token) = &held.token
            && refused.is_none_or(|g| token.generation > g)
            && self.store.now() < token.due_at
        {
            return Ok(token.bearer());
        }
        let deadline = tokio::time::Instant::now() + self.lease + Duration::from_secs(5);
        loop {
            let row = self
                .store
                .oauth_row(ADMIN)
                .await
                .map_err(store_error)?
                .ok_or_else(|| refused_error("it is not in the database"))?;
            if let Some(reason) = &row.refused {
                return Err(refused_error(reason));
            }
            let now = self.store.now();
            if let Some(stored) = usable(&row, refused, now) {
                self.metrics
                    .admin_token_expires_in(seconds(stored.expires_at - now));
                let bearer = stored.bearer();
                held.token = Some(stored);
                return Ok(bearer);
            }
            if now < held.next_try_at
                && let Some(bearer) = valid(&held, now)
            {
                return Ok(bearer);
            }
            if self
                .store
                .take_refresh_lease(ADMIN, row.generation, &self.holder, millis_i64(self.lease))
                .await
                .map_err(store_error)?
            {
                // In a task of its own: what Webex gives must be stored even if this caller
                // stops waiting, because the refresh token it used is spent.
                let refreshing = tokio::spawn(self.clone().refresh(row));
                let refreshed = refreshing
                    .await
                    .unwrap_or_else(|e| Err(token_error(format!("the refresh failed: {e}"))));
                return match refreshed {
                    Ok(fresh) => {
                        let bearer = fresh.bearer();
                        held.token = Some(fresh);
                        Ok(bearer)
                    }
                    Err(error @ WebexError::Token { .. }) => {
                        held.next_try_at = self.store.now() + REFRESH_BACKOFF_MS;
                        let now = self.store.now();
                        match valid(&held, now) {
                            Some(bearer) => {
                                tracing::warn!(%error, "the admin token held serves meanwhile");
                                self.alert_near_expiry(&held, now, &error).await;
                                Ok(bearer)
                            }
                            None => {
                                self.alert_near_expiry(&held, now, &error).await;
                                Err(error)
                            }
                        }
                    }
                    Err(error) => Err(error),
                };
            }
            // Another replica refreshes: the token held serves while it is valid.
            if let Some(bearer) = valid(&held, now) {
                return Ok(bearer);
            }
            if tokio::time::Instant::now() >= deadline {
                return Err(token_error(
                    "another replica's refresh of it did not finish",
                ));
            }
            tokio::time::sleep(LOOK_AGAIN).await;
        }
    }

    /// Refreshes the chain at `row`'s generation, holding its lease; what Webex gives is stored
    /// before it is used.
    async fn refresh(self: Arc<Self>, row: OAuthRow) -> Result<Current, WebexError> {
        let now = self.store.now();
        let answer = refresh(
            &self.http,
            &self.api_url,
            &self.client,
            &row.refresh_token,
            now,
            &self.metrics,
        )
        .await;
        let refreshed = match answer {
            Ok(refreshed) => refreshed,
            Err(RefreshError::Refused { status, message }) => {
                let reason = format!("Webex answered {status}: {message}");
                self.store
                    .refuse_refresh_token(ADMIN, row.generation, &reason)
                    .await
                    .map_err(store_error)?;
                let error = refused_error(&reason);
                self.alerts
                    .raise(Alert::AdminToken {
                        reason: error.to_string(),
                    })
                    .await;
                return Err(error);
            }
            Err(RefreshError::Client { status, message }) => {
                let reason = replies::admin_client_refused(status, &message);
                let _ = self.store.release_refresh_lease(ADMIN, &self.holder).await;
                *self.client_refused.lock().expect("not poisoned") = Some(reason.clone());
                self.alerts
                    .raise(Alert::AdminToken {
                        reason: reason.clone(),
                    })
                    .await;
                return Err(WebexError::Credentials { reason });
            }
            Err(RefreshError::Failed(reason)) => {
                let _ = self.store.release_refresh_lease(ADMIN, &self.holder).await;
                return Err(token_error(format!("the refresh failed: {reason}")));
            }
        };
        let saved = self
            .store
            .save_refreshed(ADMIN, row.generation, &refreshed)
            .await
            .map_err(store_error)?;
        if !saved {
            // An operator configured another refresh token meanwhile: that chain is the truth.
            return Err(token_error("the chain was started over meanwhile"));
        }
        tracing::info!(generation = row.generation + 1, "admin token refreshed");
        self.metrics
            .admin_token_expires_in(seconds(refreshed.access_expires_at - now));
        Ok(Current::new(
            refreshed.access_token,
            row.generation + 1,
            now,
            refreshed.access_expires_at,
        ))
    }

    /// A refresh failed: alerts when the token held will not last much longer.
    async fn alert_near_expiry(&self, held: &Held, now: i64, error: &WebexError) {
        let left = held.token.as_ref().map_or(0, |t| t.expires_at - now);
        if left < NEAR_EXPIRY_MS {
            self.alerts
                .raise(Alert::AdminToken {
                    reason: replies::admin_token_not_renewed(
                        u64::try_from(left / 1000).unwrap_or(0),
                        error,
                    ),
                })
                .await;
        }
    }

    async fn warn_before_expiry(&self) {
        let Ok(Some(row)) = self.store.oauth_row(ADMIN).await else {
            return;
        };
        if let Some(expires_at) = row.refresh_expires_at
            && expires_at - self.store.now() < EXPIRY_WARNING_MS
        {
            // Whole days, rounded up: it expires within that many, whenever the check runs.
            let left = u64::try_from(expires_at - self.store.now()).unwrap_or(0);
            let days = i64::try_from(left.div_ceil(24 * 3600 * 1000)).unwrap_or(i64::MAX);
            self.alerts
                .raise(Alert::RefreshTokenExpiring { days })
                .await;
        }
    }
}

impl Current {
    fn new(token: SecretString, generation: i64, stored_at: i64, expires_at: i64) -> Self {
        Self {
            token,
            generation,
            expires_at,
            due_at: expires_at - (expires_at - stored_at).max(0) / 5,
        }
    }

    fn bearer(&self) -> Bearer {
        Bearer {
            token: self.token.clone(),
            generation: self.generation,
        }
    }
}

/// The stored access token, when it may be used: not refused by Webex already (a newer one
/// than `refused`), not due for a refresh.
fn usable(row: &OAuthRow, refused: Option<i64>, now: i64) -> Option<Current> {
    let (token, expires_at) = row.access.as_ref()?;
    let stored = Current::new(token.clone(), row.generation, row.updated_at, *expires_at);
    let newer = refused.is_none_or(|g| row.generation > g);
    (newer && now < stored.due_at).then_some(stored)
}

fn seconds(ms: i64) -> f64 {
    ms as f64 / 1000.0
}

fn millis(ms: i64) -> Duration {
    Duration::from_millis(u64::try_from(ms).unwrap_or(0))
}

fn millis_i64(duration: Duration) -> i64 {
    i64::try_from(duration.as_millis()).unwrap_or(i64::MAX)
}

impl TokenSource for OAuthToken {
    fn bearer(&self) -> BoxFuture<'_, Result<Bearer, WebexError>> {
        Box::pin(self.inner.fresh(None))
    }

    fn refused(&self, generation: i64, again: bool) -> BoxFuture<'_, Result<(), WebexError>> {
        Box::pin(async move {
            if again {
                // A token renewed a moment ago was refused too: the admin behind the chain
                // lost its rights, or Webex revoked the grant. Renewing again cannot help now;
                // the work waits and tries again later.
                let reason = replies::ADMIN_RENEWED_TOKEN_REFUSED;
                self.inner
                    .alerts
                    .raise(Alert::AdminToken {
                        reason: reason.to_owned(),
                    })
                    .await;
                return Err(WebexError::Credentials {
                    reason: reason.to_owned(),
                });
            }
            self.inner.fresh(Some(generation)).await.map(drop)
        })
    }
}
