//! What a card may offer and a request may grant: the organization's licenses, locations and
//! roles, narrowed by the operator's allowlists.

/// One choice: the id Webex takes and the name people read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Choice {
    pub id: String,
    pub name: String,
}

/// `ONBOARD_LICENSES` and `ONBOARD_ROLES`: names or ids that may be granted. Empty grants none.
#[derive(Debug, Clone, Default)]
pub struct Grantable {
    licenses: Vec<String>,
    roles: Vec<String>,
}

impl Grantable {
    /// Reads the two comma-separated lists.
    pub fn parse(licenses: &str, roles: &str) -> Self {
        let list = |s: &str| {
            s.split(',')
                .map(|e| e.trim().to_lowercase())
                .filter(|e| !e.is_empty())
                .collect()
        };
        Self {
            licenses: list(licenses),
            roles: list(roles),
        }
    }

    /// Whether this license may be granted.
    pub fn allows_license(&self, choice: &Choice) -> bool {
        Self::allows(&self.licenses, choice)
    }

    /// Whether this role may be granted.
    pub fn allows_role(&self, choice: &Choice) -> bool {
        Self::allows(&self.roles, choice)
    }

    /// Whether any role may be granted at all.
    pub fn grants_roles(&self) -> bool {
        !self.roles.is_empty()
    }

    fn allows(list: &[String], choice: &Choice) -> bool {
        list.iter()
            .any(|e| *e == choice.id.to_lowercase() || *e == choice.name.to_lowercase())
    }
}

/// The choices a card offers.
#[derive(Debug, Clone, Default)]
pub struct OrgChoices {
    /// Licenses that may be granted.
    pub licenses: Vec<Choice>,
    /// Every location (all may be chosen).
    pub locations: Vec<Choice>,
    /// Roles that may be granted; empty unless `ONBOARD_ROLES` allows some.
    pub roles: Vec<Choice>,
    /// Every license of the organization, to name a person's licenses in `status`.
    pub all_licenses: Vec<Choice>,
    /// The onboarding templates, by name.
    pub templates: Vec<Choice>,
    /// Whether a template grants a Webex Calling license, so that the form asks for a number.
    pub templates_grant_calling: bool,
}

impl OrgChoices {
    /// The name of a license id, or the id itself when it is unknown.
    pub fn license_name<'a>(&'a self, id: &'a str) -> &'a str {
        name_of(&self.all_licenses, id)
    }

    /// The name of a location id, or the id itself.
    pub fn location_name<'a>(&'a self, id: &'a str) -> &'a str {
        name_of(&self.locations, id)
    }

    /// The name of a role id, or the id itself.
    pub fn role_name<'a>(&'a self, id: &'a str) -> &'a str {
        name_of(&self.roles, id)
    }
}

fn name_of<'a>(choices: &'a [Choice], id: &'a str) -> &'a str {
    choices
        .iter()
        .find(|c| c.id == id)
        .map_or(id, |c| c.name.as_str())
}

/// Whether a license gives Webex Calling (which a phone number or extension needs).
pub fn is_calling_license(choice: &Choice) -> bool {
    choice.name.to_lowercase().contains("calling")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn grantable_matches_names_or_ids_without_case() {
        let g = Grantable::parse("webex calling - professional, LIC-2", "");
        let calling = Choice {
            id: "LIC-1".into(),
            name: "Webex Calling - Professional".into(),
        };
        let other = Choice {
            id: "lic-2".into(),
            name: "Meetings".into(),
        };
        let third = Choice {
            id: "LIC-3".into(),
            name: "Messaging".into(),
        };
        assert!(g.allows_license(&calling));
        assert!(g.allows_license(&other));
        assert!(!g.allows_license(&third));
        assert!(!g.grants_roles());
        assert!(is_calling_license(&calling) && !is_calling_license(&other));
    }
}
