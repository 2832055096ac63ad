//! A stateful fake of the Webex REST API over real HTTP, for the integration tests, the
//! sandbox and `webex-onboard demo`.
//!
//! No machine here reaches Webex, so the simulator plays both of its sides, as
//! `shared/webex/CONTRACT.md` describes them: it answers the bot's REST calls as
//! `webexapis.com/v1` would, and it posts signed webhooks to the bot when people write to it
//! or submit its cards. Tests drive it through [`Simulator`]: they add people, speak as them,
//! inject faults, and then look at what the bot did.
//!
//! It is as strict as Webex: it refuses what Webex refuses, and where Webex's behaviour is
//! unverified it takes the strict side (the crate's README lists each such choice). Besides
//! messages, cards and webhooks it serves what onboarding reads and writes: people and
//! Create a Person, licenses (and assigning them), locations and roles, spaces, teams and
//! their memberships, 1:1 messages, edits, files, and OAuth tokens that expire and rotate.
//!
//! # Layout
//! - `lib.rs`: the [`Simulator`] handle that tests and the demo hold, and how it starts.
//! - `handle/`: what tests do with the handle, one file per concern: `people.rs`,
//!   `rooms.rs` (spaces and teams), `messages.rs`, `files.rs`, `webhooks.rs`, `tokens.rs`,
//!   `faults.rs`.
//! - `world/`: the world Webex stores and the rules it enforces, one file per concern:
//!   `people.rs` (the Person object, lookups, who sees what), `create_person.rs` and
//!   `person_body.rs` (what Create a Person checks), `rate_limit.rs`, `licenses.rs`
//!   (units, assignment), `org.rs` (licenses, locations, roles offered), `rooms.rs` (spaces
//!   and memberships), `teams.rs`, `messages.rs`, `message_lists.rs`, `edits.rs`,
//!   `markdown.rs` (the text of a Markdown message), `files.rs`, `cards.rs` (what a card
//!   and a submission may be), `actions.rs` (submissions), `tokens.rs` (bearer tokens,
//!   scopes, OAuth).
//! - `webhooks/`: registrations, the envelopes posted for them, and their `filter.rs`.
//! - `delivery.rs`: signing and posting those envelopes.
//! - `routes/`: the REST endpoints, one file per resource, each with the query parameters
//!   its operation defines (`query.rs` checks them); `multipart.rs` reads an upload.
//! - `gateway.rs`: what every call passes through: the token, the tracking id, faults, the
//!   call log.
//! - `paging.rs`: `max` and the `Link` header of list calls.
//! - `faults.rs`: injected and random failures.
//! - `error.rs`: the Webex error body.
//! - `form.rs`: form-encoded text, as queries, filters and the token request use it.
//! - `ids.rs`: Webex-shaped ids, tokens, timestamps and HTTP-dates.
//! - `json.rs`: JSON shapes every answer shares.

mod delivery;
mod error;
mod faults;
mod form;
mod gateway;
mod handle;
mod ids;
mod json;
mod paging;
mod routes;
mod webhooks;
mod world;

use std::fmt;
use std::net::{Ipv4Addr, Ipv6Addr, SocketAddr};
use std::sync::{Arc, Mutex, MutexGuard};

use tokio::net::TcpListener;
use tokio::sync::Notify;
use tokio::task::JoinHandle;

pub use self::delivery::{Delivery, sign_webhook_body};
pub use self::faults::{Fault, FaultKind};
pub use self::gateway::Call;
pub use self::world::{
    OAuthApp, Refresh, SimFile, SimMessage, SimPerson, SimRoom, SimTeam, plain_text,
};

use self::delivery::Outgoing;
use self::world::World;

/// A running Webex simulator. Clones share it; the server stops when the last one is dropped.
#[derive(Clone)]
pub struct Simulator {
    shared: Arc<Shared>,
    _server: Arc<ServerTask>,
}

/// What the server and every handle share.
pub(crate) struct Shared {
    world: Mutex<World>,
    /// Wakes `wait_for_bot_messages` when a message arrives, so that it need not poll.
    messages_changed: Notify,
    /// Posts webhook deliveries.
    http: reqwest::Client,
    /// "http://127.0.0.1:PORT/v1": the base of the URLs the simulator hands out.
    api_url: String,
}

/// Stops the HTTP server when the last handle goes, instead of leaving it to the runtime.
struct ServerTask(JoinHandle<()>);

impl Drop for ServerTask {
    fn drop(&mut self) {
        self.0.abort();
    }
}

impl Shared {
    fn world(&self) -> MutexGuard<'_, World> {
        self.world
            .lock()
            .expect("the simulator's state is poisoned: a handler panicked")
    }

    /// Wakes those waiting on rooms, then posts the webhooks a new message caused.
    async fn announce_message(&self, deliveries: Vec<Outgoing>) {
        self.messages_changed.notify_waiters();
        self.deliver_all(deliveries).await;
    }

    /// Posts deliveries one after another, as each is answered.
    async fn deliver_all(&self, deliveries: Vec<Outgoing>) {
        for outgoing in deliveries {
            self.deliver(outgoing).await;
        }
    }

    /// Posts one delivery, records it, counts its outcome against its webhook, and returns
    /// the receiver's status.
    async fn deliver(&self, outgoing: Outgoing) -> Option<u16> {
        let delivered = delivery::send(&self.http, outgoing.delivery).await;
        let status = delivered.status;
        let mut world = self.world();
        world.deliveries.push(delivered);
        if let Some(webhook_id) = &outgoing.webhook_id {
            let succeeded = status.is_some_and(|status| (200..300).contains(&status));
            world.webhooks.record_delivery(webhook_id, succeeded);
        }
        status
    }
}

impl fmt::Debug for Simulator {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        formatter
            .debug_struct("Simulator")
            .field("api_url", &self.shared.api_url)
            .finish_non_exhaustive()
    }
}

impl Simulator {
    /// Binds 127.0.0.1 on a free port and serves the API from a tokio task.
    pub async fn start() -> std::io::Result<Simulator> {
        Self::start_on(SocketAddr::from((Ipv4Addr::LOCALHOST, 0))).await
    }

    /// Binds this address and serves the API from a tokio task; for a sandbox that other
    /// processes reach at a known port. On an unspecified address (0.0.0.0), the URLs the
    /// simulator hands out name the loopback address.
    pub async fn start_on(address: SocketAddr) -> std::io::Result<Simulator> {
        let listener = TcpListener::bind(address).await?;
        let mut bound = listener.local_addr()?;
        if bound.ip().is_unspecified() {
            bound.set_ip(if bound.is_ipv4() {
                Ipv4Addr::LOCALHOST.into()
            } else {
                Ipv6Addr::LOCALHOST.into()
            });
        }
        let api_url = format!("http://{bound}/v1");
        let shared = Arc::new(Shared {
            world: Mutex::new(World::new(&api_url)),
            messages_changed: Notify::new(),
            http: delivery::client()?,
            api_url,
        });
        let app = routes::router(Arc::clone(&shared));
        let server = tokio::spawn(async move {
            if let Err(error) = axum::serve(listener, app).await {
                tracing::error!(%error, "the Webex simulator stopped serving");
            }
        });
        Ok(Simulator {
            shared,
            _server: Arc::new(ServerTask(server)),
        })
    }

    /// The API base the bot uses as `WEBEX_API_URL`: "http://127.0.0.1:PORT/v1".
    pub fn api_url(&self) -> String {
        self.shared.api_url.clone()
    }
}
