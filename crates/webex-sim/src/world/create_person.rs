//! Create a Person: who may, and what it checks of the new person before storing them.

use std::time::Instant;

use serde_json::{Map, Value, json};

use super::World;
use super::people::{Person, PersonView, render};
use super::person_body::{check_assignments, check_fields, required_emails, trimmed_text};
use super::rate_limit::CreateLimit;
use crate::error::ApiError;
use crate::gateway::Caller;
use crate::ids;

impl World {
    /// From now on, at most `rate` creates succeed in any one second; beyond, 429 with
    /// `Retry-After`. 0 lifts the limit.
    pub(crate) fn limit_creates_per_second(&mut self, rate: u32, retry_after_secs: u64) {
        self.create_limit = CreateLimit::new(rate, retry_after_secs);
    }

    /// Create a Person: only an admin may; the body holds only fields of the spec's request
    /// schema, exactly one email, at least one name; every license, role, location and
    /// manager it names must exist, a Webex Calling user must come whole, and an email may
    /// belong to one person only. A license must have units left.
    ///
    /// A license a test left unassigned is not given to the person, although the answer
    /// says it was: Webex documents that it may leave requested licenses unassigned.
    pub(crate) fn create_person(
        &mut self,
        caller: &Caller,
        mut fields: Map<String, Value>,
        view: PersonView,
    ) -> Result<Value, ApiError> {
        self.require_admin_scope(caller, "spark-admin:people_write", "create people")?;
        let now = Instant::now();
        if let Some(limit) = &mut self.create_limit {
            limit.check(now)?;
        }
        check_fields(&fields)?;
        let emails = required_emails(&fields)?;
        if emails.len() > 1 {
            // The spec: "only one email address will be used"; which one is unverified.
            return Err(ApiError::bad_request(format!(
                "emails holds {} addresses; a person has exactly one.",
                emails.len()
            )));
        }
        self.check_org(fields.get("orgId").and_then(Value::as_str))?;
        if ["displayName", "firstName", "lastName"]
            .iter()
            .all(|key| trimmed_text(&fields, key).is_empty())
        {
            return Err(ApiError::bad_request(
                "At least one of displayName, firstName or lastName is required.",
            ));
        }
        check_assignments(&fields, &self.catalog, |id| self.person(id).is_some())?;
        let asked: Vec<&str> = fields
            .get("licenses")
            .and_then(Value::as_array)
            .map(|licenses| licenses.iter().filter_map(Value::as_str).collect())
            .unwrap_or_default();
        self.check_units(&asked)?;
        let (assigned, calling_user) = self.licenses_assigned_at_create(&asked);
        if let Some(taken) = emails.iter().find(|email| self.has_person_with(email)) {
            return Err(ApiError::conflict(format!(
                "A person with the email {taken} already exists."
            )));
        }
        if trimmed_text(&fields, "displayName").is_empty() {
            let full_name = format!(
                "{} {}",
                trimmed_text(&fields, "firstName"),
                trimmed_text(&fields, "lastName")
            );
            fields.insert("displayName".to_owned(), full_name.trim().into());
        }
        let id = ids::webex_id("PEOPLE");
        fields.insert("id".to_owned(), id.clone().into());
        fields.insert("created".to_owned(), ids::timestamp().into());
        fields.insert("type".to_owned(), "person".into());
        fields.insert("invitePending".to_owned(), "true".into());
        fields.insert("loginEnabled".to_owned(), "false".into());
        fields
            .entry("orgId")
            .or_insert_with(|| self.org_id.clone().into());
        fields.entry("licenses").or_insert_with(|| json!([]));
        fields.entry("roles").or_insert_with(|| json!([]));
        // The answer echoes what was asked; the person stored holds what was assigned.
        let answer = render(fields.clone(), view);
        let mut person = Person::created(id, emails, fields);
        person.set_licenses(assigned);
        if !calling_user {
            person.drop_calling_fields();
        }
        self.people.push(person);
        if let Some(limit) = &mut self.create_limit {
            limit.record(now);
        }
        Ok(answer)
    }
}
