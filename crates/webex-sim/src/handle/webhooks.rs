//! Webhook registrations and the deliveries made for them.

use serde_json::Value;

use crate::delivery::Outgoing;
use crate::webhooks::NewWebhook;
use crate::{Delivery, SimPerson, Simulator};

impl Simulator {
    /// Posts exactly these bytes, with this signature, as a webhook delivery would; for
    /// redelivery, forgery and tampering tests. Returns the receiver's status.
    pub async fn deliver_raw(
        &self,
        target_url: &str,
        body: Vec<u8>,
        signature: Option<String>,
    ) -> Option<u16> {
        let delivery = Delivery {
            target_url: target_url.to_owned(),
            body,
            signature,
            status: None,
        };
        self.shared
            .deliver(Outgoing {
                webhook_id: None,
                delivery,
            })
            .await
    }

    /// Every webhook post so far, in the order they were answered.
    pub fn deliveries(&self) -> Vec<Delivery> {
        self.shared.world().deliveries.clone()
    }

    /// Every webhook registration, whoever owns it, as the API shows them.
    pub fn webhooks(&self) -> Vec<Value> {
        self.shared.world().webhooks.all()
    }

    /// Marks every webhook "inactive", as Webex does after repeated delivery failures.
    pub fn deactivate_webhooks(&self) {
        self.shared.world().webhooks.deactivate_all();
    }

    /// Registers a webhook for this owner without the API's checks, and returns its id.
    pub fn add_webhook_raw(
        &self,
        owner: &SimPerson,
        name: &str,
        target_url: &str,
        resource: &str,
        event: &str,
        secret: Option<&str>,
    ) -> String {
        let new = NewWebhook {
            name: name.to_owned(),
            target_url: target_url.to_owned(),
            resource: resource.to_owned(),
            event: event.to_owned(),
            filter: None,
            secret: secret.map(str::to_owned),
        };
        self.shared.world().webhooks.register(&owner.id, new)
    }

    /// From now on, a webhook whose receiver fails this many deliveries in a row (no
    /// answer, or a status other than 2xx) is set inactive, as Webex does; a success
    /// clears the count. 5 unless set; 0 never deactivates.
    pub fn set_webhook_failure_threshold(&self, n: u32) {
        self.shared.world().webhooks.set_failure_threshold(n);
    }
}
