//! Card submissions: what a click on a card's `Action.Submit` sends, and who hears of it.

use serde_json::{Map, Value, json};

use super::World;
use super::people::SimPerson;
use crate::delivery::Delivery;
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

impl World {
    /// Submits the card on a message as this person, and returns the action's id with the
    /// webhook deliveries it causes; None when there is no such message, deleted or not.
    ///
    /// As in Webex, the `data` of the card's first `Action.Submit` is merged into the
    /// inputs (a submitted input with the same key wins) and every value becomes a string.
    ///
    /// A deleted card can still be submitted, as from a client that has not yet noticed it
    /// is gone: whether Webex accepts that is unverified, and the bot must cope if it does.
    pub(crate) fn submit(
        &mut self,
        person: &SimPerson,
        card_message_id: &str,
        submitted: &Value,
    ) -> Option<(String, Vec<Delivery>)> {
        let card_message = self.message(card_message_id).or_else(|| {
            self.deleted_messages
                .iter()
                .find(|message| message.id == card_message_id)
        })?;
        let mut merged = card_message
            .attachments
            .first()
            .and_then(|attachment| attachment.get("content"))
            .and_then(first_submit_data)
            .unwrap_or_default();
        if let Some(submitted) = submitted.as_object() {
            merged.extend(submitted.clone());
        }
        let action = AttachmentAction {
            id: ids::webex_id("ATTACHMENT_ACTION"),
            message_id: card_message_id.to_owned(),
            person_id: person.id.clone(),
            room_id: card_message.room_id.clone(),
            inputs: merged
                .into_iter()
                .map(|(key, value)| (key, Value::String(into_text(value))))
                .collect(),
            created: ids::timestamp(),
        };
        // Unverified in Webex: here every member of the room with a webhook hears of it.
        let deliveries = self.webhooks.on_created(
            "attachmentActions",
            &person.id,
            &action.webhook_data(),
            |owner_id| self.is_member(owner_id, &action.room_id),
        );
        let id = action.id.clone();
        self.actions.push(action);
        Some((id, deliveries))
    }

    pub(crate) fn action_json(&self, caller: &Caller, id: &str) -> Result<Value, ApiError> {
        self.actions
            .iter()
            .find(|action| action.id == id && self.is_member(&caller.id, &action.room_id))
            .map(AttachmentAction::json)
            .ok_or_else(|| ApiError::not_found("The requested attachment action was not found."))
    }
}

/// The `data` of a card's first `Action.Submit`: among its top-level actions first, where
/// a submit button usually is, then in the body's action sets.
fn first_submit_data(card: &Value) -> Option<Map<String, Value>> {
    ["actions", "body"]
        .iter()
        .find_map(|key| card.get(key).and_then(find_submit_data))
}

fn find_submit_data(value: &Value) -> Option<Map<String, Value>> {
    match value {
        Value::Object(fields) if fields.get("type") == Some(&json!("Action.Submit")) => Some(
            fields
                .get("data")
                .and_then(Value::as_object)
                .cloned()
                .unwrap_or_default(),
        ),
        Value::Object(fields) => fields.values().find_map(find_submit_data),
        Value::Array(items) => items.iter().find_map(find_submit_data),
        _ => None,
    }
}

/// A submitted value as the string Webex turns every input into.
fn into_text(value: Value) -> String {
    match value {
        Value::String(text) => text,
        other => other.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn submit_data_comes_from_the_first_submit_action_of_the_card() {
        let card = json!({
            "type": "AdaptiveCard",
            "body": [{ "type": "ActionSet", "actions": [
                { "type": "Action.Submit", "data": { "from": "body" } }
            ]}],
            "actions": [
                { "type": "Action.OpenUrl", "url": "https://example.com" },
                { "type": "Action.Submit", "data": { "action": "onboard", "n": 1 } },
                { "type": "Action.Submit", "data": { "action": "cancel" } }
            ]
        });
        let data = first_submit_data(&card).expect("the card has a submit action");
        assert_eq!(Value::Object(data), json!({ "action": "onboard", "n": 1 }));
    }
}
