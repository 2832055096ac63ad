//! People as Webex stores them, and how the organization's people are looked up.

use serde_json::{Map, Value, json};

use super::World;
use crate::error::ApiError;
use crate::gateway::Caller;
use crate::ids;

/// Someone tests speak for: a person with an access token of their own.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SimPerson {
    pub id: String,
    pub email: String,
    pub display_name: String,
    /// The bearer token the simulator accepts as this person.
    pub token: String,
}

/// The fields Webex shows only to an admin who asks with `callingData=true`.
const CALLING_FIELDS: [&str; 3] = ["phoneNumbers", "extension", "locationId"];

/// Someone in the organization, whether they can sign in or not.
pub(crate) struct Person {
    pub(crate) id: String,
    /// As given; lookups ignore case, as Webex's do.
    emails: Vec<String>,
    /// None for people created through the API: they have not signed in yet.
    pub(crate) token: Option<String>,
    /// Every field of the Person object, the Webex Calling ones included, with any extra
    /// fields it was created with: Webex keeps what it does not check.
    fields: Map<String, Value>,
}

impl Person {
    /// A person created through the API, from fields already checked and completed.
    pub(crate) fn created(id: String, emails: Vec<String>, fields: Map<String, Value>) -> Self {
        Self {
            id,
            emails,
            token: None,
            fields,
        }
    }

    /// A person with a token, as the simulator creates them for tests.
    pub(crate) fn signed_in(
        org_id: &str,
        email: &str,
        display_name: &str,
        kind: &str,
        roles: Value,
    ) -> (SimPerson, Self) {
        let sim = SimPerson {
            id: ids::webex_id("PEOPLE"),
            email: email.to_owned(),
            display_name: display_name.to_owned(),
            token: ids::access_token(),
        };
        let fields = json!({
            "id": sim.id,
            "emails": [email],
            "displayName": display_name,
            "orgId": org_id,
            "created": ids::timestamp(),
            "type": kind,
            "invitePending": "false",
            "loginEnabled": "true",
            "licenses": [],
            "roles": roles,
        });
        let person = Self {
            id: sim.id.clone(),
            emails: vec![email.to_owned()],
            token: Some(sim.token.clone()),
            fields: fields.as_object().cloned().unwrap_or_default(),
        };
        (sim, person)
    }

    pub(crate) fn has_email(&self, email: &str) -> bool {
        self.emails
            .iter()
            .any(|known| known.eq_ignore_ascii_case(email))
    }

    /// The address Webex reports for them: the only one it uses today.
    pub(crate) fn email(&self) -> &str {
        self.emails.first().map_or("", String::as_str)
    }

    pub(crate) fn display_name(&self) -> &str {
        self.fields
            .get("displayName")
            .and_then(Value::as_str)
            .unwrap_or_default()
    }

    pub(crate) fn org_id(&self) -> &str {
        self.fields
            .get("orgId")
            .and_then(Value::as_str)
            .unwrap_or_default()
    }

    pub(crate) fn holds_license(&self, license_id: &str) -> bool {
        self.fields
            .get("licenses")
            .and_then(Value::as_array)
            .is_some_and(|licenses| licenses.iter().any(|id| id == license_id))
    }

    /// The Person object the API returns; the Webex Calling fields only when asked for.
    pub(crate) fn json(&self, calling_data: bool) -> Value {
        let mut fields = self.fields.clone();
        if !calling_data {
            fields.retain(|key, _| !CALLING_FIELDS.contains(&key.as_str()));
        }
        Value::Object(fields)
    }
}

impl World {
    /// A regular member of the organization who can sign in.
    pub(crate) fn add_person(&mut self, email: &str, display_name: &str) -> SimPerson {
        let (sim, person) =
            Person::signed_in(&self.org_id, email, display_name, "person", json!([]));
        self.people.push(person);
        sim
    }

    /// The person a bearer token belongs to.
    pub(crate) fn caller_with_token(&self, token: &str) -> Option<Caller> {
        let person = self
            .people
            .iter()
            .find(|person| person.token.as_deref() == Some(token))?;
        Some(Caller {
            id: person.id.clone(),
            email: person.email().to_owned(),
        })
    }

    /// Whether Person objects for this caller include the Webex Calling fields: only an
    /// admin's, and only when asked for with `callingData=true`.
    pub(crate) fn shows_calling_data(&self, caller: &Caller, calling_data: bool) -> bool {
        calling_data && caller.id == self.admin.id
    }

    pub(crate) fn person_json(&self, id: &str, calling_data: bool) -> Result<Value, ApiError> {
        self.person(id)
            .map(|person| person.json(calling_data))
            .ok_or_else(|| ApiError::not_found("The requested person was not found."))
    }

    /// People with this email, ignoring case; everyone when no email is given.
    pub(crate) fn people_json(&self, email: Option<&str>, calling_data: bool) -> Vec<Value> {
        self.people
            .iter()
            .filter(|person| email.is_none_or(|email| person.has_email(email)))
            .map(|person| person.json(calling_data))
            .collect()
    }

    pub(super) fn person(&self, id: &str) -> Option<&Person> {
        self.people.iter().find(|person| person.id == id)
    }

    pub(crate) fn person_count(&self) -> usize {
        self.people.len()
    }

    /// How many people hold this license: its `consumedUnits`.
    pub(crate) fn license_holders(&self, license_id: &str) -> usize {
        self.people
            .iter()
            .filter(|person| person.holds_license(license_id))
            .count()
    }

    pub(super) fn has_person_with(&self, email: &str) -> bool {
        self.people.iter().any(|person| person.has_email(email))
    }
}
