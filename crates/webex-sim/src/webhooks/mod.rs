//! Webhook registrations: what each owner asked Webex to post, the envelopes it posts, and
//! how repeated delivery failures turn a webhook off.

mod filter;

use serde::Deserialize;
use serde_json::{Map, Value, json};

use self::filter::Filter;
use super::delivery::{Delivery, Outgoing};
use super::error::ApiError;
use super::ids;
use super::json::present_fields;
use super::paging::{Page, PageRequest};

/// How many deliveries in a row may fail before Webex sets a webhook inactive, unless a
/// test says otherwise. Webex's count is unverified.
const DEFAULT_FAILURE_THRESHOLD: u32 = 5;

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
    /// Checks the registration as Webex does, and returns its parsed filter.
    fn validate(&self) -> Result<Filter, ApiError> {
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
        parse_filter(&self.resource, self.filter.as_deref())
    }
}

fn parse_filter(resource: &str, filter: Option<&str>) -> Result<Filter, ApiError> {
    filter.map_or(Ok(Filter::default()), |text| Filter::parse(resource, text))
}

/// The body of `PUT /v1/webhooks/{id}`.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct WebhookUpdate {
    name: String,
    target_url: String,
    /// Absent removes the secret: whether Webex keeps it is unverified, so a client must
    /// send it on every update.
    secret: Option<String>,
    /// Absent keeps the current status; "active", the only value the spec allows,
    /// re-activates a webhook Webex turned off.
    status: Option<String>,
    /// Absent keeps the current filter.
    filter: Option<String>,
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
    /// As given, echoed in the API and the envelope.
    filter_text: Option<String>,
    filter: Filter,
    secret: Option<String>,
    status: Status,
    /// Deliveries that failed since the last success or re-activation.
    consecutive_failures: u32,
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
    /// How many failed deliveries in a row set a webhook inactive; 0 never does.
    failure_threshold: u32,
}

impl Webhooks {
    pub(crate) fn new(org_id: &str) -> Self {
        Self {
            list: Vec::new(),
            next_seq: 0,
            org_id: org_id.to_owned(),
            app_id: ids::webex_id("APPLICATION"),
            failure_threshold: DEFAULT_FAILURE_THRESHOLD,
        }
    }

    /// Registers a webhook after checking it as Webex does.
    pub(crate) fn create(&mut self, owner_id: &str, new: NewWebhook) -> Result<Value, ApiError> {
        let filter = new.validate()?;
        let id = self.store(owner_id, new, filter);
        self.get(owner_id, &id)
    }

    /// Registers a webhook as given, without a filter or the API's checks, and returns its id.
    pub(crate) fn register(&mut self, owner_id: &str, new: NewWebhook) -> String {
        self.store(owner_id, new, Filter::default())
    }

    fn store(&mut self, owner_id: &str, new: NewWebhook, filter: Filter) -> String {
        let webhook = Webhook {
            seq: self.next_seq,
            id: ids::webex_id("WEBHOOK"),
            name: new.name,
            target_url: new.target_url,
            resource: new.resource,
            event: new.event,
            filter_text: new.filter,
            filter,
            secret: new.secret.filter(|secret| !secret.is_empty()),
            status: Status::Active,
            consecutive_failures: 0,
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
        if let Some(other) = update
            .status
            .as_deref()
            .filter(|status| *status != "active")
        {
            return Err(ApiError::bad_request(format!(
                "status may only be \"active\": an update re-activates a webhook, it cannot turn one off (not {other:?})."
            )));
        }
        let webhook = self
            .list
            .iter_mut()
            .find(|webhook| webhook.id == id && webhook.owner_id == owner_id)
            .ok_or_else(webhook_not_found)?;
        if let Some(text) = update.filter {
            webhook.filter = Filter::parse(&webhook.resource, &text)?;
            webhook.filter_text = Some(text);
        }
        webhook.name = update.name;
        webhook.target_url = update.target_url;
        webhook.secret = update.secret.filter(|secret| !secret.is_empty());
        if update.status.is_some() {
            webhook.status = Status::Active;
            webhook.consecutive_failures = 0;
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

    /// From now on, this many failed deliveries in a row set a webhook inactive; 0 never.
    pub(crate) fn set_failure_threshold(&mut self, threshold: u32) {
        self.failure_threshold = threshold;
    }

    /// Counts a delivery's outcome against its webhook: a success clears the count, and a
    /// failure that reaches the threshold sets the webhook inactive, as Webex does.
    pub(crate) fn record_delivery(&mut self, webhook_id: &str, succeeded: bool) {
        let threshold = self.failure_threshold;
        let Some(webhook) = self
            .list
            .iter_mut()
            .find(|webhook| webhook.id == webhook_id)
        else {
            return;
        };
        if succeeded {
            webhook.consecutive_failures = 0;
            return;
        }
        webhook.consecutive_failures = webhook.consecutive_failures.saturating_add(1);
        if threshold > 0 && webhook.consecutive_failures >= threshold {
            webhook.status = Status::Inactive;
        }
    }

    /// The deliveries an event causes: one per active webhook that watches its resource
    /// and event (directly or through "all"), whose filter it meets, and whose owner may
    /// see it.
    pub(crate) fn on_event(
        &self,
        resource: &str,
        event: &str,
        actor_id: &str,
        data: &Value,
        can_see: impl Fn(&str) -> bool,
    ) -> Vec<Outgoing> {
        self.list
            .iter()
            .filter(|webhook| webhook.status == Status::Active)
            .filter(|webhook| webhook.resource == resource || webhook.resource == "all")
            .filter(|webhook| webhook.event == event || webhook.event == "all")
            .filter(|webhook| webhook.filter.matches(resource, data, &webhook.owner_id))
            .filter(|webhook| can_see(&webhook.owner_id))
            .map(|webhook| Outgoing {
                webhook_id: Some(webhook.id.clone()),
                delivery: self.delivery(webhook, resource, event, actor_id, data),
            })
            .collect()
    }

    fn owned(&self, owner_id: &str, id: &str) -> Option<&Webhook> {
        self.list
            .iter()
            .find(|webhook| webhook.id == id && webhook.owner_id == owner_id)
    }

    /// The envelope repeats the registration, less its secret, around the event; a
    /// webhook on "all" names the event's own resource and event.
    fn delivery(
        &self,
        webhook: &Webhook,
        resource: &str,
        event: &str,
        actor_id: &str,
        data: &Value,
    ) -> Delivery {
        let mut envelope = self.fields(webhook);
        envelope.remove("secret");
        envelope.insert("resource".to_owned(), resource.into());
        envelope.insert("event".to_owned(), event.into());
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
            "filter": webhook.filter_text,
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
