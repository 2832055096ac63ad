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

/// The administrative fields only an admin's view of a person holds.
const ADMIN_FIELDS: [&str; 2] = ["licenses", "roles"];

/// The most ids one `GET /v1/people?id=` may name, per Webex's OpenAPI spec.
const MAX_IDS: usize = 85;

/// How much of a Person object a reader sees.
///
/// Webex's spec: "Admin users will receive an enriched payload with additional
/// administrative fields like licenses, roles [...] These fields are shown when accessing a
/// user via GET /people/{id}, not when doing a GET /people?id=", and the Webex Calling
/// fields only with `callingData=true`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum PersonView {
    /// What anyone in the organization sees, and an admin listing by id.
    Basic,
    /// An admin's view, with licenses and roles.
    Admin,
    /// An admin's view with the Webex Calling fields, asked for with `callingData=true`.
    AdminWithCalling,
}

/// The filters of `GET /v1/people`.
#[derive(Debug, Default)]
pub(crate) struct PeopleFilter {
    /// Exact, ignoring case.
    pub(crate) email: Option<String>,
    /// A prefix of the display name, ignoring case.
    pub(crate) display_name: Option<String>,
    /// Comma-separated person ids.
    pub(crate) ids: Option<String>,
    /// Comma-separated role ids: people holding any of them (admin only).
    pub(crate) roles: Option<String>,
    /// People at this Webex Calling location (admin only).
    pub(crate) location_id: Option<String>,
}

/// Someone in the organization, whether they can sign in or not.
pub(crate) struct Person {
    pub(crate) id: String,
    /// As given; lookups ignore case, as Webex's do.
    emails: Vec<String>,
    /// None for people created through the API: they have not signed in yet.
    pub(crate) token: Option<String>,
    /// Every field of the Person object, the Webex Calling and administrative ones
    /// included; each view shows its share.
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

    fn text(&self, key: &str) -> Option<&str> {
        self.fields.get(key).and_then(Value::as_str)
    }

    fn holds_role(&self, role_id: &str) -> bool {
        self.fields
            .get("roles")
            .and_then(Value::as_array)
            .is_some_and(|roles| roles.iter().any(|id| id == role_id))
    }

    /// The Person object as this view shows it.
    pub(crate) fn json(&self, view: PersonView) -> Value {
        render(self.fields.clone(), view)
    }

    /// The licenses they hold, in the order they were given.
    pub(super) fn licenses(&self) -> Vec<String> {
        self.fields
            .get("licenses")
            .and_then(Value::as_array)
            .map(|licenses| {
                licenses
                    .iter()
                    .filter_map(Value::as_str)
                    .map(str::to_owned)
                    .collect()
            })
            .unwrap_or_default()
    }

    pub(super) fn set_licenses(&mut self, licenses: Vec<String>) {
        self.fields.insert("licenses".to_owned(), json!(licenses));
    }

    /// Sets a field, or removes it when the value is None.
    pub(super) fn set_field(&mut self, key: &str, value: Option<Value>) {
        match value {
            Some(value) => self.fields.insert(key.to_owned(), value),
            None => self.fields.remove(key),
        };
    }

    /// No longer a Webex Calling user: no numbers, extension or location.
    pub(super) fn drop_calling_fields(&mut self) {
        self.fields
            .retain(|key, _| !CALLING_FIELDS.contains(&key.as_str()));
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

    /// The id of the person whose own token this is.
    pub(super) fn person_with_token(&self, token: &str) -> Option<String> {
        self.people
            .iter()
            .find(|person| person.token.as_deref() == Some(token))
            .map(|person| person.id.clone())
    }

    /// Whether the caller acts as an administrator of the organization.
    pub(crate) fn is_admin(&self, caller: &Caller) -> bool {
        caller.id == self.admin.id
    }

    /// How this caller sees people: an admin with the administrative fields, and the Webex
    /// Calling ones when asked for with `callingData=true`; anyone else the basic fields.
    pub(crate) fn person_view(&self, caller: &Caller, calling_data: bool) -> PersonView {
        match (self.is_admin(caller), calling_data) {
            (false, _) => PersonView::Basic,
            (true, false) => PersonView::Admin,
            (true, true) => PersonView::AdminWithCalling,
        }
    }

    pub(crate) fn person_json(&self, id: &str, view: PersonView) -> Result<Value, ApiError> {
        self.person(id)
            .map(|person| person.json(view))
            .ok_or_else(|| ApiError::not_found("The requested person was not found."))
    }

    /// `GET /v1/people`: the people matching every filter given, in creation order.
    ///
    /// Anyone but an admin must give `email`, `displayName` or `id`, and only an admin may
    /// filter by roles or location, as Webex's spec says. People listed by id come without
    /// the administrative fields, as the spec says too.
    pub(crate) fn list_people(
        &self,
        caller: &Caller,
        filter: &PeopleFilter,
        view: PersonView,
    ) -> Result<Vec<Value>, ApiError> {
        let is_admin = self.is_admin(caller);
        if is_admin {
            self.require_admin_scope(caller, "spark-admin:people_read", "list people")?;
        }
        if !is_admin
            && filter.email.is_none()
            && filter.display_name.is_none()
            && filter.ids.is_none()
        {
            return Err(ApiError::bad_request(
                "Give email, displayName or id: only an administrator may list everyone.",
            ));
        }
        if !is_admin && (filter.roles.is_some() || filter.location_id.is_some()) {
            return Err(ApiError::forbidden(
                "Only an administrator may list people by roles or location.",
            ));
        }
        let ids = comma_list(filter.ids.as_deref());
        if ids.as_ref().is_some_and(|ids| ids.len() > MAX_IDS) {
            return Err(ApiError::bad_request(format!(
                "id accepts at most {MAX_IDS} person ids."
            )));
        }
        let roles = comma_list(filter.roles.as_deref());
        let view = if ids.is_some() {
            PersonView::Basic
        } else {
            view
        };
        let prefix = filter.display_name.as_deref().map(str::to_lowercase);
        Ok(self
            .people
            .iter()
            .filter(|person| {
                filter
                    .email
                    .as_deref()
                    .is_none_or(|email| person.has_email(email))
            })
            .filter(|person| {
                prefix
                    .as_deref()
                    .is_none_or(|prefix| person.display_name().to_lowercase().starts_with(prefix))
            })
            .filter(|person| {
                ids.as_ref()
                    .is_none_or(|ids| ids.contains(&person.id.as_str()))
            })
            .filter(|person| {
                roles
                    .as_ref()
                    .is_none_or(|roles| roles.iter().any(|role| person.holds_role(role)))
            })
            .filter(|person| {
                filter
                    .location_id
                    .as_deref()
                    .is_none_or(|location| person.text("locationId") == Some(location))
            })
            .map(|person| person.json(view))
            .collect())
    }

    /// The people with this email, ignoring case, with every field Webex stores.
    pub(crate) fn people_with_email(&self, email: &str) -> Vec<Value> {
        self.people
            .iter()
            .filter(|person| person.has_email(email))
            .map(|person| person.json(PersonView::AdminWithCalling))
            .collect()
    }

    /// The person a request names by `personId` or `personEmail`, exactly one of them.
    ///
    /// # Errors
    /// 400 unless exactly one is given, 404 when no one has that id or email.
    pub(super) fn person_named(
        &self,
        person_id: Option<&str>,
        person_email: Option<&str>,
    ) -> Result<&Person, ApiError> {
        let found = match (person_id, person_email) {
            (Some(id), None) => self.person(id),
            (None, Some(email)) => self.people.iter().find(|person| person.has_email(email)),
            _ => {
                return Err(ApiError::bad_request(
                    "Give exactly one of personId and personEmail.",
                ));
            }
        };
        found.ok_or_else(|| ApiError::not_found("The person was not found."))
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

/// The items of a comma-separated list, when one is given.
fn comma_list(text: Option<&str>) -> Option<Vec<&str>> {
    text.map(|text| {
        text.split(',')
            .map(str::trim)
            .filter(|item| !item.is_empty())
            .collect()
    })
}

/// A Person object's fields as this view shows them.
pub(super) fn render(mut fields: Map<String, Value>, view: PersonView) -> Value {
    if view != PersonView::AdminWithCalling {
        fields.retain(|key, _| !CALLING_FIELDS.contains(&key.as_str()));
    }
    if view == PersonView::Basic {
        fields.retain(|key, _| !ADMIN_FIELDS.contains(&key.as_str()));
    }
    Value::Object(fields)
}
