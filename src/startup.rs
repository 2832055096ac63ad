//! Builds the application from its configuration and runs it until it is told to stop.

use std::future::Future;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use tokio::net::TcpListener;
use tokio::sync::Notify;
use tokio::task::JoinHandle;
use tokio_util::sync::CancellationToken;
use tokio_util::task::TaskTracker;

use crate::config::Config;
use crate::http::{self, Edge};
use crate::onboarding::choices::ChoiceCache;
use crate::onboarding::{BotIdentity, Onboarding, Rules};
use crate::registration;
use crate::store::{Recorder, Store, StoreError};
use crate::webex::{AdminApi, BotApi, WebexError};
use crate::worker;

/// How long shutdown may take in all.
const SHUTDOWN_LIMIT: Duration = Duration::from_secs(10);

/// Why the bot could not start.
#[derive(Debug, thiserror::Error)]
pub enum StartupError {
    #[error("cannot listen on {addr}: {source}")]
    Listen {
        addr: SocketAddr,
        source: std::io::Error,
    },
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error("cannot ask Webex who the bot is (check WEBEX_BOT_TOKEN and WEBEX_API_URL): {0}")]
    Identity(WebexError),
    #[error("cannot register the webhooks at WEBEX_PUBLIC_URL: {0}")]
    Registration(WebexError),
    #[error("cannot build the Webex client: {0}")]
    Client(WebexError),
    #[error("{0}")]
    Config(String),
}

/// A built bot, listening, ready to run.
pub struct Application {
    listener: TcpListener,
    router: axum::Router,
    store: Store,
    recorder_task: JoinHandle<()>,
    stop_workers: CancellationToken,
    tracker: TaskTracker,
}

impl Application {
    /// Binds `LISTEN_ADDR`, then builds as [`Application::build_on`].
    pub async fn build(config: Config) -> Result<Self, StartupError> {
        let listener = TcpListener::bind(config.listen_addr)
            .await
            .map_err(|source| StartupError::Listen {
                addr: config.listen_addr,
                source,
            })?;
        Self::build_on(config, listener).await
    }

    /// Connects the store, learns who the bot is, registers webhooks and starts the workers.
    pub async fn build_on(config: Config, listener: TcpListener) -> Result<Self, StartupError> {
        let store = Store::connect(&config.database_url).await?;
        let bot = BotApi::new(
            &config.api_url,
            config.bot_token.clone(),
            config.call_timeout,
        )
        .map_err(StartupError::Client)?;
        let admin = AdminApi::new(
            &config.api_url,
            config.admin_token.clone(),
            config.call_timeout,
        )
        .map_err(StartupError::Client)?;
        let me = bot
            .me("webex-onboard_start")
            .await
            .map_err(StartupError::Identity)?;
        tracing::info!(bot = %me.id, "bot identity known");
        if let Some(public_url) = &config.public_url {
            registration::ensure_webhooks(&bot, public_url, &config.webhook_secret)
                .await
                .map_err(StartupError::Registration)?;
        }
        let recorded = Arc::new(Notify::new());
        let (recorder, recorder_task) = Recorder::spawn(store.clone(), recorded.clone());
        let choices = ChoiceCache::new(
            admin.clone(),
            config.grantable.clone(),
            config.choices_refresh,
        );
        let onboarding = Arc::new(Onboarding::new(
            store.clone(),
            bot,
            admin,
            BotIdentity {
                display_name: me.display_name.unwrap_or_default(),
                id: me.id,
            },
            Rules {
                requesters: config.requesters.clone(),
                approvers_room: config.approvers_room.clone(),
            },
            choices,
        ));
        let stop_workers = CancellationToken::new();
        let tracker = TaskTracker::new();
        worker::spawn(
            store.clone(),
            onboarding,
            config.workers.clone(),
            recorded,
            stop_workers.clone(),
            &tracker,
        );
        let router = http::router(Arc::new(Edge {
            secret: config.webhook_secret.clone(),
            recorder,
            store: store.clone(),
        }));
        Ok(Self {
            listener,
            router,
            store,
            recorder_task,
            stop_workers,
            tracker,
        })
    }

    /// The address the bot listens on.
    pub fn local_addr(&self) -> std::io::Result<SocketAddr> {
        self.listener.local_addr()
    }

    /// The store, for inspection by tests and commands.
    pub fn store(&self) -> Store {
        self.store.clone()
    }

    /// Serves until `shutdown` resolves; then stops taking webhooks, lets the workers finish
    /// or hand back their jobs, and returns within [`SHUTDOWN_LIMIT`].
    pub async fn run_until_stopped(
        self,
        shutdown: impl Future<Output = ()> + Send + 'static,
    ) -> std::io::Result<()> {
        let Self {
            listener,
            router,
            store,
            recorder_task,
            stop_workers,
            tracker,
        } = self;
        let served = axum::serve(listener, router)
            .with_graceful_shutdown(shutdown)
            .await;
        tracing::info!("no longer taking webhooks; stopping workers");
        stop_workers.cancel();
        tracker.close();
        if tokio::time::timeout(SHUTDOWN_LIMIT, async {
            tracker.wait().await;
            let _ = recorder_task.await;
        })
        .await
        .is_err()
        {
            tracing::warn!("workers did not stop in time; their jobs resume when the leases end");
        }
        store.close().await;
        served
    }
}

/// Resolves on Ctrl-C or SIGTERM.
pub async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut signal) => {
                signal.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {}
        () = terminate => {}
    }
    tracing::info!("shutdown requested");
}
