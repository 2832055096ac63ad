//! What every test of the simulator shares: a simulator with a client, webhook receivers,
//! cards.

use std::sync::Arc;
use std::sync::atomic::{AtomicU16, Ordering};

use axum::Router;
use axum::body::Bytes;
use axum::http::{HeaderMap, StatusCode};
use axum::routing::post;
use hmac::{Hmac, KeyInit, Mac};
use reqwest::RequestBuilder;
use sha1::Sha1;
use tokio::sync::mpsc;

pub use std::time::Duration;

pub use serde_json::{Value, json};
pub use webex_sim::{Fault, FaultKind, SimPerson, Simulator, sign_webhook_body};

pub const CARD_CONTENT_TYPE: &str = "application/vnd.microsoft.card.adaptive";
pub const SECRET: &str = "a-webhook-secret";

/// A simulator and a client to call it with.
pub struct TestSim {
    pub sim: Simulator,
    pub http: reqwest::Client,
}

/// An answer from the simulator, its body parsed (Null when empty).
pub struct Answer {
    pub status: u16,
    pub headers: reqwest::header::HeaderMap,
    pub body: Value,
}

impl Answer {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|value| value.to_str().ok())
    }
}

pub async fn spawn_simulator() -> TestSim {
    let sim = Simulator::start().await.expect("the simulator starts");
    TestSim {
        sim,
        http: http_client(Duration::from_secs(10)),
    }
}

pub fn http_client(timeout: Duration) -> reqwest::Client {
    let _ = rustls::crypto::ring::default_provider().install_default();
    reqwest::Client::builder()
        .timeout(timeout)
        .build()
        .expect("the test HTTP client builds")
}

pub async fn send(request: RequestBuilder) -> Answer {
    let response = request.send().await.expect("the simulator answers");
    let status = response.status().as_u16();
    let headers = response.headers().clone();
    let bytes = response.bytes().await.expect("the body arrives");
    let body = if bytes.is_empty() {
        Value::Null
    } else {
        serde_json::from_slice(&bytes).expect("the body is JSON")
    };
    Answer {
        status,
        headers,
        body,
    }
}

impl TestSim {
    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.sim.api_url())
    }

    pub async fn get(&self, token: &str, path: &str) -> Answer {
        send(self.http.get(self.url(path)).bearer_auth(token)).await
    }

    pub async fn post(&self, token: &str, path: &str, body: Value) -> Answer {
        send(
            self.http
                .post(self.url(path))
                .bearer_auth(token)
                .json(&body),
        )
        .await
    }

    pub async fn put(&self, token: &str, path: &str, body: Value) -> Answer {
        send(self.http.put(self.url(path)).bearer_auth(token).json(&body)).await
    }

    pub async fn create_person(&self, token: &str, body: Value) -> Answer {
        self.post(token, "/people?callingData=false", body).await
    }

    /// A webhook registered through the API, as the bot registers its own.
    pub async fn register_webhook(
        &self,
        owner: &SimPerson,
        resource: &str,
        target_url: &str,
    ) -> String {
        let answer = self
            .post(
                &owner.token,
                "/webhooks",
                json!({
                    "name": format!("onboarding {resource}"),
                    "targetUrl": target_url,
                    "resource": resource,
                    "event": "created",
                    "secret": SECRET,
                }),
            )
            .await;
        assert_eq!(answer.status, 200, "{}", answer.body);
        answer.body["id"].as_str().expect("a webhook id").to_owned()
    }
}

/// A webhook as the bot receives it.
pub struct Received {
    pub signature: Option<String>,
    pub body: Bytes,
}

impl Received {
    pub fn json(&self) -> Value {
        serde_json::from_slice(&self.body).expect("the delivery is JSON")
    }
}

/// A local endpoint that takes webhooks, answers 200 and hands them to the test.
pub async fn spawn_receiver() -> (String, mpsc::UnboundedReceiver<Received>) {
    let (url, receiver, _) = spawn_receiver_answering(200).await;
    (url, receiver)
}

/// A local endpoint that takes webhooks and hands them to the test, answering the status
/// held in the returned cell, which the test may change.
pub async fn spawn_receiver_answering(
    status: u16,
) -> (String, mpsc::UnboundedReceiver<Received>, Arc<AtomicU16>) {
    let (sender, receiver) = mpsc::unbounded_channel();
    let answer = Arc::new(AtomicU16::new(status));
    let answering = Arc::clone(&answer);
    let app = Router::new().route(
        "/webhooks",
        post(move |headers: HeaderMap, body: Bytes| {
            let signature = headers
                .get("x-spark-signature")
                .and_then(|value| value.to_str().ok())
                .map(str::to_owned);
            let _ = sender.send(Received { signature, body });
            let status = StatusCode::from_u16(answering.load(Ordering::SeqCst))
                .unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
            async move { status }
        }),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("the receiver binds");
    let url = format!(
        "http://{}/webhooks",
        listener.local_addr().expect("a local address")
    );
    tokio::spawn(async move { axum::serve(listener, app).await });
    (url, receiver, answer)
}

/// A URL on which nothing listens: deliveries to it get no answer.
pub async fn unreachable_url() -> String {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("a free port");
    let address = listener.local_addr().expect("a local address");
    drop(listener);
    format!("http://{address}/webhooks")
}

pub async fn next_delivery(receiver: &mut mpsc::UnboundedReceiver<Received>) -> Received {
    tokio::time::timeout(Duration::from_secs(5), receiver.recv())
        .await
        .expect("a webhook arrives within 5 s")
        .expect("the receiver is still running")
}

pub fn card(submit_data: Value) -> Value {
    json!({
        "contentType": CARD_CONTENT_TYPE,
        "content": {
            "type": "AdaptiveCard",
            "version": "1.3",
            "body": [
                { "type": "Input.Text", "id": "email" },
                { "type": "Input.Number", "id": "seats" }
            ],
            "actions": [{ "type": "Action.Submit", "title": "Create", "data": submit_data }]
        }
    })
}

/// A card attachment with exactly this content.
pub fn card_with(content: Value) -> Value {
    json!({ "contentType": CARD_CONTENT_TYPE, "content": content })
}

pub fn hmac_sha1_hex(secret: &str, body: &[u8]) -> String {
    let mut mac = Hmac::<Sha1>::new_from_slice(secret.as_bytes()).expect("any key length");
    mac.update(body);
    hex::encode(mac.finalize().into_bytes())
}

/// The URL of a list answer's next page, from its `Link` header.
pub fn next_page(answer: &Answer) -> Option<String> {
    let link = answer.header("link")?;
    assert!(link.ends_with("rel=\"next\""), "{link}");
    let url = link
        .trim_start_matches('<')
        .split_once('>')
        .expect("a URL in angle brackets")
        .0;
    Some(url.to_owned())
}

/// Percent-encodes a form value.
pub fn url_encode(value: &str) -> String {
    value
        .bytes()
        .map(|byte| match byte {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                char::from(byte).to_string()
            }
            _ => format!("%{byte:02X}"),
        })
        .collect()
}
