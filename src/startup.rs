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

use crate::auth::{OAuthClient, OAuthToken, StaticAdminToken};
use crate::config::{AdminCredentials, Config};
use crate::domain::Templates;
use crate::http::server::Limits;
use crate::http::{self, Edge};
use crate::metrics::Metrics;
use crate::onboarding::choices::ChoiceCache;
use crate::onboarding::{BotIdentity, Onboarding, Places, Rules};
use crate::ops::alerts::Alerts;
use crate::ops::watch::Watch;
use crate::ops::webhooks::WebhookKeeper;
use crate::store::{Recorder, Store, StoreError};
use crate::webex::{AdminApi, BotApi, StaticToken, TokenSource, WebexError};
use crate::worker::Workers;

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
    /// A template names a space or team the bot cannot add people to.
    #[error("ONBOARD_TEMPLATES: {0}")]
    Template(String),
}

/// The two ports a bot listens on.
pub struct Listeners {
    /// `LISTEN_ADDR`: the webhook, `/healthz` and `/readyz`.
    pub web: TcpListener,
    /// `METRICS_ADDR`: `/metrics` only.
    pub metrics: TcpListener,
}

impl Listeners {
    /// Binds `LISTEN_ADDR` and `METRICS_ADDR`.
    pub async fn bind(config: &Config) -> Result<Self, StartupError> {
        let bind = |addr: SocketAddr| async move {
            TcpListener::bind(addr)
                .await
                .map_err(|source| StartupError::Listen { addr, source })
        };
        Ok(Self {
            web: bind(config.listen_addr).await?,
            metrics: bind(config.metrics_addr).await?,
        })
    }
}

/// A built bot, listening, ready to run.
pub struct Application {
    listeners: Listeners,
    router: axum::Router,
    metrics_router: axum::Router,
    store: Store,
    recorder_task: JoinHandle<()>,
    /// Stops the workers and the background tasks.
    stop: CancellationToken,
    tracker: TaskTracker,
}

impl Application {
    /// Binds its ports, then builds as [`Application::build_on`].
    pub async fn build(config: Config) -> Result<Self, StartupError> {
        let listeners = Listeners::bind(&config).await?;
        Self::build_on(config, listeners).await
    }

    /// Connects the store, learns who the bot is, registers webhooks and starts the workers
    /// and the background tasks.
    pub async fn build_on(config: Config, listeners: Listeners) -> Result<Self, StartupError> {
        let metrics = Metrics::new();
        let store = Store::connect(&config.database_url).await?;
        let alerts = Alerts::new(store.clone(), config.alerts_room.clone());
        let stop = CancellationToken::new();
        let tracker = TaskTracker::new();
        tracker.spawn(metrics.clone().keep_tidy(stop.clone()));
        let bot_token: Arc<dyn TokenSource> = Arc::new(StaticToken::new(
            config.bot_token.clone(),
            "WEBEX_BOT_TOKEN",
        ));
        let admin_token: Arc<dyn TokenSource> = match &config.admin {
            AdminCredentials::Token(token) => {
                Arc::new(StaticAdminToken::new(token.clone(), alerts.clone()))
            }
            AdminCredentials::OAuth {
                client_id,
                client_secret,
                refresh_token,
            } => {
                let client = OAuthClient {
                    client_id: client_id.clone(),
                    client_secret: client_secret.clone(),
                };
                let oauth = Arc::new(
                    OAuthToken::start(
                        store.clone(),
                        &config.api_url,
                        config.call_timeout,
                        client,
                        refresh_token,
                        alerts.clone(),
                        metrics.clone(),
                    )
                    .await?,
                );
                let (keeper, stop) = (oauth.clone(), stop.clone());
                tracker.spawn(async move { keeper.keep_fresh(stop).await });
                oauth
            }
        };
        let bot = BotApi::new(
            &config.api_url,
            bot_token,
            config.call_timeout,
            metrics.clone(),
        )
        .map_err(StartupError::Client)?;
        let admin = AdminApi::new(
            &config.api_url,
            admin_token,
            config.call_timeout,
            metrics.clone(),
        )
        .map_err(StartupError::Client)?;
        let me = bot
            .me("webex-onboard_start")
            .await
            .map_err(StartupError::Identity)?;
        tracing::info!(bot = %me.id, "bot identity known");
        let places = places_of(&bot, &config.templates).await?;
        if let Some(public_url) = &config.public_url {
            let keeper = WebhookKeeper::new(
                bot.clone(),
                public_url,
                config.webhook_secret.clone(),
                Some(store.clone()),
            );
            keeper.ensure().await.map_err(StartupError::Registration)?;
            metrics.webhooks_active(crate::ops::webhooks::RESOURCES.len());
            tracker.spawn(keeper.keep_healthy(
                config.webhook_check,
                alerts.clone(),
                metrics.clone(),
                stop.clone(),
            ));
        }
        let recorded = Arc::new(Notify::new());
        let (recorder, recorder_task) = Recorder::spawn(store.clone(), recorded.clone());
        let choices = ChoiceCache::new(
            admin.clone(),
            config.grantable.clone(),
            config.choices_refresh,
        )
        .with_templates(&config.templates);
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
                limits: config.limits,
                templates: config.templates.clone(),
                start: config.start.clone(),
                places,
                bulk: config.bulk,
            },
            choices,
            metrics.clone(),
        ));
        Workers {
            store: store.clone(),
            settings: config.workers.clone(),
            recorded,
            metrics: metrics.clone(),
            alerts: alerts.clone(),
        }
        .spawn(onboarding, stop.clone(), &tracker)
        .await?;
        tracker.spawn(config.retention.clone().run(store.clone(), stop.clone()));
        tracker.spawn(config.expiry.clone().run(store.clone(), stop.clone()));
        let watch = Watch {
            store: store.clone(),
            metrics: metrics.clone(),
            alerts,
            backlog: config.alert_backlog,
            every: config.watch_every,
        };
        tracker.spawn(watch.run(stop.clone()));
        let router = http::router(Arc::new(Edge {
            secret: config.webhook_secret.clone(),
            recorder,
            store: store.clone(),
            metrics: metrics.clone(),
        }));
        Ok(Self {
            listeners,
            router,
            metrics_router: http::metrics_router(metrics),
            store,
            recorder_task,
            stop,
            tracker,
        })
    }

    /// The address the bot listens on.
    pub fn local_addr(&self) -> std::io::Result<SocketAddr> {
        self.listeners.web.local_addr()
    }

    /// The address `GET /metrics` is served on.
    pub fn metrics_addr(&self) -> std::io::Result<SocketAddr> {
        self.listeners.metrics.local_addr()
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
            listeners,
            router,
            metrics_router,
            store,
            recorder_task,
            stop,
            tracker,
        } = self;
        let metrics_stop = stop.clone();
        let metrics_server = tokio::spawn(async move {
            axum::serve(listeners.metrics, metrics_router)
                .with_graceful_shutdown(async move { metrics_stop.cancelled().await })
                .await
        });
        let served = http::server::serve(listeners.web, router, Limits::default(), shutdown).await;
        tracing::info!("no longer taking webhooks; stopping workers");
        stop.cancel();
        tracker.close();
        if tokio::time::timeout(SHUTDOWN_LIMIT, async {
            tracker.wait().await;
            let _ = recorder_task.await;
            let _ = metrics_server.await;
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

/// The names of the spaces and teams the templates add people to, each checked to be one the
/// bot is in: Webex adds people only to those.
async fn places_of(bot: &BotApi, templates: &Templates) -> Result<Places, StartupError> {
    let mut places = Places::new();
    let tracking = "webex-onboard_start";
    for template in templates.all() {
        let refused = |key: &str, what: &str, id: &str, error: &WebexError| {
            StartupError::Template(format!(
                "template {:?}, key {key:?}: the bot cannot see the {what} {id} ({}); add the \
                 bot to it, or take it out of the template",
                template.name, error
            ))
        };
        for room in &template.rooms {
            let found = bot
                .room(room, tracking)
                .await
                .map_err(|e| refused("rooms", "space", room.as_str(), &e))?;
            let title = found.title.unwrap_or_else(|| room.to_string());
            places.insert(room.to_string(), title);
        }
        for team in &template.teams {
            let found = bot
                .team(team, tracking)
                .await
                .map_err(|e| refused("teams", "team", team.as_str(), &e))?;
            let name = found.name.unwrap_or_else(|| team.to_string());
            places.insert(team.to_string(), name);
        }
    }
    Ok(places)
}
