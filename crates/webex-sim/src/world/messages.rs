//! Messages: what `POST /v1/messages` checks, what a message looks like to each reader,
//! and who sees it.

use serde::Deserialize;
use serde_json::{Value, json};

use super::cards::check_attachments;
use super::rooms::{RoomKind, room_not_found};
use super::{SimFile, World, markdown};
use crate::delivery::Outgoing;
use crate::error::ApiError;
use crate::gateway::Caller;
use crate::ids;
use crate::json::{non_empty, present_fields};

/// The most bytes Webex accepts in a message's `text`, and separately in its `markdown`.
const MAX_MESSAGE_BYTES: usize = 7439;

/// A message as Webex stores it.
#[derive(Clone, Debug, PartialEq)]
pub struct SimMessage {
    pub id: String,
    pub room_id: String,
    pub person_id: String,
    pub person_email: String,
    pub text: Option<String>,
    pub markdown: Option<String>,
    /// The rendered rich text; a mention shows in it as a `<spark-mention>`.
    pub html: Option<String>,
    pub attachments: Vec<Value>,
    pub parent_id: Option<String>,
    /// The people the message @mentions: a bot sees group messages only when it is one.
    pub mentioned_people: Vec<String>,
    /// The URLs of its files: content URLs on the API host for files posted to Webex, or
    /// whatever URL a test put there.
    pub files: Vec<String>,
    pub created: String,
    /// When it was last edited.
    pub updated: Option<String>,
    /// How many times it was edited: Webex allows 10.
    pub edits: u32,
}

/// A message about to be stored: checked already, when it came through the API.
#[derive(Debug, Default)]
pub(crate) struct NewMessage {
    pub(crate) room_id: String,
    pub(crate) person_id: String,
    pub(crate) person_email: String,
    pub(crate) text: Option<String>,
    pub(crate) markdown: Option<String>,
    pub(crate) html: Option<String>,
    pub(crate) attachments: Vec<Value>,
    pub(crate) parent_id: Option<String>,
    pub(crate) mentioned_people: Vec<String>,
    pub(crate) files: Vec<String>,
}

/// The body of `POST /v1/messages`, as JSON or as a multipart form with a file.
#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct MessageRequest {
    pub(crate) room_id: Option<String>,
    pub(crate) to_person_id: Option<String>,
    pub(crate) to_person_email: Option<String>,
    pub(crate) text: Option<String>,
    pub(crate) markdown: Option<String>,
    #[serde(default)]
    pub(crate) attachments: Vec<Value>,
    pub(crate) parent_id: Option<String>,
    /// Public URLs for Webex to fetch: not simulated, so refused rather than ignored.
    pub(crate) files: Option<Value>,
    /// The file of a multipart form.
    #[serde(skip)]
    pub(crate) upload: Option<SimFile>,
}

impl World {
    /// Checks a `POST /v1/messages` as Webex does; the direct room it names is created on first use.
    pub(crate) fn message_from_request(
        &mut self,
        caller: &Caller,
        request: MessageRequest,
    ) -> Result<NewMessage, ApiError> {
        let MessageRequest {
            room_id,
            to_person_id,
            to_person_email,
            text,
            markdown,
            attachments,
            parent_id,
            files,
            upload,
        } = request;
        if files.is_some() {
            return Err(ApiError::bad_request(
                "files by URL are not simulated: upload the file as multipart/form-data.",
            ));
        }
        check_length("text", text.as_deref())?;
        check_length("markdown", markdown.as_deref())?;
        check_attachments(&attachments)?;
        if upload.is_some() && !attachments.is_empty() {
            return Err(ApiError::bad_request(
                "A message carries a file or a card, not both.",
            ));
        }
        let text = text.filter(|text| !text.trim().is_empty());
        let markdown = markdown.filter(|markdown| !markdown.trim().is_empty());
        if text.is_none() && markdown.is_none() && attachments.is_empty() && upload.is_none() {
            return Err(ApiError::bad_request(
                "A message needs text, markdown, a file or an attachment.",
            ));
        }
        let room_id = self.target_room(caller, room_id, to_person_id, to_person_email)?;
        if let Some(parent_id) = &parent_id {
            self.check_parent(parent_id, &room_id)?;
        }
        let files = upload
            .map(|file| vec![self.store_file(&room_id, file)])
            .unwrap_or_default();
        Ok(NewMessage {
            room_id,
            person_id: caller.id.clone(),
            person_email: caller.email.clone(),
            text,
            markdown,
            attachments,
            parent_id,
            files,
            ..NewMessage::default()
        })
    }

    fn target_room(
        &mut self,
        caller: &Caller,
        room_id: Option<String>,
        to_person_id: Option<String>,
        to_person_email: Option<String>,
    ) -> Result<String, ApiError> {
        let recipient = match (room_id, to_person_id, to_person_email) {
            (Some(room_id), None, None) => {
                return if self.is_member(&caller.id, &room_id) {
                    Ok(room_id)
                } else {
                    Err(room_not_found())
                };
            }
            (None, Some(person_id), None) => {
                self.people.iter().find(|person| person.id == person_id)
            }
            (None, None, Some(email)) => self.people.iter().find(|person| person.has_email(&email)),
            (None, None, None) => {
                return Err(ApiError::bad_request(
                    "One of roomId, toPersonId or toPersonEmail is required.",
                ));
            }
            _ => {
                return Err(ApiError::bad_request(
                    "Give only one of roomId, toPersonId and toPersonEmail.",
                ));
            }
        };
        let recipient_id = recipient
            .map(|person| person.id.clone())
            .ok_or_else(|| ApiError::not_found("The person to message was not found."))?;
        Ok(self.direct_room(&caller.id, &recipient_id).id)
    }

    fn check_parent(&self, parent_id: &str, room_id: &str) -> Result<(), ApiError> {
        let is_thread_start = self
            .message(parent_id)
            .is_some_and(|parent| parent.room_id == room_id && parent.parent_id.is_none());
        if is_thread_start {
            return Ok(());
        }
        Err(ApiError::bad_request(
            "parentId must name a top-level message in the same room.",
        ))
    }

    /// Stores the message and returns it with the webhook deliveries it causes.
    pub(crate) fn create_message(&mut self, new: NewMessage) -> (SimMessage, Vec<Outgoing>) {
        let message = SimMessage {
            id: ids::webex_id("MESSAGE"),
            room_id: new.room_id,
            person_id: new.person_id,
            person_email: new.person_email,
            // Webex derives the plain text of a Markdown-only message.
            text: new
                .text
                .or_else(|| new.markdown.as_deref().map(markdown::plain_text)),
            markdown: new.markdown,
            html: new.html,
            attachments: new.attachments,
            parent_id: new.parent_id,
            mentioned_people: new.mentioned_people,
            files: new.files,
            created: ids::timestamp(),
            updated: None,
            edits: 0,
        };
        self.messages.push(message.clone());
        let deliveries = self.message_event(&message, "created");
        (message, deliveries)
    }

    /// The webhook deliveries of an event on a message, to those who may see it.
    pub(super) fn message_event(&self, message: &SimMessage, event: &str) -> Vec<Outgoing> {
        let data = self.message_webhook_data(message);
        self.webhooks
            .on_event("messages", event, &message.person_id, &data, |owner_id| {
                self.sees(owner_id, message)
            })
    }

    pub(crate) fn message_json(&self, message: &SimMessage) -> Value {
        Value::Object(present_fields(json!({
            "id": message.id,
            "roomId": message.room_id,
            "roomType": self.room_type(&message.room_id),
            "text": message.text,
            "markdown": message.markdown,
            "html": message.html,
            "files": non_empty(&message.files),
            "attachments": non_empty(&message.attachments),
            "parentId": message.parent_id,
            "personId": message.person_id,
            "personEmail": message.person_email,
            "mentionedPeople": non_empty(&message.mentioned_people),
            "created": message.created,
            "updated": message.updated,
        })))
    }

    /// What the webhook says of a message: no text, so the bot must fetch it with its token.
    fn message_webhook_data(&self, message: &SimMessage) -> Value {
        Value::Object(present_fields(json!({
            "id": message.id,
            "roomId": message.room_id,
            "roomType": self.room_type(&message.room_id),
            "personId": message.person_id,
            "personEmail": message.person_email,
            "mentionedPeople": non_empty(&message.mentioned_people),
            "files": non_empty(&message.files),
            "created": message.created,
        })))
    }

    fn room_type(&self, room_id: &str) -> Option<&'static str> {
        self.room(room_id).map(|room| room.kind.as_str())
    }

    /// Whether a person may see a message: a member sees all of a room, except that a bot
    /// sees only the group messages that mention it, and its own.
    pub(super) fn sees(&self, viewer_id: &str, message: &SimMessage) -> bool {
        let Some(room) = self.room(&message.room_id) else {
            return false;
        };
        room.has_member(viewer_id)
            && (room.kind == RoomKind::Direct
                || viewer_id != self.bot.id
                || message.person_id == viewer_id
                || message.mentioned_people.iter().any(|id| id == viewer_id))
    }

    pub(crate) fn message_by_id(&self, id: &str) -> Option<SimMessage> {
        self.message(id).cloned()
    }

    pub(super) fn message(&self, id: &str) -> Option<&SimMessage> {
        self.messages.iter().find(|message| message.id == id)
    }

    pub(crate) fn message_for(&self, caller: &Caller, id: &str) -> Result<Value, ApiError> {
        self.message(id)
            .filter(|message| self.sees(&caller.id, message))
            .map(|message| self.message_json(message))
            .ok_or_else(message_not_found)
    }

    pub(crate) fn messages_in(&self, room_id: &str) -> Vec<SimMessage> {
        self.messages
            .iter()
            .filter(|message| message.room_id == room_id)
            .cloned()
            .collect()
    }
}

pub(super) fn message_not_found() -> ApiError {
    ApiError::not_found("The requested message was not found.")
}

pub(super) fn check_length(field: &str, value: Option<&str>) -> Result<(), ApiError> {
    let length = value.map_or(0, str::len);
    if length > MAX_MESSAGE_BYTES {
        return Err(ApiError::bad_request(format!(
            "{field} is {length} bytes long; Webex accepts at most {MAX_MESSAGE_BYTES}."
        )));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_bot_sees_group_messages_only_when_mentioned_or_its_own() {
        let mut world = World::new("http://127.0.0.1:9/v1");
        let alice = world.add_person("alice@example.com", "Alice");
        let bot_id = world.bot().id.clone();
        let room = world.group_room("Team", vec![alice.id.clone()]);
        let message = |person_id: &str, mentioned: Vec<String>| NewMessage {
            room_id: room.id.clone(),
            person_id: person_id.to_owned(),
            text: Some("hello".to_owned()),
            mentioned_people: mentioned,
            ..NewMessage::default()
        };
        let (plain, _) = world.create_message(message(&alice.id, vec![]));
        let (mention, _) = world.create_message(message(&alice.id, vec![bot_id.clone()]));
        let (own, _) = world.create_message(message(&bot_id, vec![]));

        assert!(!world.sees(&bot_id, &plain));
        assert!(world.sees(&bot_id, &mention));
        assert!(world.sees(&bot_id, &own));
        assert!(world.sees(&alice.id, &plain));
    }
}
