//! What the bot may do with the admin token: look people up and create them, and read what the
//! organization offers.

use std::sync::Arc;
use std::time::Duration;

use serde::Serialize;

use super::WebexError;
use super::auth::TokenSource;
use super::client::{Client, Op};
use super::ids::PersonId;
use super::types::{Items, License, Location, Person, Role};
use crate::metrics::Metrics;

/// What the bot may do with the admin token.
#[derive(Clone)]
pub struct AdminApi(Client);

impl AdminApi {
    /// A client for the API at `base_url` (e.g. `https://webexapis.com/v1`).
    pub fn new(
        base_url: &str,
        token: Arc<dyn TokenSource>,
        timeout: Duration,
        metrics: Metrics,
    ) -> Result<Self, WebexError> {
        Client::new(base_url, token, timeout, metrics).map(Self)
    }

    /// `GET /people?email=`: the person with this email, if any.
    pub async fn find_person(
        &self,
        email: &str,
        tracking_id: &str,
    ) -> Result<Option<Person>, WebexError> {
        let found: Items<Person> = self
            .0
            .get(
                Op("GET /people"),
                "/people",
                &[("email", email)],
                tracking_id,
            )
            .await?;
        Ok(found.items.into_iter().next())
    }

    /// `POST /people`: not idempotent, so callers look the email up before any retry, and it
    /// is never repeated on its own after Webex refused the token.
    ///
    /// `calling` sends `callingData=true`, which a Webex Calling user's fields need.
    pub async fn create_person<B: Serialize + Sync>(
        &self,
        body: &B,
        calling: bool,
        tracking_id: &str,
    ) -> Result<Person, WebexError> {
        let calling = if calling { "true" } else { "false" };
        self.0
            .send(
                Op("POST /people"),
                "/people",
                &[("callingData", calling)],
                body,
                tracking_id,
            )
            .await
    }

    /// `GET /people/{id}`, with `callingData=true` for a calling user: their licenses as
    /// Webex holds them now.
    pub async fn person(
        &self,
        id: &PersonId,
        calling: bool,
        tracking_id: &str,
    ) -> Result<Person, WebexError> {
        let path = format!("/people/{id}");
        let query: &[(&str, &str)] = if calling {
            &[("callingData", "true")]
        } else {
            &[]
        };
        self.0
            .get(Op("GET /people/{personId}"), &path, query, tracking_id)
            .await
    }

    /// `PATCH /licenses/users`: adds licenses to an existing person. Adding one they have is
    /// no change, so it may be repeated.
    pub async fn assign_licenses<B: Serialize + Sync>(
        &self,
        body: &B,
        tracking_id: &str,
    ) -> Result<(), WebexError> {
        let _: serde_json::Value = self
            .0
            .send(
                Op("PATCH /licenses/users"),
                "/licenses/users",
                &[],
                body,
                tracking_id,
            )
            .await?;
        Ok(())
    }

    /// `GET /licenses`: what could be granted (the operation has no `max`).
    pub async fn licenses(&self, tracking_id: &str) -> Result<Vec<License>, WebexError> {
        self.0
            .get_all(Op("GET /licenses"), "/licenses", &[], tracking_id)
            .await
    }

    /// `GET /locations`, every page.
    pub async fn locations(&self, tracking_id: &str) -> Result<Vec<Location>, WebexError> {
        self.0
            .get_all(
                Op("GET /locations"),
                "/locations",
                &[("max", "100")],
                tracking_id,
            )
            .await
    }

    /// `GET /roles` (the operation has no `max`).
    pub async fn roles(&self, tracking_id: &str) -> Result<Vec<Role>, WebexError> {
        self.0
            .get_all(Op("GET /roles"), "/roles", &[], tracking_id)
            .await
    }
}
