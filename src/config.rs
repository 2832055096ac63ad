//! Configuration from the environment, with the names operators deploy with.

use std::net::SocketAddr;
use std::time::Duration;

use secrecy::SecretString;

use crate::domain::Grantable;
use crate::onboarding::policy::Requesters;
use crate::store::DEFAULT_DATABASE_URL;
use crate::webex::CALL_TIMEOUT;
use crate::webex::RoomId;
use crate::worker::WorkerSettings;

/// The default Webex API.
pub const DEFAULT_API_URL: &str = "https://webexapis.com/v1";
/// The default listen address.
pub const DEFAULT_LISTEN_ADDR: &str = "0.0.0.0:8080";

/// How log lines are written.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum LogFormat {
    /// Human-readable lines (the default).
    #[default]
    Text,
    /// One JSON object per line, for log collectors (`LOG_FORMAT=json`).
    Json,
}

/// Everything `serve` needs. Secrets stay `SecretString` until the moment they are used.
#[derive(Debug, Clone)]
pub struct Config {
    /// `WEBEX_BOT_TOKEN`: messages, cards, webhooks.
    pub bot_token: SecretString,
    /// `WEBEX_ADMIN_TOKEN`: people only.
    pub admin_token: SecretString,
    /// `WEBEX_WEBHOOK_SECRET`: the key Webex signs deliveries with.
    pub webhook_secret: SecretString,
    /// `WEBEX_API_URL`.
    pub api_url: String,
    /// `WEBEX_PUBLIC_URL`: when set, `serve` registers its webhooks at `<this>/webhook`.
    pub public_url: Option<String>,
    /// `LISTEN_ADDR`.
    pub listen_addr: SocketAddr,
    /// `DATABASE_URL`: `sqlite://PATH` or `postgres://...`.
    pub database_url: String,
    /// `ONBOARD_REQUESTERS`: who may onboard people.
    pub requesters: Requesters,
    /// `ONBOARD_APPROVERS_ROOM`: when set, every request waits for a member of this room.
    pub approvers_room: Option<RoomId>,
    /// `ONBOARD_LICENSES` and `ONBOARD_ROLES`: what may be granted (names or ids).
    pub grantable: Grantable,
    /// `ONBOARD_CHOICES_REFRESH_SECS`: how long the organization's choices are cached.
    pub choices_refresh: Duration,
    /// `WEBEX_TIMEOUT_SECS`: how long one Webex call may take.
    pub call_timeout: Duration,
    /// `ONBOARD_WORKERS` (0: record deliveries only), `ONBOARD_LEASE_SECS`, and the retry pacing.
    pub workers: WorkerSettings,
    /// `LOG_FORMAT`: `text` or `json`.
    pub log_format: LogFormat,
}

/// Why the configuration cannot be used; the message names the variable.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    /// Required variables are not set.
    #[error("missing configuration: {} must be set", .0.join(", "))]
    Missing(Vec<&'static str>),
    /// A variable is set to something unusable.
    #[error("{name} is invalid: {reason}")]
    Invalid { name: &'static str, reason: String },
}

macro_rules! settings {
    ($($(#[doc = $doc:literal])* $field:ident: $env:literal, $value:literal, secret = $hide:literal;)*) => {
        /// What `serve` and `check` read: each setting is an environment variable (or its flag;
        /// secrets belong in the environment, where other users' `ps` cannot see them).
        /// `--help` lists them all, without the values of secrets.
        #[derive(clap::Args, Clone, Default)]
        #[command(next_help_heading = "Configuration (environment variables)")]
        pub struct Settings {
            $(
                $(#[doc = $doc])*
                #[arg(long, env = $env, value_name = $value, hide_env_values = $hide)]
                pub $field: Option<String>,
            )*
        }

        impl Settings {
            /// The value of a variable by its name; blank counts as unset.
            pub fn get(&self, name: &str) -> Option<String> {
                let value = match name {
                    $($env => self.$field.as_deref(),)*
                    _ => None,
                };
                value.filter(|v| !v.trim().is_empty()).map(str::to_owned)
            }
        }
    };
}

settings! {
    /// The bot's access token: messages, cards, webhooks. Required.
    bot_token: "WEBEX_BOT_TOKEN", "TOKEN", secret = true;
    /// An admin token: looks people up and creates them. Required.
    admin_token: "WEBEX_ADMIN_TOKEN", "TOKEN", secret = true;
    /// The key Webex signs deliveries with (`X-Spark-Signature`). Required.
    webhook_secret: "WEBEX_WEBHOOK_SECRET", "SECRET", secret = true;
    /// The Webex API [default: https://webexapis.com/v1].
    api_url: "WEBEX_API_URL", "URL", secret = false;
    /// When set, the bot registers its webhooks at <URL>/webhook.
    public_url: "WEBEX_PUBLIC_URL", "URL", secret = false;
    /// Where the bot listens, as IP:port [default: 0.0.0.0:8080].
    listen_addr: "LISTEN_ADDR", "IP:PORT", secret = false;
    /// sqlite://PATH or postgres://... [default: sqlite://webex-onboard.db].
    database_url: "DATABASE_URL", "URL", secret = true;
    /// Comma-separated emails and @domain entries allowed to onboard [default: nobody].
    requesters: "ONBOARD_REQUESTERS", "LIST", secret = false;
    /// A room id: when set, every request waits for a member of that room to approve it.
    approvers_room: "ONBOARD_APPROVERS_ROOM", "ROOM_ID", secret = false;
    /// Comma-separated license names or ids the card offers and the bot grants.
    licenses: "ONBOARD_LICENSES", "LIST", secret = false;
    /// Comma-separated admin role names or ids that may be granted.
    roles: "ONBOARD_ROLES", "LIST", secret = false;
    /// How long the organization's licenses, locations and roles are cached [default: 600].
    choices_refresh_secs: "ONBOARD_CHOICES_REFRESH_SECS", "SECONDS", secret = false;
    /// How many jobs run at once; 0 records deliveries only [default: 4].
    workers: "ONBOARD_WORKERS", "N", secret = false;
    /// How long a job stays claimed without a heartbeat [default: 30].
    lease_secs: "ONBOARD_LEASE_SECS", "SECONDS", secret = false;
    /// How long one Webex call may take [default: 10].
    timeout_secs: "WEBEX_TIMEOUT_SECS", "SECONDS", secret = false;
    /// text, or json for one JSON object per line [default: text].
    log_format: "LOG_FORMAT", "FORMAT", secret = false;
    /// The log filter [default: info,sqlx=warn].
    rust_log: "RUST_LOG", "FILTER", secret = false;
}

impl Config {
    /// Reads the settings `serve` was given.
    pub fn from_settings(settings: &Settings) -> Result<Self, ConfigError> {
        Self::from_lookup(|name| settings.get(name))
    }

    /// Reads variables through `lookup`; blank values count as unset.
    pub fn from_lookup(lookup: impl Fn(&str) -> Option<String>) -> Result<Self, ConfigError> {
        let get = |name: &str| lookup(name).filter(|v| !v.trim().is_empty());
        let mut missing = Vec::new();
        let mut secret = |name: &'static str| {
            let value = get(name);
            if value.is_none() {
                missing.push(name);
            }
            SecretString::from(value.unwrap_or_default())
        };
        let bot_token = secret("WEBEX_BOT_TOKEN");
        let admin_token = secret("WEBEX_ADMIN_TOKEN");
        let webhook_secret = secret("WEBEX_WEBHOOK_SECRET");
        if !missing.is_empty() {
            return Err(ConfigError::Missing(missing));
        }
        let listen = get("LISTEN_ADDR").unwrap_or_else(|| DEFAULT_LISTEN_ADDR.to_owned());
        let listen_addr = listen.parse().map_err(|e| ConfigError::Invalid {
            name: "LISTEN_ADDR",
            reason: format!("\"{listen}\": {e}"),
        })?;
        let requesters = Requesters::parse(&get("ONBOARD_REQUESTERS").unwrap_or_default())
            .map_err(|reason| ConfigError::Invalid {
                name: "ONBOARD_REQUESTERS",
                reason,
            })?;
        let number = |name: &'static str, default: u64| -> Result<u64, ConfigError> {
            get(name).map_or(Ok(default), |v| {
                v.trim().parse().map_err(|e| ConfigError::Invalid {
                    name,
                    reason: format!("\"{v}\": {e}"),
                })
            })
        };
        let call_timeout =
            Duration::from_secs(number("WEBEX_TIMEOUT_SECS", CALL_TIMEOUT.as_secs())?);
        let workers = WorkerSettings {
            workers: usize::try_from(number("ONBOARD_WORKERS", 4)?)
                .unwrap_or(usize::MAX)
                .min(64),
            lease: Duration::from_secs(number("ONBOARD_LEASE_SECS", 30)?.max(1)),
            release_delay: call_timeout,
            ..WorkerSettings::default()
        };
        let log_format = match get("LOG_FORMAT").as_deref() {
            None | Some("text") => LogFormat::Text,
            Some("json") => LogFormat::Json,
            Some(other) => {
                return Err(ConfigError::Invalid {
                    name: "LOG_FORMAT",
                    reason: format!("\"{other}\": use text or json"),
                });
            }
        };
        let grantable = Grantable::parse(
            &get("ONBOARD_LICENSES").unwrap_or_default(),
            &get("ONBOARD_ROLES").unwrap_or_default(),
        );
        let choices_refresh = Duration::from_secs(number("ONBOARD_CHOICES_REFRESH_SECS", 600)?);
        Ok(Self {
            bot_token,
            admin_token,
            webhook_secret,
            api_url: get("WEBEX_API_URL").unwrap_or_else(|| DEFAULT_API_URL.to_owned()),
            public_url: get("WEBEX_PUBLIC_URL"),
            listen_addr,
            database_url: get("DATABASE_URL").unwrap_or_else(|| DEFAULT_DATABASE_URL.to_owned()),
            requesters,
            approvers_room: get("ONBOARD_APPROVERS_ROOM")
                .map(|room| {
                    RoomId::parse(room.trim()).map_err(|e| ConfigError::Invalid {
                        name: "ONBOARD_APPROVERS_ROOM",
                        reason: e.to_string(),
                    })
                })
                .transpose()?,
            grantable,
            choices_refresh,
            call_timeout,
            workers,
            log_format,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lookup(vars: &'static [(&'static str, &'static str)]) -> impl Fn(&str) -> Option<String> {
        move |name| {
            vars.iter()
                .find(|(k, _)| *k == name)
                .map(|(_, v)| (*v).to_owned())
        }
    }

    #[test]
    fn every_missing_secret_is_named_in_one_line() {
        let error = Config::from_lookup(lookup(&[("WEBEX_BOT_TOKEN", "x")])).expect_err("missing");
        assert_eq!(
            error.to_string(),
            "missing configuration: WEBEX_ADMIN_TOKEN, WEBEX_WEBHOOK_SECRET must be set"
        );
    }

    #[test]
    fn defaults_apply_and_secrets_do_not_show_in_debug_output() {
        let config = Config::from_lookup(lookup(&[
            ("WEBEX_BOT_TOKEN", "bot-token-value"),
            ("WEBEX_ADMIN_TOKEN", "admin-token-value"),
            ("WEBEX_WEBHOOK_SECRET", "secret-value"),
        ]))
        .expect("valid");
        assert_eq!(config.api_url, DEFAULT_API_URL);
        assert_eq!(config.listen_addr.to_string(), DEFAULT_LISTEN_ADDR);
        assert_eq!(config.database_url, DEFAULT_DATABASE_URL);
        assert!(!config.requesters.allows("anyone@example.com"));
        let debug = format!("{config:?}");
        for secret in ["bot-token-value", "admin-token-value", "secret-value"] {
            assert!(!debug.contains(secret), "{secret} leaked into {debug}");
        }
    }

    #[test]
    fn a_bad_value_is_named() {
        let error = Config::from_lookup(lookup(&[
            ("WEBEX_BOT_TOKEN", "b"),
            ("WEBEX_ADMIN_TOKEN", "a"),
            ("WEBEX_WEBHOOK_SECRET", "s"),
            ("ONBOARD_REQUESTERS", "not an email"),
        ]))
        .expect_err("invalid");
        assert!(
            error
                .to_string()
                .starts_with("ONBOARD_REQUESTERS is invalid"),
            "{error}"
        );
    }
}
