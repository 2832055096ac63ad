//! What the organization offers its people: licenses, locations and roles, as an admin
//! lists them to fill a card's choices and as Create a Person checks the ids it is given.

use serde_json::{Value, json};

use super::ids;

/// The id Webex gives its built-in "Full Administrator" role.
pub(crate) const FULL_ADMIN_ROLE: &str = "Y2lzY29zcGFyazovL3VzL1JPTEUvaWRfZnVsbF9hZG1pbg";

/// Where every simulated location's clock runs: real locations each have their own.
const TIME_ZONE: &str = "America/Chicago";

struct License {
    id: String,
    name: String,
    /// How many people may hold it; `consumedUnits` is counted from the people who do.
    total_units: u64,
}

impl License {
    /// Webex Calling needs one of its own licenses; their names say so.
    fn is_calling(&self) -> bool {
        self.name.contains("Calling")
    }
}

struct Location {
    id: String,
    name: String,
}

struct Role {
    id: String,
    name: String,
}

/// The organization's licenses, locations and roles, each list in creation order.
pub(crate) struct Catalog {
    org_id: String,
    licenses: Vec<License>,
    /// Only ever grows, so that a position in it is a stable paging cursor.
    locations: Vec<Location>,
    roles: Vec<Role>,
}

impl Catalog {
    /// An organization with no licenses or locations, and the one role its admin holds.
    pub(crate) fn new(org_id: &str) -> Self {
        Self {
            org_id: org_id.to_owned(),
            licenses: Vec::new(),
            locations: Vec::new(),
            roles: vec![Role {
                id: FULL_ADMIN_ROLE.to_owned(),
                name: "Full Administrator".to_owned(),
            }],
        }
    }

    /// Offers a license with this many units, and returns its id.
    pub(crate) fn add_license(&mut self, name: &str, total_units: u64) -> String {
        let id = ids::webex_id("LICENSE");
        self.licenses.push(License {
            id: id.clone(),
            name: name.to_owned(),
            total_units,
        });
        id
    }

    /// Adds a location, and returns its id.
    pub(crate) fn add_location(&mut self, name: &str) -> String {
        let id = ids::webex_id("LOCATION");
        self.locations.push(Location {
            id: id.clone(),
            name: name.to_owned(),
        });
        id
    }

    /// Adds a role, and returns its id.
    pub(crate) fn add_role(&mut self, name: &str) -> String {
        let id = ids::webex_id("ROLE");
        self.roles.push(Role {
            id: id.clone(),
            name: name.to_owned(),
        });
        id
    }

    /// Whether a license with this id exists.
    pub(crate) fn has_license(&self, id: &str) -> bool {
        self.licenses.iter().any(|license| license.id == id)
    }

    /// How many people may hold this license; None when there is no such license.
    pub(crate) fn total_units(&self, id: &str) -> Option<u64> {
        self.licenses
            .iter()
            .find(|license| license.id == id)
            .map(|license| license.total_units)
    }

    /// Whether this id names a Webex Calling license.
    pub(crate) fn is_calling_license(&self, id: &str) -> bool {
        self.licenses
            .iter()
            .any(|license| license.id == id && license.is_calling())
    }

    /// Whether a location with this id exists.
    pub(crate) fn has_location(&self, id: &str) -> bool {
        self.locations.iter().any(|location| location.id == id)
    }

    /// Whether a role with this id exists.
    pub(crate) fn has_role(&self, id: &str) -> bool {
        self.roles.iter().any(|role| role.id == id)
    }

    /// The licenses as `GET /v1/licenses` lists them; `holders` counts the people holding one.
    pub(crate) fn licenses_json(&self, holders: impl Fn(&str) -> usize) -> Vec<Value> {
        self.licenses
            .iter()
            .map(|license| {
                let consumed = holders(&license.id);
                json!({
                    "id": license.id,
                    "name": license.name,
                    "totalUnits": license.total_units,
                    "consumedUnits": consumed,
                    "consumedByUsers": consumed,
                    "consumedByWorkspaces": 0,
                })
            })
            .collect()
    }

    /// The locations as `GET /v1/locations` lists them, in creation order: those whose
    /// name contains `name` (ignoring case) and whose id is `id`, when given.
    pub(crate) fn locations_json(&self, name: Option<&str>, id: Option<&str>) -> Vec<Value> {
        let name = name.map(str::to_lowercase);
        self.locations
            .iter()
            .filter(|location| {
                name.as_deref()
                    .is_none_or(|name| location.name.to_lowercase().contains(name))
            })
            .filter(|location| id.is_none_or(|id| location.id == id))
            .map(|location| {
                json!({
                    "id": location.id,
                    "name": location.name,
                    "orgId": self.org_id,
                    "address": {
                        "address1": "100 Main St.",
                        "city": location.name,
                        "state": "TX",
                        "postalCode": "75001",
                        "country": "US",
                    },
                    "timeZone": TIME_ZONE,
                    "preferredLanguage": "en_us",
                })
            })
            .collect()
    }

    /// Every role as `GET /v1/roles` lists them.
    pub(crate) fn roles_json(&self) -> Vec<Value> {
        self.roles
            .iter()
            .map(|role| json!({ "id": role.id, "name": role.name }))
            .collect()
    }
}
