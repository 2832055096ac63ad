//! Validated request types: parsed once at the edge, so inner code cannot hold an invalid one.

use std::fmt;

use serde::Serialize;
use serde_json::{Map, Value};

/// An email address that parsed, trimmed, as Webex would accept it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(transparent)]
pub struct Email(String);

impl Email {
    /// Parses an address; the error says why it is not one.
    pub fn parse(raw: &str) -> Result<Self, String> {
        let trimmed = raw.trim();
        if trimmed.is_empty() {
            return Err("the email is missing".to_owned());
        }
        let parsed: email_address::EmailAddress = trimmed
            .parse()
            .map_err(|_| format!("\"{trimmed}\" is not a valid email address"))?;
        if !parsed.domain().contains('.') {
            return Err(format!(
                "\"{trimmed}\" is not a valid email address: the domain has no dot"
            ));
        }
        Ok(Self(trimmed.to_owned()))
    }

    /// The address as entered.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The domain part, lower-cased.
    pub fn domain(&self) -> String {
        self.0
            .rsplit_once('@')
            .map(|(_, d)| d.to_ascii_lowercase())
            .unwrap_or_default()
    }
}

impl fmt::Display for Email {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// The id of a card message the bot sent.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CardId(pub String);

/// The id of one card submission (an attachment action).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ActionId(pub String);

/// One problem with a submitted form, named by the input it concerns.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FieldError {
    /// The card input id, or `name` for the rule across the three name inputs.
    pub field: &'static str,
    pub message: String,
}

/// The longest value Webex takes for a name, department or title.
const MAX_TEXT: usize = 128;

/// A valid body for Create a Person: one email and at least one name.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct PersonDraft {
    pub emails: [Email; 1],
    #[serde(skip_serializing_if = "Option::is_none")]
    pub display_name: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub first_name: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub last_name: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub department: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub title: Option<String>,
}

impl PersonDraft {
    /// Reads a card's inputs (all strings; an empty input may be missing or `""`).
    pub fn from_inputs(inputs: &Map<String, Value>) -> Result<Self, Vec<FieldError>> {
        let mut errors = Vec::new();
        let mut text = |field: &'static str| -> Option<String> {
            let value = inputs
                .get(field)
                .and_then(Value::as_str)
                .map(str::trim)
                .filter(|v| !v.is_empty())?;
            if value.chars().count() > MAX_TEXT {
                errors.push(FieldError {
                    field,
                    message: format!("{field} is longer than {MAX_TEXT} characters"),
                });
            }
            Some(value.to_owned())
        };
        let display_name = text("displayName");
        let first_name = text("firstName");
        let last_name = text("lastName");
        let department = text("department");
        let title = text("title");
        let raw_email = inputs.get("email").and_then(Value::as_str).unwrap_or("");
        let email = Email::parse(raw_email).map_err(|message| FieldError {
            field: "email",
            message,
        });
        if let Err(e) = &email {
            errors.push(e.clone());
        }
        if display_name.is_none() && first_name.is_none() && last_name.is_none() {
            errors.push(FieldError {
                field: "name",
                message: "give at least a first name, a last name or a display name".to_owned(),
            });
        }
        match email {
            Ok(email) if errors.is_empty() => Ok(Self {
                emails: [email],
                display_name,
                first_name,
                last_name,
                department,
                title,
            }),
            _ => Err(errors),
        }
    }

    /// The one email the person is created with.
    pub fn email(&self) -> &Email {
        &self.emails[0]
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn inputs(v: Value) -> Map<String, Value> {
        v.as_object().cloned().unwrap_or_default()
    }

    #[test]
    fn a_full_form_becomes_a_create_a_person_body_without_empty_fields() {
        let draft = PersonDraft::from_inputs(&inputs(json!({
            "email": " jane@example.com ", "firstName": "Jane", "lastName": "",
            "displayName": "  ", "title": "Engineer", "action": "onboard"
        })))
        .expect("valid");
        assert_eq!(
            serde_json::to_value(&draft).expect("serializes"),
            json!({"emails": ["jane@example.com"], "firstName": "Jane", "title": "Engineer"})
        );
    }

    #[test]
    fn a_bad_email_and_no_name_are_both_reported() {
        let errors = PersonDraft::from_inputs(&inputs(json!({"email": "jane@", "firstName": " "})))
            .expect_err("invalid");
        let fields: Vec<_> = errors.iter().map(|e| e.field).collect();
        assert_eq!(fields, ["email", "name"]);
    }

    #[test]
    fn emails_need_a_dotted_domain() {
        assert!(Email::parse("jane@localhost").is_err());
        assert!(Email::parse("jane doe@example.com").is_err());
        assert_eq!(
            Email::parse("Jane@Example.COM").expect("valid").domain(),
            "example.com"
        );
    }
}
