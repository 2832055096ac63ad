//! The bot wired to the Webex simulator on loopback: what `demo` runs and what the tests start.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::Duration;

use secrecy::SecretString;
use tokio::net::TcpListener;
use tokio::task::JoinHandle;
use tokio_util::sync::CancellationToken;

use crate::config::{Config, LogFormat};
use crate::domain::Grantable;
use crate::onboarding::policy::Requesters;
use crate::startup::{Application, StartupError};
use crate::store::Store;
use crate::webex::RoomId;
use crate::worker::WorkerSettings;
use webex_sim::Simulator;

/// How to start the bot against the simulator.
#[derive(Debug, Clone)]
pub struct SandboxOptions {
    /// `ONBOARD_REQUESTERS`.
    pub requesters: String,
    /// `ONBOARD_APPROVERS_ROOM`.
    pub approvers_room: Option<String>,
    /// `ONBOARD_LICENSES`.
    pub licenses: String,
    /// `ONBOARD_ROLES`.
    pub roles: String,
    /// `ONBOARD_CHOICES_REFRESH_SECS`.
    pub choices_refresh: Duration,
    /// A database URL, or `None` for a fresh SQLite file in the temp folder.
    pub database_url: Option<String>,
    /// Worker pacing; tests shorten the delays.
    pub workers: WorkerSettings,
    /// How long one Webex call may take.
    pub call_timeout: Duration,
}

impl Default for SandboxOptions {
    fn default() -> Self {
        Self {
            requesters: "@example.com".to_owned(),
            approvers_room: None,
            licenses: String::new(),
            roles: String::new(),
            choices_refresh: Duration::from_secs(60),
            database_url: None,
            workers: WorkerSettings {
                poll: Duration::from_millis(100),
                retry_base: Duration::from_millis(100),
                retry_cap: Duration::from_secs(5),
                ..WorkerSettings::default()
            },
            call_timeout: Duration::from_secs(10),
        }
    }
}

/// A running bot and the simulated Webex it talks to.
pub struct Sandbox {
    /// The simulated Webex.
    pub sim: Simulator,
    /// `http://127.0.0.1:PORT`, where the bot listens (its webhooks point at `/webhook`).
    pub bot_url: String,
    /// The webhook secret the bot registered.
    pub secret: String,
    /// The bot's database.
    pub store: Store,
    /// The database URL, to start another bot on the same data.
    pub database_url: String,
    addr: SocketAddr,
    stop: CancellationToken,
    running: JoinHandle<std::io::Result<()>>,
    /// A SQLite file made for this sandbox, removed when it stops.
    temp_db: Option<PathBuf>,
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
        let (database_url, temp_db) = match options.database_url {
            Some(url) => (url, None),
            None => {
                let path = std::env::temp_dir().join(format!(
                    "webex-onboard-{}-{:016x}.db",
                    std::process::id(),
                    fastrand::u64(..)
                ));
                (format!("sqlite://{}", path.display()), Some(path))
            }
        };
        let listen = |source| StartupError::Listen { addr, source };
        let listener = TcpListener::bind(addr).await.map_err(listen)?;
        let addr = listener.local_addr().map_err(listen)?;
        let bot_url = format!("http://{addr}");
        let secret = format!("{:032x}", fastrand::u128(..));
        let config = Config {
            bot_token: SecretString::from(sim.bot().token),
            admin_token: SecretString::from(sim.admin().token),
            webhook_secret: SecretString::from(secret.clone()),
            api_url: sim.api_url(),
            public_url: Some(bot_url.clone()),
            listen_addr: addr,
            database_url: database_url.clone(),
            requesters: Requesters::parse(&options.requesters).map_err(|reason| {
                StartupError::Config(format!("ONBOARD_REQUESTERS is invalid: {reason}"))
            })?,
            approvers_room: options
                .approvers_room
                .as_deref()
                .map(RoomId::parse)
                .transpose()
                .map_err(|e| {
                    StartupError::Config(format!("ONBOARD_APPROVERS_ROOM is invalid: {e}"))
                })?,
            grantable: Grantable::parse(&options.licenses, &options.roles),
            choices_refresh: options.choices_refresh,
            call_timeout: options.call_timeout,
            workers: WorkerSettings {
                release_delay: options.call_timeout,
                ..options.workers
            },
            log_format: LogFormat::Text,
            log_filter: crate::config::DEFAULT_LOG_FILTER.to_owned(),
        };
        let app = Application::build_on(config, listener).await?;
        let store = app.store();
        let stop = CancellationToken::new();
        let stopped = stop.clone();
        let running = tokio::spawn(app.run_until_stopped(async move { stopped.cancelled().await }));
        Ok(Self {
            sim,
            bot_url,
            secret,
            store,
            database_url,
            addr,
            stop,
            running,
            temp_db,
        })
    }

    /// Where the bot listens.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// Stops the bot as SIGTERM would, and removes a temporary database.
    pub async fn stop(self) -> std::io::Result<()> {
        self.stop.cancel();
        let result = self
            .running
            .await
            .unwrap_or_else(|e| Err(std::io::Error::other(e)));
        if let Some(path) = self.temp_db {
            for suffix in ["", "-wal", "-shm"] {
                let mut file = path.clone().into_os_string();
                file.push(suffix);
                let _ = std::fs::remove_file(file);
            }
        }
        result
    }
}
