//! Card submissions: what a click on a card's `Action.Submit` sends, and who hears of it.

use serde::Deserialize;
use serde_json::{Map, Value, json};

use super::{World, cards};
use crate::delivery::Outgoing;
use crate::error::ApiError;
use crate::gateway::Caller;
use crate::ids;

/// A card submission.
pub(super) struct AttachmentAction {
    id: String,
    message_id: String,
    person_id: String,
    room_id: String,
    /// Every value a string, as Webex sends them.
    inputs: Map<String, Value>,
    created: String,
}

impl AttachmentAction {
    fn json(&self) -> Value {
        json!({
            "id": self.id,
            "type": "submit",
            "messageId": self.message_id,
            "inputs": self.inputs,
            "personId": self.person_id,
            "roomId": self.room_id,
            "created": self.created,
        })
    }

    /// What the webhook says of it: no inputs, so the bot must fetch them with its token.
    fn webhook_data(&self) -> Value {
        let mut data = self.json();
        if let Some(fields) = data.as_object_mut() {
            fields.remove("inputs");
        }
        data
    }
}

/// The body of `POST /v1/attachment/actions`: the fields of the spec's request schema only.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub(crate) struct NewAction {
    #[serde(rename = "type")]
    kind: String,
    message_id: String,
    inputs: Value,
}

impl World {
    /// `POST /v1/attachment/actions`: a person submits a card through the API, under the
    /// same rules as a click in a client (`submit`), and the webhooks follow. Returns the
    /// action with the deliveries it causes.
    ///
    /// # Errors
    /// 404 for a message the caller cannot see (deleted cards stay submittable to the
    /// room's members, as in `submit`), 400 for anything `submit` refuses.
    pub(crate) fn submit_through_api(
        &mut self,
        caller: &Caller,
        new: NewAction,
    ) -> Result<(Value, Vec<Outgoing>), ApiError> {
        if new.kind != "submit" {
            return Err(ApiError::bad_request(format!(
                "type must be \"submit\", not {:?}.",
                new.kind
            )));
        }
        if !new.inputs.is_object() {
            return Err(ApiError::bad_request("inputs must be an object."));
        }
        let visible = self
            .message(&new.message_id)
            .or_else(|| {
                self.deleted_messages
                    .iter()
                    .find(|message| message.id == new.message_id)
            })
            .is_some_and(|message| self.is_member(&caller.id, &message.room_id));
        if !visible {
            return Err(ApiError::not_found("The requested message was not found."));
        }
        let (id, deliveries) = self
            .submit(&caller.id, &new.message_id, &new.inputs)
            .map_err(|reason| {
                ApiError::bad_request(format!("The card cannot be submitted: {reason}."))
            })?;
        let action = self
            .actions
            .iter()
            .find(|action| action.id == id)
            .map(AttachmentAction::json)
            .ok_or_else(|| ApiError::not_found("The attachment action was not found."))?;
        Ok((action, deliveries))
    }

    /// Submits the card on a message as this person, and returns the action's id with the
    /// webhook deliveries it causes.
    ///
    /// As in Webex, the `data` of the card's first `Action.Submit` is merged into the
    /// inputs (a submitted input with the same key wins) and every value becomes a string;
    /// `cards::submission` says what the card could send.
    ///
    /// A deleted card can still be submitted, as from a client that has not yet noticed it
    /// is gone: whether Webex accepts that is unverified, and the bot must cope if it does.
    ///
    /// # Errors
    /// The reason, when there is no such message, it carries no card, or the card could
    /// not have sent these inputs.
    pub(crate) fn submit(
        &mut self,
        person_id: &str,
        card_message_id: &str,
        submitted: &Value,
    ) -> Result<(String, Vec<Outgoing>), String> {
        let card_message = self
            .message(card_message_id)
            .or_else(|| {
                self.deleted_messages
                    .iter()
                    .find(|message| message.id == card_message_id)
            })
            .ok_or_else(|| format!("the simulator holds no message {card_message_id}"))?;
        let card = card_message
            .attachments
            .first()
            .and_then(|attachment| attachment.get("content"))
            .ok_or_else(|| format!("the message {card_message_id} carries no card"))?;
        let inputs = cards::submission(card, submitted)?;
        let action = AttachmentAction {
            id: ids::webex_id("ATTACHMENT_ACTION"),
            message_id: card_message_id.to_owned(),
            person_id: person_id.to_owned(),
            room_id: card_message.room_id.clone(),
            inputs,
            created: ids::timestamp(),
        };
        // Unverified in Webex: here every member of the room with a webhook hears of it.
        let deliveries = self.webhooks.on_event(
            "attachmentActions",
            "created",
            person_id,
            &action.webhook_data(),
            |owner_id| self.is_member(owner_id, &action.room_id),
        );
        let id = action.id.clone();
        self.actions.push(action);
        Ok((id, deliveries))
    }

    pub(crate) fn action_json(&self, caller: &Caller, id: &str) -> Result<Value, ApiError> {
        self.actions
            .iter()
            .find(|action| action.id == id && self.is_member(&caller.id, &action.room_id))
            .map(AttachmentAction::json)
            .ok_or_else(|| ApiError::not_found("The requested attachment action was not found."))
    }
}
