//! A webhook's `filter`: `key=value` conditions joined with `&`, every one of which an
//! event must meet to be delivered. The keys a resource supports are those of Webex's
//! webhooks guide; any other is refused when the webhook is created or updated.

use serde_json::Value;

use crate::error::ApiError;
use crate::form;

/// How a condition's value is written, and so how it is checked.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Kind {
    /// Compared as given.
    Exact,
    /// An email, compared without regard to case.
    Email,
    /// "direct" or "group".
    RoomType,
    /// "true" or "false".
    Boolean,
    /// Person ids separated by commas, `me` standing for the webhook's owner: the event
    /// mentions at least one of them.
    Mentioned,
    /// "true" or "false": whether the message carries files.
    HasFiles,
}

/// The filter keys each resource supports, and how each is written.
fn keys(resource: &str) -> &'static [(&'static str, Kind)] {
    match resource {
        "messages" => &[
            ("roomId", Kind::Exact),
            ("roomType", Kind::RoomType),
            ("personId", Kind::Exact),
            ("personEmail", Kind::Email),
            ("mentionedPeople", Kind::Mentioned),
            ("hasFiles", Kind::HasFiles),
        ],
        "attachmentActions" => &[
            ("roomId", Kind::Exact),
            ("personId", Kind::Exact),
            ("messageId", Kind::Exact),
        ],
        "memberships" => &[
            ("roomId", Kind::Exact),
            ("personId", Kind::Exact),
            ("personEmail", Kind::Email),
            ("isModerator", Kind::Boolean),
        ],
        "rooms" => &[("type", Kind::RoomType), ("isLocked", Kind::Boolean)],
        _ => &[],
    }
}

/// The resources whose keys a webhook on "all" may filter on.
const FILTERED_RESOURCES: [&str; 4] = ["messages", "attachmentActions", "memberships", "rooms"];

fn kind_of(resource: &str, key: &str) -> Option<Kind> {
    let resources: &[&str] = if resource == "all" {
        &FILTERED_RESOURCES
    } else {
        &[resource]
    };
    resources.iter().find_map(|resource| {
        keys(resource)
            .iter()
            .find(|(known, _)| *known == key)
            .map(|(_, kind)| *kind)
    })
}

/// One `key=value` condition.
#[derive(Clone, Debug, PartialEq, Eq)]
struct Condition {
    key: String,
    value: String,
    kind: Kind,
}

/// A parsed filter.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub(crate) struct Filter {
    conditions: Vec<Condition>,
}

impl Filter {
    /// Parses a filter for a webhook on this resource, refusing with 400 a key the resource
    /// does not support or a value its key cannot take.
    pub(crate) fn parse(resource: &str, text: &str) -> Result<Self, ApiError> {
        let mut conditions = Vec::new();
        for (key, value) in form::pairs(text)? {
            let kind = kind_of(resource, &key).ok_or_else(|| {
                ApiError::bad_request(format!("A webhook on {resource} cannot filter on {key:?}."))
            })?;
            check_value(&key, &value, kind)?;
            conditions.push(Condition { key, value, kind });
        }
        Ok(Self { conditions })
    }

    /// Whether an event on `resource` whose webhook `data` is this meets every condition,
    /// for the webhook of this owner. On a webhook for "all", a condition on a key the
    /// event's resource lacks is not met.
    pub(crate) fn matches(&self, resource: &str, data: &Value, owner_id: &str) -> bool {
        self.conditions
            .iter()
            .all(|condition| condition.holds(resource, data, owner_id))
    }
}

impl Condition {
    fn holds(&self, resource: &str, data: &Value, owner_id: &str) -> bool {
        if !keys(resource).iter().any(|(key, _)| *key == self.key) {
            return false;
        }
        let field = data.get(&self.key);
        match self.kind {
            Kind::Exact | Kind::RoomType => field.and_then(Value::as_str) == Some(&self.value),
            Kind::Email => field
                .and_then(Value::as_str)
                .is_some_and(|email| email.eq_ignore_ascii_case(&self.value)),
            Kind::Boolean => {
                field.and_then(Value::as_bool).unwrap_or(false) == (self.value == "true")
            }
            Kind::Mentioned => {
                let mentioned = data.get("mentionedPeople").and_then(Value::as_array);
                self.value
                    .split(',')
                    .map(|id| if id == "me" { owner_id } else { id })
                    .any(|id| mentioned.is_some_and(|mentioned| mentioned.iter().any(|m| m == id)))
            }
            Kind::HasFiles => {
                let has_files = data
                    .get("files")
                    .and_then(Value::as_array)
                    .is_some_and(|files| !files.is_empty());
                has_files == (self.value == "true")
            }
        }
    }
}

fn check_value(key: &str, value: &str, kind: Kind) -> Result<(), ApiError> {
    let valid = match kind {
        Kind::Exact | Kind::Email | Kind::Mentioned => !value.is_empty(),
        Kind::RoomType => value == "direct" || value == "group",
        Kind::Boolean | Kind::HasFiles => value == "true" || value == "false",
    };
    if valid {
        return Ok(());
    }
    Err(ApiError::bad_request(format!(
        "The filter {key}={value:?} is not valid."
    )))
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn every_condition_must_hold_and_me_is_the_owner() {
        let filter = Filter::parse(
            "messages",
            "roomType=group&mentionedPeople=me&personEmail=Ann%40Example.com",
        )
        .expect("a valid filter");
        let data = json!({
            "roomType": "group",
            "mentionedPeople": ["bot-id"],
            "personEmail": "ann@example.com"
        });

        assert!(filter.matches("messages", &data, "bot-id"));
        assert!(!filter.matches("messages", &data, "someone-else"));
        let direct = json!({ "roomType": "direct", "mentionedPeople": ["bot-id"], "personEmail": "ann@example.com" });
        assert!(!filter.matches("messages", &direct, "bot-id"));
    }

    #[test]
    fn has_files_looks_at_the_files_of_the_message() {
        let with = Filter::parse("messages", "hasFiles=true").expect("valid");
        let without = Filter::parse("messages", "hasFiles=false").expect("valid");
        let file = json!({ "files": ["http://x/contents/1"] });
        let plain = json!({});

        assert!(with.matches("messages", &file, "o"));
        assert!(!with.matches("messages", &plain, "o"));
        assert!(without.matches("messages", &plain, "o"));
    }

    #[test]
    fn unknown_keys_and_invalid_values_are_refused() {
        assert!(Filter::parse("messages", "messageId=1").is_err());
        assert!(Filter::parse("attachmentActions", "messageId=1").is_ok());
        assert!(Filter::parse("messages", "roomType=team").is_err());
        assert!(Filter::parse("messages", "hasFiles=yes").is_err());
        assert!(Filter::parse("meetings", "roomId=1").is_err());
        assert!(Filter::parse("all", "messageId=1&hasFiles=true").is_ok());
    }

    #[test]
    fn on_all_a_key_the_events_resource_lacks_is_not_met() {
        let filter = Filter::parse("all", "messageId=m1").expect("valid");
        let action = json!({ "messageId": "m1" });

        assert!(filter.matches("attachmentActions", &action, "o"));
        assert!(!filter.matches("messages", &action, "o"));
    }
}
