use std::sync::Once;
use std::time::Duration;

use reqwest::header::{HeaderMap, LINK, RETRY_AFTER};
use reqwest::{Method, StatusCode};
use secrecy::{ExposeSecret, SecretString};
use serde::Serialize;
use serde::de::DeserializeOwned;
use serde_json::Value;

use super::WebexError;
use super::ids::{ActionId, MessageId, PersonId, RoomId, WebhookId};
use super::types::{
    AttachmentAction, Items, License, Location, Membership, Message, NewMessage, NewWebhook,
    Person, Role, Webhook, WebhookUpdate,
};

/// How long any one Webex call may take before the bot treats its outcome as unknown.
pub const CALL_TIMEOUT: Duration = Duration::from_secs(10);

const TRACKING_HEADER: &str = "TrackingID";

/// One token's view of the Webex REST API.
#[derive(Clone)]
struct Client {
    http: reqwest::Client,
    /// Ends without a slash, e.g. `https://webexapis.com/v1`.
    base_url: String,
    token: SecretString,
    /// Quoted when a call times out.
    timeout: Duration,
}

fn install_crypto_provider() {
    static ONCE: Once = Once::new();
    // Another part of the process may have installed one already; either is fine.
    ONCE.call_once(|| {
        let _ = rustls::crypto::ring::default_provider().install_default();
    });
}

impl Client {
    fn new(base_url: &str, token: SecretString, timeout: Duration) -> Result<Self, WebexError> {
        install_crypto_provider();
        let http = reqwest::Client::builder()
            .timeout(timeout)
            .connect_timeout(timeout)
            .user_agent(concat!("webex-onboard/", env!("CARGO_PKG_VERSION")))
            .build()
            .map_err(|e| WebexError::Transport {
                reason: format!("cannot build the HTTP client: {e}"),
                tracking_id: String::new(),
            })?;
        Ok(Self {
            http,
            base_url: base_url.trim_end_matches('/').to_owned(),
            token,
            timeout,
        })
    }

    async fn call<T: DeserializeOwned, B: Serialize + ?Sized>(
        &self,
        method: Method,
        url: &str,
        query: &[(&str, &str)],
        body: Option<&B>,
        tracking_id: &str,
    ) -> Result<(T, HeaderMap), WebexError> {
        let mut request = self
            .http
            .request(method, url)
            .bearer_auth(self.token.expose_secret())
            .header(TRACKING_HEADER, tracking_id);
        if !query.is_empty() {
            request = request.query(query);
        }
        if let Some(body) = body {
            request = request.json(body);
        }
        let response = request
            .send()
            .await
            .map_err(|e| self.lost(e, tracking_id))?;
        let status = response.status();
        let headers = response.headers().clone();
        let answered_id = headers
            .get(TRACKING_HEADER)
            .and_then(|v| v.to_str().ok())
            .unwrap_or(tracking_id)
            .to_owned();
        let bytes = response
            .bytes()
            .await
            .map_err(|e| self.lost(e, tracking_id))?;
        if !status.is_success() {
            return Err(api_error(status, &headers, &bytes, answered_id));
        }
        let bytes = if bytes.is_empty() {
            &b"null"[..]
        } else {
            &bytes[..]
        };
        let value = serde_json::from_slice(bytes).map_err(|e| WebexError::Decode {
            reason: e.to_string(),
            tracking_id: answered_id,
        })?;
        Ok((value, headers))
    }

    fn lost(&self, error: reqwest::Error, tracking_id: &str) -> WebexError {
        lost(error, tracking_id, self.timeout)
    }

    fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base_url)
    }

    async fn get<T: DeserializeOwned>(
        &self,
        path: &str,
        query: &[(&str, &str)],
        tracking_id: &str,
    ) -> Result<T, WebexError> {
        let url = self.url(path);
        let (value, _) = self
            .call(Method::GET, &url, query, None::<&()>, tracking_id)
            .await?;
        Ok(value)
    }

    async fn send<T: DeserializeOwned, B: Serialize + ?Sized>(
        &self,
        method: Method,
        path: &str,
        query: &[(&str, &str)],
        body: &B,
        tracking_id: &str,
    ) -> Result<T, WebexError> {
        let url = self.url(path);
        let (value, _) = self
            .call(method, &url, query, Some(body), tracking_id)
            .await?;
        Ok(value)
    }

    /// Every item of a paged list, following `Link: <...>; rel="next"`. `query` is sent with
    /// the first page only (`max` where the operation defines it); the links carry it onwards.
    async fn get_all<T: DeserializeOwned>(
        &self,
        path: &str,
        query: &[(&str, &str)],
        tracking_id: &str,
    ) -> Result<Vec<T>, WebexError> {
        let mut all = Vec::new();
        let mut first = true;
        let mut next = Some(self.url(path));
        while let Some(url) = next.take() {
            let query = if first { query } else { &[] };
            first = false;
            let (page, headers): (Items<T>, _) = self
                .call(Method::GET, &url, query, None::<&()>, tracking_id)
                .await?;
            all.extend(page.items);
            // The token goes with every page, so only pages of the same API are followed.
            next = next_link(&headers).filter(|link| link.starts_with(&self.base_url));
        }
        Ok(all)
    }
}

/// The `rel="next"` target of an RFC 5988 `Link` header.
fn next_link(headers: &HeaderMap) -> Option<String> {
    headers
        .get_all(LINK)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .find(|part| part.contains("rel=\"next\""))
        .and_then(|part| {
            let start = part.find('<')? + 1;
            let end = part.find('>')?;
            Some(part[start..end].to_owned())
        })
}

fn lost(error: reqwest::Error, tracking_id: &str, timeout: Duration) -> WebexError {
    let tracking_id = tracking_id.to_owned();
    if error.is_timeout() {
        return WebexError::Timeout {
            timeout,
            tracking_id,
        };
    }
    // Without the URL: it names no secret, but it adds nothing a person could act on.
    let reason = std::error::Error::source(&error)
        .map(ToString::to_string)
        .unwrap_or_else(|| error.without_url().to_string());
    WebexError::Transport {
        reason,
        tracking_id,
    }
}

fn api_error(
    status: StatusCode,
    headers: &HeaderMap,
    body: &[u8],
    tracking_id: String,
) -> WebexError {
    let parsed: Value = serde_json::from_slice(body).unwrap_or(Value::Null);
    let message = parsed["message"]
        .as_str()
        .or_else(|| parsed["errors"][0]["description"].as_str())
        .map(str::to_owned)
        .unwrap_or_else(|| status.canonical_reason().unwrap_or("error").to_owned());
    let tracking_id = parsed["trackingId"]
        .as_str()
        .map(str::to_owned)
        .unwrap_or(tracking_id);
    let retry_after = headers
        .get(RETRY_AFTER)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.trim().parse::<u64>().ok())
        .map(Duration::from_secs);
    WebexError::Api {
        status: status.as_u16(),
        message,
        tracking_id,
        retry_after,
    }
}

/// What the bot may do with the bot token: its identity, messages, cards and webhooks.
#[derive(Clone)]
pub struct BotApi(Client);

impl BotApi {
    /// A client for the API at `base_url` (e.g. `https://webexapis.com/v1`).
    pub fn new(base_url: &str, token: SecretString, timeout: Duration) -> Result<Self, WebexError> {
        Client::new(base_url, token, timeout).map(Self)
    }

    /// `GET /people/me`: who the bot is.
    pub async fn me(&self, tracking_id: &str) -> Result<Person, WebexError> {
        self.0.get("/people/me", &[], tracking_id).await
    }

    /// `GET /people/{id}`: who submitted a card.
    pub async fn person(&self, id: &PersonId, tracking_id: &str) -> Result<Person, WebexError> {
        self.0.get(&format!("/people/{id}"), &[], tracking_id).await
    }

    /// `GET /messages/{id}`: the text is not in the webhook.
    pub async fn message(&self, id: &MessageId, tracking_id: &str) -> Result<Message, WebexError> {
        self.0
            .get(&format!("/messages/{id}"), &[], tracking_id)
            .await
    }

    /// `POST /messages`.
    pub async fn post_message(
        &self,
        message: &NewMessage,
        tracking_id: &str,
    ) -> Result<Message, WebexError> {
        self.0
            .send(Method::POST, "/messages", &[], message, tracking_id)
            .await
    }

    /// `GET /attachment/actions/{id}`: the inputs are not in the webhook.
    pub async fn attachment_action(
        &self,
        id: &ActionId,
        tracking_id: &str,
    ) -> Result<AttachmentAction, WebexError> {
        self.0
            .get(&format!("/attachment/actions/{id}"), &[], tracking_id)
            .await
    }

    /// `DELETE /messages/{id}`: a card cannot be edited, so a replaced form is deleted.
    pub async fn delete_message(
        &self,
        id: &MessageId,
        tracking_id: &str,
    ) -> Result<(), WebexError> {
        let url = self.0.url(&format!("/messages/{id}"));
        let _: (Value, _) = self
            .0
            .call(Method::DELETE, &url, &[], None::<&()>, tracking_id)
            .await?;
        Ok(())
    }

    /// Whether the person is a member of the room (`GET /memberships?roomId=&personId=`).
    pub async fn is_member(
        &self,
        room_id: &RoomId,
        person_id: &PersonId,
        tracking_id: &str,
    ) -> Result<bool, WebexError> {
        let found: Items<Membership> = self
            .0
            .get(
                "/memberships",
                &[
                    ("roomId", room_id.as_str()),
                    ("personId", person_id.as_str()),
                ],
                tracking_id,
            )
            .await?;
        Ok(found
            .items
            .iter()
            .any(|m| m.person_id == *person_id && m.room_id == *room_id))
    }

    /// `GET /webhooks`, every page.
    pub async fn webhooks(&self, tracking_id: &str) -> Result<Vec<Webhook>, WebexError> {
        self.0
            .get_all("/webhooks", &[("max", "100")], tracking_id)
            .await
    }

    /// `POST /webhooks`.
    pub async fn create_webhook(
        &self,
        webhook: &NewWebhook<'_>,
        tracking_id: &str,
    ) -> Result<Webhook, WebexError> {
        self.0
            .send(Method::POST, "/webhooks", &[], webhook, tracking_id)
            .await
    }

    /// `PUT /webhooks/{id}`.
    pub async fn update_webhook(
        &self,
        id: &WebhookId,
        update: &WebhookUpdate<'_>,
        tracking_id: &str,
    ) -> Result<Webhook, WebexError> {
        self.0
            .send(
                Method::PUT,
                &format!("/webhooks/{id}"),
                &[],
                update,
                tracking_id,
            )
            .await
    }
}

/// What the bot may do with the admin token: look people up and create them.
#[derive(Clone)]
pub struct AdminApi(Client);

impl AdminApi {
    /// A client for the API at `base_url` (e.g. `https://webexapis.com/v1`).
    pub fn new(base_url: &str, token: SecretString, timeout: Duration) -> Result<Self, WebexError> {
        Client::new(base_url, token, timeout).map(Self)
    }

    /// `GET /people?email=`: the person with this email, if any.
    pub async fn find_person(
        &self,
        email: &str,
        tracking_id: &str,
    ) -> Result<Option<Person>, WebexError> {
        let found: Items<Person> = self
            .0
            .get("/people", &[("email", email)], tracking_id)
            .await?;
        Ok(found.items.into_iter().next())
    }

    /// `POST /people`: not idempotent, so callers look the email up before any retry.
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
                Method::POST,
                "/people",
                &[("callingData", calling)],
                body,
                tracking_id,
            )
            .await
    }

    /// `GET /licenses`: what could be granted (the operation has no `max`).
    pub async fn licenses(&self, tracking_id: &str) -> Result<Vec<License>, WebexError> {
        self.0.get_all("/licenses", &[], tracking_id).await
    }

    /// `GET /locations`, every page.
    pub async fn locations(&self, tracking_id: &str) -> Result<Vec<Location>, WebexError> {
        self.0
            .get_all("/locations", &[("max", "100")], tracking_id)
            .await
    }

    /// `GET /roles` (the operation has no `max`).
    pub async fn roles(&self, tracking_id: &str) -> Result<Vec<Role>, WebexError> {
        self.0.get_all("/roles", &[], tracking_id).await
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use reqwest::header::HeaderValue;

    #[test]
    fn next_link_is_read_from_a_link_header() {
        let mut headers = HeaderMap::new();
        headers.insert(
            LINK,
            HeaderValue::from_static("<https://x/v1/webhooks?cursor=abc>; rel=\"next\""),
        );
        assert_eq!(
            next_link(&headers).as_deref(),
            Some("https://x/v1/webhooks?cursor=abc")
        );
        assert_eq!(next_link(&HeaderMap::new()), None);
    }
}
