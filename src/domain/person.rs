//! A new hire as Create a Person takes them, read from a card's inputs.

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use super::choices::{OrgChoices, is_calling_license};
use super::email::Email;
use super::text::{MAX_NAME, clean};
use crate::webex::PersonId;

/// The card's input ids: Create a Person's field names, as the card contract promises, except
/// `email` (sent as `emails: [email]`) and `managerEmail` (sent as `managerId`).
pub mod input {
    /// The new hire's email, sent as `emails: [email]`.
    pub const EMAIL: &str = "email";
    /// First name.
    pub const FIRST_NAME: &str = "firstName";
    /// Last name.
    pub const LAST_NAME: &str = "lastName";
    /// The name Webex shows.
    pub const DISPLAY_NAME: &str = "displayName";
    /// Department.
    pub const DEPARTMENT: &str = "department";
    /// Job title.
    pub const TITLE: &str = "title";
    /// The manager's email, sent as `managerId`.
    pub const MANAGER_EMAIL: &str = "managerEmail";
    /// License ids, several as `a,b`.
    pub const LICENSES: &str = "licenses";
    /// Admin role ids, several as `a,b`.
    pub const ROLES: &str = "roles";
    /// A location id, which a calling user needs.
    pub const LOCATION_ID: &str = "locationId";
    /// One E.164 number, sent as a work number.
    pub const PHONE_NUMBERS: &str = "phoneNumbers";
    /// An extension.
    pub const EXTENSION: &str = "extension";
    /// The onboarding template, by name: not sent to Webex.
    pub const TEMPLATE: &str = "template";
    /// The first working day (`YYYY-MM-DD`): not sent to Webex.
    pub const START_DATE: &str = "startDate";
    /// Not an input: a problem across inputs, such as no name at all.
    pub const FORM: &str = "form";
}

/// One problem with a submitted form, named by the input it concerns.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FieldError {
    /// The card input id, or `form` for a rule across inputs (the three names).
    pub field: String,
    pub message: String,
}

impl FieldError {
    /// A problem with one input.
    pub fn new(field: &str, message: impl Into<String>) -> Self {
        Self {
            field: field.to_owned(),
            message: message.into(),
        }
    }
}

/// The most licenses or roles one request may choose.
const MAX_CHOSEN: usize = 32;

/// A phone number as Create a Person takes it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PhoneNumber {
    #[serde(rename = "type")]
    pub kind: String,
    pub value: String,
}

/// A valid Create a Person request: one email, at least one name, and only what may be granted.
///
/// Stored as JSON with the request; [`PersonDraft::body`] is what Webex is sent.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PersonDraft {
    pub emails: [Email; 1],
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub display_name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub first_name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub department: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub title: Option<String>,
    /// The manager's email as entered; not sent to Webex, which takes `managerId`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub manager_email: Option<Email>,
    /// Resolved from `manager_email` before the request is accepted.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub manager_id: Option<PersonId>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub licenses: Vec<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub roles: Vec<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub location_id: Option<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub phone_numbers: Vec<PhoneNumber>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub extension: Option<String>,
    /// The manager's name for the welcome: the manager's, else the requester's; not sent to
    /// Webex.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub manager_name: Option<String>,
    /// The onboarding template that applies, by name; not sent to Webex.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub template: Option<String>,
    /// The first working day, `YYYY-MM-DD`, when it is after the request's day; not sent to
    /// Webex.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub start_date: Option<String>,
}

/// Whether `s` is an E.164 number: `+`, a non-zero digit, at most 15 digits in all.
fn is_e164(s: &str) -> bool {
    let Some(digits) = s.strip_prefix('+') else {
        return false;
    };
    (2..=15).contains(&digits.len())
        && digits.bytes().all(|b| b.is_ascii_digit())
        && !digits.starts_with('0')
}

/// The values of a multi-select input (`"a,b"`), or of a single choice; at most
/// [`MAX_CHOSEN`] are read, and the error says when there were more.
fn chosen(
    inputs: &Map<String, Value>,
    field: &'static str,
    errors: &mut Vec<FieldError>,
) -> Vec<String> {
    let values: Vec<String> = inputs
        .get(field)
        .and_then(Value::as_str)
        .unwrap_or("")
        .split(',')
        .map(clean)
        .filter(|v| !v.is_empty())
        .take(MAX_CHOSEN + 1)
        .collect();
    if values.len() > MAX_CHOSEN {
        errors.push(FieldError::new(
            field,
            format!("choose at most {MAX_CHOSEN}"),
        ));
    }
    values.into_iter().take(MAX_CHOSEN).collect()
}

impl PersonDraft {
    /// Reads a card's inputs (all strings; an empty input may be missing or `""`), checking
    /// every chosen id against what `choices` offers, since a card can be forged.
    pub fn from_inputs(
        inputs: &Map<String, Value>,
        choices: &OrgChoices,
    ) -> Result<Self, Vec<FieldError>> {
        let mut errors = Vec::new();
        // Every value is data: hidden characters removed, one line, capped.
        let mut text = |field: &'static str| -> Option<String> {
            let value = clean(inputs.get(field).and_then(Value::as_str)?);
            if value.is_empty() {
                return None;
            }
            if value.chars().count() > MAX_NAME {
                errors.push(FieldError::new(
                    field,
                    format!("this is longer than {MAX_NAME} characters"),
                ));
            }
            Some(value)
        };
        let display_name = text(input::DISPLAY_NAME);
        let first_name = text(input::FIRST_NAME);
        let last_name = text(input::LAST_NAME);
        let department = text(input::DEPARTMENT);
        let title = text(input::TITLE);
        let phone = text(input::PHONE_NUMBERS);
        let extension = text(input::EXTENSION);
        let manager = text(input::MANAGER_EMAIL);
        let raw_email = clean(
            inputs
                .get(input::EMAIL)
                .and_then(Value::as_str)
                .unwrap_or(""),
        );
        let email =
            Email::parse(&raw_email).map_err(|message| FieldError::new(input::EMAIL, message));
        if let Err(e) = &email {
            errors.push(e.clone());
        }
        if display_name.is_none() && first_name.is_none() && last_name.is_none() {
            errors.push(FieldError::new(
                input::FORM,
                "give at least a first name, a last name or a display name",
            ));
        }
        let manager_email = manager.and_then(|m| {
            Email::parse(&m)
                .map_err(|message| errors.push(FieldError::new(input::MANAGER_EMAIL, message)))
                .ok()
        });
        // What was chosen must have been offered: a card can be forged. The errors do not
        // repeat the forged values; the form shows what was sent.
        let licenses = chosen(inputs, input::LICENSES, &mut errors);
        if licenses
            .iter()
            .any(|id| !choices.licenses.iter().any(|c| c.id == *id))
        {
            errors.push(FieldError::new(
                input::LICENSES,
                "a chosen license may not be granted here",
            ));
        }
        let roles = chosen(inputs, input::ROLES, &mut errors);
        if roles
            .iter()
            .any(|id| !choices.roles.iter().any(|c| c.id == *id))
        {
            errors.push(FieldError::new(
                input::ROLES,
                "a chosen role may not be granted here",
            ));
        }
        let location_id = chosen(inputs, input::LOCATION_ID, &mut errors)
            .into_iter()
            .next();
        if let Some(id) = &location_id
            && !choices.locations.iter().any(|c| c.id == *id)
        {
            errors.push(FieldError::new(
                input::LOCATION_ID,
                "the chosen location does not exist",
            ));
        }
        if let Some(phone) = &phone
            && !is_e164(phone)
        {
            errors.push(FieldError::new(
                input::PHONE_NUMBERS,
                "this is not a phone number in E.164 form, such as +14155550100",
            ));
        }
        if let Some(ext) = &extension
            && (!(2..=10).contains(&ext.len()) || !ext.bytes().all(|b| b.is_ascii_digit()))
        {
            errors.push(FieldError::new(
                input::EXTENSION,
                "this is not an extension: use 2 to 10 digits",
            ));
        }
        // A Webex Calling user needs a number or an extension, a location and a calling
        // license, all in the one create call: any of them asks for the others.
        let calling_license = choices
            .licenses
            .iter()
            .any(|c| licenses.contains(&c.id) && is_calling_license(c));
        if phone.is_some() || extension.is_some() || calling_license {
            if phone.is_none() && extension.is_none() {
                errors.push(FieldError::new(
                    input::PHONE_NUMBERS,
                    "a Webex Calling license needs a phone number or an extension",
                ));
            }
            if location_id.is_none() {
                errors.push(FieldError::new(
                    input::LOCATION_ID,
                    "a Webex Calling user needs a location",
                ));
            }
            if !calling_license {
                errors.push(FieldError::new(
                    input::LICENSES,
                    "a phone number or an extension needs a Webex Calling license",
                ));
            }
        }
        match email {
            Ok(email) if errors.is_empty() => Ok(Self {
                emails: [email],
                display_name,
                first_name,
                last_name,
                department,
                title,
                manager_email,
                manager_id: None,
                licenses,
                roles,
                location_id,
                phone_numbers: phone
                    .map(|value| PhoneNumber {
                        kind: "work".to_owned(),
                        value,
                    })
                    .into_iter()
                    .collect(),
                extension,
                manager_name: None,
                template: None,
                start_date: None,
            }),
            _ => Err(errors),
        }
    }

    /// The draft as stored with its request.
    pub fn to_json(&self) -> String {
        // Strings, ids and lists of them always serialize.
        serde_json::to_string(self).unwrap_or_else(|e| unreachable!("a draft serializes: {e}"))
    }

    /// The one email the person is created with.
    pub fn email(&self) -> &Email {
        &self.emails[0]
    }

    /// Whether the person is a Webex Calling user, created with `callingData=true`.
    pub fn is_calling(&self) -> bool {
        !self.phone_numbers.is_empty() || self.extension.is_some()
    }

    /// The Create a Person body: the draft without what only the bot needs.
    pub fn body(&self) -> Value {
        let mut body = serde_json::to_value(self).unwrap_or(Value::Null);
        if let Some(fields) = body.as_object_mut() {
            fields.remove(input::MANAGER_EMAIL);
            fields.remove("managerName");
            fields.remove(input::TEMPLATE);
            fields.remove(input::START_DATE);
        }
        body
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::Choice;
    use serde_json::json;

    fn inputs(v: Value) -> Map<String, Value> {
        v.as_object().cloned().unwrap_or_default()
    }

    #[test]
    fn a_full_form_becomes_a_create_a_person_body_without_empty_fields() {
        let draft = PersonDraft::from_inputs(
            &inputs(json!({
                "email": " jane@example.com ", "firstName": "Jane", "lastName": "",
                "displayName": "  ", "title": "Engineer", "action": "onboard", "licenses": ""
            })),
            &OrgChoices::default(),
        )
        .expect("valid");
        assert_eq!(
            draft.body(),
            json!({"emails": ["jane@example.com"], "firstName": "Jane", "title": "Engineer"})
        );
    }

    fn org() -> OrgChoices {
        let choice = |id: &str, name: &str| Choice {
            id: id.into(),
            name: name.into(),
        };
        OrgChoices {
            licenses: vec![
                choice("L-CALL", "Webex Calling - Professional"),
                choice("L-MEET", "Webex Meetings"),
            ],
            locations: vec![choice("LOC-1", "Berlin HQ")],
            roles: vec![choice("R-1", "User Administrator")],
            all_licenses: Vec::new(),
            templates: Vec::new(),
            templates_grant_calling: false,
        }
    }

    #[test]
    fn a_calling_user_gets_its_number_location_and_licenses_in_one_body() {
        let draft = PersonDraft::from_inputs(
            &inputs(
                json!({"email": "jo@example.com", "lastName": "Jo", "licenses": "L-CALL,L-MEET",
                "locationId": "LOC-1", "phoneNumbers": "+4930555010042", "extension": "4021",
                "roles": "R-1", "managerEmail": "mia@example.com"}),
            ),
            &org(),
        )
        .expect("valid");
        assert!(draft.is_calling());
        assert_eq!(
            draft.body(),
            json!({"emails": ["jo@example.com"], "lastName": "Jo", "licenses": ["L-CALL", "L-MEET"],
                "roles": ["R-1"], "locationId": "LOC-1", "extension": "4021",
                "phoneNumbers": [{"type": "work", "value": "+4930555010042"}]})
        );
        assert_eq!(
            draft.manager_email.as_ref().map(Email::as_str),
            Some("mia@example.com")
        );
    }

    #[test]
    fn a_calling_user_without_location_or_calling_license_is_refused() {
        let errors = PersonDraft::from_inputs(
            &inputs(
                json!({"email": "jo@example.com", "lastName": "Jo", "licenses": "L-MEET",
                "extension": "4021"}),
            ),
            &org(),
        )
        .expect_err("invalid");
        let fields: Vec<_> = errors.iter().map(|e| e.field.as_str()).collect();
        assert_eq!(fields, ["locationId", "licenses"]);
        // A calling license alone asks for a number or an extension and a location.
        let errors = PersonDraft::from_inputs(
            &inputs(json!({"email": "jo@example.com", "lastName": "Jo", "licenses": "L-CALL"})),
            &org(),
        )
        .expect_err("invalid");
        let fields: Vec<_> = errors.iter().map(|e| e.field.as_str()).collect();
        assert_eq!(fields, ["phoneNumbers", "locationId"]);
    }

    #[test]
    fn typed_values_lose_hidden_characters_and_forged_values_are_not_repeated() {
        let draft = PersonDraft::from_inputs(
            &inputs(
                json!({"email": "jo@example.com\u{200B}", "firstName": "J\u{202E}o\nAnn",
                "title": "\u{0007}Lead"}),
            ),
            &OrgChoices::default(),
        )
        .expect("valid");
        assert_eq!(draft.first_name.as_deref(), Some("Jo Ann"));
        assert_eq!(draft.title.as_deref(), Some("Lead"));
        assert_eq!(draft.emails[0].as_str(), "jo@example.com");
        let errors = PersonDraft::from_inputs(
            &inputs(json!({"email": "jo@example.com", "lastName": "x".repeat(129),
                "licenses": "<@all>", "roles": (0..40).map(|n| format!("R{n}")).collect::<Vec<_>>().join(",")})),
            &org(),
        )
        .expect_err("invalid");
        assert!(errors.iter().all(|e| !e.message.contains("<@all>")));
        let fields: Vec<_> = errors.iter().map(|e| e.field.as_str()).collect();
        assert_eq!(fields, ["lastName", "licenses", "roles", "roles"]);
    }

    #[test]
    fn ids_outside_the_offered_choices_and_bad_numbers_are_refused() {
        let errors = PersonDraft::from_inputs(
            &inputs(json!({"email": "jo@example.com", "lastName": "Jo", "licenses": "L-OTHER",
                "roles": "R-9", "locationId": "LOC-9", "phoneNumbers": "0301234", "extension": "4x"})),
            &org(),
        )
        .expect_err("invalid");
        let fields: Vec<_> = errors.iter().map(|e| e.field.as_str()).collect();
        assert_eq!(
            fields,
            [
                "licenses",
                "roles",
                "locationId",
                "phoneNumbers",
                "extension",
                "licenses"
            ]
        );
        assert!(is_e164("+14155550100") && !is_e164("+0123") && !is_e164("14155550100"));
    }

    #[test]
    fn a_bad_email_and_no_name_are_both_reported() {
        let errors = PersonDraft::from_inputs(
            &inputs(json!({"email": "jane@", "firstName": " "})),
            &OrgChoices::default(),
        )
        .expect_err("invalid");
        let fields: Vec<_> = errors.iter().map(|e| e.field.as_str()).collect();
        assert_eq!(fields, ["email", "form"]);
    }
}
