//! `POST {WEBEX_API_URL}/access_token` with `grant_type=refresh_token`: a new access token,
//! and perhaps a new refresh token, for the old refresh token.

use std::time::{Duration, Instant};

use secrecy::{ExposeSecret, SecretString};
use serde::Deserialize;

use crate::metrics::Metrics;
use crate::store::Refreshed;

/// The integration or service app the admin authorized.
pub struct OAuthClient {
    /// `WEBEX_ADMIN_CLIENT_ID`.
    pub client_id: String,
    /// `WEBEX_ADMIN_CLIENT_SECRET`.
    pub client_secret: SecretString,
}

/// Webex's answer to a refresh.
#[derive(Deserialize)]
struct TokenAnswer {
    access_token: String,
    expires_in: u64,
    refresh_token: Option<String>,
    refresh_token_expires_in: Option<u64>,
}

/// Why a refresh did not give a token.
#[derive(Debug, thiserror::Error)]
pub enum RefreshError {
    /// Webex refused the refresh token (400 or 401): it will not work again.
    #[error("Webex refused the refresh token ({status}: {message})")]
    Refused { status: u16, message: String },
    /// Webex refused the client id or secret: the refresh token may still be good.
    #[error("Webex refused the client id or secret ({status}: {message})")]
    Client { status: u16, message: String },
    /// No answer, or a server error: a later try may work.
    #[error("the refresh did not go through: {0}")]
    Failed(String),
}

/// Trades `refresh_token` for new tokens, which expire relative to `now_ms`.
pub async fn refresh(
    http: &reqwest::Client,
    api_url: &str,
    client: &OAuthClient,
    refresh_token: &SecretString,
    now_ms: i64,
    metrics: &Metrics,
) -> Result<Refreshed, RefreshError> {
    let url = format!("{}/access_token", api_url.trim_end_matches('/'));
    let form = [
        ("grant_type", "refresh_token"),
        ("client_id", client.client_id.as_str()),
        ("client_secret", client.client_secret.expose_secret()),
        ("refresh_token", refresh_token.expose_secret()),
    ];
    let started = Instant::now();
    let sent = http.post(&url).form(&form).send().await;
    let status = match &sent {
        Ok(response) => response.status().as_str().to_owned(),
        Err(error) if error.is_timeout() => "timeout".to_owned(),
        Err(_) => "unanswered".to_owned(),
    };
    metrics.webex_request(
        "POST /access_token",
        &status,
        started.elapsed().as_secs_f64(),
    );
    // Without the URL or the form: neither says anything a person could act on, and the form
    // holds secrets.
    let response = sent.map_err(|e| RefreshError::Failed(e.without_url().to_string()))?;
    let status = response.status();
    let body = response
        .bytes()
        .await
        .map_err(|e| RefreshError::Failed(e.without_url().to_string()))?;
    if status.as_u16() == 400 || status.as_u16() == 401 {
        let (code, message) = error_of(&body);
        let status = status.as_u16();
        return Err(if code == "invalid_client" {
            RefreshError::Client { status, message }
        } else {
            RefreshError::Refused { status, message }
        });
    }
    if !status.is_success() {
        return Err(RefreshError::Failed(format!(
            "Webex answered {status}: {}",
            error_of(&body).1
        )));
    }
    // The parser's message could quote a token: say only that the answer was unreadable.
    let answer: TokenAnswer = serde_json::from_slice(&body)
        .map_err(|_| RefreshError::Failed("Webex's answer is not a token answer".to_owned()))?;
    let after = |seconds: u64| {
        now_ms.saturating_add(
            i64::try_from(Duration::from_secs(seconds).as_millis()).unwrap_or(i64::MAX),
        )
    };
    Ok(Refreshed {
        access_token: SecretString::from(answer.access_token),
        access_expires_at: after(answer.expires_in),
        // Without a new refresh token, the one used stays good.
        refresh_token: answer
            .refresh_token
            .map_or_else(|| refresh_token.clone(), SecretString::from),
        refresh_expires_at: answer.refresh_token_expires_in.map(after),
    })
}

/// What an OAuth or Webex error body says, briefly: its `error` code and its description;
/// never the request.
fn error_of(body: &[u8]) -> (String, String) {
    let parsed: serde_json::Value = serde_json::from_slice(body).unwrap_or_default();
    let code = parsed["error"].as_str().unwrap_or_default().to_owned();
    let message = ["error_description", "message", "error"]
        .iter()
        .find_map(|key| parsed[key].as_str())
        .unwrap_or("no reason given")
        .chars()
        .take(200)
        .collect();
    (code, message)
}
