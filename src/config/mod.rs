//! Configuration from the environment, with the names operators deploy with.

use std::net::SocketAddr;
use std::time::Duration;

use secrecy::{ExposeSecret, SecretString};

use crate::domain::batch_file::DEFAULT_MAX_ROWS;
use crate::domain::{BulkLimits, Grantable, StartSchedule, Templates};
use crate::onboarding::policy::Requesters;
use crate::ops::expiry::RequestExpiry;
use crate::ops::retention::Retention;
use crate::store::{DEFAULT_DATABASE_URL, RequestLimits};
use crate::webex::CALL_TIMEOUT;
use crate::webex::RoomId;
use crate::worker::WorkerSettings;

/// The default Webex API.
pub const DEFAULT_API_URL: &str = "https://webexapis.com/v1";
/// The default listen address.
pub const DEFAULT_LISTEN_ADDR: &str = "0.0.0.0:8080";
/// The default log filter.
pub const DEFAULT_LOG_FILTER: &str = "info,sqlx=warn";
/// The default address of `GET /metrics`: loopback, so that the webhook port never shows them.
pub const DEFAULT_METRICS_ADDR: &str = "127.0.0.1:9090";

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
    /// The admin token, static or renewed through OAuth: people and the organization only.
    pub admin: AdminCredentials,
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
    /// `RUST_LOG`: which log lines are written.
    pub log_filter: String,
    /// `ONBOARD_ALERTS_ROOM`, else the approvers' room: where alerts go.
    pub alerts_room: Option<RoomId>,
    /// `ONBOARD_ALERT_BACKLOG_SECS`: a job that waits longer for a worker is alerted.
    pub alert_backlog: Duration,
    /// How often the queue is looked at for `/metrics` and the backlog alert.
    pub watch_every: Duration,
    /// `ONBOARD_WEBHOOK_CHECK_SECS`: how often the webhooks are checked while serving.
    pub webhook_check: Duration,
    /// `METRICS_ADDR`: where `GET /metrics` is served.
    pub metrics_addr: SocketAddr,
    /// `ONBOARD_RETENTION_DAYS` and `ONBOARD_AUDIT_RETENTION_DAYS`: what is deleted when.
    pub retention: Retention,
    /// `ONBOARD_MAX_OPEN_REQUESTS` and `ONBOARD_MAX_REQUESTS_PER_HOUR`.
    pub limits: RequestLimits,
    /// `ONBOARD_REQUEST_TTL_DAYS`: when a request nobody decided expires.
    pub expiry: RequestExpiry,
    /// `ONBOARD_TEMPLATES`: what a department's new hires get besides their account.
    pub templates: Templates,
    /// `ONBOARD_START_HOUR` and `ONBOARD_TIMEZONE`: when the steps of a later start run.
    pub start: StartSchedule,
    /// `ONBOARD_BULK_RATE` and `ONBOARD_BULK_MAX_ROWS`: how fast a cohort's file is created,
    /// and how large it may be.
    pub bulk: BulkLimits,
}

/// How the bot gets its admin token.
#[derive(Debug, Clone)]
pub enum AdminCredentials {
    /// `WEBEX_ADMIN_TOKEN`, as configured.
    Token(SecretString),
    /// `WEBEX_ADMIN_CLIENT_ID`, `WEBEX_ADMIN_CLIENT_SECRET` and `WEBEX_ADMIN_REFRESH_TOKEN`:
    /// access tokens from `POST /access_token`, renewed while the bot runs.
    OAuth {
        client_id: String,
        client_secret: SecretString,
        refresh_token: SecretString,
    },
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
            $(
                /// The setting with its variable's name; blank counts as unset.
                fn $field(&self) -> Var<'_> {
                    Var {
                        name: $env,
                        value: self.$field.as_deref().filter(|v| !v.trim().is_empty()),
                    }
                }
            )*
        }
    };
}

settings! {
    /// The bot's access token: messages, cards, webhooks. Required.
    bot_token: "WEBEX_BOT_TOKEN", "TOKEN", secret = true;
    /// An admin token: looks people up and creates them. Required, unless the three
    /// WEBEX_ADMIN_CLIENT_* and WEBEX_ADMIN_REFRESH_TOKEN are set.
    admin_token: "WEBEX_ADMIN_TOKEN", "TOKEN", secret = true;
    /// The admin service app's or integration's client id, for OAuth.
    admin_client_id: "WEBEX_ADMIN_CLIENT_ID", "ID", secret = false;
    /// Its client secret.
    admin_client_secret: "WEBEX_ADMIN_CLIENT_SECRET", "SECRET", secret = true;
    /// Its first refresh token; the bot keeps the newest one in its database.
    admin_refresh_token: "WEBEX_ADMIN_REFRESH_TOKEN", "TOKEN", secret = true;
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
    /// A room id for alerts [default: the approvers' room].
    alerts_room: "ONBOARD_ALERTS_ROOM", "ROOM_ID", secret = false;
    /// Alert when a job waits longer than this for a worker [default: 600].
    alert_backlog_secs: "ONBOARD_ALERT_BACKLOG_SECS", "SECONDS", secret = false;
    /// How often the webhooks are checked and mended while serving [default: 300].
    webhook_check_secs: "ONBOARD_WEBHOOK_CHECK_SECS", "SECONDS", secret = false;
    /// Where GET /metrics is served, as IP:port [default: 127.0.0.1:9090].
    metrics_addr: "METRICS_ADDR", "IP:PORT", secret = false;
    /// Finished jobs are deleted after this many days [default: 30].
    retention_days: "ONBOARD_RETENTION_DAYS", "DAYS", secret = false;
    /// Audit rows are deleted after this many days [default: kept forever].
    audit_retention_days: "ONBOARD_AUDIT_RETENTION_DAYS", "DAYS", secret = false;
    /// How many requests one requester may have waiting for an answer [default: 20].
    max_open_requests: "ONBOARD_MAX_OPEN_REQUESTS", "N", secret = false;
    /// How many requests one requester may make in an hour [default: 60].
    max_requests_per_hour: "ONBOARD_MAX_REQUESTS_PER_HOUR", "N", secret = false;
    /// A request nobody approved or rejected expires after this many days [default: 14].
    request_ttl_days: "ONBOARD_REQUEST_TTL_DAYS", "DAYS", secret = false;
    /// A TOML file of onboarding templates [default: none].
    templates: "ONBOARD_TEMPLATES", "PATH", secret = false;
    /// The hour of a start date at which spaces, teams and the welcome follow [default: 8].
    start_hour: "ONBOARD_START_HOUR", "HOUR", secret = false;
    /// The IANA time zone of that hour [default: UTC].
    timezone: "ONBOARD_TIMEZONE", "ZONE", secret = false;
    /// Creates a second for a cohort's file, shared by all replicas [default: 2].
    bulk_rate: "ONBOARD_BULK_RATE", "PER_SECOND", secret = false;
    /// The most people one file may hold [default: 5000].
    bulk_max_rows: "ONBOARD_BULK_MAX_ROWS", "N", secret = false;
    /// How long one Webex call may take [default: 10].
    timeout_secs: "WEBEX_TIMEOUT_SECS", "SECONDS", secret = false;
    /// text, or json for one JSON object per line [default: text].
    log_format: "LOG_FORMAT", "FORMAT", secret = false;
    /// The log filter [default: info,sqlx=warn].
    rust_log: "RUST_LOG", "FILTER", secret = false;
}

/// One setting as given: its variable's name, for messages, and its value.
#[derive(Clone, Copy)]
struct Var<'a> {
    name: &'static str,
    value: Option<&'a str>,
}

impl Var<'_> {
    fn text(&self) -> Option<String> {
        self.value.map(str::to_owned)
    }

    fn text_or(&self, default: &str) -> String {
        self.value.unwrap_or(default).to_owned()
    }

    /// A required secret; when it is missing, its name joins `missing`.
    fn secret(&self, missing: &mut Vec<&'static str>) -> SecretString {
        if self.value.is_none() {
            missing.push(self.name);
        }
        SecretString::from(self.value.unwrap_or_default().to_owned())
    }

    fn invalid(&self, reason: impl std::fmt::Display) -> ConfigError {
        ConfigError::Invalid {
            name: self.name,
            reason: format!("\"{}\": {reason}", self.value.unwrap_or_default()),
        }
    }

    fn parse_or<T: std::str::FromStr>(&self, default: T) -> Result<T, ConfigError>
    where
        T::Err: std::fmt::Display,
    {
        self.value.map_or(Ok(default), |v| {
            v.trim().parse().map_err(|e| self.invalid(e))
        })
    }

    fn seconds_or(&self, default: u64) -> Result<Duration, ConfigError> {
        self.parse_or(default).map(Duration::from_secs)
    }
}

impl Config {
    /// Reads the settings `serve` was given.
    pub fn from_settings(settings: &Settings) -> Result<Self, ConfigError> {
        let mut missing = Vec::new();
        let bot_token = settings.bot_token().secret(&mut missing);
        let oauth = [
            settings.admin_client_id(),
            settings.admin_client_secret(),
            settings.admin_refresh_token(),
        ];
        let admin = if oauth.iter().any(|v| v.value.is_some()) {
            let [id, secret, refresh] = oauth;
            let client_id = id.secret(&mut missing);
            AdminCredentials::OAuth {
                client_id: client_id.expose_secret().to_owned(),
                client_secret: secret.secret(&mut missing),
                refresh_token: refresh.secret(&mut missing),
            }
        } else {
            AdminCredentials::Token(settings.admin_token().secret(&mut missing))
        };
        let webhook_secret = settings.webhook_secret().secret(&mut missing);
        if !missing.is_empty() {
            return Err(ConfigError::Missing(missing));
        }
        let listen = settings.listen_addr();
        let listen_addr =
            listen.parse_or(DEFAULT_LISTEN_ADDR.parse().map_err(|e| listen.invalid(e))?)?;
        let requesters = settings.requesters();
        let requesters = Requesters::parse(requesters.value.unwrap_or_default())
            .map_err(|reason| requesters.invalid(reason))?;
        let call_timeout = settings.timeout_secs().seconds_or(CALL_TIMEOUT.as_secs())?;
        let workers = WorkerSettings {
            workers: settings.workers().parse_or(4_usize)?.min(64),
            lease: settings
                .lease_secs()
                .seconds_or(30)?
                .max(Duration::from_secs(1)),
            release_delay: call_timeout,
            ..WorkerSettings::default()
        };
        let format = settings.log_format();
        let log_format = match format.value {
            None | Some("text") => LogFormat::Text,
            Some("json") => LogFormat::Json,
            Some(_) => return Err(format.invalid("use text or json")),
        };
        let approvers = settings.approvers_room();
        let approvers_room = approvers
            .value
            .map(|room| RoomId::parse(room.trim()).map_err(|e| approvers.invalid(e)))
            .transpose()?;
        let metrics = settings.metrics_addr();
        let metrics_addr = metrics.parse_or(
            DEFAULT_METRICS_ADDR
                .parse()
                .map_err(|e| metrics.invalid(e))?,
        )?;
        let alerts = settings.alerts_room();
        let alerts_room = alerts
            .value
            .map(|room| RoomId::parse(room.trim()).map_err(|e| alerts.invalid(e)))
            .transpose()?
            .or_else(|| approvers_room.clone());
        let days = |var: Var<'_>, default: Option<u64>| -> Result<Option<Duration>, ConfigError> {
            let days = match var.value {
                None => default,
                Some(_) => Some(var.parse_or(0_u64)?),
            };
            Ok(days.map(|d| Duration::from_secs(d.saturating_mul(24 * 3600))))
        };
        let limits = RequestLimits {
            open: settings.max_open_requests().parse_or(20_u32)?.max(1),
            per_hour: settings.max_requests_per_hour().parse_or(60_u32)?.max(1),
        };
        let ttl_days = settings.request_ttl_days().parse_or(14_u64)?.max(1);
        let expiry = RequestExpiry {
            ttl: Duration::from_secs(ttl_days.saturating_mul(24 * 3600)),
            every: Duration::from_secs(60),
        };
        let templates = settings.templates();
        let templates = match templates.value.map(str::trim) {
            None | Some("") => Templates::default(),
            Some(path) => {
                let invalid = |reason: String| ConfigError::Invalid {
                    name: templates.name,
                    reason,
                };
                let text = std::fs::read_to_string(path)
                    .map_err(|e| invalid(format!("cannot read {path}: {e}")))?;
                Templates::parse(&text).map_err(|e| invalid(format!("{path}: {e}")))?
            }
        };
        let hour = settings.start_hour();
        let zone = settings.timezone();
        let start = StartSchedule::new(hour.parse_or(8_i8)?, zone.value.map_or("UTC", str::trim))
            .map_err(|reason| {
            if hour.value.is_some() && reason.starts_with("an hour") {
                hour.invalid(reason)
            } else {
                zone.invalid(reason)
            }
        })?;
        let rate = settings.bulk_rate();
        let bulk = BulkLimits {
            rate: rate.parse_or(2.0_f64)?,
            max_rows: settings.bulk_max_rows().parse_or(DEFAULT_MAX_ROWS)?.max(1),
        };
        if !(bulk.rate.is_finite() && bulk.rate > 0.0 && bulk.rate <= 1000.0) {
            return Err(rate.invalid("give a number of creates a second above 0, at most 1000"));
        }
        let retention = Retention {
            jobs: days(settings.retention_days(), Some(30))?.unwrap_or(Duration::ZERO),
            audit: days(settings.audit_retention_days(), None)?,
            every: Duration::from_secs(3600),
        };
        Ok(Self {
            bot_token,
            admin,
            webhook_secret,
            api_url: settings.api_url().text_or(DEFAULT_API_URL),
            public_url: settings.public_url().text(),
            listen_addr,
            database_url: settings.database_url().text_or(DEFAULT_DATABASE_URL),
            requesters,
            approvers_room,
            grantable: Grantable::parse(
                settings.licenses().value.unwrap_or_default(),
                settings.roles().value.unwrap_or_default(),
            ),
            choices_refresh: settings.choices_refresh_secs().seconds_or(600)?,
            call_timeout,
            workers,
            log_format,
            log_filter: settings.rust_log().text_or(DEFAULT_LOG_FILTER),
            alerts_room,
            alert_backlog: settings.alert_backlog_secs().seconds_or(600)?,
            watch_every: Duration::from_secs(15),
            webhook_check: settings
                .webhook_check_secs()
                .seconds_or(300)?
                .max(Duration::from_secs(1)),
            metrics_addr,
            retention,
            limits,
            expiry,
            templates,
            start,
            bulk,
        })
    }
}

#[cfg(test)]
mod tests;
