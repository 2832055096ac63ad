//! The Adaptive Cards the bot sends: JSON files in `cards/`, compiled in and wrapped here.

use std::sync::LazyLock;

use serde_json::{Value, json};

/// The content type Webex expects for an Adaptive Card attachment.
pub const CARD_CONTENT_TYPE: &str = "application/vnd.microsoft.card.adaptive";

static ONBOARDING: LazyLock<Value> = LazyLock::new(|| {
    serde_json::from_str(include_str!("../cards/onboarding.json"))
        .unwrap_or_else(|e| panic!("cards/onboarding.json is not JSON: {e}"))
});

/// The onboarding form, as a message attachment.
pub fn onboarding_attachment() -> Value {
    json!({ "contentType": CARD_CONTENT_TYPE, "content": &*ONBOARDING })
}

/// The markdown a client shows when it cannot render the card.
pub const ONBOARDING_FALLBACK: &str = "**Onboard a new hire.** Your Webex client cannot show the form: \
     open this space in the Webex app (desktop, web or mobile) to fill it in.";

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
