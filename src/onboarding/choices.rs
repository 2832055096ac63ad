//! What may be granted: the organization's licenses, locations and roles, narrowed by the
//! operator's allowlists, cached with a refresh interval.
//!
//! The card offers these choices, and every submitted id is checked against them again,
//! because a card can be forged.

use std::sync::Arc;
use std::time::{Duration, Instant};

use tokio::sync::Mutex;

use crate::webex::{AdminApi, License, Location, Role, WebexError};

/// One choice: the id Webex takes and the name people read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Choice {
    pub id: String,
    pub name: String,
}

/// The organization's licenses, locations and roles all read as choices.
macro_rules! choice_from {
    ($($webex:ty),*) => {
        $(impl From<$webex> for Choice {
            fn from(item: $webex) -> Self {
                Self { id: item.id, name: item.name }
            }
        })*
    };
}
choice_from!(License, Location, Role);

/// The choices of one list. When the admin token may not read it, the form goes without it (and
/// nothing of it can be granted) rather than not at all; a failure that may pass is retried.
fn offered<T: Into<Choice>>(
    what: &str,
    scope: &str,
    fetched: Result<Vec<T>, WebexError>,
) -> Result<Vec<Choice>, WebexError> {
    match fetched {
        Ok(items) => Ok(items.into_iter().map(Into::into).collect()),
        Err(error) if !error.is_transient() => {
            tracing::warn!(%error, "cannot read the organization's {what}: the form offers none (the admin token needs {scope})");
            Ok(Vec::new())
        }
        Err(error) => Err(error),
    }
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

/// The organization's choices, fetched with the admin token at most once per refresh interval.
pub struct ChoiceCache {
    admin: AdminApi,
    grantable: Grantable,
    refresh: Duration,
    cached: Mutex<Option<(Instant, Arc<OrgChoices>)>>,
}

impl ChoiceCache {
    /// A cache that fetches nothing until first asked.
    pub fn new(admin: AdminApi, grantable: Grantable, refresh: Duration) -> Self {
        Self {
            admin,
            grantable,
            refresh,
            cached: Mutex::new(None),
        }
    }

    /// The current choices, fetched again when older than the refresh interval.
    pub async fn get(&self, tracking_id: &str) -> Result<Arc<OrgChoices>, WebexError> {
        let mut cached = self.cached.lock().await;
        if let Some((at, choices)) = cached.as_ref()
            && at.elapsed() < self.refresh
        {
            return Ok(choices.clone());
        }
        let fresh = Arc::new(self.fetch(tracking_id).await?);
        *cached = Some((Instant::now(), fresh.clone()));
        Ok(fresh)
    }

    async fn fetch(&self, tracking_id: &str) -> Result<OrgChoices, WebexError> {
        let all_licenses: Vec<Choice> = offered(
            "licenses",
            "spark-admin:licenses_read",
            self.admin.licenses(tracking_id).await,
        )?;
        let locations = offered(
            "locations",
            "spark-admin:locations_read",
            self.admin.locations(tracking_id).await,
        )?;
        let roles: Vec<Choice> = if self.grantable.roles.is_empty() {
            Vec::new()
        } else {
            offered(
                "roles",
                "spark-admin:roles_read",
                self.admin.roles(tracking_id).await,
            )?
            .into_iter()
            .filter(|r| Grantable::allows(&self.grantable.roles, r))
            .collect()
        };
        let licenses = all_licenses
            .iter()
            .filter(|l| Grantable::allows(&self.grantable.licenses, l))
            .cloned()
            .collect();
        Ok(OrgChoices {
            licenses,
            locations,
            roles,
            all_licenses,
        })
    }
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
        assert!(Grantable::allows(&g.licenses, &calling));
        assert!(Grantable::allows(&g.licenses, &other));
        assert!(!Grantable::allows(&g.licenses, &third));
        assert!(g.roles.is_empty());
        assert!(is_calling_license(&calling) && !is_calling_license(&other));
    }
}
