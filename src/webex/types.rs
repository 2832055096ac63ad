//! The Webex objects the bot reads and writes, with only the fields it uses.

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use super::ids::{ActionId, MessageId, PersonId, RoomId, TeamId, WebhookId};

/// A Webex person (`GET /v1/people/...`, `POST /v1/people`).
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Person {
    pub id: PersonId,
    #[serde(default)]
    pub emails: Vec<String>,
    #[serde(default)]
    pub display_name: Option<String>,
    /// License ids.
    #[serde(default)]
    pub licenses: Vec<String>,
    /// When the account was created (RFC 3339).
    #[serde(default)]
    pub created: Option<String>,
    /// `"true"`/`"false"` in the contract; booleans are accepted as well.
    #[serde(default)]
    pub invite_pending: Option<Value>,
    #[serde(default)]
    pub login_enabled: Option<Value>,
    /// The person's organization.
    #[serde(default)]
    pub org_id: Option<String>,
}

/// A message as `GET /v1/messages/{id}` returns it.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Message {
    pub id: MessageId,
    pub room_id: RoomId,
    /// `direct` (1:1) or `group`.
    #[serde(default)]
    pub room_type: Option<String>,
    #[serde(default)]
    pub person_id: Option<PersonId>,
    #[serde(default)]
    pub person_email: Option<String>,
    #[serde(default)]
    pub text: Option<String>,
    /// The Markdown it was posted with, when it was.
    #[serde(default)]
    pub markdown: Option<String>,
    /// The people the message @mentions; the bot strips its own mention from the text.
    #[serde(default)]
    pub mentioned_people: Vec<String>,
    /// Cards and files.
    #[serde(default)]
    pub attachments: Vec<Value>,
    /// The files posted with it, as download URLs.
    #[serde(default)]
    pub files: Vec<String>,
    /// The thread it answers in.
    #[serde(default)]
    pub parent_id: Option<MessageId>,
}

/// A message the bot posts: markdown with an optional card, optionally threaded.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct NewMessage {
    /// The space; or none, and `to_person_id` names the person.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub room_id: Option<RoomId>,
    /// A direct message to this person.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub to_person_id: Option<PersonId>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub parent_id: Option<MessageId>,
    pub markdown: String,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub attachments: Vec<Value>,
}

/// A card submission as `GET /v1/attachment/actions/{id}` returns it.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct AttachmentAction {
    pub id: ActionId,
    /// The card message that was submitted.
    pub message_id: MessageId,
    pub person_id: PersonId,
    pub room_id: RoomId,
    /// Every value a string; an empty input may be missing or `""`.
    #[serde(default)]
    pub inputs: Map<String, Value>,
}

/// A registered webhook.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Webhook {
    pub id: WebhookId,
    pub name: String,
    pub target_url: String,
    pub resource: String,
    pub event: String,
    #[serde(default)]
    pub status: Option<String>,
    /// The secret it signs with, when Webex shows it to its owner.
    #[serde(default)]
    pub secret: Option<secrecy::SecretString>,
}

/// `POST /v1/webhooks`.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
pub struct NewWebhook<'a> {
    pub name: &'a str,
    pub target_url: &'a str,
    pub resource: &'a str,
    pub event: &'a str,
    pub secret: &'a str,
}

/// `PUT /v1/webhooks/{id}`: also re-activates a webhook Webex switched off.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
pub struct WebhookUpdate<'a> {
    pub name: &'a str,
    pub target_url: &'a str,
    pub secret: &'a str,
    pub status: &'a str,
}

/// `{"items": [...]}`, the shape of every Webex list.
#[derive(Deserialize)]
pub(crate) struct Items<T> {
    pub items: Vec<T>,
}

/// A license of the organization (`GET /v1/licenses`).
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct License {
    pub id: String,
    pub name: String,
    /// How many units the organization has, and how many are used.
    #[serde(default)]
    pub total_units: Option<u64>,
    #[serde(default)]
    pub consumed_units: Option<u64>,
}

/// A space, as `GET /v1/rooms/{id}` shows it to a member.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Room {
    pub id: RoomId,
    #[serde(default)]
    pub title: Option<String>,
}

/// A team, as `GET /v1/teams/{id}` shows it to a member.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Team {
    pub id: TeamId,
    #[serde(default)]
    pub name: Option<String>,
}

/// A location of the organization (`GET /v1/locations`).
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Location {
    pub id: String,
    pub name: String,
}

/// An administrator role (`GET /v1/roles`).
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Role {
    pub id: String,
    pub name: String,
}

/// A person's membership of a room (`GET /v1/memberships`).
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Membership {
    pub room_id: RoomId,
    pub person_id: PersonId,
}
