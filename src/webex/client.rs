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

const TRACKING_HEADER: &str = "TrackingID";

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
    http: reqwest::Client,
    /// Ends without a slash, e.g. `https://webexapis.com/v1`.
    base_url: String,
    token: Arc<dyn TokenSource>,
    /// Quoted when a call times out.
    timeout: Duration,
    metrics: Metrics,
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
        let bearer = self.token.bearer().await?;
        match self
            .call_with(&bearer, op, url, query, body, tracking_id)
            .await
        {
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
                match self
                    .call_with(&renewed, op, url, query, body, tracking_id)
                    .await
                {
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

    async fn call_with<T: DeserializeOwned, B: Serialize + ?Sized>(
        &self,
        bearer: &Bearer,
        op: Op,
        url: &str,
        query: &[(&str, &str)],
        body: Option<&B>,
        tracking_id: &str,
    ) -> Result<(T, HeaderMap), WebexError> {
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
        let status = match &answer {
            Ok((status, ..)) => status.as_str().to_owned(),
            Err(WebexError::Timeout { .. }) => "timeout".to_owned(),
            Err(_) => "unanswered".to_owned(),
        };
        self.metrics
            .webex_request(op.0, &status, started.elapsed().as_secs_f64());
        let (status, headers, bytes) = answer?;
        let answered_id = answered_tracking_id(&headers, tracking_id);
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

/// A file downloaded from Webex.
#[derive(Debug, Clone)]
pub struct Download {
    /// Its name, from `Content-Disposition`, when Webex gave one.
    pub name: Option<String>,
    pub bytes: Vec<u8>,
}

/// Why a file was not downloaded, besides Webex failing.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum NotDownloaded {
    /// The URL is not on the Webex API: it was not fetched.
    Foreign,
    /// The file is larger than allowed: it was not read further.
    TooLarge,
}

impl Client {
    /// Downloads a file on this API, reading at most `max_bytes`: a URL anywhere else is never
    /// fetched, since the token goes with the call.
    pub(super) async fn download(
        &self,
        url: &str,
        max_bytes: usize,
        tracking_id: &str,
    ) -> Result<Result<Download, NotDownloaded>, WebexError> {
        if !same_api(url, &self.base_url) {
            return Ok(Err(NotDownloaded::Foreign));
        }
        let bearer = self.token.bearer().await?;
        let started = Instant::now();
        let response = self
            .http
            .get(url)
            .bearer_auth(bearer.token.expose_secret())
            .header(TRACKING_HEADER, tracking_id)
            .send()
            .await
            .map_err(|e| lost(e, tracking_id, self.timeout));
        let op = "GET /contents/{contentId}";
        let mut response = match response {
            Ok(response) => response,
            Err(error) => {
                self.metrics
                    .webex_request(op, "unanswered", started.elapsed().as_secs_f64());
                return Err(error);
            }
        };
        let status = response.status();
        self.metrics
            .webex_request(op, status.as_str(), started.elapsed().as_secs_f64());
        let headers = response.headers().clone();
        let answered_id = answered_tracking_id(&headers, tracking_id);
        if !status.is_success() {
            let body = response.bytes().await.unwrap_or_default();
            if status == StatusCode::UNAUTHORIZED {
                self.token.refused(bearer.generation, false).await?;
            }
            return Err(api_error(status, &headers, &body, answered_id));
        }
        if response
            .content_length()
            .is_some_and(|length| length > max_bytes as u64)
        {
            return Ok(Err(NotDownloaded::TooLarge));
        }
        let mut bytes = Vec::new();
        while let Some(chunk) = response
            .chunk()
            .await
            .map_err(|e| lost(e, tracking_id, self.timeout))?
        {
            if bytes.len() + chunk.len() > max_bytes {
                return Ok(Err(NotDownloaded::TooLarge));
            }
            bytes.extend_from_slice(&chunk);
        }
        let name = headers
            .get(reqwest::header::CONTENT_DISPOSITION)
            .and_then(|v| v.to_str().ok())
            .and_then(file_name);
        Ok(Ok(Download { name, bytes }))
    }

    /// `POST /messages` as `multipart/form-data`, with one file.
    pub(super) async fn post_file<T: DeserializeOwned>(
        &self,
        fields: Vec<(&'static str, String)>,
        file_name: &str,
        file: Vec<u8>,
        tracking_id: &str,
    ) -> Result<T, WebexError> {
        let bearer = self.token.bearer().await?;
        let mut form = reqwest::multipart::Form::new();
        for (name, value) in fields {
            form = form.text(name, value);
        }
        let part = reqwest::multipart::Part::bytes(file)
            .file_name(file_name.to_owned())
            .mime_str("text/csv")
            .map_err(|e| WebexError::Transport {
                reason: e.to_string(),
                tracking_id: tracking_id.to_owned(),
            })?;
        form = form.part("files", part);
        let started = Instant::now();
        let op = "POST /messages";
        let answer = async {
            let response = self
                .http
                .post(self.url("/messages"))
                .bearer_auth(bearer.token.expose_secret())
                .header(TRACKING_HEADER, tracking_id)
                .multipart(form)
                .send()
                .await
                .map_err(|e| lost(e, tracking_id, self.timeout))?;
            let status = response.status();
            let headers = response.headers().clone();
            let bytes = response
                .bytes()
                .await
                .map_err(|e| lost(e, tracking_id, self.timeout))?;
            Ok::<_, WebexError>((status, headers, bytes))
        }
        .await;
        let shown = match &answer {
            Ok((status, ..)) => status.as_str().to_owned(),
            Err(WebexError::Timeout { .. }) => "timeout".to_owned(),
            Err(_) => "unanswered".to_owned(),
        };
        self.metrics
            .webex_request(op, &shown, started.elapsed().as_secs_f64());
        let (status, headers, bytes) = answer?;
        let answered_id = answered_tracking_id(&headers, tracking_id);
        if !status.is_success() {
            if status == StatusCode::UNAUTHORIZED {
                self.token.refused(bearer.generation, false).await?;
            }
            return Err(api_error(status, &headers, &bytes, answered_id));
        }
        serde_json::from_slice(&bytes).map_err(|e| WebexError::Decode {
            reason: e.to_string(),
            tracking_id: answered_id,
        })
    }
}

/// The tracking id Webex answered with, or else the one the call was sent with.
fn answered_tracking_id(headers: &HeaderMap, sent: &str) -> String {
    headers
        .get(TRACKING_HEADER)
        .and_then(|v| v.to_str().ok())
        .unwrap_or(sent)
        .to_owned()
}

/// The file name a `Content-Disposition` header gives, without any folder.
fn file_name(header: &str) -> Option<String> {
    let (_, rest) = header.split_once("filename=")?;
    let name = match rest.strip_prefix('"') {
        Some(quoted) => quoted.split('"').next()?,
        None => rest.split(';').next()?.trim(),
    };
    let name = name.rsplit(['/', '\\']).next()?.trim();
    (!name.is_empty()).then(|| name.to_owned())
}

/// Whether `link` is on the API at `base`: the same scheme, host and port, under its path.
fn same_api(link: &str, base: &str) -> bool {
    link.strip_prefix(base)
        .is_some_and(|rest| rest.is_empty() || rest.starts_with(['/', '?']))
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
    fn a_file_name_is_read_from_content_disposition_without_folders() {
        assert_eq!(
            file_name(r#"attachment; filename="new hires.csv""#).as_deref(),
            Some("new hires.csv")
        );
        assert_eq!(
            file_name("attachment; filename=../../etc/hires.csv; size=3").as_deref(),
            Some("hires.csv")
        );
        assert_eq!(file_name("inline"), None);
    }

    #[test]
    fn only_pages_of_the_same_api_are_followed() {
        let base = "https://webexapis.com/v1";
        assert!(same_api("https://webexapis.com/v1/people?cursor=a", base));
        assert!(!same_api("https://webexapis.com/v1.evil.example/x", base));
        assert!(!same_api("https://webexapis.com.evil.example/v1/x", base));
        assert!(!same_api("http://webexapis.com/v1/x", base));
    }
}
