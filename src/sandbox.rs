//! The bot wired to the Webex simulator on loopback: what `demo` runs and what the tests start.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::Duration;

use secrecy::SecretString;
use tokio::net::TcpListener;
use tokio::task::JoinHandle;
use tokio_util::sync::CancellationToken;

use crate::config::{AdminCredentials, Config, DEFAULT_LOG_FILTER, LogFormat};
use crate::domain::{BulkLimits, Grantable, StartSchedule, Templates};
use crate::onboarding::policy::Requesters;
use crate::ops::expiry::RequestExpiry;
use crate::ops::retention::Retention;
use crate::startup::{Application, Listeners, StartupError};
use crate::store::{RequestLimits, Store};
use crate::webex::RoomId;
use crate::worker::WorkerSettings;
use webex_sim::Simulator;

/// How the sandboxed bot gets its admin token.
#[derive(Debug, Clone, Default)]
pub enum SandboxAdmin {
    /// The simulated admin's own token, as `WEBEX_ADMIN_TOKEN`.
    #[default]
    Token,
    /// This token, as `WEBEX_ADMIN_TOKEN`: one the simulator does not know is refused.
    Static(String),
    /// The simulator's OAuth app, starting from this refresh token.
    OAuth { refresh_token: String },
    /// The simulator's OAuth app's client id with this client secret, as
    /// `WEBEX_ADMIN_CLIENT_SECRET`: one the app does not have is refused (`invalid_client`).
    OAuthSecret {
        client_secret: String,
        refresh_token: String,
    },
}

/// How to start the bot against the simulator.
#[derive(Debug, Clone)]
pub struct SandboxOptions {
    /// `ONBOARD_REQUESTERS`.
    pub requesters: String,
    /// `ONBOARD_APPROVERS_ROOM`.
    pub approvers_room: Option<String>,
    /// `ONBOARD_ALERTS_ROOM`.
    pub alerts_room: Option<String>,
    /// `ONBOARD_LICENSES`.
    pub licenses: String,
    /// `ONBOARD_ROLES`.
    pub roles: String,
    /// `ONBOARD_CHOICES_REFRESH_SECS`.
    pub choices_refresh: Duration,
    /// The admin token, static or OAuth.
    pub admin: SandboxAdmin,
    /// A database URL, or `None` for a fresh SQLite file in a folder of its own.
    pub database_url: Option<String>,
    /// Worker pacing; tests shorten the delays.
    pub workers: WorkerSettings,
    /// How long one Webex call may take.
    pub call_timeout: Duration,
    /// `ONBOARD_WEBHOOK_CHECK_SECS`.
    pub webhook_check: Duration,
    /// `ONBOARD_ALERT_BACKLOG_SECS`.
    pub alert_backlog: Duration,
    /// How often the queue is watched.
    pub watch_every: Duration,
    /// What is deleted when.
    pub retention: Retention,
    /// `ONBOARD_MAX_OPEN_REQUESTS` and `ONBOARD_MAX_REQUESTS_PER_HOUR`.
    pub limits: RequestLimits,
    /// When requests nobody decided expire (`ONBOARD_REQUEST_TTL_DAYS`), and how often that is
    /// looked at; tests shorten both.
    pub expiry: RequestExpiry,
    /// `ONBOARD_TEMPLATES`, read already.
    pub templates: Templates,
    /// `ONBOARD_START_HOUR` and `ONBOARD_TIMEZONE`.
    pub start: StartSchedule,
    /// How far the bot's clock runs ahead of the machine's: a restart with a skew plays a later
    /// day, such as a new hire's first morning.
    pub clock_skew: Duration,
    /// `ONBOARD_BULK_RATE` and `ONBOARD_BULK_MAX_ROWS`.
    pub bulk: BulkLimits,
}

impl Default for SandboxOptions {
    fn default() -> Self {
        Self {
            requesters: "@example.com".to_owned(),
            approvers_room: None,
            alerts_room: None,
            licenses: String::new(),
            roles: String::new(),
            choices_refresh: Duration::from_secs(60),
            admin: SandboxAdmin::Token,
            database_url: None,
            workers: WorkerSettings {
                poll: Duration::from_millis(100),
                retry_base: Duration::from_millis(100),
                retry_cap: Duration::from_secs(5),
                waiting_delay: Duration::from_millis(500),
                ..WorkerSettings::default()
            },
            call_timeout: Duration::from_secs(10),
            webhook_check: Duration::from_secs(300),
            alert_backlog: Duration::from_secs(600),
            watch_every: Duration::from_millis(500),
            retention: Retention {
                jobs: Duration::from_secs(30 * 24 * 3600),
                audit: None,
                every: Duration::from_secs(3600),
            },
            limits: RequestLimits {
                open: 20,
                per_hour: 60,
            },
            expiry: RequestExpiry {
                ttl: Duration::from_secs(14 * 24 * 3600),
                every: Duration::from_secs(60),
            },
            templates: Templates::default(),
            start: StartSchedule::default(),
            clock_skew: Duration::ZERO,
            bulk: BulkLimits::default(),
        }
    }
}

/// A folder made for one sandbox's SQLite file, removed when the sandbox goes, however it goes.
struct TempFolder(PathBuf);

impl TempFolder {
    fn new() -> std::io::Result<Self> {
        let path = std::env::temp_dir().join(format!(
            "webex-onboard-{}-{:016x}",
            std::process::id(),
            fastrand::u64(..)
        ));
        std::fs::create_dir_all(&path)?;
        Ok(Self(path))
    }
}

impl Drop for TempFolder {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// A running bot and the simulated Webex it talks to.
pub struct Sandbox {
    /// The simulated Webex.
    pub sim: Simulator,
    /// `http://127.0.0.1:PORT`, where the bot listens (its webhooks point at `/webhook`).
    pub bot_url: String,
    /// `http://127.0.0.1:PORT/metrics`.
    pub metrics_url: String,
    /// The webhook secret the bot registered.
    pub secret: String,
    /// The bot's database.
    pub store: Store,
    /// The database URL, to start another bot on the same data.
    pub database_url: String,
    addr: SocketAddr,
    stop: CancellationToken,
    running: JoinHandle<std::io::Result<()>>,
    /// Where a SQLite file made for this sandbox lives.
    _temp: Option<TempFolder>,
}

impl Sandbox {
    /// Starts a bot on a free loopback port that registers its webhooks with `sim`.
    pub async fn start(sim: Simulator, options: SandboxOptions) -> Result<Self, StartupError> {
        Self::start_at(sim, options, ([127, 0, 0, 1], 0).into()).await
    }

    /// Starts a bot on `addr`: a restarted bot takes its predecessor's address and webhooks.
    pub async fn start_at(
        sim: Simulator,
        options: SandboxOptions,
        addr: SocketAddr,
    ) -> Result<Self, StartupError> {
        let listen = |addr: SocketAddr| move |source| StartupError::Listen { addr, source };
        let (database_url, temp) = match options.database_url.clone() {
            Some(url) => (url, None),
            None => {
                let folder = TempFolder::new().map_err(listen(addr))?;
                let url = format!("sqlite://{}", folder.0.join("bot.db").display());
                (url, Some(folder))
            }
        };
        let web = TcpListener::bind(addr).await.map_err(listen(addr))?;
        let addr = web.local_addr().map_err(listen(addr))?;
        let loopback: SocketAddr = ([127, 0, 0, 1], 0).into();
        let metrics = TcpListener::bind(loopback)
            .await
            .map_err(listen(loopback))?;
        let metrics_addr = metrics.local_addr().map_err(listen(loopback))?;
        let bot_url = format!("http://{addr}");
        let secret = format!("{:032x}", fastrand::u128(..));
        let config = config(
            &sim,
            &options,
            &bot_url,
            addr,
            metrics_addr,
            &database_url,
            &secret,
        )?;
        let app = Application::build_on(config, Listeners { web, metrics }).await?;
        let store = app.store();
        store.skew_clock(i64::try_from(options.clock_skew.as_millis()).unwrap_or(i64::MAX));
        let stop = CancellationToken::new();
        let stopped = stop.clone();
        let running = tokio::spawn(app.run_until_stopped(async move { stopped.cancelled().await }));
        Ok(Self {
            sim,
            bot_url,
            metrics_url: format!("http://{metrics_addr}/metrics"),
            secret,
            store,
            database_url,
            addr,
            stop,
            running,
            _temp: temp,
        })
    }

    /// Where the bot listens.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// Stops the bot as SIGTERM would; a temporary database goes with the sandbox.
    pub async fn stop(self) -> std::io::Result<()> {
        self.stop.cancel();
        self.running
            .await
            .unwrap_or_else(|e| Err(std::io::Error::other(e)))
    }
}

fn room(name: &str, room: Option<&str>) -> Result<Option<RoomId>, StartupError> {
    room.map(RoomId::parse)
        .transpose()
        .map_err(|e| StartupError::Config(format!("{name} is invalid: {e}")))
}

/// The configuration `serve` would read, pointed at the simulator.
fn config(
    sim: &Simulator,
    options: &SandboxOptions,
    bot_url: &str,
    addr: SocketAddr,
    metrics_addr: SocketAddr,
    database_url: &str,
    secret: &str,
) -> Result<Config, StartupError> {
    let admin = match &options.admin {
        SandboxAdmin::Token => AdminCredentials::Token(SecretString::from(sim.admin().token)),
        SandboxAdmin::Static(token) => AdminCredentials::Token(SecretString::from(token.clone())),
        SandboxAdmin::OAuth { refresh_token } => {
            let app = sim.oauth_app();
            AdminCredentials::OAuth {
                client_id: app.client_id,
                client_secret: SecretString::from(app.client_secret),
                refresh_token: SecretString::from(refresh_token.clone()),
            }
        }
        SandboxAdmin::OAuthSecret {
            client_secret,
            refresh_token,
        } => AdminCredentials::OAuth {
            client_id: sim.oauth_app().client_id,
            client_secret: SecretString::from(client_secret.clone()),
            refresh_token: SecretString::from(refresh_token.clone()),
        },
    };
    let approvers_room = room("ONBOARD_APPROVERS_ROOM", options.approvers_room.as_deref())?;
    let alerts_room = room("ONBOARD_ALERTS_ROOM", options.alerts_room.as_deref())?;
    Ok(Config {
        bot_token: SecretString::from(sim.bot().token),
        admin,
        webhook_secret: SecretString::from(secret.to_owned()),
        api_url: sim.api_url(),
        public_url: Some(bot_url.to_owned()),
        listen_addr: addr,
        database_url: database_url.to_owned(),
        requesters: Requesters::parse(&options.requesters).map_err(|reason| {
            StartupError::Config(format!("ONBOARD_REQUESTERS is invalid: {reason}"))
        })?,
        alerts_room: alerts_room.or_else(|| approvers_room.clone()),
        approvers_room,
        grantable: Grantable::parse(&options.licenses, &options.roles),
        choices_refresh: options.choices_refresh,
        call_timeout: options.call_timeout,
        workers: WorkerSettings {
            release_delay: options.call_timeout,
            ..options.workers.clone()
        },
        log_format: LogFormat::Text,
        log_filter: DEFAULT_LOG_FILTER.to_owned(),
        alert_backlog: options.alert_backlog,
        watch_every: options.watch_every,
        webhook_check: options.webhook_check,
        metrics_addr,
        retention: options.retention.clone(),
        limits: options.limits,
        expiry: options.expiry.clone(),
        templates: options.templates.clone(),
        start: options.start.clone(),
        bulk: options.bulk,
    })
}
