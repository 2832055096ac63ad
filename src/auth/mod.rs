//! The admin token's lifecycle: a static `WEBEX_ADMIN_TOKEN`, or an OAuth chain renewed from
//! `WEBEX_ADMIN_REFRESH_TOKEN` while the bot runs.
//!
//! The chain lives in the database, so that every replica and every restart uses the newest
//! refresh token, and refreshes one at a time: a replica refreshes only while it holds the
//! chain's lease, stores what Webex gave before it uses it, and the others then read it. A
//! refusal raises one alert and makes admin calls wait ([`WebexError::Credentials`]) until an
//! operator configures a new token and restarts the bot.

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
use crate::store::{OAuthRow, Store, StoreError};
use crate::webex::{Bearer, BoxFuture, TokenSource, WebexError};

/// The chain's name in the database.
const ADMIN: &str = "admin";

/// How long a replica may hold the right to refresh.
const LEASE_MS: i64 = 30_000;

/// How long a caller waits for another replica's refresh.
const WAIT_FOR_OTHERS: Duration = Duration::from_secs(35);

/// How often a waiting caller looks whether the other replica's refresh is in.
const LOOK_AGAIN: Duration = Duration::from_millis(50);

/// Warned about a week before the refresh token expires.
const EXPIRY_WARNING_MS: i64 = 7 * 24 * 3600 * 1000;

/// The static admin token: a refusal raises an alert and makes admin calls wait.
pub struct StaticAdminToken {
    token: SecretString,
    alerts: Alerts,
}

impl StaticAdminToken {
    /// `WEBEX_ADMIN_TOKEN`, whose refusal is alerted.
    pub fn new(token: SecretString, alerts: Alerts) -> Self {
        Self { token, alerts }
    }
}

impl TokenSource for StaticAdminToken {
    fn bearer(&self) -> BoxFuture<'_, Result<Bearer, WebexError>> {
        Box::pin(async {
            Ok(Bearer {
                token: self.token.clone(),
                generation: 0,
            })
        })
    }

    fn refused(&self, _generation: i64) -> BoxFuture<'_, Result<(), WebexError>> {
        Box::pin(async {
            let reason =
                "Webex answered 401 to WEBEX_ADMIN_TOKEN (a personal token lasts 12 hours)";
            self.alerts
                .raise(Alert::AdminToken {
                    reason: reason.to_owned(),
                })
                .await;
            Err(WebexError::Credentials {
                reason: format!("{reason}: configure a valid admin token and restart"),
            })
        })
    }
}

/// The admin token renewed through OAuth, shared by every replica through the database.
pub struct OAuthToken {
    store: Store,
    http: reqwest::Client,
    api_url: String,
    client: OAuthClient,
    /// Who holds the lease when this process refreshes.
    holder: String,
    alerts: Alerts,
    metrics: Metrics,
    /// The access token this process last read or got, with its generation and when it is due
    /// for a refresh (milliseconds since the epoch).
    current: Mutex<Option<Current>>,
}

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
        reason: format!(
            "the admin refresh token cannot be used ({reason}): configure a new \
             WEBEX_ADMIN_REFRESH_TOKEN and restart"
        ),
    }
}

impl OAuthToken {
    /// Starts from the chain in the database, or from `refresh_token` when the operator
    /// configured a different one than the chain grew from (its hash tells).
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
        store
            .adopt_refresh_token(ADMIN, &hash, refresh_token)
            .await?;
        let http = crate::webex::http_client(timeout)
            .map_err(|e| StoreError::Unrecorded(e.to_string()))?;
        Ok(Self {
            store,
            http,
            api_url: api_url.to_owned(),
            client,
            holder: format!("{}-{:08x}", std::process::id(), fastrand::u32(..)),
            alerts,
            metrics,
            current: Mutex::new(None),
        })
    }

    /// The access token to call with: the one this process holds while it is not due, else the
    /// newest one stored, else a fresh one from a refresh (by this replica, or another).
    async fn fresh(&self, refused_generation: Option<i64>) -> Result<Bearer, WebexError> {
        let mut current = self.current.lock().await;
        if let Some(held) = current.as_ref()
            && refused_generation.is_none_or(|g| held.generation > g)
            && self.store.now() < held.due_at
        {
            return Ok(held.bearer());
        }
        let deadline = tokio::time::Instant::now() + WAIT_FOR_OTHERS;
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
            if let Some(stored) = usable(&row, refused_generation, self.store.now()) {
                self.metrics
                    .admin_token_expires_in(((stored.expires_at - self.store.now()) / 1000) as f64);
                let bearer = stored.bearer();
                *current = Some(stored);
                return Ok(bearer);
            }
            if self
                .store
                .take_refresh_lease(ADMIN, row.generation, &self.holder, LEASE_MS)
                .await
                .map_err(store_error)?
            {
                let fresh = self.refresh(&row).await?;
                let bearer = fresh.bearer();
                *current = Some(fresh);
                return Ok(bearer);
            }
            if tokio::time::Instant::now() >= deadline {
                return Err(WebexError::Transport {
                    reason: "another replica's refresh of the admin token did not finish"
                        .to_owned(),
                    tracking_id: String::new(),
                });
            }
            tokio::time::sleep(LOOK_AGAIN).await;
        }
    }

    /// Refreshes the chain at `row`'s generation, holding its lease; what Webex gives is stored
    /// before it is used.
    async fn refresh(&self, row: &OAuthRow) -> Result<Current, WebexError> {
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
                    .refuse_refresh_token(ADMIN, &self.holder, &reason)
                    .await
                    .map_err(store_error)?;
                self.alerts
                    .raise(Alert::AdminToken {
                        reason: format!("the refresh token was refused ({reason})"),
                    })
                    .await;
                return Err(refused_error(&reason));
            }
            Err(RefreshError::Failed(reason)) => {
                let _ = self.store.release_refresh_lease(ADMIN, &self.holder).await;
                return Err(WebexError::Transport {
                    reason: format!("the admin token could not be refreshed: {reason}"),
                    tracking_id: String::new(),
                });
            }
        };
        let saved = self
            .store
            .save_refreshed(ADMIN, row.generation, &self.holder, &refreshed)
            .await
            .map_err(store_error)?;
        if !saved {
            // The lease ran out meanwhile: what was stored instead is the truth.
            return Err(WebexError::Transport {
                reason: "the admin token's refresh lost its turn; it is read again".to_owned(),
                tracking_id: String::new(),
            });
        }
        tracing::info!(generation = row.generation + 1, "admin token refreshed");
        self.metrics
            .admin_token_expires_in(((refreshed.access_expires_at - now) / 1000) as f64);
        Ok(Current::new(
            refreshed.access_token,
            row.generation + 1,
            now,
            refreshed.access_expires_at,
        ))
    }

    /// Keeps the chain alive while the bot runs, even when nobody asks for the token: refreshes
    /// when the token is due, and warns a week before the refresh token expires.
    pub async fn keep_fresh(self: Arc<Self>, stop: CancellationToken) {
        loop {
            let pause = match self.fresh(None).await {
                Ok(_) => {
                    self.warn_before_expiry().await;
                    let held = self
                        .current
                        .lock()
                        .await
                        .as_ref()
                        .map(|c| (c.due_at, c.expires_at));
                    if let Some((_, expires_at)) = held {
                        self.metrics.admin_token_expires_in(
                            ((expires_at - self.store.now()) / 1000) as f64,
                        );
                    }
                    let due = held.map(|(due, _)| due);
                    let until_due = due.map_or(60_000, |due| due - self.store.now());
                    Duration::from_millis(
                        u64::try_from(until_due.clamp(100, 3_600_000)).unwrap_or(100),
                    )
                }
                Err(error) => {
                    tracing::warn!(%error, "the admin token is not fresh");
                    Duration::from_secs(60)
                }
            };
            tokio::select! {
                () = tokio::time::sleep(pause) => {}
                () = stop.cancelled() => return,
            }
        }
    }

    async fn warn_before_expiry(&self) {
        let Ok(Some(row)) = self.store.oauth_row(ADMIN).await else {
            return;
        };
        if let Some(expires_at) = row.refresh_expires_at
            && expires_at - self.store.now() < EXPIRY_WARNING_MS
        {
            let days = (expires_at - self.store.now()).max(0) / (24 * 3600 * 1000);
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

fn store_error(error: StoreError) -> WebexError {
    WebexError::Transport {
        reason: format!("the admin token's state cannot be read: {error}"),
        tracking_id: String::new(),
    }
}

impl TokenSource for OAuthToken {
    fn bearer(&self) -> BoxFuture<'_, Result<Bearer, WebexError>> {
        Box::pin(self.fresh(None))
    }

    fn refused(&self, generation: i64) -> BoxFuture<'_, Result<(), WebexError>> {
        Box::pin(async move { self.fresh(Some(generation)).await.map(drop) })
    }
}
