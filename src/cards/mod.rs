//! The card contract, both ways: the Adaptive Cards in `cards/`, compiled in and filled here,
//! and the submissions that come back, read once ([`Submission`]).

mod submission;

use std::sync::LazyLock;

use serde_json::{Map, Value, json};

pub use submission::{BatchChoice, Submission, identify};

use crate::domain::{FieldError, OrgChoices, input, is_calling_license};

/// The keys the cards' buttons put in their `data`, which Webex merges into the inputs.
pub mod key {
    /// Which button was pressed.
    pub const ACTION: &str = "action";
    /// The onboarding form's *Create account*.
    pub const ONBOARD: &str = "onboard";
    /// An approval card's *Approve*.
    pub const APPROVE: &str = "approve";
    /// An approval card's *Reject*.
    pub const REJECT: &str = "reject";
    /// The request an approval card decides.
    pub const REQUEST_ID: &str = "requestId";
    /// The approver's reason, an input of the approval card.
    pub const REASON: &str = "reason";
    /// A batch preview's *Confirm*.
    pub const BATCH_CONFIRM: &str = "batchConfirm";
    /// A batch preview's *Cancel*.
    pub const BATCH_CANCEL: &str = "batchCancel";
    /// The batch a preview or a batch's approval card is of.
    pub const BATCH_ID: &str = "batchId";
}

/// The content type Webex expects for an Adaptive Card attachment.
pub const CARD_CONTENT_TYPE: &str = "application/vnd.microsoft.card.adaptive";

static ONBOARDING: LazyLock<Value> = LazyLock::new(|| {
    serde_json::from_str(include_str!("../../cards/onboarding.json"))
        .unwrap_or_else(|e| panic!("cards/onboarding.json is not JSON: {e}"))
});

static APPROVAL: LazyLock<Value> = LazyLock::new(|| {
    serde_json::from_str(include_str!("../../cards/approval.json"))
        .unwrap_or_else(|e| panic!("cards/approval.json is not JSON: {e}"))
});

static BATCH_PREVIEW: LazyLock<Value> = LazyLock::new(|| {
    serde_json::from_str(include_str!("../../cards/batch-preview.json"))
        .unwrap_or_else(|e| panic!("cards/batch-preview.json is not JSON: {e}"))
});

/// Wraps a card as a message attachment.
pub fn attachment(card: Value) -> Value {
    json!({ "contentType": CARD_CONTENT_TYPE, "content": card })
}

/// The onboarding form with the organization's choices, the person's earlier values, and the
/// problems found in them shown next to their inputs.
///
/// A choice list with nothing to offer is removed, and so is the calling section when no
/// calling license or no location may be chosen.
pub fn onboarding_card(
    choices: &OrgChoices,
    values: &Map<String, Value>,
    errors: &[FieldError],
) -> Value {
    let mut card = ONBOARDING.clone();
    let lists = [
        (input::LICENSES, &choices.licenses),
        (input::LOCATION_ID, &choices.locations),
        (input::ROLES, &choices.roles),
        (input::TEMPLATE, &choices.templates),
    ];
    for (id, offered) in lists {
        if offered.is_empty() {
            remove(&mut card, id);
            remove(&mut card, &format!("{id}.error"));
        } else if let Some(set) = find(&mut card, id) {
            set["choices"] = offered
                .iter()
                .map(|c| json!({"title": c.name, "value": c.id}))
                .collect();
        }
    }
    if choices.licenses.is_empty() && choices.locations.is_empty() && choices.roles.is_empty() {
        remove(&mut card, "licensesHeading");
    }
    // A start date holds back what templates add; without templates it would hold nothing.
    if choices.templates.is_empty() {
        remove(&mut card, input::START_DATE);
        remove(&mut card, &format!("{}.error", input::START_DATE));
    }
    let calling = (choices.licenses.iter().any(is_calling_license)
        || choices.templates_grant_calling)
        && !choices.locations.is_empty();
    if !calling {
        for id in ["callingHeading", "callingHint", "calling"] {
            remove(&mut card, id);
        }
    }
    for (id, value) in values {
        if let (Some(input), Some(text)) = (find(&mut card, id), value.as_str())
            && input["type"]
                .as_str()
                .is_some_and(|t| t.starts_with("Input."))
        {
            input["value"] = Value::from(text);
        }
    }
    for error in errors {
        if let Some(block) = find(&mut card, &format!("{}.error", error.field)) {
            let text = match block["text"].as_str().map(str::trim) {
                Some(earlier) if !earlier.is_empty() => {
                    format!("{earlier} {}", capitalized(&error.message))
                }
                _ => capitalized(&error.message),
            };
            block["text"] = Value::from(text);
            block["isVisible"] = Value::Bool(true);
        }
    }
    card
}

/// The approval card for one request: who asked (`asked_by`, a line of text), the summary,
/// and Approve and Reject buttons that carry the request's id.
///
/// What people typed is put in `TextRun`s, which Adaptive Cards show as plain text: no markup
/// in a name or a title is read, and the text reads as it was typed.
pub fn approval_card(request_id: i64, asked_by: &str, summary: &[(&str, String)]) -> Value {
    let mut card = APPROVAL.clone();
    fill_approval(&mut card, asked_by, summary);
    set_data(&mut card, key::REQUEST_ID, request_id);
    card
}

/// The approval card for a whole batch: the same card, titled for a cohort, whose buttons
/// carry the batch's id.
pub fn batch_approval_card(batch_id: i64, asked_by: &str, summary: &[(&str, String)]) -> Value {
    let mut card = APPROVAL.clone();
    if let Some(title) = card["body"].get_mut(0) {
        title["text"] = Value::from("Cohort onboarding request");
    }
    fill_approval(&mut card, asked_by, summary);
    set_data(&mut card, key::BATCH_ID, batch_id);
    card
}

/// A batch's preview: the file (a line of text), its counts, and a line per problem found,
/// with Confirm and Cancel buttons that carry the batch's id. What people typed is in
/// `TextRun`s only.
pub fn batch_preview_card(
    batch_id: i64,
    file: &str,
    counts: &[(&str, String)],
    details: &[String],
) -> Value {
    let mut card = BATCH_PREVIEW.clone();
    if let Some(block) = find(&mut card, "file") {
        block["inlines"] = json!([{"type": "TextRun", "text": file, "isSubtle": true}]);
    }
    if let Some(facts) = find(&mut card, "counts") {
        facts["facts"] = counts
            .iter()
            .map(|(title, value)| json!({"title": title, "value": value}))
            .collect();
    }
    match find(&mut card, "details") {
        Some(container) if !details.is_empty() => {
            container["items"] = details
                .iter()
                .map(|line| {
                    json!({
                        "type": "RichTextBlock",
                        "spacing": "None",
                        "inlines": [{"type": "TextRun", "text": line}],
                    })
                })
                .collect();
        }
        _ => remove(&mut card, "details"),
    }
    set_data(&mut card, key::BATCH_ID, batch_id);
    card
}

/// Who asked and the summary, on an approval card.
fn fill_approval(card: &mut Value, asked_by: &str, summary: &[(&str, String)]) {
    if let Some(block) = find(card, "requestedBy") {
        block["inlines"] = json!([{"type": "TextRun", "text": asked_by, "isSubtle": true}]);
    }
    if let Some(container) = find(card, "summary") {
        container["items"] = summary
            .iter()
            .map(|(title, value)| {
                json!({
                    "type": "RichTextBlock",
                    "spacing": "None",
                    "inlines": [
                        {"type": "TextRun", "text": format!("{title}: "), "weight": "Bolder"},
                        {"type": "TextRun", "text": value},
                    ],
                })
            })
            .collect();
    }
}

/// Puts `key: id` into every button's data.
fn set_data(card: &mut Value, key: &str, id: i64) {
    if let Some(actions) = card["actions"].as_array_mut() {
        for action in actions {
            action["data"][key] = Value::from(id.to_string());
        }
    }
}

fn capitalized(message: &str) -> String {
    let mut chars = message.chars();
    chars.next().map_or_else(String::new, |first| {
        let mut text: String = first.to_uppercase().collect();
        text.push_str(chars.as_str());
        if !text.ends_with('.') {
            text.push('.');
        }
        text
    })
}

/// The element with this `id`, anywhere in the card.
fn find<'a>(value: &'a mut Value, id: &str) -> Option<&'a mut Value> {
    if value.get("id").and_then(Value::as_str) == Some(id) {
        return Some(value);
    }
    match value {
        Value::Object(map) => map.values_mut().find_map(|v| find(v, id)),
        Value::Array(items) => items.iter_mut().find_map(|v| find(v, id)),
        _ => None,
    }
}

/// Removes the element with this `id` from whichever list holds it.
fn remove(value: &mut Value, id: &str) {
    match value {
        Value::Array(items) => {
            items.retain(|item| item.get("id").and_then(Value::as_str) != Some(id));
            items.iter_mut().for_each(|v| remove(v, id));
        }
        Value::Object(map) => map.values_mut().for_each(|v| remove(v, id)),
        _ => {}
    }
}

/// Every `Input.*` element of a card, in document order.
pub fn inputs(card: &Value) -> Vec<&Value> {
    fn walk<'a>(value: &'a Value, out: &mut Vec<&'a Value>) {
        match value {
            Value::Object(map) => {
                if map
                    .get("type")
                    .and_then(Value::as_str)
                    .is_some_and(|t| t.starts_with("Input."))
                {
                    out.push(value);
                }
                map.values().for_each(|v| walk(v, out));
            }
            Value::Array(items) => items.iter().for_each(|v| walk(v, out)),
            _ => {}
        }
    }
    let mut out = Vec::new();
    walk(card, &mut out);
    out
}

#[cfg(test)]
mod tests {
    use std::collections::HashSet;

    use serde_json::Value;

    /// Webex's rules for a card, as the rules a card in `cards/` must pass to ship.
    fn webex_problems(card: &Value) -> Vec<String> {
        let mut problems = Vec::new();
        let version = card["version"].as_str().unwrap_or("");
        if !matches!(version, "1.0" | "1.1" | "1.2" | "1.3") {
            problems.push(format!("version {version:?}: Webex renders at most 1.3"));
        }
        if card["type"] != "AdaptiveCard" {
            problems.push("not an AdaptiveCard".to_owned());
        }
        let actions = card["actions"].as_array().map_or(0, Vec::len);
        if actions > 5 {
            problems.push(format!("{actions} actions: Webex shows at most 5"));
        }
        let mut ids = HashSet::new();
        for input in super::inputs(card) {
            let id = input["id"].as_str().unwrap_or("");
            if id.is_empty() || !ids.insert(id.to_owned()) {
                problems.push(format!("input id {id:?} is missing or not unique"));
            }
            if input["label"].as_str().is_none_or(str::is_empty) {
                problems.push(format!("input {id} has no label"));
            }
            if input["isRequired"] == true
                && input["errorMessage"].as_str().is_none_or(str::is_empty)
            {
                problems.push(format!("required input {id} has no errorMessage"));
            }
        }
        problems
    }

    #[test]
    fn every_card_in_the_cards_folder_follows_webex_rules() {
        let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/cards");
        let mut checked = 0;
        for entry in std::fs::read_dir(dir).expect("cards/ exists") {
            let path = entry.expect("readable").path();
            if path.extension().is_none_or(|e| e != "json") {
                continue;
            }
            let card: Value =
                serde_json::from_str(&std::fs::read_to_string(&path).expect("readable"))
                    .expect("cards are JSON");
            assert_eq!(
                webex_problems(&card),
                Vec::<String>::new(),
                "{}",
                path.display()
            );
            checked += 1;
        }
        assert!(checked >= 1, "no card was checked");
    }

    #[test]
    fn filled_cards_follow_webex_rules_and_are_kept_for_the_cardcheck_tool() {
        use crate::domain::{Choice, FieldError, OrgChoices};
        let choice = |id: &str, name: &str| Choice {
            id: id.into(),
            name: name.into(),
        };
        let choices = OrgChoices {
            licenses: vec![
                choice("L-1", "Webex Meetings"),
                choice("L-2", "Webex Calling - Professional"),
            ],
            locations: vec![choice("LOC-1", "Berlin HQ")],
            roles: vec![choice("R-1", "User Administrator")],
            all_licenses: Vec::new(),
            templates: vec![choice("Engineering", "Engineering")],
            templates_grant_calling: false,
        };
        let values = serde_json::json!({"email": "jane.doe@", "firstName": "Jane",
            "startDate": "2027-01-04"});
        let errors = [FieldError::new(
            "email",
            "\"jane.doe@\" is not a valid email address",
        )];
        let samples = [
            (
                "onboarding-bare",
                super::onboarding_card(&OrgChoices::default(), &Default::default(), &[]),
            ),
            (
                "onboarding-choices",
                super::onboarding_card(&choices, &Default::default(), &[]),
            ),
            (
                "onboarding-errors",
                super::onboarding_card(&choices, values.as_object().expect("object"), &errors),
            ),
            (
                "approval",
                super::approval_card(
                    7,
                    "Asked by mia@example.com",
                    &[
                        ("Email", "jane@example.com".into()),
                        (
                            "Name",
                            "<@all> [Approve here](https://evil.example/login)".into(),
                        ),
                        ("Title", "# Boss **now**".into()),
                    ],
                ),
            ),
            (
                "batch-preview",
                super::batch_preview_card(
                    3,
                    "hires \"Q3\" [click](https://evil.example).csv, sent by mia@example.com",
                    &[
                        ("Rows", "42".into()),
                        ("Valid and new", "38".into()),
                        ("Invalid", "2".into()),
                        ("Repeated emails", "1".into()),
                        ("Exist already", "1".into()),
                    ],
                    &[
                        "Line 7: jane.doe@: \"jane.doe@\" is not a valid email address".into(),
                        "Line 9: kim@example.com is on line 4 already".into(),
                        "Line 11: <@all> lee@example.com exists already".into(),
                    ],
                ),
            ),
            (
                "batch-approval",
                super::batch_approval_card(
                    3,
                    "Asked by mia@example.com",
                    &[
                        ("File", "hires.csv".into()),
                        ("People to create", "38".into()),
                    ],
                ),
            ),
        ];
        // .ci/run checks these with Microsoft's SDK too, as Webex takes them.
        let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/target/card-samples");
        std::fs::create_dir_all(dir).expect("a folder for samples");
        for (name, card) in samples {
            assert_eq!(webex_problems(&card), Vec::<String>::new(), "{name}");
            let text = serde_json::to_string_pretty(&card).expect("serializes");
            std::fs::write(format!("{dir}/{name}.json"), text).expect("written");
        }
    }

    #[test]
    fn a_filled_form_shows_values_errors_and_only_the_choices_there_are() {
        use crate::domain::{FieldError, OrgChoices};
        let values = serde_json::json!({"email": "jane.doe@", "title": "Engineer"});
        let errors = [
            FieldError::new("email", "it is wrong"),
            FieldError::new("form", "give a name"),
        ];
        let card = super::onboarding_card(
            &OrgChoices::default(),
            values.as_object().expect("object"),
            &errors,
        );
        let ids: Vec<_> = super::inputs(&card)
            .iter()
            .filter_map(|i| i["id"].as_str())
            .collect();
        assert!(
            !ids.contains(&"licenses") && !ids.contains(&"phoneNumbers"),
            "{ids:?}"
        );
        let email = super::inputs(&card)
            .into_iter()
            .find(|i| i["id"] == "email")
            .cloned();
        assert_eq!(email.expect("email")["value"], "jane.doe@");
        let text = card.to_string();
        assert!(
            text.contains("It is wrong.") && text.contains("Give a name."),
            "{text}"
        );
    }

    #[test]
    fn the_rules_catch_a_broken_card() {
        let card = serde_json::json!({
            "type": "AdaptiveCard", "version": "1.5",
            "body": [{"type": "Input.Text", "id": "email", "isRequired": true},
                     {"type": "Input.Text", "id": "email", "label": "Again"}],
            "actions": [{}, {}, {}, {}, {}, {}]
        });
        assert_eq!(webex_problems(&card).len(), 5);
    }

    #[test]
    fn the_onboarding_card_asks_for_the_create_a_person_fields() {
        let ids: Vec<_> = super::inputs(&super::ONBOARDING)
            .iter()
            .filter_map(|i| i["id"].as_str())
            .collect();
        for field in [
            "email",
            "firstName",
            "lastName",
            "displayName",
            "department",
            "title",
        ] {
            assert!(ids.contains(&field), "missing input {field}");
        }
    }
}
