//! The organization's choices, read with the admin token and cached with a refresh interval.
//!
//! The card offers these choices, and every submitted id is checked against them again,
//! because a card can be forged.

use std::sync::Arc;
use std::time::{Duration, Instant};

use tokio::sync::Mutex;

use crate::domain::{Choice, Grantable, OrgChoices, Templates, is_calling_license};
use crate::webex::{AdminApi, License, Location, Meaning, Role, WebexError};

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
        Err(error) if error.meaning() == Meaning::Refused => {
            tracing::warn!(%error, "cannot read the organization's {what}: the form offers none (the admin token needs {scope})");
            Ok(Vec::new())
        }
        Err(error) => Err(error),
    }
}

/// The organization's choices, fetched with the admin token at most once per refresh interval.
pub struct ChoiceCache {
    admin: AdminApi,
    grantable: Grantable,
    /// The templates' names, offered as they are.
    templates: Vec<Choice>,
    /// The licenses the templates grant, as names or ids.
    template_licenses: Vec<String>,
    refresh: Duration,
    cached: Mutex<Option<(Instant, Arc<OrgChoices>)>>,
}

impl ChoiceCache {
    /// A cache that fetches nothing until first asked.
    pub fn new(admin: AdminApi, grantable: Grantable, refresh: Duration) -> Self {
        Self {
            admin,
            grantable,
            templates: Vec::new(),
            template_licenses: Vec::new(),
            refresh,
            cached: Mutex::new(None),
        }
    }

    /// Offers these templates too.
    #[must_use]
    pub fn with_templates(mut self, templates: &Templates) -> Self {
        self.templates = templates
            .all()
            .iter()
            .map(|t| Choice {
                id: t.name.clone(),
                name: t.name.clone(),
            })
            .collect();
        self.template_licenses = templates
            .all()
            .iter()
            .flat_map(|t| t.licenses.iter().map(|l| l.trim().to_owned()))
            .collect();
        self
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
        let roles: Vec<Choice> = if !self.grantable.grants_roles() {
            Vec::new()
        } else {
            offered(
                "roles",
                "spark-admin:roles_read",
                self.admin.roles(tracking_id).await,
            )?
            .into_iter()
            .filter(|r| self.grantable.allows_role(r))
            .collect()
        };
        let licenses = all_licenses
            .iter()
            .filter(|l| self.grantable.allows_license(l))
            .cloned()
            .collect();
        Ok(OrgChoices {
            licenses,
            locations,
            roles,
            templates_grant_calling: all_licenses.iter().any(|l| {
                is_calling_license(l)
                    && self
                        .template_licenses
                        .iter()
                        .any(|t| *t == l.id || t.eq_ignore_ascii_case(&l.name))
            }),
            all_licenses,
            templates: self.templates.clone(),
        })
    }
}
