//! The walk: it calls the simulator over HTTP and checks every answer against the specs
//! (or CONTRACT.md's shapes), collecting what does not fit.

use std::time::Duration;

use reqwest::Method;
use serde_json::{Value, json};
use webex_sim::Simulator;

use crate::validator::{self, Specs};

/// Every route the simulator serves, as the spec names it; the walk must reach each with
/// a success and an error.
pub const ROUTES: &[(&str, &str)] = &[
    ("GET", "/people"),
    ("POST", "/people"),
    ("GET", "/people/me"),
    ("GET", "/people/{personId}"),
    ("GET", "/rooms/{roomId}"),
    ("GET", "/memberships"),
    ("POST", "/memberships"),
    ("GET", "/teams/{teamId}"),
    ("GET", "/team/memberships"),
    ("POST", "/team/memberships"),
    ("GET", "/licenses"),
    ("PATCH", "/licenses/users"),
    ("GET", "/locations"),
    ("GET", "/roles"),
    ("GET", "/messages"),
    ("POST", "/messages"),
    ("GET", "/messages/direct"),
    ("GET", "/messages/{messageId}"),
    ("PUT", "/messages/{messageId}"),
    ("DELETE", "/messages/{messageId}"),
    ("POST", "/attachment/actions"),
    ("GET", "/attachment/actions/{id}"),
    ("GET", "/webhooks"),
    ("POST", "/webhooks"),
    ("GET", "/webhooks/{webhookId}"),
    ("PUT", "/webhooks/{webhookId}"),
    ("DELETE", "/webhooks/{webhookId}"),
    ("POST", "/access_token"),
    ("GET", "/contents/{id}"),
];

/// An answer, its body parsed (Null when empty or not JSON).
pub struct Answer {
    pub status: u16,
    pub headers: reqwest::header::HeaderMap,
    pub body: Value,
    pub bytes: Vec<u8>,
}

impl Answer {
    pub fn id(&self) -> String {
        self.body["id"]
            .as_str()
            .expect("an id in the answer")
            .to_owned()
    }
}

/// The walk: calls the simulator and checks every answer, collecting what does not fit.
pub struct Walk {
    pub sim: Simulator,
    http: reqwest::Client,
    specs: Specs,
    pub failures: Vec<String>,
    /// (method, route, status) of every checked answer.
    seen: Vec<(String, String, u16)>,
}

impl Walk {
    pub async fn new(specs: Specs) -> Self {
        let _ = rustls::crypto::ring::default_provider().install_default();
        Self {
            sim: Simulator::start().await.expect("the simulator starts"),
            http: reqwest::Client::builder()
                .timeout(Duration::from_secs(10))
                .build()
                .expect("a client"),
            specs,
            failures: Vec::new(),
            seen: Vec::new(),
        }
    }

    /// Calls `method path` (the route's concrete form) as `token` and checks the answer
    /// against the route's operation in the specs.
    pub async fn call(
        &mut self,
        method: &str,
        route: &str,
        path: &str,
        token: &str,
        body: Option<Value>,
    ) -> Answer {
        let mut request = self.request(method, path).bearer_auth(token);
        if let Some(body) = body {
            request = request.json(&body);
        }
        self.exchange(method, route, path, request).await
    }

    pub fn request(&self, method: &str, path: &str) -> reqwest::RequestBuilder {
        let method = Method::from_bytes(method.as_bytes()).expect("a method");
        self.http
            .request(method, format!("{}{path}", self.sim.api_url()))
    }

    /// Sends the request and checks its answer.
    pub async fn exchange(
        &mut self,
        method: &str,
        route: &str,
        path: &str,
        request: reqwest::RequestBuilder,
    ) -> Answer {
        let response = request.send().await.expect("the simulator answers");
        let status = response.status().as_u16();
        let headers = response.headers().clone();
        let bytes = response.bytes().await.expect("a body");
        let body = serde_json::from_slice(&bytes).unwrap_or(Value::Null);
        let answer = Answer {
            status,
            headers,
            body,
            bytes: bytes.to_vec(),
        };
        self.check(method, route, path, &answer);
        answer
    }

    fn check(&mut self, method: &str, route: &str, path: &str, answer: &Answer) {
        let call = format!("{method} {path} -> {}", answer.status);
        self.seen
            .push((method.to_owned(), route.to_owned(), answer.status));
        if let Some(shape) = contract_shape(method, route, answer) {
            let mut errors = Vec::new();
            validator::validate(&Value::Null, &shape, &answer.body, "$", &mut errors);
            self.failures
                .extend(errors.into_iter().map(|error| format!("{call}: {error}")));
        } else {
            self.check_spec(method, route, &call, answer);
        }
        if answer.status >= 400 {
            self.check_error(&call, answer);
        }
    }

    fn check_spec(&mut self, method: &str, route: &str, call: &str, answer: &Answer) {
        match self.specs.expected(method, route, answer.status) {
            Err(reason) => self.failures.push(format!("{call}: {reason}")),
            Ok(expected) => {
                for expected in expected {
                    for error in expected.errors(&answer.body) {
                        self.failures.push(format!("{call}: {error}"));
                    }
                }
            }
        }
    }

    /// An error answer: Webex's error body, with the tracking id in the body and header.
    fn check_error(&mut self, call: &str, answer: &Answer) {
        for error in self.specs.error_response().errors(&answer.body) {
            self.failures.push(format!("{call}: {error}"));
        }
        let tracking_id = answer
            .headers
            .get("trackingid")
            .and_then(|value| value.to_str().ok());
        let fits = answer.body["message"].is_string()
            && answer.body["errors"][0]["description"].is_string()
            && tracking_id.is_some()
            && answer.body["trackingId"].as_str() == tracking_id;
        if !fits {
            self.failures
                .push(format!("{call}: not a Webex error body: {}", answer.body));
        }
    }

    /// Every route reached with a success and with an error, and every answer fitting.
    pub fn finish(self) {
        let mut failures = self.failures;
        for (method, route) in ROUTES {
            let statuses: Vec<u16> = self
                .seen
                .iter()
                .filter(|(m, r, _)| m == method && r == route)
                .map(|(_, _, status)| *status)
                .collect();
            if !statuses.iter().any(|status| (200..300).contains(status)) {
                failures.push(format!(
                    "{method} {route} was never answered with a success"
                ));
            }
            if !statuses.iter().any(|status| *status >= 400) {
                failures.push(format!("{method} {route} was never answered with an error"));
            }
        }
        assert!(
            failures.is_empty(),
            "{} answers do not fit Webex's specs:\n{}",
            failures.len(),
            failures.join("\n")
        );
    }
}

/// The shape CONTRACT.md gives an answer of a route the specs lack; None for a route the
/// specs define.
fn contract_shape(method: &str, route: &str, answer: &Answer) -> Option<Value> {
    match (method, route) {
        ("POST", "/access_token") if answer.status == 200 => Some(json!({
            "type": "object",
            "required": ["access_token", "expires_in", "refresh_token", "refresh_token_expires_in", "token_type"],
            "properties": {
                "access_token": { "type": "string" },
                "expires_in": { "type": "integer" },
                "refresh_token": { "type": "string" },
                "refresh_token_expires_in": { "type": "integer" },
                "token_type": { "type": "string", "enum": ["Bearer"] }
            }
        })),
        // The bytes of a download are checked where it is made; an error is a Webex error.
        ("GET", "/contents/{id}") => Some(json!({})),
        ("POST", "/access_token") => Some(json!({
            "type": "object",
            "required": ["error"],
            "properties": {
                "error": {
                    "type": "string",
                    "enum": ["invalid_request", "invalid_client", "invalid_grant", "unsupported_grant_type"]
                }
            }
        })),
        _ => None,
    }
}
