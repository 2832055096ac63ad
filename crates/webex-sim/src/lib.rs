//! A stateful fake of the Webex REST API over real HTTP, for the integration tests and
//! `webex-onboard demo`.
//!
//! No machine here reaches Webex, so the simulator plays both of its sides, as
//! `shared/webex/CONTRACT.md` describes them: it answers the bot's REST calls as
//! `webexapis.com/v1` would, and it posts signed webhooks to the bot when people write to it
//! or submit its cards. Tests drive it through [`Simulator`]: they add people, speak as them,
//! inject faults, and then look at what the bot did.
//!
//! Besides messages, cards and webhooks, it serves what a helpdesk workflow reads and writes:
//! the organization's licenses, locations and roles (admin only), room memberships, and
//! Create a Person with licenses, roles, a manager and Webex Calling numbers.
//!
//! # Layout
//! - `mod.rs`: the [`Simulator`] handle that tests and the demo hold.
//! - `state.rs`: the world Webex stores (people, rooms and memberships, messages, card
//!   submissions) and the rules it enforces.
//! - `people.rs`: the Person object, and what Create a Person checks of a new one.
//! - `org.rs`: the licenses, locations and roles the organization offers.
//! - `webhooks.rs`: webhook registrations and the envelopes Webex posts for them.
//! - `delivery.rs`: signing and posting those envelopes.
//! - `routes.rs`: the REST endpoints.
//! - `paging.rs`: `max` and the `Link` header of list calls.
//! - `gateway.rs`: what every call passes through: the token, the tracking id, faults, the
//!   call log.
//! - `faults.rs`: injected and random failures.
//! - `error.rs`: the Webex error body.
//! - `ids.rs`: Webex-shaped ids, tokens and timestamps.

mod delivery;
mod error;
mod faults;
mod gateway;
mod ids;
mod json;
mod org;
mod paging;
mod people;
mod routes;
mod state;
mod webhooks;

use std::fmt;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

use serde_json::Value;
use tokio::net::TcpListener;
use tokio::sync::Notify;
use tokio::task::JoinHandle;

pub use self::delivery::{Delivery, sign_webhook_body};
pub use self::faults::{Fault, FaultKind};
pub use self::gateway::Call;
pub use self::people::SimPerson;
pub use self::state::{SimMessage, SimRoom};

use self::state::{NewMessage, World};
use self::webhooks::NewWebhook;

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
    async fn announce_message(&self, deliveries: Vec<Delivery>) {
        self.messages_changed.notify_waiters();
        self.deliver_all(deliveries).await;
    }

    /// Posts deliveries one after another, as each is answered.
    async fn deliver_all(&self, deliveries: Vec<Delivery>) {
        for delivery in deliveries {
            self.deliver(delivery).await;
        }
    }

    /// Posts one delivery, records it, and returns the receiver's status.
    async fn deliver(&self, delivery: Delivery) -> Option<u16> {
        let delivered = delivery::send(&self.http, delivery).await;
        let status = delivered.status;
        self.world().deliveries.push(delivered);
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
        let listener = TcpListener::bind("127.0.0.1:0").await?;
        let shared = Arc::new(Shared {
            world: Mutex::new(World::new()),
            messages_changed: Notify::new(),
            http: delivery::client()?,
            api_url: format!("http://{}/v1", listener.local_addr()?),
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

    /// The bot: display name "Onboarding Bot", email "onboard-bot@webex.bot".
    pub fn bot(&self) -> SimPerson {
        self.shared.world().bot().clone()
    }

    /// An administrator of the organization, whose token may create people.
    pub fn admin(&self) -> SimPerson {
        self.shared.world().admin().clone()
    }

    /// A regular member of the organization, with a token of their own.
    pub fn add_person(&self, email: &str, display_name: &str) -> SimPerson {
        self.shared.world().add_person(email, display_name)
    }

    /// The 1:1 space between this person and the bot; the same room on every call.
    pub fn direct_room(&self, person: &SimPerson) -> SimRoom {
        let mut world = self.shared.world();
        let bot_id = world.bot().id.clone();
        world.direct_room(&person.id, &bot_id)
    }

    /// A new group space of these people and the bot.
    pub fn group_room(&self, title: &str, members: &[&SimPerson]) -> SimRoom {
        let member_ids = members.iter().map(|person| person.id.clone()).collect();
        self.shared.world().group_room(title, member_ids)
    }

    /// Adds a person to a group space; nothing changes when they are in it already.
    ///
    /// # Panics
    /// When the room is a 1:1 space, which never gains members, or unknown: the test is wrong.
    pub fn add_member(&self, room: &SimRoom, person: &SimPerson) {
        if let Err(reason) = self.shared.world().add_member(&room.id, &person.id) {
            panic!("add_member: {reason}");
        }
    }

    /// Offers a license with this many units, and returns its id. A name containing
    /// "Calling" makes it a Webex Calling license.
    pub fn add_license(&self, name: &str, total_units: u64) -> String {
        self.shared.world().catalog.add_license(name, total_units)
    }

    /// Adds a location of the organization, and returns its id.
    pub fn add_location(&self, name: &str) -> String {
        self.shared.world().catalog.add_location(name)
    }

    /// Adds a role people may be given, and returns its id. The organization starts with
    /// "Full Administrator", the admin's role.
    pub fn add_role(&self, name: &str) -> String {
        self.shared.world().catalog.add_role(name)
    }

    /// Posts a message as this person, waits until its webhooks are delivered, and returns
    /// its id. In a group room the bot hears of it only if it mentions the bot.
    pub async fn say(&self, from: &SimPerson, room: &SimRoom, text: &str) -> String {
        self.post(NewMessage {
            text: Some(text.to_owned()),
            ..message_from(from, room)
        })
        .await
    }

    /// Like [`Simulator::say`], with the bot @mentioned first, as a Webex client writes it.
    pub async fn mention_bot(&self, from: &SimPerson, room: &SimRoom, text: &str) -> String {
        let bot = self.bot();
        let html = format!(
            "<p><spark-mention data-object-type=\"person\" data-object-id=\"{}\">{}</spark-mention> {}</p>",
            bot.id,
            bot.display_name,
            escape_html(text)
        );
        self.post(NewMessage {
            text: Some(format!("{} {text}", bot.display_name)),
            html: Some(html),
            mentioned_people: vec![bot.id],
            ..message_from(from, room)
        })
        .await
    }

    async fn post(&self, new: NewMessage) -> String {
        let (message, deliveries) = self.shared.world().create_message(new);
        self.shared.announce_message(deliveries).await;
        message.id
    }

    /// Submits the card on that message as this person, waits until the webhooks are
    /// delivered, and returns the attachment action's id.
    ///
    /// The `data` of the card's first `Action.Submit` is merged into `inputs` (a submitted
    /// input with the same key wins); every value becomes a string. A deleted card can
    /// still be submitted, as from a client that still shows it.
    ///
    /// # Panics
    /// When the simulator never held a message with that id: the test is wrong.
    pub async fn submit(&self, from: &SimPerson, card_message_id: &str, inputs: Value) -> String {
        let submitted = self.shared.world().submit(from, card_message_id, &inputs);
        let Some((action_id, deliveries)) = submitted else {
            panic!("submit: the simulator holds no message {card_message_id}");
        };
        self.shared.deliver_all(deliveries).await;
        action_id
    }

    /// Posts exactly these bytes, with this signature, as a webhook delivery would; for
    /// redelivery, forgery and tampering tests. Returns the receiver's status.
    pub async fn deliver_raw(
        &self,
        target_url: &str,
        body: Vec<u8>,
        signature: Option<String>,
    ) -> Option<u16> {
        let delivery = Delivery {
            target_url: target_url.to_owned(),
            body,
            signature,
            status: None,
        };
        self.shared.deliver(delivery).await
    }

    /// Every webhook post so far, in the order they were answered.
    pub fn deliveries(&self) -> Vec<Delivery> {
        self.shared.world().deliveries.clone()
    }

    /// The room's messages, in creation order; deleted ones are gone from it, as from the API.
    pub fn messages_in(&self, room_id: &str) -> Vec<SimMessage> {
        self.shared.world().messages_in(room_id)
    }

    /// Every message deleted so far, in the order they went.
    pub fn deleted_messages(&self) -> Vec<SimMessage> {
        self.shared.world().deleted_messages.clone()
    }

    /// How many messages have been deleted so far.
    pub fn delete_count(&self) -> usize {
        self.shared.world().deleted_messages.len()
    }

    /// Waits until the room holds at least `count` messages from the bot, and returns them
    /// all; on timeout, returns those there are.
    pub async fn wait_for_bot_messages(
        &self,
        room_id: &str,
        count: usize,
        timeout: Duration,
    ) -> Vec<SimMessage> {
        let deadline = tokio::time::Instant::now() + timeout;
        loop {
            // Registered before looking, so that a message posted in between still wakes us.
            let mut changed = std::pin::pin!(self.shared.messages_changed.notified());
            changed.as_mut().enable();
            let from_bot = self.bot_messages_in(room_id);
            if from_bot.len() >= count {
                return from_bot;
            }
            if tokio::time::timeout_at(deadline, changed).await.is_err() {
                return self.bot_messages_in(room_id);
            }
        }
    }

    fn bot_messages_in(&self, room_id: &str) -> Vec<SimMessage> {
        let world = self.shared.world();
        let bot_id = &world.bot().id;
        let mut messages = world.messages_in(room_id);
        messages.retain(|message| &message.person_id == bot_id);
        messages
    }

    /// The Person objects with this email, ignoring case, with every field Webex stores:
    /// the Webex Calling ones too, as an admin sees them with `callingData=true`.
    pub fn people_with_email(&self, email: &str) -> Vec<Value> {
        self.shared.world().people_json(Some(email), true)
    }

    /// How many people the organization holds, the bot and the admin included.
    pub fn person_count(&self) -> usize {
        self.shared.world().person_count()
    }

    /// Every API call so far, in the order they were answered.
    pub fn calls(&self) -> Vec<Call> {
        self.shared.world().calls.clone()
    }

    /// Adds a fault behind those injected before it.
    pub fn inject(&self, fault: Fault) {
        self.shared.world().faults.inject(fault);
    }

    /// Makes that fraction of API calls fail at random: a 500, a 502, a 503 with
    /// `Retry-After: 1`, or, for a POST, a 502 after the work is done. 0 turns it off.
    pub fn set_random_failure_rate(&self, rate: f64) {
        self.shared.world().faults.set_random_failure_rate(rate);
    }

    /// Every webhook registration, whoever owns it, as the API shows them.
    pub fn webhooks(&self) -> Vec<Value> {
        self.shared.world().webhooks.all()
    }

    /// Marks every webhook "inactive", as Webex does after repeated delivery failures.
    pub fn deactivate_webhooks(&self) {
        self.shared.world().webhooks.deactivate_all();
    }

    /// Registers a webhook for this owner without the API's checks, and returns its id.
    pub fn add_webhook_raw(
        &self,
        owner: &SimPerson,
        name: &str,
        target_url: &str,
        resource: &str,
        event: &str,
        secret: Option<&str>,
    ) -> String {
        let new = NewWebhook {
            name: name.to_owned(),
            target_url: target_url.to_owned(),
            resource: resource.to_owned(),
            event: event.to_owned(),
            filter: None,
            secret: secret.map(str::to_owned),
        };
        self.shared.world().webhooks.register(&owner.id, new)
    }
}

fn message_from(from: &SimPerson, room: &SimRoom) -> NewMessage {
    NewMessage {
        room_id: room.id.clone(),
        person_id: from.id.clone(),
        person_email: from.email.clone(),
        ..NewMessage::default()
    }
}

fn escape_html(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}
