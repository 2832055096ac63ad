//! Onboarding templates (`ONBOARD_TEMPLATES`): what a department's new hires get besides their
//! account. Read once at start from a TOML file; a mistake names the template and the key.

use serde::Deserialize;

use super::text::clean;
use crate::webex::{RoomId, TeamId};

/// The most templates a file may hold: the card offers them all in one list.
const MAX_TEMPLATES: usize = 50;

/// The most rooms and teams one template may add a person to.
const MAX_PLACES: usize = 50;

/// The longest welcome, in bytes: a message Webex takes, with room for the filled-in names.
const MAX_WELCOME: usize = 4000;

/// One template, as the file gives it.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Template {
    /// What the card offers, and how a request names it.
    pub name: String,
    /// Departments whose requests use this template unless the card chose another
    /// (compared case-insensitively).
    #[serde(default)]
    pub departments: Vec<String>,
    /// License names or ids granted to everyone onboarded with it, beside the card's.
    #[serde(default)]
    pub licenses: Vec<String>,
    /// A location name or id: the default when the card leaves it empty.
    #[serde(default)]
    pub location: Option<String>,
    /// Spaces the person is added to.
    #[serde(default)]
    pub rooms: Vec<RoomId>,
    /// Teams the person is added to.
    #[serde(default)]
    pub teams: Vec<TeamId>,
    /// The welcome sent to the new hire, in Markdown, with `{firstName}`, `{displayName}`,
    /// `{managerName}` and `{startDate}`.
    #[serde(default)]
    pub welcome: Option<String>,
}

/// The templates of `ONBOARD_TEMPLATES`; none when it is not set.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Templates(Vec<Template>);

/// Why a templates file cannot be used: which template, which key, and what is wrong.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{place}: {reason}")]
pub struct TemplateError {
    /// `template "NAME"`, `template "NAME", key "KEY"`, or the file as a whole.
    pub place: String,
    pub reason: String,
}

impl TemplateError {
    fn new(place: impl Into<String>, reason: impl Into<String>) -> Self {
        Self {
            place: place.into(),
            reason: reason.into(),
        }
    }
}

/// The file's shape: `[[template]]` tables, and nothing else.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct File {
    #[serde(default)]
    template: Vec<toml::Value>,
}

/// Where in the file a template is: its name when it has one, else its position.
fn place_of(index: usize, value: &toml::Value) -> String {
    match value.get("name").and_then(toml::Value::as_str) {
        Some(name) => format!("template {:?}", clean(name)),
        None => format!("template {} (from the top)", index + 1),
    }
}

/// The key of a template whose value alone does not read (an id that is not one, say).
fn failing_key(value: &toml::Value) -> Option<String> {
    let table = value.as_table()?;
    table.iter().find_map(|(key, item)| {
        let mut alone = toml::Table::new();
        alone.insert("name".into(), toml::Value::from("x"));
        alone.insert(key.clone(), item.clone());
        Template::deserialize(toml::Value::Table(alone))
            .is_err()
            .then(|| key.clone())
    })
}

/// The key a `toml` error message names, in backquotes, if any.
fn key_in(message: &str) -> Option<&str> {
    let start = message.find('`')? + 1;
    let end = start + message[start..].find('`')?;
    Some(&message[start..end])
}

impl Templates {
    /// Reads a templates file's text.
    pub fn parse(text: &str) -> Result<Self, TemplateError> {
        let file: File = toml::from_str(text)
            .map_err(|e| TemplateError::new("the file", e.message().trim().to_owned()))?;
        if file.template.len() > MAX_TEMPLATES {
            return Err(TemplateError::new(
                "the file",
                format!("it holds more than {MAX_TEMPLATES} templates"),
            ));
        }
        let mut templates: Vec<Template> = Vec::with_capacity(file.template.len());
        for (index, value) in file.template.iter().enumerate() {
            let place = place_of(index, value);
            let template = Template::deserialize(value.clone()).map_err(|e| {
                let message = e.message().trim().to_owned();
                match key_in(&message) {
                    Some(key) if message.starts_with("unknown field") => TemplateError::new(
                        format!("{place}, key {key:?}"),
                        "there is no such key (name, departments, licenses, location, rooms, \
                         teams, welcome)",
                    ),
                    Some(key) => TemplateError::new(format!("{place}, key {key:?}"), message),
                    None => match failing_key(value) {
                        Some(key) => TemplateError::new(format!("{place}, key {key:?}"), message),
                        None => TemplateError::new(place.clone(), message),
                    },
                }
            })?;
            template.check(&place)?;
            if templates
                .iter()
                .any(|t| t.name.eq_ignore_ascii_case(&template.name))
            {
                return Err(TemplateError::new(
                    format!("{place}, key \"name\""),
                    "another template has the same name",
                ));
            }
            templates.push(template);
        }
        Ok(Self(templates))
    }

    /// Every template, in the file's order.
    pub fn all(&self) -> &[Template] {
        &self.0
    }

    /// The template called `name` (case-insensitively).
    pub fn named(&self, name: &str) -> Option<&Template> {
        self.0.iter().find(|t| t.name.eq_ignore_ascii_case(name))
    }

    /// The template of a request: the one the card chose, else the first whose departments
    /// hold the request's department.
    pub fn for_request(&self, chosen: Option<&str>, department: Option<&str>) -> Option<&Template> {
        if let Some(name) = chosen {
            return self.named(name);
        }
        let department = department?.trim();
        self.0.iter().find(|t| {
            t.departments
                .iter()
                .any(|d| d.trim().eq_ignore_ascii_case(department))
        })
    }
}

impl Template {
    /// What the deserializer cannot see: names, sizes, and the welcome's placeholders.
    fn check(&self, place: &str) -> Result<(), TemplateError> {
        let key = |key: &str| format!("{place}, key {key:?}");
        let name = clean(&self.name);
        if name.is_empty() || name.chars().count() > 64 || name != self.name {
            return Err(TemplateError::new(
                key("name"),
                "a name is 1 to 64 characters, without control characters or surrounding spaces",
            ));
        }
        if self.rooms.len() > MAX_PLACES || self.teams.len() > MAX_PLACES {
            return Err(TemplateError::new(
                key(if self.rooms.len() > MAX_PLACES {
                    "rooms"
                } else {
                    "teams"
                }),
                format!("at most {MAX_PLACES}"),
            ));
        }
        for (what, list) in [
            ("departments", &self.departments),
            ("licenses", &self.licenses),
        ] {
            if list.iter().any(|v| clean(v).is_empty()) {
                return Err(TemplateError::new(key(what), "an entry is empty"));
            }
        }
        if let Some(welcome) = &self.welcome {
            if welcome.trim().is_empty() || welcome.len() > MAX_WELCOME {
                return Err(TemplateError::new(
                    key("welcome"),
                    format!("a welcome is 1 to {MAX_WELCOME} bytes"),
                ));
            }
            if let Some(unknown) = unknown_placeholder(welcome) {
                return Err(TemplateError::new(
                    key("welcome"),
                    format!(
                        "{{{unknown}}} is not a placeholder (firstName, displayName, \
                         managerName, startDate)"
                    ),
                ));
            }
        }
        Ok(())
    }
}

/// The placeholders a welcome may hold.
const PLACEHOLDERS: [&str; 4] = ["firstName", "displayName", "managerName", "startDate"];

/// The first `{word}` in `text` that is not a placeholder.
fn unknown_placeholder(text: &str) -> Option<&str> {
    let mut rest = text;
    while let Some(open) = rest.find('{') {
        let after = &rest[open + 1..];
        let close = after.find('}')?;
        let word = &after[..close];
        if !word.is_empty()
            && word.chars().all(|c| c.is_ascii_alphanumeric())
            && !PLACEHOLDERS.contains(&word)
        {
            return Some(word);
        }
        rest = &after[close..];
    }
    None
}

/// The values a welcome's placeholders take, already escaped for Markdown.
pub struct WelcomeValues<'a> {
    pub first_name: &'a str,
    pub display_name: &'a str,
    pub manager_name: &'a str,
    pub start_date: &'a str,
}

/// The welcome with its placeholders filled in. The operator's Markdown stays Markdown; the
/// values, which people typed, must come escaped.
pub fn fill_welcome(welcome: &str, values: &WelcomeValues<'_>) -> String {
    welcome
        .replace("{firstName}", values.first_name)
        .replace("{displayName}", values.display_name)
        .replace("{managerName}", values.manager_name)
        .replace("{startDate}", values.start_date)
}

#[cfg(test)]
mod tests {
    use super::*;

    const GOOD: &str = r#"
[[template]]
name = "Engineering"
departments = ["Engineering", "R&D"]
licenses = ["Webex Meetings"]
location = "Berlin HQ"
rooms = ["Y2lzY29zcGFyazovL3VzL1JPT00vZW5n"]
teams = ["Y2lzY29zcGFyazovL3VzL1RFQU0vZW5n"]
welcome = "Welcome, {firstName}! See you on {startDate}."

[[template]]
name = "Sales"
"#;

    #[test]
    fn a_good_file_reads_and_departments_pick_a_template() {
        let templates = Templates::parse(GOOD).expect("reads");
        assert_eq!(templates.all().len(), 2);
        let chosen = templates.for_request(None, Some(" r&d "));
        assert_eq!(chosen.map(|t| t.name.as_str()), Some("Engineering"));
        let chosen = templates.for_request(Some("sales"), Some("R&D"));
        assert_eq!(chosen.map(|t| t.name.as_str()), Some("Sales"));
        assert!(templates.for_request(None, Some("Finance")).is_none());
        assert!(templates.for_request(Some("Nope"), None).is_none());
    }

    #[test]
    fn each_mistake_names_the_template_and_the_key() {
        let cases = [
            (
                "[[template]]\nname = \"A\"\nromos = []\n",
                "template \"A\", key \"romos\"",
            ),
            (
                "[[template]]\nname = \"A\"\nrooms = [\"../x\"]\n",
                "template \"A\", key \"rooms\"",
            ),
            (
                "[[template]]\nname = \"A\"\nrooms = \"R\"\n",
                "template \"A\", key \"rooms\"",
            ),
            (
                "[[template]]\nname = \"A\"\nwelcome = \"Hi {name}\"\n",
                "template \"A\", key \"welcome\"",
            ),
            (
                "[[template]]\nname = \"A\"\n[[template]]\nname = \"a\"\n",
                "template \"a\", key \"name\"",
            ),
            ("[[template]]\nlicenses = []\n", "template 1 (from the top)"),
            ("[[templates]]\nname = \"A\"\n", "the file"),
            ("[[template]\n", "the file"),
        ];
        for (text, place) in cases {
            let error = Templates::parse(text).expect_err(text);
            assert!(
                error.to_string().starts_with(place),
                "{text:?} gave {error}"
            );
            assert!(!error.to_string().contains('\n'), "{error}");
        }
    }

    #[test]
    fn the_welcome_is_filled_in() {
        let filled = fill_welcome(
            "Hi {firstName} ({displayName}), {managerName} expects you on {startDate}. {firstName}!",
            &WelcomeValues {
                first_name: "Jane",
                display_name: "Jane Doe",
                manager_name: "Mia",
                start_date: "2027-01-04",
            },
        );
        assert_eq!(
            filled,
            "Hi Jane (Jane Doe), Mia expects you on 2027-01-04. Jane!"
        );
    }
}
