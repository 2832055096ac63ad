//! `webex-onboard say`: act as a person of the simulated Webex (`simulate` prints their
//! tokens): write to the bot, submit its cards, and read what it says back. It speaks Webex's
//! REST API with the person's token, as a Webex app would.

use std::collections::HashSet;
use std::process::ExitCode;
use std::time::{Duration, Instant};

use reqwest::Client;
use serde_json::{Map, Value, json};

use super::failure::{Class, Failure};

/// What `say` was asked to do.
pub(super) struct Say {
    /// The person's token.
    pub token: String,
    /// The bot's email: a message goes to the 1:1 space with it.
    pub to: String,
    /// A card to submit (its message id), with `inputs` as `id=value`.
    pub submit: Option<String>,
    /// The words of a message, or `id=value` inputs with `submit`.
    pub words: Vec<String>,
    /// How long to wait for the bot's answers.
    pub wait: Duration,
}

/// The bot's answers are over once it has been quiet this long after the first.
const QUIET: Duration = Duration::from_millis(1500);

pub(super) async fn run(say: Say) -> ExitCode {
    match act(say).await {
        Ok(()) => ExitCode::SUCCESS,
        Err(failure) => failure.report("say"),
    }
}

/// The Webex API of the person, at `WEBEX_API_URL`.
struct Api {
    http: Client,
    base: String,
    token: String,
}

impl Api {
    async fn call(
        &self,
        method: reqwest::Method,
        path: &str,
        body: Option<Value>,
    ) -> Result<Value, Failure> {
        let url = format!("{}{path}", self.base);
        let mut request = self.http.request(method, &url).bearer_auth(&self.token);
        if let Some(body) = body {
            request = request.json(&body);
        }
        let response = request.send().await.map_err(|e| {
            Failure::new(
                Class::Network,
                format!(
                    "cannot reach {}: {e}; is `webex-onboard simulate` running?",
                    self.base
                ),
            )
        })?;
        let status = response.status();
        let body: Value = response.json().await.unwrap_or(Value::Null);
        if !status.is_success() {
            let message = body["message"].as_str().unwrap_or("no reason given");
            return Err(Failure::new(
                Class::WebexRefused,
                format!("{path} answered {status}: {message}"),
            ));
        }
        Ok(body)
    }

    /// Every message in the person's spaces, oldest first in each, by space.
    async fn messages(&self) -> Result<Vec<(String, Value)>, Failure> {
        let memberships = self
            .call(reqwest::Method::GET, "/memberships", None)
            .await?;
        let mut all = Vec::new();
        for membership in memberships["items"].as_array().into_iter().flatten() {
            let Some(room) = membership["roomId"].as_str() else {
                continue;
            };
            let listed = self
                .call(
                    reqwest::Method::GET,
                    &format!("/messages?roomId={room}&max=100"),
                    None,
                )
                .await?;
            let mut items: Vec<Value> = listed["items"].as_array().cloned().unwrap_or_default();
            items.reverse();
            all.extend(items.into_iter().map(|m| (room.to_owned(), m)));
        }
        Ok(all)
    }
}

async fn act(say: Say) -> Result<(), Failure> {
    let base = std::env::var("WEBEX_API_URL")
        .ok()
        .filter(|u| !u.trim().is_empty())
        .ok_or_else(|| {
            Failure::new(
                Class::Config,
                "WEBEX_API_URL must be set: use the value `webex-onboard simulate` printed",
            )
        })?;
    let http = crate::webex::http_client(Duration::from_secs(10))
        .map_err(|e| Failure::new(Class::Other, format!("cannot make an HTTP client: {e}")))?;
    let api = Api {
        http,
        base: base.trim_end_matches('/').to_owned(),
        token: say.token.clone(),
    };
    let me = api.call(reqwest::Method::GET, "/people/me", None).await?;
    let me_id = me["id"].as_str().unwrap_or_default().to_owned();
    let seen: HashSet<String> = api
        .messages()
        .await?
        .iter()
        .filter_map(|(_, m)| m["id"].as_str().map(str::to_owned))
        .collect();
    let acted = if let Some(card) = &say.submit {
        let mut inputs = Map::new();
        for word in &say.words {
            let Some((id, value)) = word.split_once('=') else {
                return Err(Failure::new(
                    Class::Config,
                    format!(
                        "{word:?} is not an input: write id=value, such as email=jane.doe@example.com"
                    ),
                ));
            };
            inputs.insert(id.to_owned(), Value::from(value));
        }
        // The button pressed adds its data, as a Webex app does: the one with the asked
        // `action`, or the card's only one.
        let message = api
            .call(reqwest::Method::GET, &format!("/messages/{card}"), None)
            .await?;
        let buttons: Vec<&Value> = message["attachments"]
            .as_array()
            .into_iter()
            .flatten()
            .flat_map(|a| a["content"]["actions"].as_array().into_iter().flatten())
            .filter(|a| a["type"] == "Action.Submit")
            .collect();
        let asked = inputs
            .get("action")
            .and_then(Value::as_str)
            .map(str::to_owned);
        let pressed = match &asked {
            Some(action) => buttons
                .iter()
                .find(|b| b["data"]["action"] == action.as_str()),
            None if buttons.len() == 1 => buttons.first(),
            None => None,
        };
        if let Some(data) = pressed.and_then(|b| b["data"].as_object()) {
            for (key, value) in data {
                inputs.entry(key.clone()).or_insert_with(|| value.clone());
            }
        }
        let body = json!({"type": "submit", "messageId": card, "inputs": inputs});
        api.call(reqwest::Method::POST, "/attachment/actions", Some(body))
            .await?;
        true
    } else if !say.words.is_empty() {
        let body = json!({"toPersonEmail": say.to, "text": say.words.join(" ")});
        api.call(reqwest::Method::POST, "/messages", Some(body))
            .await?;
        true
    } else {
        false
    };
    let mut out = std::io::stdout().lock();
    if !acted {
        // Only reading: what the bot said last in each space.
        for (room, message) in api.messages().await? {
            if message["personId"].as_str() != Some(me_id.as_str()) {
                print_message(&mut out, &room, &message);
            }
        }
        return Ok(());
    }
    let deadline = Instant::now() + say.wait;
    let mut printed: HashSet<String> = HashSet::new();
    let mut last_new = None::<Instant>;
    while Instant::now() < deadline && last_new.is_none_or(|at| at.elapsed() < QUIET) {
        tokio::time::sleep(Duration::from_millis(200)).await;
        for (room, message) in api.messages().await? {
            let Some(id) = message["id"].as_str() else {
                continue;
            };
            if seen.contains(id)
                || printed.contains(id)
                || message["personId"].as_str() == Some(me_id.as_str())
            {
                continue;
            }
            printed.insert(id.to_owned());
            last_new = Some(Instant::now());
            print_message(&mut out, &room, &message);
        }
    }
    if printed.is_empty() {
        use std::io::Write;
        let _ = writeln!(out, "(no answer within {} s)", say.wait.as_secs());
    }
    Ok(())
}

/// A message as a person reads it; a card with its id, its inputs and its buttons.
fn print_message(out: &mut impl std::io::Write, room: &str, message: &Value) {
    let who = message["personEmail"].as_str().unwrap_or("?");
    let text = message["markdown"]
        .as_str()
        .or(message["text"].as_str())
        .unwrap_or("");
    let short_room: String = room
        .chars()
        .rev()
        .take(6)
        .collect::<Vec<_>>()
        .into_iter()
        .rev()
        .collect();
    let _ = writeln!(out, "[space …{short_room}] {who}: {text}");
    for attachment in message["attachments"].as_array().into_iter().flatten() {
        let card = &attachment["content"];
        let id = message["id"].as_str().unwrap_or("?");
        let inputs: Vec<String> = crate::cards::inputs(card)
            .into_iter()
            .filter_map(|input| {
                let id = input["id"].as_str()?;
                let required = if input["isRequired"] == true { "*" } else { "" };
                Some(format!("{id}{required}"))
            })
            .collect();
        let actions: Vec<String> = card["actions"]
            .as_array()
            .into_iter()
            .flatten()
            .map(|a| {
                let title = a["title"].as_str().unwrap_or("?");
                match a["data"]["action"].as_str() {
                    Some(action) => format!("{title} (action={action})"),
                    None => title.to_owned(),
                }
            })
            .collect();
        let _ = writeln!(out, "    card {id}");
        let _ = writeln!(out, "    inputs: {}", inputs.join(", "));
        let _ = writeln!(out, "    buttons: {}", actions.join(", "));
    }
}
