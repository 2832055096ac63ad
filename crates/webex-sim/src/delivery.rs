//! Posting webhooks to the bot, signed as Webex signs them.

use std::sync::Arc;
use std::time::Duration;

use axum::http::header::CONTENT_TYPE;
use hmac::{Hmac, KeyInit, Mac};
use sha1::Sha1;

/// How long Webex's side waits for the bot to answer a delivery.
const DELIVERY_TIMEOUT: Duration = Duration::from_secs(10);

/// One webhook post: the exact bytes sent, their signature, and how the receiver answered.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Delivery {
    pub target_url: String,
    /// The body byte for byte, so tests can check the signature or replay it.
    pub body: Vec<u8>,
    /// The `X-Spark-Signature` header, sent when the webhook has a secret.
    pub signature: Option<String>,
    /// The receiver's HTTP status; None before sending, or when it never answered.
    pub status: Option<u16>,
}

/// A delivery about to be made, and the webhook registration it is for, whose failures
/// count against it; None for a raw delivery a test makes.
#[derive(Debug)]
pub(crate) struct Outgoing {
    pub(crate) webhook_id: Option<String>,
    pub(crate) delivery: Delivery,
}

impl Delivery {
    /// A delivery not yet sent, signed with the webhook's secret when it has one.
    pub(crate) fn signed(target_url: String, body: Vec<u8>, secret: Option<&str>) -> Self {
        let signature = secret.map(|secret| sign_webhook_body(secret, &body));
        Self {
            target_url,
            body,
            signature,
            status: None,
        }
    }
}

/// The `X-Spark-Signature` of a body: lowercase hex HMAC-SHA1 of the exact bytes, keyed with the secret.
pub fn sign_webhook_body(secret: &str, body: &[u8]) -> String {
    let mut mac =
        Hmac::<Sha1>::new_from_slice(secret.as_bytes()).expect("HMAC accepts keys of any length");
    mac.update(body);
    hex::encode(mac.finalize().into_bytes())
}

/// The HTTP client deliveries go out on.
///
/// Deliveries only go to plain http, but reqwest still builds a TLS configuration. Giving it
/// one here spares the simulator from installing a process-wide rustls provider, which is
/// the application's decision.
pub(crate) fn client() -> std::io::Result<reqwest::Client> {
    let tls = rustls::ClientConfig::builder_with_provider(Arc::new(
        rustls::crypto::ring::default_provider(),
    ))
    .with_safe_default_protocol_versions()
    .map_err(std::io::Error::other)?
    .with_root_certificates(rustls::RootCertStore::empty())
    .with_no_client_auth();
    reqwest::Client::builder()
        .tls_backend_preconfigured(tls)
        .timeout(DELIVERY_TIMEOUT)
        .build()
        .map_err(std::io::Error::other)
}

/// Posts the delivery and returns it with the receiver's status.
pub(crate) async fn send(http: &reqwest::Client, mut delivery: Delivery) -> Delivery {
    let mut request = http
        .post(&delivery.target_url)
        .header(CONTENT_TYPE, "application/json")
        .body(delivery.body.clone());
    if let Some(signature) = &delivery.signature {
        request = request.header("X-Spark-Signature", signature);
    }
    delivery.status = match request.send().await {
        Ok(response) => Some(response.status().as_u16()),
        Err(error) => {
            tracing::warn!(target_url = %delivery.target_url, %error, "webhook delivery got no answer");
            None
        }
    };
    delivery
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn signature_matches_the_contract_test_vector() {
        assert_eq!(
            sign_webhook_body("myBongoSecret", br#"{"a":1,"b":2,"c":{"d":3}}"#),
            "01e0cb6a53731b9615b483335d77d97023410c72"
        );
    }
}
