//! Webhook registrations: what each owner asked Webex to post, and the envelopes it posts.

use serde::Deserialize;
use serde_json::{Map, Value, json};

use super::delivery::Delivery;
use super::error::ApiError;
use super::ids;
use super::json::present_fields;
use super::paging::{Page, PageRequest};

/// The resources a webhook may watch; "all" watches every one.
const RESOURCES: [&str; 7] = [
    "messages",
    "attachmentActions",
    "memberships",
    "rooms",
    "meetings",
    "recordings",
    "all",
];

/// The events a webhook may watch; "all" watches every one.
const EVENTS: [&str; 8] = [
    "created", "updated", "deleted", "started", "ended", "joined", "left", "all",
];

/// Whether Webex posts to a webhook: it stops after repeated delivery failures.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Status {
    Active,
    Inactive,
}

impl Status {
    fn parse(text: &str) -> Result<Self, ApiError> {
        match text {
            "active" => Ok(Self::Active),
            "inactive" => Ok(Self::Inactive),
            other => Err(ApiError::bad_request(format!(
                "status must be \"active\" or \"inactive\", not {other:?}."
            ))),
        }
    }

    fn as_str(self) -> &'static str {
        match self {
            Self::Active => "active",
            Self::Inactive => "inactive",
        }
    }
}

/// The body of `POST /v1/webhooks`.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct NewWebhook {
    pub(crate) name: String,
    pub(crate) target_url: String,
    pub(crate) resource: String,
    pub(crate) event: String,
    pub(crate) filter: Option<String>,
    pub(crate) secret: Option<String>,
}

impl NewWebhook {
    fn validate(&self) -> Result<(), ApiError> {
        check_name_and_target(&self.name, &self.target_url)?;
        if !RESOURCES.contains(&self.resource.as_str()) {
            return Err(ApiError::bad_request(format!(
                "resource must be one of {RESOURCES:?}, not {:?}.",
                self.resource
            )));
        }
        if !EVENTS.contains(&self.event.as_str()) {
            return Err(ApiError::bad_request(format!(
                "event must be one of {EVENTS:?}, not {:?}.",
                self.event
            )));
        }
        Ok(())
    }
}

/// The body of `PUT /v1/webhooks/{id}`.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct WebhookUpdate {
    name: String,
    target_url: String,
    /// Absent keeps the current secret.
    secret: Option<String>,
    /// Absent keeps the current status; "active" re-activates a webhook Webex turned off.
    status: Option<String>,
}

fn check_name_and_target(name: &str, target_url: &str) -> Result<(), ApiError> {
    if name.trim().is_empty() {
        return Err(ApiError::bad_request("name must not be blank."));
    }
    if !(target_url.starts_with("http://") || target_url.starts_with("https://")) {
        return Err(ApiError::bad_request(format!(
            "targetUrl must be an http or https URL, not {target_url:?}."
        )));
    }
    Ok(())
}

struct Webhook {
    /// Creation order: list cursors name it, so paging survives deletions.
    seq: u64,
    id: String,
    name: String,
    target_url: String,
    resource: String,
    event: String,
    filter: Option<String>,
    secret: Option<String>,
    status: Status,
    created: String,
    owner_id: String,
}

/// Every webhook registration in the organization.
pub(crate) struct Webhooks {
    list: Vec<Webhook>,
    next_seq: u64,
    org_id: String,
    /// The app every registration reports as `appId`: the bot's integration.
    app_id: String,
}

impl Webhooks {
    pub(crate) fn new(org_id: &str) -> Self {
        Self {
            list: Vec::new(),
            next_seq: 0,
            org_id: org_id.to_owned(),
            app_id: ids::webex_id("APPLICATION"),
        }
    }

    /// Registers a webhook after checking it as Webex does.
    pub(crate) fn create(&mut self, owner_id: &str, new: NewWebhook) -> Result<Value, ApiError> {
        new.validate()?;
        let id = self.register(owner_id, new);
        self.get(owner_id, &id)
    }

    /// Registers a webhook as given, unchecked, and returns its id.
    pub(crate) fn register(&mut self, owner_id: &str, new: NewWebhook) -> String {
        let webhook = Webhook {
            seq: self.next_seq,
            id: ids::webex_id("WEBHOOK"),
            name: new.name,
            target_url: new.target_url,
            resource: new.resource,
            event: new.event,
            filter: new.filter,
            secret: new.secret.filter(|secret| !secret.is_empty()),
            status: Status::Active,
            created: ids::timestamp(),
            owner_id: owner_id.to_owned(),
        };
        self.next_seq += 1;
        let id = webhook.id.clone();
        self.list.push(webhook);
        id
    }

    pub(crate) fn get(&self, owner_id: &str, id: &str) -> Result<Value, ApiError> {
        self.owned(owner_id, id)
            .map(|webhook| Value::Object(self.fields(webhook)))
            .ok_or_else(webhook_not_found)
    }

    pub(crate) fn update(
        &mut self,
        owner_id: &str,
        id: &str,
        update: WebhookUpdate,
    ) -> Result<Value, ApiError> {
        check_name_and_target(&update.name, &update.target_url)?;
        let status = update.status.as_deref().map(Status::parse).transpose()?;
        let webhook = self
            .list
            .iter_mut()
            .find(|webhook| webhook.id == id && webhook.owner_id == owner_id)
            .ok_or_else(webhook_not_found)?;
        webhook.name = update.name;
        webhook.target_url = update.target_url;
        if let Some(secret) = update.secret {
            webhook.secret = Some(secret).filter(|secret| !secret.is_empty());
        }
        if let Some(status) = status {
            webhook.status = status;
        }
        self.get(owner_id, id)
    }

    pub(crate) fn delete(&mut self, owner_id: &str, id: &str) -> Result<(), ApiError> {
        let before = self.list.len();
        self.list
            .retain(|webhook| !(webhook.id == id && webhook.owner_id == owner_id));
        if self.list.len() == before {
            return Err(webhook_not_found());
        }
        Ok(())
    }

    /// One page of the owner's webhooks; its cursors are creation numbers, so that paging
    /// survives deletions. Org-wide webhooks are not simulated: every registration is owned
    /// by its creator, so a list of the org-wide ones is empty.
    pub(crate) fn page(&self, owner_id: &str, org_wide: bool, request: PageRequest) -> Page {
        let mut remaining = self.list.iter().filter(|webhook| {
            !org_wide && webhook.owner_id == owner_id && webhook.seq >= request.from
        });
        let items = remaining
            .by_ref()
            .take(request.max)
            .map(|webhook| Value::Object(self.fields(webhook)))
            .collect();
        Page {
            items,
            next: remaining.next().map(|webhook| webhook.seq),
        }
    }

    /// Every registration, whoever owns it.
    pub(crate) fn all(&self) -> Vec<Value> {
        self.list
            .iter()
            .map(|webhook| Value::Object(self.fields(webhook)))
            .collect()
    }

    /// Turns every webhook off, as Webex does after repeated delivery failures.
    pub(crate) fn deactivate_all(&mut self) {
        for webhook in &mut self.list {
            webhook.status = Status::Inactive;
        }
    }

    /// The deliveries a `created` event on `resource` causes: one per active webhook that
    /// watches it and whose owner may see the event.
    ///
    /// Filters are stored and echoed, not applied: the bot registers none, and one
    /// ignored here could only add deliveries, never hide them.
    pub(crate) fn on_created(
        &self,
        resource: &str,
        actor_id: &str,
        data: &Value,
        can_see: impl Fn(&str) -> bool,
    ) -> Vec<Delivery> {
        self.list
            .iter()
            .filter(|webhook| webhook.status == Status::Active)
            .filter(|webhook| webhook.resource == resource || webhook.resource == "all")
            .filter(|webhook| webhook.event == "created" || webhook.event == "all")
            .filter(|webhook| can_see(&webhook.owner_id))
            .map(|webhook| self.delivery(webhook, actor_id, data))
            .collect()
    }

    fn owned(&self, owner_id: &str, id: &str) -> Option<&Webhook> {
        self.list
            .iter()
            .find(|webhook| webhook.id == id && webhook.owner_id == owner_id)
    }

    /// The envelope repeats the registration, less its secret, around the event.
    fn delivery(&self, webhook: &Webhook, actor_id: &str, data: &Value) -> Delivery {
        let mut envelope = self.fields(webhook);
        envelope.remove("secret");
        envelope.insert("actorId".to_owned(), actor_id.into());
        envelope.insert("data".to_owned(), data.clone());
        Delivery::signed(
            webhook.target_url.clone(),
            Value::Object(envelope).to_string().into_bytes(),
            webhook.secret.as_deref(),
        )
    }

    fn fields(&self, webhook: &Webhook) -> Map<String, Value> {
        present_fields(json!({
            "id": webhook.id,
            "name": webhook.name,
            "targetUrl": webhook.target_url,
            "resource": webhook.resource,
            "event": webhook.event,
            "filter": webhook.filter,
            "secret": webhook.secret,
            "orgId": self.org_id,
            "createdBy": webhook.owner_id,
            "appId": self.app_id,
            "ownedBy": "creator",
            "status": webhook.status.as_str(),
            "created": webhook.created,
        }))
    }
}

fn webhook_not_found() -> ApiError {
    ApiError::not_found("The requested webhook was not found.")
}
