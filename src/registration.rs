//! Makes sure Webex delivers both resources the bot needs to `WEBEX_PUBLIC_URL/webhook`.

use secrecy::{ExposeSecret, SecretString};

use crate::webex::{BotApi, NewWebhook, WebexError, WebhookUpdate};

/// The two webhooks a bot needs: without the second, card submissions never arrive.
pub const RESOURCES: [(&str, &str); 2] =
    [("messages", "created"), ("attachmentActions", "created")];

const TRACKING: &str = "webex-onboard_register";

/// Creates what is missing and updates (and re-activates) what exists with our target URL.
///
/// Webhooks with another target URL belong to someone else and are never touched.
pub async fn ensure_webhooks(
    bot: &BotApi,
    public_url: &str,
    secret: &SecretString,
) -> Result<(), WebexError> {
    let target = format!("{}/webhook", public_url.trim_end_matches('/'));
    let existing = bot.webhooks(TRACKING).await?;
    for (resource, event) in RESOURCES {
        let name = format!("webex-onboard {resource}");
        let ours = existing
            .iter()
            .find(|w| w.target_url == target && w.resource == resource && w.event == event);
        match ours {
            Some(webhook) => {
                let update = WebhookUpdate {
                    name: &name,
                    target_url: &target,
                    secret: secret.expose_secret(),
                    status: "active",
                };
                bot.update_webhook(&webhook.id, &update, TRACKING).await?;
                tracing::info!(resource, id = %webhook.id, was = ?webhook.status, "webhook updated");
            }
            None => {
                let new = NewWebhook {
                    name: &name,
                    target_url: &target,
                    resource,
                    event,
                    secret: secret.expose_secret(),
                };
                let created = bot.create_webhook(&new, TRACKING).await?;
                tracing::info!(resource, id = %created.id, "webhook created");
            }
        }
    }
    Ok(())
}
