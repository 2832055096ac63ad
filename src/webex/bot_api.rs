//! What the bot may do with the bot token: its identity, messages, cards and webhooks.

use std::sync::Arc;
use std::time::Duration;

use super::WebexError;
use super::auth::TokenSource;
use super::client::{Client, Op};
use super::files::{Download, NotDownloaded};
use super::ids::{ActionId, MessageId, PersonId, RoomId, TeamId, WebhookId};
use super::types::{
    AttachmentAction, Items, Membership, Message, NewMessage, NewWebhook, Person, Room, Team,
    Webhook, WebhookUpdate,
};
use crate::metrics::Metrics;

/// What the bot may do with the bot token.
#[derive(Clone)]
pub struct BotApi(Client);

impl BotApi {
    /// A client for the API at `base_url` (e.g. `https://webexapis.com/v1`).
    pub fn new(
        base_url: &str,
        token: Arc<dyn TokenSource>,
        timeout: Duration,
        metrics: Metrics,
    ) -> Result<Self, WebexError> {
        Client::new(base_url, token, timeout, metrics).map(Self)
    }

    /// `GET /people/me`: who the bot is.
    pub async fn me(&self, tracking_id: &str) -> Result<Person, WebexError> {
        self.0
            .get(Op("GET /people/me"), "/people/me", &[], tracking_id)
            .await
    }

    /// `GET /people/{id}`: who submitted a card.
    pub async fn person(&self, id: &PersonId, tracking_id: &str) -> Result<Person, WebexError> {
        let path = format!("/people/{id}");
        self.0
            .get(Op("GET /people/{personId}"), &path, &[], tracking_id)
            .await
    }

    /// `GET /messages/{id}`: the text is not in the webhook.
    pub async fn message(&self, id: &MessageId, tracking_id: &str) -> Result<Message, WebexError> {
        let path = format!("/messages/{id}");
        self.0
            .get(Op("GET /messages/{messageId}"), &path, &[], tracking_id)
            .await
    }

    /// `POST /messages`.
    pub async fn post_message(
        &self,
        message: &NewMessage,
        tracking_id: &str,
    ) -> Result<Message, WebexError> {
        self.0
            .send(Op("POST /messages"), "/messages", &[], message, tracking_id)
            .await
    }

    /// Downloads a file posted to the bot, reading at most `max_bytes`; a URL that is not on
    /// the Webex API is never fetched.
    pub async fn download(
        &self,
        url: &str,
        max_bytes: usize,
        tracking_id: &str,
    ) -> Result<Result<Download, NotDownloaded>, WebexError> {
        self.0.download(url, max_bytes, tracking_id).await
    }

    /// `POST /messages` with one file, in a space and a thread.
    pub async fn post_file(
        &self,
        room_id: &RoomId,
        parent_id: Option<&MessageId>,
        markdown: &str,
        file_name: &str,
        file: Vec<u8>,
        tracking_id: &str,
    ) -> Result<Message, WebexError> {
        let mut fields = vec![
            ("roomId", room_id.to_string()),
            ("markdown", markdown.to_owned()),
        ];
        if let Some(parent) = parent_id {
            fields.push(("parentId", parent.to_string()));
        }
        self.0.post_file(fields, file_name, file, tracking_id).await
    }

    /// `PUT /messages/{id}`: edits the text of a message the bot posted (at most 10 times).
    pub async fn edit_message(
        &self,
        id: &MessageId,
        room_id: &RoomId,
        markdown: &str,
        tracking_id: &str,
    ) -> Result<Message, WebexError> {
        let path = format!("/messages/{id}");
        let body = serde_json::json!({"roomId": room_id, "markdown": markdown});
        self.0
            .send(
                Op("PUT /messages/{messageId}"),
                &path,
                &[],
                &body,
                tracking_id,
            )
            .await
    }

    /// `GET /attachment/actions/{id}`: the inputs are not in the webhook.
    pub async fn attachment_action(
        &self,
        id: &ActionId,
        tracking_id: &str,
    ) -> Result<AttachmentAction, WebexError> {
        let path = format!("/attachment/actions/{id}");
        self.0
            .get(Op("GET /attachment/actions/{id}"), &path, &[], tracking_id)
            .await
    }

    /// `DELETE /messages/{id}`: a card cannot be edited, so a replaced form is deleted.
    pub async fn delete_message(
        &self,
        id: &MessageId,
        tracking_id: &str,
    ) -> Result<(), WebexError> {
        let path = format!("/messages/{id}");
        self.0
            .act(Op("DELETE /messages/{messageId}"), &path, tracking_id)
            .await
    }

    /// Whether the person is a member of the room (`GET /memberships?roomId=&personId=`).
    pub async fn is_member(
        &self,
        room_id: &RoomId,
        person_id: &PersonId,
        tracking_id: &str,
    ) -> Result<bool, WebexError> {
        let query = [
            ("roomId", room_id.as_str()),
            ("personId", person_id.as_str()),
        ];
        let found: Items<Membership> = self
            .0
            .get(Op("GET /memberships"), "/memberships", &query, tracking_id)
            .await?;
        Ok(found
            .items
            .iter()
            .any(|m| m.person_id == *person_id && m.room_id == *room_id))
    }

    /// `GET /rooms/{id}`: a space the bot is in (404 otherwise).
    pub async fn room(&self, id: &RoomId, tracking_id: &str) -> Result<Room, WebexError> {
        let path = format!("/rooms/{id}");
        self.0
            .get(Op("GET /rooms/{roomId}"), &path, &[], tracking_id)
            .await
    }

    /// `GET /teams/{id}`: a team the bot is in (404 otherwise).
    pub async fn team(&self, id: &TeamId, tracking_id: &str) -> Result<Team, WebexError> {
        let path = format!("/teams/{id}");
        self.0
            .get(Op("GET /teams/{teamId}"), &path, &[], tracking_id)
            .await
    }

    /// `POST /memberships`: adds a person to a space the bot is in. Webex answers 409 when
    /// they are in it already.
    pub async fn add_to_room(
        &self,
        room_id: &RoomId,
        person_id: &PersonId,
        tracking_id: &str,
    ) -> Result<(), WebexError> {
        let body = serde_json::json!({"roomId": room_id, "personId": person_id});
        let _: serde_json::Value = self
            .0
            .send(
                Op("POST /memberships"),
                "/memberships",
                &[],
                &body,
                tracking_id,
            )
            .await?;
        Ok(())
    }

    /// `POST /team/memberships`: adds a person to a team the bot is in; 409 when they are in
    /// it already.
    pub async fn add_to_team(
        &self,
        team_id: &TeamId,
        person_id: &PersonId,
        tracking_id: &str,
    ) -> Result<(), WebexError> {
        let body = serde_json::json!({"teamId": team_id, "personId": person_id});
        let _: serde_json::Value = self
            .0
            .send(
                Op("POST /team/memberships"),
                "/team/memberships",
                &[],
                &body,
                tracking_id,
            )
            .await?;
        Ok(())
    }

    /// The messages of a thread (`GET /messages?roomId=&parentId=`, every page). Webex lets a
    /// bot list a group space's messages only when they mention it, so this is for 1:1 spaces.
    pub async fn thread_messages(
        &self,
        room_id: &RoomId,
        parent_id: &MessageId,
        tracking_id: &str,
    ) -> Result<Vec<Message>, WebexError> {
        let query = [
            ("roomId", room_id.as_str()),
            ("parentId", parent_id.as_str()),
            ("max", "100"),
        ];
        self.0
            .get_all(Op("GET /messages"), "/messages", &query, tracking_id)
            .await
    }

    /// `GET /messages/direct?personId=`: the bot's 1:1 space with a person, newest first.
    pub async fn direct_messages(
        &self,
        person_id: &PersonId,
        tracking_id: &str,
    ) -> Result<Vec<Message>, WebexError> {
        let query = [("personId", person_id.as_str())];
        let found: Items<Message> = self
            .0
            .get(
                Op("GET /messages/direct"),
                "/messages/direct",
                &query,
                tracking_id,
            )
            .await?;
        Ok(found.items)
    }

    /// The people in a room (`GET /memberships?roomId=`, every page).
    pub async fn members(
        &self,
        room_id: &RoomId,
        tracking_id: &str,
    ) -> Result<Vec<PersonId>, WebexError> {
        let query = [("roomId", room_id.as_str()), ("max", "1000")];
        let found: Vec<Membership> = self
            .0
            .get_all(Op("GET /memberships"), "/memberships", &query, tracking_id)
            .await?;
        Ok(found
            .into_iter()
            .filter(|m| m.room_id == *room_id)
            .map(|m| m.person_id)
            .collect())
    }

    /// `GET /webhooks`, every page.
    pub async fn webhooks(&self, tracking_id: &str) -> Result<Vec<Webhook>, WebexError> {
        self.0
            .get_all(
                Op("GET /webhooks"),
                "/webhooks",
                &[("max", "100")],
                tracking_id,
            )
            .await
    }

    /// `POST /webhooks`.
    pub async fn create_webhook(
        &self,
        webhook: &NewWebhook<'_>,
        tracking_id: &str,
    ) -> Result<Webhook, WebexError> {
        self.0
            .send(Op("POST /webhooks"), "/webhooks", &[], webhook, tracking_id)
            .await
    }

    /// `PUT /webhooks/{id}`.
    pub async fn update_webhook(
        &self,
        id: &WebhookId,
        update: &WebhookUpdate<'_>,
        tracking_id: &str,
    ) -> Result<Webhook, WebexError> {
        let path = format!("/webhooks/{id}");
        self.0
            .send(
                Op("PUT /webhooks/{webhookId}"),
                &path,
                &[],
                update,
                tracking_id,
            )
            .await
    }
}
