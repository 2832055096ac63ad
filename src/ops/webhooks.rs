//! The bot's two webhooks at `WEBEX_PUBLIC_URL/webhook`: made sure of at start, and checked
//! while the bot runs, because Webex deactivates a webhook after failed deliveries.
//!
//! The bot re-activates its own inactive webhooks (`PUT` with name, target, secret and
//! `status: active`), re-creates missing ones, and never touches a webhook that points
//! elsewhere: that belongs to someone else.

use std::time::Duration;

use secrecy::{ExposeSecret, SecretString};
use tokio_util::sync::CancellationToken;

use super::alerts::{Alert, Alerts};
use crate::metrics::Metrics;
use crate::store::Store;
use crate::webex::{BotApi, NewWebhook, WebexError, Webhook, WebhookUpdate};

/// The two webhooks a bot needs: without the second, card submissions never arrive.
pub const RESOURCES: [(&str, &str); 2] =
    [("messages", "created"), ("attachmentActions", "created")];

const TRACKING: &str = "webex-onboard_webhooks";

pub use super::alerts::Mended;

/// How many of the bot's webhooks are active after a check, and what it mended.
pub type Healed = (usize, Vec<(&'static str, Mended)>);

/// The lease replicas take before they change webhooks, so that two that start together do
/// not both create a missing one.
const LEASE: &str = "webhooks";
/// Long enough for a replica's calls to Webex to end, each within its timeout.
const LEASE_MS: i64 = 120_000;

/// The bot's webhooks at its public URL.
#[derive(Clone)]
pub struct WebhookKeeper {
    bot: BotApi,
    /// `WEBEX_PUBLIC_URL/webhook`.
    target: String,
    secret: SecretString,
    /// Where the replicas take turns; none when only looking (`check`).
    store: Option<Store>,
    holder: String,
}

impl WebhookKeeper {
    /// The webhooks that deliver to `public_url`; `store` lets replicas take turns changing them.
    pub fn new(bot: BotApi, public_url: &str, secret: SecretString, store: Option<Store>) -> Self {
        Self {
            bot,
            target: format!("{}/webhook", public_url.trim_end_matches('/')),
            secret,
            store,
            holder: crate::store::process_id(),
        }
    }

    /// Waits for this replica's turn to change webhooks (up to a lease's length); `false` when
    /// another replica kept it.
    async fn take_turn(&self, wait: bool) -> bool {
        let Some(store) = &self.store else {
            return true;
        };
        let deadline = tokio::time::Instant::now() + Duration::from_millis(LEASE_MS as u64 + 5_000);
        loop {
            match store.take_lease(LEASE, &self.holder, LEASE_MS).await {
                Ok(true) => return true,
                Ok(false) if wait && tokio::time::Instant::now() < deadline => {
                    tokio::time::sleep(Duration::from_millis(100)).await;
                }
                Ok(false) => return false,
                Err(error) => {
                    // The webhooks matter more than the turn: go on, as a single replica would.
                    tracing::warn!(%error, "cannot take turns with other replicas");
                    return true;
                }
            }
        }
    }

    async fn end_turn(&self) {
        if let Some(store) = &self.store
            && let Err(error) = store.release_lease(LEASE, &self.holder).await
        {
            tracing::warn!(%error, "could not hand the webhooks' turn back; it runs out by itself");
        }
    }

    /// Where the webhooks deliver.
    pub fn target(&self) -> &str {
        &self.target
    }

    /// The bot's webhooks of each resource it needs, as Webex lists them.
    pub async fn ours(&self) -> Result<Vec<(&'static str, Option<Webhook>)>, WebexError> {
        let existing = self.bot.webhooks(TRACKING).await?;
        Ok(RESOURCES
            .iter()
            .map(|&(resource, event)| {
                let ours = existing
                    .iter()
                    .find(|w| {
                        w.target_url == self.target && w.resource == resource && w.event == event
                    })
                    .cloned();
                (resource, ours)
            })
            .collect())
    }

    /// At start: updates each of the bot's webhooks (the secret may have changed, and it is
    /// re-activated), and creates what is missing.
    pub async fn ensure(&self) -> Result<(), WebexError> {
        self.take_turn(true).await;
        let ensured = self.ensure_now().await;
        self.end_turn().await;
        ensured
    }

    async fn ensure_now(&self) -> Result<(), WebexError> {
        for (resource, found) in self.ours().await? {
            match found {
                Some(webhook) => {
                    self.reactivate(&webhook).await?;
                    tracing::info!(resource, id = %webhook.id, was = ?webhook.status, "webhook updated");
                }
                None => {
                    self.create(resource).await?;
                    tracing::info!(resource, "webhook created");
                }
            }
        }
        Ok(())
    }

    /// While running: re-activates what is inactive and re-creates what is missing, and says
    /// what it did; returns how many are active now, or `None` when another replica has its
    /// turn at it.
    pub async fn heal(&self) -> Result<Option<Healed>, WebexError> {
        if !self.take_turn(false).await {
            return Ok(None);
        }
        let healed = self.heal_now().await;
        self.end_turn().await;
        healed.map(Some)
    }

    async fn heal_now(&self) -> Result<Healed, WebexError> {
        let mut mended = Vec::new();
        let mut active = 0;
        for (resource, found) in self.ours().await? {
            match found {
                Some(webhook) if webhook.status.as_deref().is_none_or(|s| s == "active") => {
                    active += 1;
                }
                Some(webhook) => {
                    self.reactivate(&webhook).await?;
                    mended.push((resource, Mended::Reactivated));
                    active += 1;
                }
                None => {
                    self.create(resource).await?;
                    mended.push((resource, Mended::Created));
                    active += 1;
                }
            }
        }
        Ok((active, mended))
    }

    async fn reactivate(&self, webhook: &Webhook) -> Result<(), WebexError> {
        let update = WebhookUpdate {
            name: &webhook.name,
            target_url: &self.target,
            secret: self.secret.expose_secret(),
            status: "active",
        };
        self.bot
            .update_webhook(&webhook.id, &update, TRACKING)
            .await?;
        Ok(())
    }

    async fn create(&self, resource: &'static str) -> Result<(), WebexError> {
        let (_, event) = RESOURCES
            .iter()
            .find(|(r, _)| *r == resource)
            .copied()
            .unwrap_or((resource, "created"));
        let name = format!("webex-onboard {resource}");
        let new = NewWebhook {
            name: &name,
            target_url: &self.target,
            resource,
            event,
            secret: self.secret.expose_secret(),
        };
        self.bot.create_webhook(&new, TRACKING).await?;
        Ok(())
    }

    /// Checks every `every` until `stop`, alerting what it mended.
    pub async fn keep_healthy(
        self,
        every: Duration,
        alerts: Alerts,
        metrics: Metrics,
        stop: CancellationToken,
    ) {
        loop {
            tokio::select! {
                () = tokio::time::sleep(every) => {}
                () = stop.cancelled() => return,
            }
            match self.heal().await {
                // Another replica looked: its gauge says it.
                Ok(None) => {}
                Ok(Some((active, mended))) => {
                    metrics.webhooks_active(active);
                    for (resource, mended) in mended {
                        tracing::warn!(resource, ?mended, "webhook mended");
                        alerts.raise(Alert::Webhook { resource, mended }).await;
                    }
                }
                Err(error) => {
                    tracing::warn!(%error, "cannot check the webhooks; trying again later")
                }
            }
        }
    }
}
