//! Licenses held: the units each license has left, `PATCH /v1/licenses/users`, and the
//! documented way Create a Person may leave a requested license unassigned.

use serde::Deserialize;
use serde_json::{Value, json};

use super::World;
use crate::error::ApiError;
use crate::gateway::Caller;

/// The licenses API's error codes, from its spec.
const LOCATION_NOT_FOUND: u64 = 400;
const LICENSE_NOT_RECOGNIZED: u64 = 400_000;
const CALLING_PROPERTIES_MISSING: u64 = 400_411;

/// The body of `PATCH /v1/licenses/users`: the fields of the spec's request schema only.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub(crate) struct LicenseAssignment {
    email: Option<String>,
    person_id: Option<String>,
    org_id: Option<String>,
    #[serde(default)]
    licenses: Vec<LicenseChange>,
    /// Attendee sites are not simulated; only an empty list is accepted.
    #[serde(default)]
    site_urls: Vec<Value>,
}

/// One license to add or remove.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct LicenseChange {
    id: String,
    /// "add" (the default) or "remove".
    operation: Option<String>,
    properties: Option<CallingProperties>,
}

/// What a Webex Calling license needs of the person.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct CallingProperties {
    location_id: Option<String>,
    phone_number: Option<String>,
    extension: Option<String>,
}

impl World {
    /// How many more people may hold this license.
    fn units_left(&self, license_id: &str) -> u64 {
        let held = u64::try_from(self.license_holders(license_id)).unwrap_or(u64::MAX);
        self.catalog
            .total_units(license_id)
            .unwrap_or_default()
            .saturating_sub(held)
    }

    /// Refuses with 400, naming it, a license that has no units left.
    pub(super) fn check_units(&self, licenses: &[&str]) -> Result<(), ApiError> {
        match licenses.iter().find(|id| self.units_left(id) == 0) {
            Some(exhausted) => Err(ApiError::bad_request(format!(
                "The license {exhausted} has no units left."
            ))),
            None => Ok(()),
        }
    }

    /// From now on, Create a Person leaves this license unassigned although it was asked
    /// for, as Webex documents it may; its answer still echoes the request.
    pub(crate) fn leave_license_unassigned(&mut self, license_id: &str) {
        self.unassigned_licenses.push(license_id.to_owned());
    }

    /// What Create a Person really stores of the licenses asked for: those not left
    /// unassigned. Whether any Webex Calling license remains says whether the person is
    /// a calling user.
    pub(super) fn licenses_assigned_at_create(&self, asked: &[&str]) -> (Vec<String>, bool) {
        let assigned: Vec<String> = asked
            .iter()
            .filter(|id| !self.unassigned_licenses.iter().any(|left| left == *id))
            .map(|id| (*id).to_owned())
            .collect();
        let calling = assigned
            .iter()
            .any(|id| self.catalog.is_calling_license(id));
        (assigned, calling)
    }

    /// The licenses of the person with this email; none when there is no such person.
    pub(crate) fn person_licenses(&self, email: &str) -> Vec<String> {
        self.person_named(None, Some(email))
            .map(|person| person.licenses())
            .unwrap_or_default()
    }

    /// `PATCH /v1/licenses/users`: adds and removes licenses of an existing person, all or
    /// nothing (the spec's partial 206 answer is not simulated: the strict side).
    pub(crate) fn assign_licenses(
        &mut self,
        caller: &Caller,
        assignment: LicenseAssignment,
    ) -> Result<Value, ApiError> {
        self.require_admin_scope(caller, "spark-admin:people_write", "assign licenses")?;
        self.check_org(assignment.org_id.as_deref())?;
        if !assignment.site_urls.is_empty() {
            return Err(ApiError::bad_request(
                "Attendee siteUrls are not simulated; send licenses only.",
            ));
        }
        let person_id = self.person_assigned(&assignment)?;
        let current = self
            .person(&person_id)
            .map(|person| person.licenses())
            .unwrap_or_default();
        for change in &assignment.licenses {
            self.check_change(change, &current)?;
        }
        let org_id = self.org_id.clone();
        let catalog = &self.catalog;
        let person = self
            .people
            .iter_mut()
            .find(|person| person.id == person_id)
            .ok_or_else(person_not_found)?;
        let mut licenses = current;
        for change in assignment.licenses {
            let is_calling = catalog.is_calling_license(&change.id);
            if change.operation.as_deref() == Some("remove") {
                licenses.retain(|held| *held != change.id);
                if is_calling {
                    person.drop_calling_fields();
                }
                continue;
            }
            if let (true, Some(properties)) = (is_calling, change.properties) {
                let numbers = properties
                    .phone_number
                    .map(|number| json!([{ "type": "work", "value": number, "primary": true }]));
                person.set_field("phoneNumbers", numbers);
                person.set_field("extension", properties.extension.map(Value::from));
                person.set_field("locationId", properties.location_id.map(Value::from));
            }
            if !licenses.contains(&change.id) {
                licenses.push(change.id);
            }
        }
        person.set_licenses(licenses.clone());
        Ok(json!({
            "orgId": org_id,
            "personId": person.id,
            "email": person.email(),
            "licenses": licenses,
            "siteUrls": [],
        }))
    }

    /// The person an assignment names by email or id (both must agree when both are given).
    fn person_assigned(&self, assignment: &LicenseAssignment) -> Result<String, ApiError> {
        let by_email = assignment
            .email
            .as_deref()
            .map(|email| self.person_named(None, Some(email)))
            .transpose()?;
        let by_id = assignment
            .person_id
            .as_deref()
            .map(|id| self.person_named(Some(id), None))
            .transpose()?;
        match (by_email, by_id) {
            (Some(a), Some(b)) if a.id != b.id => Err(ApiError::bad_request(
                "email and personId name different people.",
            )),
            (Some(person), _) | (None, Some(person)) => Ok(person.id.clone()),
            (None, None) => Err(ApiError::bad_request(
                "At least one of email and personId is required.",
            )),
        }
    }

    /// Refuses a change that cannot be made: an unknown license or operation, a license
    /// with no units left, a Webex Calling license without its properties or with an
    /// unknown location.
    fn check_change(&self, change: &LicenseChange, current: &[String]) -> Result<(), ApiError> {
        if !self.catalog.has_license(&change.id) {
            return Err(ApiError::license(
                LICENSE_NOT_RECOGNIZED,
                format!("License not recognized {}", change.id),
            ));
        }
        match change.operation.as_deref() {
            None | Some("add") => {}
            Some("remove") => return Ok(()),
            Some(other) => {
                return Err(ApiError::bad_request(format!(
                    "operation must be \"add\" or \"remove\", not {other:?}."
                )));
            }
        }
        if !current.contains(&change.id) {
            self.check_units(&[&change.id])?;
        }
        if !self.catalog.is_calling_license(&change.id) {
            return Ok(());
        }
        let properties = change.properties.as_ref();
        let has_number =
            properties.is_some_and(|p| p.phone_number.is_some() || p.extension.is_some());
        let location = properties.and_then(|p| p.location_id.as_deref());
        let has_phone = properties.is_some_and(|p| p.phone_number.is_some());
        if !has_number || (!has_phone && location.is_none()) {
            return Err(ApiError::license(
                CALLING_PROPERTIES_MISSING,
                format!(
                    "Each Webex Calling license should contain its own calling properties \
                     (phoneNumber or extension, and locationId without a phoneNumber): {}",
                    change.id
                ),
            ));
        }
        if let Some(unknown) = location.filter(|id| !self.catalog.has_location(id)) {
            return Err(ApiError::license(
                LOCATION_NOT_FOUND,
                format!("Unable to find location {unknown}."),
            ));
        }
        Ok(())
    }
}

fn person_not_found() -> ApiError {
    ApiError::not_found("The person was not found.")
}
