//! Changing what was sent: editing a message's text, and deleting a message. Each tells
//! the webhooks watching for `updated` or `deleted` messages.

use serde::Deserialize;
use serde_json::Value;

use super::messages::{check_length, message_not_found};
use super::{World, markdown};
use crate::delivery::Outgoing;
use crate::error::ApiError;
use crate::gateway::Caller;
use crate::ids;

/// How many times Webex lets a message be edited.
const MAX_EDITS: u32 = 10;

/// The body of `PUT /v1/messages/{messageId}`. Other fields of a message are ignored, as
/// the spec's advice is to send back the message as read, less its `html`.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct MessageEdit {
    room_id: Option<String>,
    text: Option<String>,
    markdown: Option<String>,
    /// Must be absent: the spec says to delete it before the PUT.
    html: Option<Value>,
}

impl World {
    /// `PUT /v1/messages/{messageId}`: the sender replaces the text or markdown of a
    /// message without files or attachments, at most ten times. Returns the message as it
    /// now reads, with the webhook deliveries of its `updated` event.
    pub(crate) fn edit_message(
        &mut self,
        caller: &Caller,
        id: &str,
        edit: MessageEdit,
    ) -> Result<(Value, Vec<Outgoing>), ApiError> {
        let index = self.visible_message(caller, id)?;
        let message = &self.messages[index];
        if message.person_id != caller.id {
            return Err(ApiError::forbidden(
                "Only the sender of a message may edit it.",
            ));
        }
        if edit.room_id.as_deref() != Some(message.room_id.as_str()) {
            return Err(ApiError::bad_request(
                "roomId is required, and must be the room of the message.",
            ));
        }
        if edit.html.is_some() {
            return Err(ApiError::bad_request(
                "Delete html from the message before sending it back to edit it.",
            ));
        }
        if !message.attachments.is_empty() || !message.files.is_empty() {
            return Err(ApiError::bad_request(
                "Editing a message with files or attachments is not supported.",
            ));
        }
        if message.edits >= MAX_EDITS {
            return Err(ApiError::bad_request(format!(
                "The edit limit of {MAX_EDITS} edits per message has been reached."
            )));
        }
        check_length("text", edit.text.as_deref())?;
        check_length("markdown", edit.markdown.as_deref())?;
        let text = edit.text.filter(|text| !text.trim().is_empty());
        let markdown = edit.markdown.filter(|markdown| !markdown.trim().is_empty());
        if text.is_none() && markdown.is_none() {
            return Err(ApiError::bad_request("An edit needs text or markdown."));
        }
        let message = &mut self.messages[index];
        message.text = text.or_else(|| markdown.as_deref().map(markdown::plain_text));
        message.markdown = markdown;
        message.html = None;
        message.edits += 1;
        message.updated = Some(ids::timestamp());
        let message = &self.messages[index];
        let deliveries = self.message_event(message, "updated");
        Ok((self.message_json(message), deliveries))
    }

    /// `DELETE /v1/messages/{messageId}`: the sender deletes it; returns the webhook
    /// deliveries of its `deleted` event.
    pub(crate) fn delete_message(
        &mut self,
        caller: &Caller,
        id: &str,
    ) -> Result<Vec<Outgoing>, ApiError> {
        let index = self.visible_message(caller, id)?;
        if self.messages[index].person_id != caller.id {
            return Err(ApiError::forbidden(
                "Only the sender of a message may delete it.",
            ));
        }
        let deliveries = self.message_event(&self.messages[index], "deleted");
        let deleted = self.messages.remove(index);
        self.deleted_messages.push(deleted);
        Ok(deliveries)
    }

    /// Where the message is, when the caller can see it; 404 otherwise.
    fn visible_message(&self, caller: &Caller, id: &str) -> Result<usize, ApiError> {
        self.messages
            .iter()
            .position(|message| message.id == id && self.sees(&caller.id, message))
            .ok_or_else(message_not_found)
    }
}
