//! Every route the simulator serves, walked over real HTTP, each answer (successes and the
//! typical errors) checked against the response schema of its operation in Webex's own
//! OpenAPI specs. Routes the specs lack are checked against CONTRACT.md's shapes.
//!
//! The specs live beside the repository, in `shared/webex/openapi`. Without them the test
//! says loudly that it skipped, and passes, unless `WEBEX_OPENAPI_REQUIRED=1` demands them.

#[path = "openapi/validator.rs"]
mod validator;

use std::io::Write;
use std::path::PathBuf;
use std::time::Duration;

use reqwest::Method;
use serde_json::{Value, json};
use webex_sim::{SimPerson, Simulator};

use self::validator::Specs;

/// Every route the simulator serves, as the spec names it; the walk must reach each with
/// a success and an error.
const ROUTES: &[(&str, &str)] = &[
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

const CARD_CONTENT_TYPE: &str = "application/vnd.microsoft.card.adaptive";

fn specs_folder() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../../shared/webex/openapi")
}

/// Loads the specs, or says loudly why the test does not run (straight to the terminal,
/// past the test harness's capture).
fn specs() -> Option<Specs> {
    let folder = specs_folder();
    if let Some(specs) = Specs::load(&folder) {
        return Some(specs);
    }
    let required = std::env::var("WEBEX_OPENAPI_REQUIRED").is_ok_and(|value| value == "1");
    assert!(
        !required,
        "WEBEX_OPENAPI_REQUIRED=1, but the OpenAPI specs are not in {}",
        folder.display()
    );
    let _ = writeln!(
        std::io::stderr(),
        "\n*** SKIPPED: the Webex OpenAPI specs are not in {}; no answer was checked against them. ***\n",
        folder.display()
    );
    None
}

/// An answer, its body parsed (Null when empty or not JSON).
struct Answer {
    status: u16,
    headers: reqwest::header::HeaderMap,
    body: Value,
    bytes: Vec<u8>,
}

impl Answer {
    fn id(&self) -> String {
        self.body["id"]
            .as_str()
            .expect("an id in the answer")
            .to_owned()
    }
}

/// The walk: calls the simulator and checks every answer, collecting what does not fit.
struct Walk {
    sim: Simulator,
    http: reqwest::Client,
    specs: Specs,
    failures: Vec<String>,
    /// (method, route, status) of every checked answer.
    seen: Vec<(String, String, u16)>,
}

impl Walk {
    async fn new(specs: Specs) -> Self {
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
    async fn call(
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

    fn request(&self, method: &str, path: &str) -> reqwest::RequestBuilder {
        let method = Method::from_bytes(method.as_bytes()).expect("a method");
        self.http
            .request(method, format!("{}{path}", self.sim.api_url()))
    }

    /// Sends the request and checks its answer.
    async fn exchange(
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
    fn finish(self) {
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

fn card(data: Value) -> Value {
    json!({
        "contentType": CARD_CONTENT_TYPE,
        "content": {
            "type": "AdaptiveCard",
            "version": "1.3",
            "body": [{ "type": "Input.Text", "id": "email" }],
            "actions": [{ "type": "Action.Submit", "title": "Create", "data": data }]
        }
    })
}

#[tokio::test]
async fn every_answer_fits_the_response_schema_of_its_operation() {
    let Some(specs) = specs() else {
        return;
    };
    let mut walk = Walk::new(specs).await;
    let people = People::of(&walk.sim);

    walk_people(&mut walk, &people).await;
    walk_organization(&mut walk, &people).await;
    walk_messages_and_rooms(&mut walk, &people).await;
    walk_teams(&mut walk, &people).await;
    walk_webhooks(&mut walk, &people).await;
    walk_tokens(&mut walk).await;
    walk_contents(&mut walk, &people).await;

    walk.finish();
}

/// Who the walk speaks as.
struct People {
    admin: SimPerson,
    bot: SimPerson,
    manager: SimPerson,
}

impl People {
    fn of(sim: &Simulator) -> Self {
        Self {
            admin: sim.admin(),
            bot: sim.bot(),
            manager: sim.add_person("manager@example.com", "Maria Manager"),
        }
    }
}

async fn walk_people(walk: &mut Walk, people: &People) {
    let admin = &people.admin.token;
    let license = walk.sim.add_license("Webex Calling - Professional", 10);
    let location = walk.sim.add_location("Denver");
    let created = walk
        .call(
            "POST",
            "/people",
            "/people?callingData=true",
            admin,
            Some(json!({
                "emails": ["jane.doe@example.com"],
                "displayName": "Jane Doe",
                "firstName": "Jane",
                "lastName": "Doe",
                "phoneNumbers": [{ "type": "work", "value": "+1 408 526 7209" }],
                "extension": "7209",
                "locationId": location,
                "licenses": [license],
                "addresses": [{ "type": "work", "country": "US" }],
            })),
        )
        .await;
    let id = created.id();
    let email_body = json!({ "emails": ["jane.doe@example.com"], "displayName": "Jane" });
    walk.call("POST", "/people", "/people", admin, Some(email_body))
        .await;
    walk.call(
        "POST",
        "/people",
        "/people",
        admin,
        Some(json!({ "displayName": "No Email" })),
    )
    .await;
    let bot_body = json!({ "emails": ["x@example.com"], "displayName": "X" });
    walk.call(
        "POST",
        "/people",
        "/people",
        &people.bot.token,
        Some(bot_body),
    )
    .await;

    walk.call("GET", "/people", "/people", admin, None).await;
    walk.call(
        "GET",
        "/people",
        "/people?email=jane.doe%40example.com&callingData=true",
        admin,
        None,
    )
    .await;
    walk.call(
        "GET",
        "/people",
        "/people?displayName=ja&max=1",
        admin,
        None,
    )
    .await;
    walk.call(
        "GET",
        "/people",
        &format!("/people?id={id}"),
        &people.bot.token,
        None,
    )
    .await;
    walk.call("GET", "/people", "/people", &people.bot.token, None)
        .await;
    walk.call("GET", "/people", "/people?max=0", admin, None)
        .await;

    walk.call("GET", "/people/me", "/people/me", &people.bot.token, None)
        .await;
    walk.call(
        "GET",
        "/people/me",
        "/people/me?callingData=true",
        admin,
        None,
    )
    .await;
    walk.call("GET", "/people/me", "/people/me", "not-a-token", None)
        .await;

    let person = format!("/people/{id}");
    walk.call(
        "GET",
        "/people/{personId}",
        &format!("{person}?callingData=true"),
        admin,
        None,
    )
    .await;
    walk.call(
        "GET",
        "/people/{personId}",
        &person,
        &people.manager.token,
        None,
    )
    .await;
    walk.call(
        "GET",
        "/people/{personId}",
        "/people/no-such-person",
        admin,
        None,
    )
    .await;
}

async fn walk_organization(walk: &mut Walk, people: &People) {
    let admin = &people.admin.token;
    let bot = &people.bot.token;
    walk.sim.add_role("User Administrator");
    walk.sim.add_location("Austin");
    walk.call("GET", "/licenses", "/licenses", admin, None)
        .await;
    walk.call("GET", "/licenses", "/licenses", bot, None).await;
    walk.call("GET", "/licenses", "/licenses?max=1", admin, None)
        .await;
    let license = walk.sim.add_license("Messaging", 5);
    let assign = |id: &str| json!({ "email": "jane.doe@example.com", "licenses": [{ "id": id, "operation": "add" }] });
    walk.call(
        "PATCH",
        "/licenses/users",
        "/licenses/users",
        admin,
        Some(assign(&license)),
    )
    .await;
    walk.call(
        "PATCH",
        "/licenses/users",
        "/licenses/users",
        admin,
        Some(assign("nope")),
    )
    .await;
    walk.call("GET", "/locations", "/locations?max=1", admin, None)
        .await;
    walk.call("GET", "/locations", "/locations?name=den", admin, None)
        .await;
    walk.call("GET", "/locations", "/locations", bot, None)
        .await;
    walk.call("GET", "/roles", "/roles", admin, None).await;
    walk.call("GET", "/roles", "/roles", bot, None).await;
}

async fn walk_messages_and_rooms(walk: &mut Walk, people: &People) {
    let bot = &people.bot.token;
    let manager = &people.manager;
    let room = walk.sim.group_room("Helpdesk", &[manager]);
    let stranger = walk.sim.add_person("eve@elsewhere.org", "Eve Stranger");

    walk.call(
        "GET",
        "/rooms/{roomId}",
        &format!("/rooms/{}", room.id),
        bot,
        None,
    )
    .await;
    walk.call(
        "GET",
        "/rooms/{roomId}",
        &format!("/rooms/{}", room.id),
        &stranger.token,
        None,
    )
    .await;
    let memberships = format!("/memberships?roomId={}", room.id);
    walk.call("GET", "/memberships", &memberships, bot, None)
        .await;
    walk.call("GET", "/memberships", "/memberships", &manager.token, None)
        .await;
    walk.call("GET", "/memberships", &memberships, &stranger.token, None)
        .await;
    let hire = walk.sim.add_person("jane.smith@example.com", "Jane Smith");
    let add = json!({ "roomId": room.id, "personId": hire.id, "isModerator": false });
    walk.call(
        "POST",
        "/memberships",
        "/memberships",
        bot,
        Some(add.clone()),
    )
    .await;
    walk.call("POST", "/memberships", "/memberships", bot, Some(add))
        .await;
    let add = json!({ "roomId": room.id, "personId": stranger.id });
    walk.call(
        "POST",
        "/memberships",
        "/memberships",
        &stranger.token,
        Some(add),
    )
    .await;

    let sent = walk
        .call(
            "POST",
            "/messages",
            "/messages",
            bot,
            Some(json!({
                "toPersonEmail": manager.email,
                "markdown": "**Onboard** a new hire",
                "attachments": [card(json!({ "action": "onboard" }))]
            })),
        )
        .await;
    let card_id = sent.id();
    walk.call(
        "POST",
        "/messages",
        "/messages",
        bot,
        Some(json!({ "text": "no target" })),
    )
    .await;
    let mention = walk.sim.mention_bot(manager, &room, "onboard").await;
    walk.call(
        "GET",
        "/messages/{messageId}",
        &format!("/messages/{mention}"),
        bot,
        None,
    )
    .await;
    walk.call(
        "GET",
        "/messages/{messageId}",
        &format!("/messages/{card_id}"),
        bot,
        None,
    )
    .await;
    walk.call(
        "GET",
        "/messages/{messageId}",
        "/messages/no-such-message",
        bot,
        None,
    )
    .await;

    let list = format!("/messages?roomId={}&max=1", room.id);
    walk.call("GET", "/messages", &list, &manager.token, None)
        .await;
    let mentions = format!("/messages?roomId={}&mentionedPeople=me", room.id);
    walk.call("GET", "/messages", &mentions, bot, None).await;
    walk.call(
        "GET",
        "/messages",
        &format!("/messages?roomId={}", room.id),
        bot,
        None,
    )
    .await;
    let submit = json!({ "type": "submit", "messageId": card_id, "inputs": { "email": "x@y.z" } });
    walk.call(
        "POST",
        "/attachment/actions",
        "/attachment/actions",
        &manager.token,
        Some(submit),
    )
    .await;
    let refused = json!({ "type": "submit", "messageId": card_id, "inputs": { "phone": "1" } });
    walk.call(
        "POST",
        "/attachment/actions",
        "/attachment/actions",
        &manager.token,
        Some(refused),
    )
    .await;

    let direct = format!("/messages/direct?personEmail={}", "manager%40example.com");
    walk.call("GET", "/messages/direct", &direct, bot, None)
        .await;
    let thread = format!(
        "/messages/direct?personId={}&parentId={card_id}",
        manager.id
    );
    walk.call("GET", "/messages/direct", &thread, bot, None)
        .await;
    walk.call("GET", "/messages/direct", "/messages/direct", bot, None)
        .await;

    let action_id = walk
        .sim
        .submit(manager, &card_id, json!({ "email": "a@b.c" }))
        .await;
    let action = format!("/attachment/actions/{action_id}");
    walk.call("GET", "/attachment/actions/{id}", &action, bot, None)
        .await;
    walk.call(
        "GET",
        "/attachment/actions/{id}",
        &action,
        &stranger.token,
        None,
    )
    .await;

    let sent = walk
        .call(
            "POST",
            "/messages",
            "/messages",
            bot,
            Some(json!({ "toPersonEmail": manager.email, "text": "Creating..." })),
        )
        .await;
    let edit_path = format!("/messages/{}", sent.id());
    let room_id = sent.body["roomId"].clone();
    let edit = json!({ "roomId": room_id, "markdown": "**Created**" });
    walk.call("PUT", "/messages/{messageId}", &edit_path, bot, Some(edit))
        .await;
    let card_edit = json!({ "roomId": room_id, "text": "no" });
    let card_path = format!("/messages/{card_id}");
    walk.call(
        "PUT",
        "/messages/{messageId}",
        &card_path,
        bot,
        Some(card_edit),
    )
    .await;

    let path = format!("/messages/{card_id}");
    walk.call(
        "DELETE",
        "/messages/{messageId}",
        &path,
        &manager.token,
        None,
    )
    .await;
    walk.call("DELETE", "/messages/{messageId}", &path, bot, None)
        .await;
}

async fn walk_teams(walk: &mut Walk, people: &People) {
    let bot = &people.bot.token;
    let team = walk.sim.team("Engineering", &[&people.manager]);
    let hidden = walk.sim.team_without_bot("Finance", &[&people.manager]);
    let hire = walk.sim.add_person("new.hire@example.com", "New Hire");

    let path = format!("/teams/{}", team.id);
    walk.call("GET", "/teams/{teamId}", &path, bot, None).await;
    walk.call(
        "GET",
        "/teams/{teamId}",
        &format!("/teams/{}", hidden.id),
        bot,
        None,
    )
    .await;
    let add = json!({ "teamId": team.id, "personEmail": hire.email, "isModerator": true });
    walk.call(
        "POST",
        "/team/memberships",
        "/team/memberships",
        bot,
        Some(add.clone()),
    )
    .await;
    walk.call(
        "POST",
        "/team/memberships",
        "/team/memberships",
        bot,
        Some(add),
    )
    .await;
    let list = format!("/team/memberships?teamId={}&max=2", team.id);
    walk.call("GET", "/team/memberships", &list, bot, None)
        .await;
    let hidden_list = format!("/team/memberships?teamId={}", hidden.id);
    walk.call("GET", "/team/memberships", &hidden_list, bot, None)
        .await;
}

async fn walk_webhooks(walk: &mut Walk, people: &People) {
    let bot = &people.bot.token;
    let new = json!({
        "name": "onboarding messages",
        "targetUrl": "http://127.0.0.1:9/webhooks",
        "resource": "messages",
        "event": "created",
        "filter": "roomType=direct",
        "secret": "a-secret",
    });
    let created = walk
        .call("POST", "/webhooks", "/webhooks", bot, Some(new))
        .await;
    let id = created.id();
    let bad =
        json!({ "name": "x", "targetUrl": "ftp://x", "resource": "messages", "event": "created" });
    walk.call("POST", "/webhooks", "/webhooks", bot, Some(bad))
        .await;
    walk.call("GET", "/webhooks", "/webhooks?max=1", bot, None)
        .await;
    walk.call("GET", "/webhooks", "/webhooks?ownedBy=creator", bot, None)
        .await;

    let path = format!("/webhooks/{id}");
    walk.call("GET", "/webhooks/{webhookId}", &path, bot, None)
        .await;
    walk.call(
        "GET",
        "/webhooks/{webhookId}",
        &path,
        &people.manager.token,
        None,
    )
    .await;
    let update = json!({
        "name": "renamed",
        "targetUrl": "http://127.0.0.1:9/webhooks",
        "secret": "a-secret",
        "status": "active",
    });
    walk.call("PUT", "/webhooks/{webhookId}", &path, bot, Some(update))
        .await;
    let deactivate =
        json!({ "name": "x", "targetUrl": "http://127.0.0.1:9/x", "status": "inactive" });
    walk.call("PUT", "/webhooks/{webhookId}", &path, bot, Some(deactivate))
        .await;
    walk.call("DELETE", "/webhooks/{webhookId}", &path, bot, None)
        .await;
    walk.call("DELETE", "/webhooks/{webhookId}", &path, bot, None)
        .await;
}

async fn walk_tokens(walk: &mut Walk) {
    let app = walk.sim.oauth_app();
    let granted = walk.sim.grant_admin_refresh_token();
    let form = |refresh_token: &str, secret: &str| {
        format!(
            "grant_type=refresh_token&client_id={}&client_secret={secret}&refresh_token={refresh_token}",
            app.client_id
        )
    };
    for body in [
        form(&granted, &app.client_secret),
        form(&granted, &app.client_secret),
        form(&granted, "wrong"),
    ] {
        let request = walk
            .request("POST", "/access_token")
            .header("content-type", "application/x-www-form-urlencoded")
            .body(body);
        walk.exchange("POST", "/access_token", "/access_token", request)
            .await;
    }
}

/// A download: the bytes with their type and name (CONTRACT.md), or a Webex error.
async fn walk_contents(walk: &mut Walk, people: &People) {
    let room = walk.sim.direct_room(&people.manager);
    let csv = b"email\njane@example.com\n".to_vec();
    let id = walk
        .sim
        .say_with_file(
            &people.manager,
            &room,
            "hires",
            "hires.csv",
            "text/csv",
            csv.clone(),
        )
        .await;
    let url = walk.sim.message(&id).expect("the message").files[0].clone();
    let path = url.trim_start_matches(&walk.sim.api_url()).to_owned();
    let download = walk
        .call("GET", "/contents/{id}", &path, &people.bot.token, None)
        .await;
    let header = |name: &str| {
        download
            .headers
            .get(name)
            .and_then(|value| value.to_str().ok())
    };
    if header("content-type") != Some("text/csv")
        || header("content-disposition") != Some("attachment; filename=\"hires.csv\"")
        || download.bytes != csv
    {
        walk.failures.push(format!(
            "GET {path}: not the file as posted: {:?}",
            download.headers
        ));
    }
    walk.call("GET", "/contents/{id}", &path, &people.admin.token, None)
        .await;
}

#[test]
fn the_validator_finds_what_does_not_fit() {
    let Some(specs) = specs() else {
        return;
    };
    let person = json!({
        "id": "x",
        "emails": "jane@example.com",
        "invitePending": true,
        "type": "robot",
        "phoneNumbers": [{ "type": "home" }]
    });

    let expected = specs
        .expected("GET", "/people/{personId}", 200)
        .expect("the operation exists");
    let errors: Vec<String> = expected.iter().flat_map(|e| e.errors(&person)).collect();

    for field in ["emails", "invitePending", "type", "phoneNumbers[0].type"] {
        assert!(
            errors
                .iter()
                .any(|error| error.contains(&format!("$.{field}"))),
            "{field}: {errors:?}"
        );
    }
    assert!(specs.expected("GET", "/licenses", 299).is_err());
    assert!(specs.expected("GET", "/no-such-route", 200).is_err());
    let attachment = json!({ "attachments": [{ "contentType": "image/png", "content": {} }] });
    let message = specs
        .expected("GET", "/messages/{messageId}", 200)
        .expect("the operation exists");
    assert!(!message[0].errors(&attachment).is_empty());
}
