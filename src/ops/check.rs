//! `webex-onboard check`: the configuration `serve` would use, tried part by part, each with a
//! line that says what is right or what is wrong. It changes nothing `serve` would not: when it
//! refreshes the admin token, it stores the new refresh token just as `serve` does.

use std::sync::Arc;

use secrecy::ExposeSecret;
use serde::Serialize;

use super::alerts::Alerts;
use super::webhooks::WebhookKeeper;
use crate::auth::{OAuthClient, OAuthToken};
use crate::config::{AdminCredentials, Config};
use crate::metrics::Metrics;
use crate::store::{SchemaState, Store};
use crate::webex::{AdminApi, BotApi, Meaning, Person, StaticToken, TokenSource, WebexError};

const TRACKING: &str = "webex-onboard_check";

/// How a check came out.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Status {
    Ok,
    /// Works, but something is missing that a part of the bot needs.
    Warn,
    /// Broken: `serve` would fail, or a part of it would.
    Fail,
}

/// One check's line.
#[derive(Debug, Clone, Serialize)]
pub struct Line {
    pub status: Status,
    /// What was checked.
    pub check: &'static str,
    /// What was found, or what to do.
    pub detail: String,
}

fn line(status: Status, check: &'static str, detail: impl Into<String>) -> Line {
    Line {
        status,
        check,
        detail: detail.into(),
    }
}

/// Runs every check, in an order where each may use what the ones before found.
pub async fn run(config: &Config) -> Vec<Line> {
    let mut lines = Vec::new();
    let store = database(config, &mut lines).await;
    let metrics = Metrics::new();
    let bot_token: Arc<dyn TokenSource> = Arc::new(StaticToken::new(
        config.bot_token.clone(),
        "WEBEX_BOT_TOKEN",
    ));
    let bot = BotApi::new(
        &config.api_url,
        bot_token,
        config.call_timeout,
        metrics.clone(),
    );
    let me = match &bot {
        Ok(bot) => bot_identity(bot, &mut lines).await,
        Err(error) => {
            lines.push(line(Status::Fail, "bot token", error.to_string()));
            None
        }
    };
    if let Some(admin) = admin_api(config, store.as_ref(), &metrics, &mut lines).await {
        admin_scopes(config, &admin, me.as_ref(), &mut lines).await;
    }
    if let (Ok(bot), Some(me)) = (&bot, &me) {
        webhooks(config, bot, &mut lines).await;
        rooms(config, bot, me, &mut lines).await;
    }
    if let Some(store) = store {
        store.close().await;
    }
    lines
}

async fn database(config: &Config, lines: &mut Vec<Line>) -> Option<Store> {
    let store = match Store::connect_unmigrated(&config.database_url).await {
        Ok(store) => store,
        Err(error) => {
            lines.push(line(
                Status::Fail,
                "database",
                format!("cannot open it: {error}"),
            ));
            return None;
        }
    };
    match store.schema_state().await {
        Ok(SchemaState::Current) => {
            lines.push(line(Status::Ok, "database", "reachable and migrated"));
            Some(store)
        }
        Ok(SchemaState::Empty) => {
            lines.push(line(
                Status::Fail,
                "database",
                "reachable, but without the bot's tables: start serve once to create them",
            ));
            None
        }
        Ok(SchemaState::Behind(versions)) => {
            lines.push(line(
                Status::Fail,
                "database",
                format!("made by an older release (migrations {versions:?} have not run): start serve once to bring it up to date"),
            ));
            None
        }
        Err(error) => {
            lines.push(line(Status::Fail, "database", error.to_string()));
            None
        }
    }
}

async fn bot_identity(bot: &BotApi, lines: &mut Vec<Line>) -> Option<Person> {
    match bot.me(TRACKING).await {
        Ok(me) => {
            let name = me.display_name.clone().unwrap_or_default();
            let email = me.emails.first().cloned().unwrap_or_default();
            lines.push(line(
                Status::Ok,
                "bot token",
                format!("the bot is {name} ({email})"),
            ));
            Some(me)
        }
        Err(error) => {
            lines.push(line(
                Status::Fail,
                "bot token",
                refusal("WEBEX_BOT_TOKEN", &error),
            ));
            None
        }
    }
}

/// The admin token: static, or refreshed through OAuth, which needs the database to store the
/// refresh token in.
async fn admin_api(
    config: &Config,
    store: Option<&Store>,
    metrics: &Metrics,
    lines: &mut Vec<Line>,
) -> Option<AdminApi> {
    let token: Arc<dyn TokenSource> = match &config.admin {
        AdminCredentials::Token(token) => {
            Arc::new(StaticToken::new(token.clone(), "WEBEX_ADMIN_TOKEN"))
        }
        AdminCredentials::OAuth {
            client_id,
            client_secret,
            refresh_token,
        } => {
            let Some(store) = store else {
                lines.push(line(
                    Status::Fail,
                    "admin token",
                    "the OAuth refresh cannot be tried without the database, which keeps the newest refresh token",
                ));
                return None;
            };
            let client = OAuthClient {
                client_id: client_id.clone(),
                client_secret: client_secret.clone(),
            };
            let alerts = Alerts::new(store.clone(), None);
            let started = OAuthToken::start(
                store.clone(),
                &config.api_url,
                config.call_timeout,
                client,
                refresh_token,
                alerts,
                metrics.clone(),
            )
            .await;
            match started {
                Ok(oauth) => {
                    if let Err(error) = oauth.refresh_now().await {
                        lines.push(line(Status::Fail, "admin token", error.to_string()));
                        return None;
                    }
                    lines.push(line(Status::Ok, "admin token", "refreshed through OAuth"));
                    Arc::new(oauth)
                }
                Err(error) => {
                    lines.push(line(Status::Fail, "admin token", error.to_string()));
                    return None;
                }
            }
        }
    };
    match AdminApi::new(&config.api_url, token, config.call_timeout, metrics.clone()) {
        Ok(admin) => Some(admin),
        Err(error) => {
            lines.push(line(Status::Fail, "admin token", error.to_string()));
            None
        }
    }
}

/// What the admin token may do, tried with reads: each scope it lacks is named.
async fn admin_scopes(
    config: &Config,
    admin: &AdminApi,
    me: Option<&Person>,
    lines: &mut Vec<Line>,
) {
    let someone = me
        .and_then(|me| me.emails.first().cloned())
        .unwrap_or_else(|| "nobody@example.com".to_owned());
    let people = admin.find_person(&someone, TRACKING).await.map(drop);
    let static_token = matches!(config.admin, AdminCredentials::Token(_));
    match &people {
        Ok(()) if static_token => lines.push(line(Status::Ok, "admin token", "Webex takes it")),
        Ok(()) => {}
        // Webex takes the token but it lacks the people scope: said by the scope's line, and
        // the other scopes are still worth knowing.
        Err(error) if error.status() == Some(403) => {
            if static_token {
                lines.push(line(Status::Ok, "admin token", "Webex takes it"));
            }
        }
        Err(error) => {
            lines.push(line(
                Status::Fail,
                "admin token",
                refusal("the admin token", error),
            ));
            return;
        }
    }
    lines.push(scope(
        "admin scope: people",
        "people",
        "spark-admin:people_read",
        Status::Fail,
        people,
    ));
    let licenses = admin.licenses(TRACKING).await.map(drop);
    lines.push(scope(
        "admin scope: licenses",
        "licenses",
        "spark-admin:licenses_read",
        Status::Warn,
        licenses,
    ));
    let locations = admin.locations(TRACKING).await.map(drop);
    lines.push(scope(
        "admin scope: locations",
        "locations",
        "spark-admin:locations_read",
        Status::Warn,
        locations,
    ));
    if config.grantable.grants_roles() {
        let roles = admin.roles(TRACKING).await.map(drop);
        lines.push(scope(
            "admin scope: roles",
            "roles",
            "spark-admin:roles_read",
            Status::Warn,
            roles,
        ));
    }
}

/// A read that needs `scope`: when the token lacks it, `missing` says how much that matters.
fn scope(
    check: &'static str,
    what: &str,
    scope: &str,
    missing: Status,
    read: Result<(), WebexError>,
) -> Line {
    match read {
        Ok(()) => line(Status::Ok, check, format!("may read {what}")),
        Err(error) if error.status() == Some(403) => line(
            missing,
            check,
            format!("the admin token lacks {scope}: {}", error.webex_message()),
        ),
        Err(error) => line(Status::Fail, check, error.to_string()),
    }
}

/// Both webhooks: there, active, pointing at `WEBEX_PUBLIC_URL/webhook`, with the configured
/// secret where Webex shows it.
async fn webhooks(config: &Config, bot: &BotApi, lines: &mut Vec<Line>) {
    let Some(public_url) = &config.public_url else {
        lines.push(line(
            Status::Warn,
            "webhooks",
            "WEBEX_PUBLIC_URL is not set: serve registers no webhooks, so they must be made by hand",
        ));
        return;
    };
    let keeper = WebhookKeeper::new(bot.clone(), public_url, config.webhook_secret.clone(), None);
    let ours = match keeper.ours().await {
        Ok(ours) => ours,
        Err(error) => {
            lines.push(line(Status::Fail, "webhooks", error.to_string()));
            return;
        }
    };
    for (resource, found) in ours {
        let check = if resource == "messages" {
            "webhook: messages"
        } else {
            "webhook: attachmentActions"
        };
        let Some(webhook) = found else {
            lines.push(line(
                Status::Fail,
                check,
                format!(
                    "none delivers to {}: start serve, which creates it",
                    keeper.target()
                ),
            ));
            continue;
        };
        let secret_differs = webhook
            .secret
            .as_ref()
            .is_some_and(|s| s.expose_secret() != config.webhook_secret.expose_secret());
        let status = webhook.status.as_deref().unwrap_or("active");
        let (verdict, detail) = if status != "active" {
            (
                Status::Fail,
                format!("it is {status}: serve re-activates it"),
            )
        } else if secret_differs {
            (
                Status::Fail,
                "it signs with another secret than WEBEX_WEBHOOK_SECRET: start serve, which updates it"
                    .to_owned(),
            )
        } else {
            (
                Status::Ok,
                format!("active, delivers to {}", keeper.target()),
            )
        };
        lines.push(line(verdict, check, detail));
    }
}

/// The bot's membership of the rooms it posts to.
async fn rooms(config: &Config, bot: &BotApi, me: &Person, lines: &mut Vec<Line>) {
    let rooms = [
        ("approvers' room", config.approvers_room.as_ref()),
        ("alerts room", config.alerts_room.as_ref()),
    ];
    for (check, room) in rooms {
        let Some(room) = room else { continue };
        let verdict = match bot.is_member(room, &me.id, TRACKING).await {
            Ok(true) => line(Status::Ok, check, "the bot is a member"),
            Ok(false) => line(
                Status::Fail,
                check,
                format!("the bot is not a member of {room}: add it to the space"),
            ),
            Err(error) if error.meaning() == Meaning::Refused => line(
                Status::Fail,
                check,
                format!(
                    "the bot cannot see {room} ({}): add it to the space",
                    error.webex_message()
                ),
            ),
            Err(error) => line(Status::Fail, check, error.to_string()),
        };
        lines.push(verdict);
    }
}

/// A refused token, in words: which variable to fix.
fn refusal(what: &str, error: &WebexError) -> String {
    match error.status() {
        Some(401) => format!("Webex refused {what} (401): configure a valid one"),
        Some(403) => format!("Webex refused {what} (403): {}", error.webex_message()),
        _ => error.to_string(),
    }
}
