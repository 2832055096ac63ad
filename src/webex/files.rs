//! Files: downloading one a person sent, within a size, and posting one with a message.

use std::time::Instant;

use reqwest::StatusCode;
use secrecy::ExposeSecret;
use serde::de::DeserializeOwned;

use super::WebexError;
use super::client::{
    Client, Op, TRACKING_HEADER, answered_tracking_id, api_error, decode, lost, same_api,
};

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
        let request = self
            .http
            .post(self.url("/messages"))
            .bearer_auth(bearer.token.expose_secret())
            .header(TRACKING_HEADER, tracking_id)
            .multipart(form);
        let (status, headers, bytes) = self
            .exchange(Op("POST /messages"), request, tracking_id)
            .await?;
        if status == StatusCode::UNAUTHORIZED {
            self.token.refused(bearer.generation, false).await?;
        }
        decode(status, &headers, &bytes, tracking_id)
    }
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
}
