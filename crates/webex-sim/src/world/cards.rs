//! Adaptive Cards as Webex takes them: what a card attachment must be, and what a click on
//! its `Action.Submit` can send back.

use serde_json::{Map, Value};

use crate::error::ApiError;

/// The content type of the one attachment kind Webex renders: an Adaptive Card.
pub(super) const ADAPTIVE_CARD: &str = "application/vnd.microsoft.card.adaptive";

/// The schema versions Webex renders; a card of a later version shows only its fallback text.
const VERSIONS: [&str; 4] = ["1.0", "1.1", "1.2", "1.3"];

/// The most top-level actions a Webex card may have.
const MAX_ACTIONS: usize = 5;

/// Checks a message's attachments as Webex does: at most one, and that one an Adaptive
/// Card of a version Webex renders, with at most five top-level actions.
pub(super) fn check_attachments(attachments: &[Value]) -> Result<(), ApiError> {
    if attachments.len() > 1 {
        return Err(ApiError::bad_request(
            "Only one attachment is allowed per message.",
        ));
    }
    attachments.iter().try_for_each(check_attachment)
}

fn check_attachment(attachment: &Value) -> Result<(), ApiError> {
    let content = attachment
        .get("content")
        .filter(|_| attachment.get("contentType").and_then(Value::as_str) == Some(ADAPTIVE_CARD))
        .filter(|content| content.is_object())
        .ok_or_else(|| {
            ApiError::bad_request(format!(
                "An attachment must be {{\"contentType\": \"{ADAPTIVE_CARD}\", \"content\": {{card}}}}."
            ))
        })?;
    if content.get("type").and_then(Value::as_str) != Some("AdaptiveCard") {
        return Err(ApiError::bad_request(
            "The card's content must have \"type\": \"AdaptiveCard\".",
        ));
    }
    let version = content.get("version").and_then(Value::as_str);
    if !version.is_some_and(|version| VERSIONS.contains(&version)) {
        return Err(ApiError::bad_request(format!(
            "The card's version must be one of {VERSIONS:?}, which Webex renders; it is {}.",
            content.get("version").unwrap_or(&Value::Null)
        )));
    }
    match content.get("actions") {
        None => Ok(()),
        Some(Value::Array(actions)) if actions.len() <= MAX_ACTIONS => Ok(()),
        Some(Value::Array(actions)) => Err(ApiError::bad_request(format!(
            "A card may have at most {MAX_ACTIONS} actions; this one has {}.",
            actions.len()
        ))),
        Some(_) => Err(ApiError::bad_request(
            "The card's actions must be an array.",
        )),
    }
}

/// What a click on a card's `Action.Submit` sends: the `inputs` Webex stores, every value
/// a string.
///
/// The `data` of the card's first `Action.Submit` is merged into the inputs, a submitted
/// input with the same key winning. Only keys the card could send are accepted: the id
/// of an input anywhere in the card, or a key of some `Action.Submit`'s `data` (as a
/// click on that button would send).
///
/// # Errors
/// The reason, when the card has no `Action.Submit` or the inputs hold what it could not
/// send.
pub(super) fn submission(card: &Value, submitted: &Value) -> Result<Map<String, Value>, String> {
    let Some(data) = first_submit_data(card) else {
        return Err("the card has no Action.Submit, so it cannot be submitted".to_owned());
    };
    let submitted = match submitted {
        Value::Object(fields) => fields,
        Value::Null => &Map::new(),
        other => return Err(format!("inputs must be a JSON object, not {other}")),
    };
    let mut known = Vec::new();
    collect_keys(card, &mut known);
    if let Some(unknown) = submitted.keys().find(|key| !known.contains(key)) {
        return Err(format!(
            "the card has no input with the id {unknown:?}, nor a submit action whose data \
             holds it; the card could send only {known:?}"
        ));
    }
    let mut merged: Map<String, Value> = data
        .into_iter()
        .map(|(key, value)| (key, Value::String(data_text(value))))
        .collect();
    for (key, value) in submitted {
        merged.insert(key.clone(), Value::String(input_text(key, value)?));
    }
    Ok(merged)
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
        Value::Object(fields) if is_submit(fields) => Some(submit_data(fields)),
        Value::Object(fields) => fields.values().find_map(find_submit_data),
        Value::Array(items) => items.iter().find_map(find_submit_data),
        _ => None,
    }
}

fn is_submit(fields: &Map<String, Value>) -> bool {
    fields.get("type").and_then(Value::as_str) == Some("Action.Submit")
}

fn submit_data(fields: &Map<String, Value>) -> Map<String, Value> {
    fields
        .get("data")
        .and_then(Value::as_object)
        .cloned()
        .unwrap_or_default()
}

/// Every key a submission of this card could carry: input ids and submit data keys,
/// wherever they are (a `ShowCard` holds a card of its own).
fn collect_keys(value: &Value, keys: &mut Vec<String>) {
    match value {
        Value::Object(fields) => {
            let kind = fields.get("type").and_then(Value::as_str).unwrap_or("");
            if kind.starts_with("Input.")
                && let Some(id) = fields.get("id").and_then(Value::as_str)
            {
                keys.push(id.to_owned());
            }
            if is_submit(fields) {
                keys.extend(submit_data(fields).keys().cloned());
            }
            fields.values().for_each(|value| collect_keys(value, keys));
        }
        Value::Array(items) => items.iter().for_each(|value| collect_keys(value, keys)),
        _ => {}
    }
}

/// A `data` value as Webex passes it on: text as it is, anything else as its JSON text.
fn data_text(value: Value) -> String {
    match value {
        Value::String(text) => text,
        other => other.to_string(),
    }
}

/// A submitted input as the string Webex sends: a multi-select ChoiceSet's values joined
/// with commas, a number or toggle as its text, an empty input as "".
fn input_text(key: &str, value: &Value) -> Result<String, String> {
    match value {
        Value::String(text) => Ok(text.clone()),
        Value::Null => Ok(String::new()),
        Value::Bool(_) | Value::Number(_) => Ok(value.to_string()),
        Value::Array(items) => items
            .iter()
            .map(|item| match item {
                Value::String(text) => Ok(text.clone()),
                Value::Bool(_) | Value::Number(_) => Ok(item.to_string()),
                _ => Err(format!(
                    "input {key:?} holds {item}, which no card input sends"
                )),
            })
            .collect::<Result<Vec<_>, _>>()
            .map(|values| values.join(",")),
        Value::Object(_) => Err(format!(
            "input {key:?} is an object, which no card input sends"
        )),
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

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

    #[test]
    fn inputs_anywhere_in_the_card_and_any_submit_data_key_may_be_submitted() {
        let card = json!({
            "type": "AdaptiveCard",
            "body": [
                { "type": "Container", "items": [{ "type": "Input.Text", "id": "email" }] }
            ],
            "actions": [
                { "type": "Action.ShowCard", "card": { "type": "AdaptiveCard", "body": [
                    { "type": "Input.ChoiceSet", "id": "teams", "isMultiSelect": true }
                ]}},
                { "type": "Action.Submit", "data": { "action": "onboard" } },
                { "type": "Action.Submit", "data": { "action": "cancel", "why": "late" } }
            ]
        });

        let inputs = json!({ "email": "a@b.c", "teams": ["red", "blue"], "why": 3 });
        let merged = submission(&card, &inputs).expect("a valid submission");
        assert_eq!(
            Value::Object(merged),
            json!({ "action": "onboard", "email": "a@b.c", "teams": "red,blue", "why": "3" })
        );
        let error = submission(&card, &json!({ "phone": "1" })).expect_err("not on the card");
        assert!(error.contains("\"phone\""), "{error}");
        let nested = submission(&card, &json!({ "email": { "a": 1 } }));
        assert!(nested.is_err());
    }

    #[test]
    fn a_card_without_a_submit_action_cannot_be_submitted() {
        let card = json!({
            "type": "AdaptiveCard",
            "actions": [{ "type": "Action.OpenUrl", "url": "https://example.com" }]
        });
        assert!(submission(&card, &json!({})).is_err());
    }

    #[test]
    fn only_adaptive_cards_of_versions_1_0_to_1_3_with_five_actions_at_most_are_sent() {
        let attachment =
            |content: Value| json!({ "contentType": ADAPTIVE_CARD, "content": content });
        let actions = |n: usize| vec![json!({ "type": "Action.Submit" }); n];
        let valid = [
            attachment(json!({ "type": "AdaptiveCard", "version": "1.0" })),
            attachment(json!({ "type": "AdaptiveCard", "version": "1.3", "actions": actions(5) })),
        ];
        let invalid = [
            attachment(json!({ "type": "AdaptiveCard", "version": "1.4" })),
            attachment(json!({ "type": "AdaptiveCard", "version": 1.2 })),
            attachment(json!({ "type": "AdaptiveCard" })),
            attachment(json!({ "type": "HeroCard", "version": "1.3" })),
            attachment(json!({ "type": "AdaptiveCard", "version": "1.3", "actions": actions(6) })),
            json!({ "contentType": "image/png", "content": {} }),
        ];
        for card in valid {
            assert!(
                check_attachments(std::slice::from_ref(&card)).is_ok(),
                "{card}"
            );
        }
        for card in invalid {
            assert!(
                check_attachments(std::slice::from_ref(&card)).is_err(),
                "{card}"
            );
        }
    }
}
