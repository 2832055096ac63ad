//! What a Create a Person body may hold, per the spec's request schema, and the checks
//! Create a Person makes of it before anyone is stored.

use serde_json::{Map, Value};

use super::org::Catalog;
use crate::error::ApiError;

/// The only phone number type Create a Person accepts, per Webex's OpenAPI spec.
const WORK_PHONE: &str = "work";

/// The JSON shape a field of the body must have.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Shape {
    Text,
    Texts,
    Objects,
}

/// Every field of the spec's request schema for `POST /people`, with its shape.
const FIELDS: [(&str, Shape); 17] = [
    ("emails", Shape::Texts),
    ("phoneNumbers", Shape::Objects),
    ("extension", Shape::Text),
    ("locationId", Shape::Text),
    ("displayName", Shape::Text),
    ("firstName", Shape::Text),
    ("lastName", Shape::Text),
    ("avatar", Shape::Text),
    ("orgId", Shape::Text),
    ("roles", Shape::Texts),
    ("licenses", Shape::Texts),
    ("department", Shape::Text),
    ("manager", Shape::Text),
    ("managerId", Shape::Text),
    ("title", Shape::Text),
    ("addresses", Shape::Objects),
    ("siteUrls", Shape::Texts),
];

/// Refuses a field the request schema does not have, or one of the wrong JSON type
/// (null included: a client omits what it does not set).
///
/// Whether Webex refuses unknown fields or ignores them is unverified; a bot that sends
/// one expects something Webex does not do, so the simulator refuses it by name.
pub(super) fn check_fields(fields: &Map<String, Value>) -> Result<(), ApiError> {
    for (key, value) in fields {
        let shape = FIELDS
            .iter()
            .find(|(known, _)| known == key)
            .map(|(_, shape)| *shape)
            .ok_or_else(|| {
                ApiError::bad_request(format!("Create a Person does not take the field {key:?}."))
            })?;
        let fits = match shape {
            Shape::Text => value.is_string(),
            Shape::Texts => value
                .as_array()
                .is_some_and(|items| items.iter().all(Value::is_string)),
            Shape::Objects => value
                .as_array()
                .is_some_and(|items| items.iter().all(Value::is_object)),
        };
        if !fits {
            let expected = match shape {
                Shape::Text => "a string",
                Shape::Texts => "an array of strings",
                Shape::Objects => "an array of objects",
            };
            return Err(ApiError::bad_request(format!(
                "{key} must be {expected}, not {value}."
            )));
        }
    }
    Ok(())
}

/// Checks what a new person is given as Create a Person does: every license, role,
/// location and manager must exist, and a Webex Calling user needs a number or extension,
/// a location and a Calling license, all in the same request.
pub(super) fn check_assignments(
    fields: &Map<String, Value>,
    catalog: &Catalog,
    is_person: impl Fn(&str) -> bool,
) -> Result<(), ApiError> {
    let licenses = id_list(fields, "licenses", "license")?;
    if let Some(unknown) = licenses.iter().find(|id| !catalog.has_license(id)) {
        return Err(ApiError::bad_request(format!(
            "The license {unknown} does not exist in this organization."
        )));
    }
    let roles = id_list(fields, "roles", "role")?;
    if let Some(unknown) = roles.iter().find(|id| !catalog.has_role(id)) {
        return Err(ApiError::bad_request(format!(
            "The role {unknown} does not exist in this organization."
        )));
    }
    let location_id = optional_text(fields, "locationId")?;
    if let Some(unknown) = location_id.filter(|id| !catalog.has_location(id)) {
        return Err(ApiError::bad_request(format!(
            "The location {unknown} does not exist in this organization."
        )));
    }
    if let Some(unknown) = optional_text(fields, "managerId")?.filter(|id| !is_person(id)) {
        return Err(ApiError::bad_request(format!(
            "The manager {unknown} is not a person in this organization."
        )));
    }
    let has_number = has_phone_numbers(fields)?
        || optional_text(fields, "extension")?.is_some_and(|extension| !extension.is_empty());
    let has_calling_license = licenses.iter().any(|id| catalog.is_calling_license(id));
    check_calling_user(has_number, location_id.is_some(), has_calling_license)
}

/// A Webex Calling user needs all three of a number or extension, a location and a
/// Calling license; anyone else needs none of the first and last.
fn check_calling_user(
    has_number: bool,
    has_location: bool,
    has_calling_license: bool,
) -> Result<(), ApiError> {
    if !(has_number || has_calling_license) {
        return Ok(());
    }
    let missing = if !has_number {
        "phoneNumbers or an extension"
    } else if !has_location {
        "a locationId"
    } else if !has_calling_license {
        "a Webex Calling license in licenses"
    } else {
        return Ok(());
    };
    Err(ApiError::bad_request(format!(
        "A Webex Calling user needs phoneNumbers or an extension, a locationId and a Webex \
         Calling license in the same request; this one lacks {missing}."
    )))
}

/// An array of ids, empty when absent.
fn id_list<'a>(
    fields: &'a Map<String, Value>,
    key: &str,
    kind: &str,
) -> Result<Vec<&'a str>, ApiError> {
    let Some(value) = fields.get(key).filter(|value| !value.is_null()) else {
        return Ok(Vec::new());
    };
    value
        .as_array()
        .and_then(|items| items.iter().map(Value::as_str).collect())
        .ok_or_else(|| ApiError::bad_request(format!("{key} must be an array of {kind} ids.")))
}

fn optional_text<'a>(
    fields: &'a Map<String, Value>,
    key: &str,
) -> Result<Option<&'a str>, ApiError> {
    match fields.get(key) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(text)) => Ok(Some(text)),
        Some(_) => Err(ApiError::bad_request(format!("{key} must be a string."))),
    }
}

/// Whether the request gives phone numbers, after checking that each is a work number.
fn has_phone_numbers(fields: &Map<String, Value>) -> Result<bool, ApiError> {
    let Some(value) = fields.get("phoneNumbers").filter(|value| !value.is_null()) else {
        return Ok(false);
    };
    let numbers = value.as_array().ok_or_else(|| {
        ApiError::bad_request("phoneNumbers must be an array of {\"type\", \"value\"} objects.")
    })?;
    for number in numbers {
        let kind = number.get("type").and_then(Value::as_str);
        let value = number.get("value").and_then(Value::as_str);
        if kind != Some(WORK_PHONE) || value.is_none_or(|value| value.trim().is_empty()) {
            return Err(ApiError::bad_request(format!(
                "Each of phoneNumbers must be {{\"type\": \"{WORK_PHONE}\", \"value\": \"<number>\"}}, not {number}."
            )));
        }
    }
    Ok(!numbers.is_empty())
}

/// A text field trimmed, or "" when absent or not text.
pub(super) fn trimmed_text<'a>(fields: &'a Map<String, Value>, key: &str) -> &'a str {
    fields
        .get(key)
        .and_then(Value::as_str)
        .map(str::trim)
        .unwrap_or_default()
}

/// The `emails` of a Create a Person body: a non-empty array of addresses.
pub(super) fn required_emails(fields: &Map<String, Value>) -> Result<Vec<String>, ApiError> {
    let invalid = || ApiError::bad_request("emails must be a non-empty array of email addresses.");
    let items = fields
        .get("emails")
        .and_then(Value::as_array)
        .filter(|items| !items.is_empty())
        .ok_or_else(invalid)?;
    items
        .iter()
        .map(|item| {
            item.as_str()
                .filter(|email| looks_like_email(email))
                .map(str::to_owned)
                .ok_or_else(invalid)
        })
        .collect()
}

fn looks_like_email(text: &str) -> bool {
    text.split_once('@')
        .is_some_and(|(local, domain)| !local.is_empty() && !domain.is_empty())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_calling_user_needs_a_number_a_location_and_a_calling_license_together() {
        assert!(check_calling_user(false, false, false).is_ok());
        assert!(check_calling_user(false, true, false).is_ok());
        assert!(check_calling_user(true, true, true).is_ok());
        for incomplete in [
            (true, false, false),
            (true, true, false),
            (true, false, true),
            (false, true, true),
            (false, false, true),
        ] {
            let (number, location, license) = incomplete;
            assert!(
                check_calling_user(number, location, license).is_err(),
                "{incomplete:?}"
            );
        }
    }
}
