//! One token's view of the Webex REST API: the call, its tracking id, its metrics, and what a
//! refused token leads to. The typed operations are in `bot_api.rs` and `admin_api.rs`.

use std::sync::{Arc, Once};
use std::time::{Duration, Instant, SystemTime};

use reqwest::header::HeaderMap;
use reqwest::{Method, StatusCode};
use secrecy::ExposeSecret;
use serde::Serialize;
use serde::de::DeserializeOwned;
use serde_json::Value;

use super::WebexError;
use super::auth::{Bearer, TokenSource};
use super::paging::{next_link, retry_after};
use super::types::Items;
use crate::metrics::Metrics;

/// How long any one Webex call may take before the bot treats its outcome as unknown.
pub const CALL_TIMEOUT: Duration = Duration::from_secs(10);

pub(super) const TRACKING_HEADER: &str = "TrackingID";

/// One operation of the Webex API, named as metrics and logs name it: its method and its path
/// template (`GET /people/{personId}`), never a path with a real id in it.
#[derive(Clone, Copy, Debug)]
pub(super) struct Op(pub(super) &'static str);

impl Op {
    fn method(self) -> Method {
        match self.0.split(' ').next() {
            Some("POST") => Method::POST,
            Some("PUT") => Method::PUT,
            Some("PATCH") => Method::PATCH,
            Some("DELETE") => Method::DELETE,
            _ => Method::GET,
        }
    }

    /// Whether the call is made again, at once, after Webex refused a token that is renewed
    /// since. Not for `POST /people`, which is never repeated without a look-up first.
    fn repeat_when_renewed(self) -> bool {
        self.0 != "POST /people"
    }
}

/// One token's view of the Webex REST API.
#[derive(Clone)]
pub(super) struct Client {
    pub(super) http: reqwest::Client,
    /// Ends without a slash, e.g. `https://webexapis.com/v1`.
    pub(super) base_url: String,
    pub(super) token: Arc<dyn TokenSource>,
    /// Quoted when a call times out.
    pub(super) timeout: Duration,
    pub(super) metrics: Metrics,
}

fn install_crypto_provider() {
    static ONCE: Once = Once::new();
    // Another part of the process may have installed one already; either is fine.
    ONCE.call_once(|| {
        let _ = rustls::crypto::ring::default_provider().install_default();
    });
}

/// The HTTP client every Webex call goes out on: a call that takes longer than `timeout` is
/// given up, its outcome unknown.
pub fn http_client(timeout: Duration) -> Result<reqwest::Client, WebexError> {
    install_crypto_provider();
    reqwest::Client::builder()
        .timeout(timeout)
        .connect_timeout(timeout)
        .user_agent(concat!("webex-onboard/", env!("CARGO_PKG_VERSION")))
        // A token goes with every call: an answer that points elsewhere is not followed.
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .map_err(|e| WebexError::Transport {
            reason: format!("cannot build the HTTP client: {e}"),
            tracking_id: String::new(),
        })
}

impl Client {
    pub(super) fn new(
        base_url: &str,
        token: Arc<dyn TokenSource>,
        timeout: Duration,
        metrics: Metrics,
    ) -> Result<Self, WebexError> {
        Ok(Self {
            http: http_client(timeout)?,
            base_url: base_url.trim_end_matches('/').to_owned(),
            token,
            timeout,
            metrics,
        })
    }

    /// Makes the call. When Webex refuses the token, the token is renewed where it can be, and
    /// the call made once more (see [`Op::repeat_when_renewed`]).
    async fn call<T: DeserializeOwned, B: Serialize + ?Sized>(
        &self,
        op: Op,
        url: &str,
        query: &[(&str, &str)],
        body: Option<&B>,
        tracking_id: &str,
    ) -> Result<(T, HeaderMap), WebexError> {
        let attempt = async |bearer: &Bearer| -> Result<(T, HeaderMap), WebexError> {
            let mut request = self
                .http
                .request(op.method(), url)
                .bearer_auth(bearer.token.expose_secret())
                .header(TRACKING_HEADER, tracking_id);
            if !query.is_empty() {
                request = request.query(query);
            }
            if let Some(body) = body {
                request = request.json(body);
            }
            let (status, headers, bytes) = self.exchange(op, request, tracking_id).await?;
            let value = decode(status, &headers, &bytes, tracking_id)?;
            Ok((value, headers))
        };
        let bearer = self.token.bearer().await?;
        match attempt(&bearer).await {
            Err(WebexError::Api {
                status: 401,
                tracking_id: refused_id,
                ..
            }) => {
                self.token.refused(bearer.generation, false).await?;
                if !op.repeat_when_renewed() {
                    return Err(WebexError::Renewed {
                        tracking_id: refused_id,
                    });
                }
                let renewed = self.token.bearer().await?;
                match attempt(&renewed).await {
                    Err(WebexError::Api { status: 401, .. }) => {
                        // Refused again at once: a renewal does not help.
                        self.token.refused(renewed.generation, true).await?;
                        Err(WebexError::Renewed {
                            tracking_id: refused_id,
                        })
                    }
                    other => other,
                }
            }
            other => other,
        }
    }

    /// Sends `request` and reads its whole answer, counting the call in the metrics under `op`
    /// with its status, or as a timeout or unanswered.
    pub(super) async fn exchange(
        &self,
        op: Op,
        request: reqwest::RequestBuilder,
        tracking_id: &str,
    ) -> Result<(StatusCode, HeaderMap, hyper::body::Bytes), WebexError> {
        let started = Instant::now();
        let answer = async {
            let response = request
                .send()
                .await
                .map_err(|e| lost(e, tracking_id, self.timeout))?;
            let status = response.status();
            let headers = response.headers().clone();
            let bytes = response
                .bytes()
                .await
                .map_err(|e| lost(e, tracking_id, self.timeout))?;
            Ok((status, headers, bytes))
        }
        .await;
        let shown = match &answer {
            Ok((status, ..)) => status.as_str().to_owned(),
            Err(WebexError::Timeout { .. }) => "timeout".to_owned(),
            Err(_) => "unanswered".to_owned(),
        };
        self.metrics
            .webex_request(op.0, &shown, started.elapsed().as_secs_f64());
        answer
    }

    pub(super) fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base_url)
    }

    /// A `GET` of one object.
    pub(super) async fn get<T: DeserializeOwned>(
        &self,
        op: Op,
        path: &str,
        query: &[(&str, &str)],
        tracking_id: &str,
    ) -> Result<T, WebexError> {
        let url = self.url(path);
        let (value, _) = self.call(op, &url, query, None::<&()>, tracking_id).await?;
        Ok(value)
    }

    /// A call with a JSON body.
    pub(super) async fn send<T: DeserializeOwned, B: Serialize + ?Sized>(
        &self,
        op: Op,
        path: &str,
        query: &[(&str, &str)],
        body: &B,
        tracking_id: &str,
    ) -> Result<T, WebexError> {
        let url = self.url(path);
        let (value, _) = self.call(op, &url, query, Some(body), tracking_id).await?;
        Ok(value)
    }

    /// A call without a body whose answer is empty (a `DELETE`).
    pub(super) async fn act(
        &self,
        op: Op,
        path: &str,
        tracking_id: &str,
    ) -> Result<(), WebexError> {
        let url = self.url(path);
        let _: (Value, _) = self.call(op, &url, &[], None::<&()>, tracking_id).await?;
        Ok(())
    }

    /// Every item of a paged list, following `Link: <...>; rel="next"`. `query` is sent with
    /// the first page only (`max` where the operation defines it); the links carry it onwards.
    pub(super) async fn get_all<T: DeserializeOwned>(
        &self,
        op: Op,
        path: &str,
        query: &[(&str, &str)],
        tracking_id: &str,
    ) -> Result<Vec<T>, WebexError> {
        let mut all = Vec::new();
        let mut query = query;
        let mut next = Some(self.url(path));
        while let Some(url) = next.take() {
            let (page, headers): (Items<T>, _) =
                self.call(op, &url, query, None::<&()>, tracking_id).await?;
            query = &[];
            all.extend(page.items);
            // The token goes with every page, so only pages of the same API are followed.
            next = next_link(&headers).filter(|link| same_api(link, &self.base_url));
        }
        Ok(all)
    }
}

/// The answer of a successful call as `T` (an empty body reads as `null`), or Webex's refusal.
pub(super) fn decode<T: DeserializeOwned>(
    status: StatusCode,
    headers: &HeaderMap,
    bytes: &[u8],
    tracking_id: &str,
) -> Result<T, WebexError> {
    let answered_id = answered_tracking_id(headers, tracking_id);
    if !status.is_success() {
        return Err(api_error(status, headers, bytes, answered_id));
    }
    let bytes = if bytes.is_empty() {
        &b"null"[..]
    } else {
        bytes
    };
    serde_json::from_slice(bytes).map_err(|e| WebexError::Decode {
        reason: e.to_string(),
        tracking_id: answered_id,
    })
}

/// The tracking id Webex answered with, or else the one the call was sent with.
pub(super) fn answered_tracking_id(headers: &HeaderMap, sent: &str) -> String {
    headers
        .get(TRACKING_HEADER)
        .and_then(|v| v.to_str().ok())
        .unwrap_or(sent)
        .to_owned()
}

/// Whether `link` is on the API at `base`: the same scheme, host and port, under its path.
pub(super) fn same_api(link: &str, base: &str) -> bool {
    link.strip_prefix(base)
        .is_some_and(|rest| rest.is_empty() || rest.starts_with(['/', '?']))
}

pub(super) fn lost(error: reqwest::Error, tracking_id: &str, timeout: Duration) -> WebexError {
    let tracking_id = tracking_id.to_owned();
    if error.is_timeout() {
        return WebexError::Timeout {
            timeout,
            tracking_id,
        };
    }
    // Without the URL: it names no secret, but it adds nothing a person could act on.
    // The innermost cause says most ("Connection refused (os error 111)"); the outer ones
    // only wrap it.
    let mut innermost = std::error::Error::source(&error);
    while let Some(cause) = innermost.and_then(std::error::Error::source) {
        innermost = Some(cause);
    }
    let reason = innermost
        .map(ToString::to_string)
        .unwrap_or_else(|| error.without_url().to_string());
    WebexError::Transport {
        reason,
        tracking_id,
    }
}

pub(super) fn api_error(
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
    WebexError::Api {
        status: status.as_u16(),
        message,
        tracking_id,
        retry_after: retry_after(headers, SystemTime::now()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_pages_of_the_same_api_are_followed() {
        let base = "https://webexapis.com/v1";
        assert!(same_api("https://webexapis.com/v1/people?cursor=a", base));
        assert!(!same_api("https://webexapis.com/v1.evil.example/x", base));
        assert!(!same_api("https://webexapis.com.evil.example/v1/x", base));
        assert!(!same_api("http://webexapis.com/v1/x", base));
    }
}
