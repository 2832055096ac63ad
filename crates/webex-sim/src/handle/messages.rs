//! Speaking as people, submitting cards as them, and reading what the bot wrote.

use std::time::Duration;

use serde_json::Value;

use crate::world::NewMessage;
use crate::{SimMessage, SimPerson, SimRoom, Simulator};

impl Simulator {
    /// Posts a message as this person, waits until its webhooks are delivered, and returns
    /// its id. In a group room the bot hears of it only if it mentions the bot.
    pub async fn say(&self, from: &SimPerson, room: &SimRoom, text: &str) -> String {
        self.post(self.plain(from, room, text)).await
    }

    /// Like [`Simulator::say`], as a reply in the thread of `parent_id`.
    pub async fn say_in_thread(
        &self,
        from: &SimPerson,
        room: &SimRoom,
        parent_id: &str,
        text: &str,
    ) -> String {
        self.post(NewMessage {
            parent_id: Some(parent_id.to_owned()),
            ..self.plain(from, room, text)
        })
        .await
    }

    /// Like [`Simulator::mention_bot`], as a reply in the thread of `parent_id`.
    pub async fn mention_bot_in_thread(
        &self,
        from: &SimPerson,
        room: &SimRoom,
        parent_id: &str,
        text: &str,
    ) -> String {
        self.post(NewMessage {
            parent_id: Some(parent_id.to_owned()),
            ..self.mention(from, room, text)
        })
        .await
    }

    /// Like [`Simulator::say`], with the bot @mentioned first, as a Webex client writes it.
    pub async fn mention_bot(&self, from: &SimPerson, room: &SimRoom, text: &str) -> String {
        self.post(self.mention(from, room, text)).await
    }

    /// A plain text message from this person in this room.
    pub(super) fn plain(&self, from: &SimPerson, room: &SimRoom, text: &str) -> NewMessage {
        NewMessage {
            text: Some(text.to_owned()),
            ..message_from(from, room)
        }
    }

    /// A message from this person that @mentions the bot first, as a Webex client writes it.
    pub(super) fn mention(&self, from: &SimPerson, room: &SimRoom, text: &str) -> NewMessage {
        let bot = self.bot();
        let html = format!(
            "<p><spark-mention data-object-type=\"person\" data-object-id=\"{}\">{}</spark-mention> {}</p>",
            bot.id,
            bot.display_name,
            escape_html(text)
        );
        NewMessage {
            text: Some(format!("{} {text}", bot.display_name)),
            html: Some(html),
            mentioned_people: vec![bot.id],
            ..message_from(from, room)
        }
    }

    /// Stores the message, waits until its webhooks are delivered, and returns its id.
    pub(super) async fn post(&self, new: NewMessage) -> String {
        let (message, deliveries) = self.shared.world().create_message(new);
        self.shared.announce_message(deliveries).await;
        message.id
    }

    /// Submits the card on that message as this person, waits until the webhooks are
    /// delivered, and returns the attachment action's id.
    ///
    /// The `data` of the card's first `Action.Submit` is merged into `inputs` (a submitted
    /// input with the same key wins); every value becomes a string, an array of strings
    /// (a multi-select) their text joined with commas. A key of `inputs` must be the id of
    /// an input of the card or a key of one of its submit actions' `data`: that is all a
    /// Webex client can send. A deleted card can still be submitted, as from a client that
    /// still shows it.
    ///
    /// # Panics
    /// When [`Simulator::try_submit`] would refuse: the test is wrong.
    pub async fn submit(&self, from: &SimPerson, card_message_id: &str, inputs: Value) -> String {
        match self.try_submit(from, card_message_id, inputs).await {
            Ok(action_id) => action_id,
            Err(reason) => panic!("submit: {reason}"),
        }
    }

    /// Like [`Simulator::submit`], but returns why the submission is impossible instead of
    /// panicking: no such message, no card on it, no `Action.Submit` on the card, or inputs
    /// the card could not send.
    pub async fn try_submit(
        &self,
        from: &SimPerson,
        card_message_id: &str,
        inputs: Value,
    ) -> Result<String, String> {
        let submitted = self
            .shared
            .world()
            .submit(&from.id, card_message_id, &inputs);
        let (action_id, deliveries) = submitted?;
        self.shared.deliver_all(deliveries).await;
        Ok(action_id)
    }

    /// The messages of the bot's 1:1 space with the person with this email, oldest first;
    /// empty when there is no such person or space.
    pub fn direct_messages_with(&self, email: &str) -> Vec<SimMessage> {
        self.shared.world().direct_messages_with(email)
    }

    /// The message with this id as it stands (its latest text after edits); None when
    /// there is none, or it was deleted.
    pub fn message(&self, id: &str) -> Option<SimMessage> {
        self.shared.world().message_by_id(id)
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
