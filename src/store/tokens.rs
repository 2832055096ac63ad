//! The admin token's OAuth state, shared by every replica: the newest refresh token, stored
//! before it is used, the access token, and the lease that lets one replica refresh at a time.

use secrecy::{ExposeSecret, SecretString};
use sqlx::Row;

use super::{BeginWrite, Store, StoreError, with_pool};

/// The stored state of one OAuth token chain.
pub struct OAuthRow {
    /// Grows with every refresh.
    pub generation: i64,
    /// The newest refresh token.
    pub refresh_token: SecretString,
    /// When the refresh token expires (milliseconds since the epoch), when Webex said.
    pub refresh_expires_at: Option<i64>,
    /// The access token and when it expires, once a refresh gave one.
    pub access: Option<(SecretString, i64)>,
    /// When the access token was stored: with its expiry, its lifetime.
    pub updated_at: i64,
    /// Why Webex refused the refresh token, when it did: nobody tries it again.
    pub refused: Option<String>,
}

/// What a refresh gave.
pub struct Refreshed {
    /// The access token to call with.
    pub access_token: SecretString,
    /// When it expires, in milliseconds since the epoch.
    pub access_expires_at: i64,
    /// The refresh token for the next refresh (the one used, when Webex gave no new one).
    pub refresh_token: SecretString,
    /// When that refresh token expires, when Webex said.
    pub refresh_expires_at: Option<i64>,
}

impl Store {
    /// Starts the chain from `configured` (with its hash) the first time that token is seen:
    /// a restart, another replica, or a `check` that still holds a token configured before
    /// continues from the newest refresh token instead. Returns whether it started over.
    pub async fn adopt_refresh_token(
        &self,
        name: &str,
        configured_hash: &str,
        configured: &SecretString,
    ) -> Result<bool, StoreError> {
        let now = self.now();
        let adopted = with_pool!(self, pool => {
            let mut tx = pool.begin_write().await?;
            let first_seen: Option<(String,)> = sqlx::query_as(
                "INSERT INTO oauth_configured (name, hash) VALUES ($1, $2) \
                 ON CONFLICT (name, hash) DO NOTHING RETURNING hash",
            )
            .bind(name)
            .bind(configured_hash)
            .fetch_optional(&mut *tx)
            .await?;
            if first_seen.is_some() {
                sqlx::query(
                    "INSERT INTO oauth_tokens (name, configured_hash, refresh_token, generation, updated_at) \
                     VALUES ($1, $2, $3, 1, $4) \
                     ON CONFLICT (name) DO UPDATE SET configured_hash = excluded.configured_hash, \
                     refresh_token = excluded.refresh_token, refresh_expires_at = NULL, access_token = NULL, \
                     access_expires_at = NULL, generation = oauth_tokens.generation + 1, refreshing_by = NULL, \
                     refreshing_until = NULL, refused_at = NULL, refused_reason = NULL, \
                     updated_at = excluded.updated_at",
                )
                .bind(name)
                .bind(configured_hash)
                .bind(configured.expose_secret())
                .bind(now)
                .execute(&mut *tx)
                .await?;
            }
            tx.commit().await?;
            first_seen.is_some()
        });
        Ok(adopted)
    }

    /// The chain as stored.
    pub async fn oauth_row(&self, name: &str) -> Result<Option<OAuthRow>, StoreError> {
        with_pool!(self, pool => {
            let row = sqlx::query(
                "SELECT generation, refresh_token, refresh_expires_at, access_token, access_expires_at, \
                 updated_at, refused_reason FROM oauth_tokens WHERE name = $1",
            )
            .bind(name)
            .fetch_optional(pool)
            .await?;
            row.map(|row| -> Result<OAuthRow, StoreError> {
                let access_token: Option<String> = row.try_get("access_token")?;
                let access_expires_at: Option<i64> = row.try_get("access_expires_at")?;
                let refresh_token: String = row.try_get("refresh_token")?;
                Ok(OAuthRow {
                    generation: row.try_get("generation")?,
                    refresh_token: SecretString::from(refresh_token),
                    refresh_expires_at: row.try_get("refresh_expires_at")?,
                    access: access_token
                        .zip(access_expires_at)
                        .map(|(token, at)| (SecretString::from(token), at)),
                    updated_at: row.try_get("updated_at")?,
                    refused: row.try_get("refused_reason")?,
                })
            })
            .transpose()
        })
    }

    /// Takes the right to refresh the chain at `generation` for `lease_ms`, unless another
    /// replica holds it or the chain moved on.
    pub async fn take_refresh_lease(
        &self,
        name: &str,
        generation: i64,
        holder: &str,
        lease_ms: i64,
    ) -> Result<bool, StoreError> {
        let now = self.now();
        let taken = with_pool!(self, pool => {
            sqlx::query(
                "UPDATE oauth_tokens SET refreshing_by = $1, refreshing_until = $2 \
                 WHERE name = $3 AND generation = $4 AND refused_at IS NULL \
                 AND (refreshing_until IS NULL OR refreshing_until < $5)",
            )
            .bind(holder)
            .bind(now + lease_ms)
            .bind(name)
            .bind(generation)
            .bind(now)
            .execute(pool)
            .await?
            .rows_affected()
        });
        Ok(taken > 0)
    }

    /// Stores what a refresh of `generation` gave, before anyone uses it, as the chain's next
    /// generation. Whoever holds the lease by now, what Webex gave is the truth: the refresh
    /// token used is spent. Returns false when the chain was started over meanwhile.
    pub async fn save_refreshed(
        &self,
        name: &str,
        generation: i64,
        refreshed: &Refreshed,
    ) -> Result<bool, StoreError> {
        let saved = with_pool!(self, pool => {
            sqlx::query(
                "UPDATE oauth_tokens SET refresh_token = $1, refresh_expires_at = $2, access_token = $3, \
                 access_expires_at = $4, generation = generation + 1, refreshing_by = NULL, \
                 refreshing_until = NULL, refused_at = NULL, refused_reason = NULL, updated_at = $5 \
                 WHERE name = $6 AND generation = $7",
            )
            .bind(refreshed.refresh_token.expose_secret())
            .bind(refreshed.refresh_expires_at)
            .bind(refreshed.access_token.expose_secret())
            .bind(refreshed.access_expires_at)
            .bind(self.now())
            .bind(name)
            .bind(generation)
            .execute(pool)
            .await?
            .rows_affected()
        });
        Ok(saved > 0)
    }

    /// Gives the lease back after a refresh that failed for a while, so another try can come.
    pub async fn release_refresh_lease(&self, name: &str, holder: &str) -> Result<(), StoreError> {
        with_pool!(self, pool => {
            sqlx::query(
                "UPDATE oauth_tokens SET refreshing_by = NULL, refreshing_until = NULL \
                 WHERE name = $1 AND refreshing_by = $2",
            )
            .bind(name)
            .bind(holder)
            .execute(pool)
            .await?;
        });
        Ok(())
    }

    /// Webex refused the refresh token of `generation`: nobody tries it again, until an
    /// operator configures another (see [`Store::adopt_refresh_token`]).
    pub async fn refuse_refresh_token(
        &self,
        name: &str,
        generation: i64,
        reason: &str,
    ) -> Result<(), StoreError> {
        with_pool!(self, pool => {
            sqlx::query(
                "UPDATE oauth_tokens SET refused_at = $1, refused_reason = $2, refreshing_by = NULL, \
                 refreshing_until = NULL, access_token = NULL, access_expires_at = NULL \
                 WHERE name = $3 AND generation = $4",
            )
            .bind(self.now())
            .bind(reason)
            .bind(name)
            .bind(generation)
            .execute(pool)
            .await?;
        });
        Ok(())
    }
}
