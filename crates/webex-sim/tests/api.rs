//! The Webex simulator itself, over real HTTP: the bot's tests are only as good as it is.

use std::time::Duration;

use axum::Router;
use axum::body::Bytes;
use axum::http::{HeaderMap, StatusCode};
use axum::routing::post;
use hmac::{Hmac, KeyInit, Mac};
use reqwest::RequestBuilder;
use serde_json::{Value, json};
use sha1::Sha1;
use tokio::sync::mpsc;
use webex_sim::{Fault, FaultKind, SimPerson, Simulator, sign_webhook_body};

const CARD_CONTENT_TYPE: &str = "application/vnd.microsoft.card.adaptive";
const SECRET: &str = "a-webhook-secret";

/// A simulator and a client to call it with.
struct TestSim {
    sim: Simulator,
    http: reqwest::Client,
}

/// An answer from the simulator, its body parsed (Null when empty).
struct Answer {
    status: u16,
    headers: reqwest::header::HeaderMap,
    body: Value,
}

impl Answer {
    fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|value| value.to_str().ok())
    }
}

async fn spawn_simulator() -> TestSim {
    let sim = Simulator::start().await.expect("the simulator starts");
    TestSim {
        sim,
        http: http_client(Duration::from_secs(10)),
    }
}

fn http_client(timeout: Duration) -> reqwest::Client {
    let _ = rustls::crypto::ring::default_provider().install_default();
    reqwest::Client::builder()
        .timeout(timeout)
        .build()
        .expect("the test HTTP client builds")
}

async fn send(request: RequestBuilder) -> Answer {
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
    fn url(&self, path: &str) -> String {
        format!("{}{path}", self.sim.api_url())
    }

    async fn get(&self, token: &str, path: &str) -> Answer {
        send(self.http.get(self.url(path)).bearer_auth(token)).await
    }

    async fn post(&self, token: &str, path: &str, body: Value) -> Answer {
        send(
            self.http
                .post(self.url(path))
                .bearer_auth(token)
                .json(&body),
        )
        .await
    }

    async fn put(&self, token: &str, path: &str, body: Value) -> Answer {
        send(self.http.put(self.url(path)).bearer_auth(token).json(&body)).await
    }

    async fn create_person(&self, token: &str, body: Value) -> Answer {
        self.post(token, "/people?callingData=false", body).await
    }

    /// A webhook registered through the API, as the bot registers its own.
    async fn register_webhook(
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
struct Received {
    signature: Option<String>,
    body: Bytes,
}

impl Received {
    fn json(&self) -> Value {
        serde_json::from_slice(&self.body).expect("the delivery is JSON")
    }
}

/// A local endpoint that takes webhooks and hands them to the test.
async fn spawn_receiver() -> (String, mpsc::UnboundedReceiver<Received>) {
    let (sender, receiver) = mpsc::unbounded_channel();
    let app = Router::new().route(
        "/webhooks",
        post(move |headers: HeaderMap, body: Bytes| {
            let signature = headers
                .get("x-spark-signature")
                .and_then(|value| value.to_str().ok())
                .map(str::to_owned);
            let _ = sender.send(Received { signature, body });
            async { StatusCode::OK }
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
    (url, receiver)
}

async fn next_delivery(receiver: &mut mpsc::UnboundedReceiver<Received>) -> Received {
    tokio::time::timeout(Duration::from_secs(5), receiver.recv())
        .await
        .expect("a webhook arrives within 5 s")
        .expect("the receiver is still running")
}

fn card(submit_data: Value) -> Value {
    json!({
        "contentType": CARD_CONTENT_TYPE,
        "content": {
            "type": "AdaptiveCard",
            "version": "1.3",
            "body": [{ "type": "Input.Text", "id": "email" }],
            "actions": [{ "type": "Action.Submit", "title": "Create", "data": submit_data }]
        }
    })
}

fn hmac_sha1_hex(secret: &str, body: &[u8]) -> String {
    let mut mac = Hmac::<Sha1>::new_from_slice(secret.as_bytes()).expect("any key length");
    mac.update(body);
    hex::encode(mac.finalize().into_bytes())
}

// Authentication, errors and tracking ids

#[tokio::test]
async fn an_unknown_or_missing_token_gets_401_with_the_tracking_id_in_body_and_header() {
    let api = spawn_simulator().await;

    let unknown = api.get("not-a-token", "/people/me").await;
    let missing = send(api.http.get(api.url("/people/me"))).await;

    for answer in [&unknown, &missing] {
        assert_eq!(answer.status, 401);
        let tracking_id = answer.header("trackingid").expect("a TrackingID header");
        assert!(tracking_id.starts_with("ROUTER_"), "{tracking_id}");
        assert_eq!(answer.body["trackingId"], tracking_id);
        assert!(
            !answer.body["message"]
                .as_str()
                .unwrap_or_default()
                .is_empty()
        );
        assert!(answer.body["errors"][0]["description"].is_string());
    }
    let calls = api.sim.calls();
    assert_eq!(calls.len(), 2);
    assert!(
        calls
            .iter()
            .all(|call| call.identity == "anonymous" && call.status == 401)
    );
}

#[tokio::test]
async fn a_tracking_id_sent_by_the_client_names_the_error_and_is_recorded() {
    let api = spawn_simulator().await;
    let bot = api.sim.bot();

    let answer = send(
        api.http
            .get(api.url("/people/no-such-person"))
            .bearer_auth(&bot.token)
            .header("TrackingID", "onboard-test-1"),
    )
    .await;

    assert_eq!(answer.status, 404);
    assert_eq!(answer.header("trackingid"), Some("onboard-test-1"));
    assert_eq!(answer.body["trackingId"], "onboard-test-1");
    let call = api.sim.calls().pop().expect("the call is recorded");
    assert_eq!(call.method, "GET");
    assert_eq!(call.path, "/v1/people/no-such-person");
    assert_eq!(call.identity, bot.email);
    assert_eq!(call.status, 404);
    assert_eq!(call.tracking_id.as_deref(), Some("onboard-test-1"));
}

#[tokio::test]
async fn unknown_paths_and_methods_get_webex_error_bodies() {
    let api = spawn_simulator().await;
    let bot = api.sim.bot();

    let unknown_path = api.get(&bot.token, "/teams").await;
    let unknown_method = api.put(&bot.token, "/messages", json!({})).await;

    assert_eq!(unknown_path.status, 404);
    assert!(unknown_path.body["trackingId"].is_string());
    assert_eq!(unknown_method.status, 405);
    assert!(unknown_method.body["message"].is_string());
}

#[tokio::test]
async fn people_me_answers_as_the_tokens_owner() {
    let api = spawn_simulator().await;
    let bot = api.sim.bot();

    let me = api.get(&bot.token, "/people/me").await;

    assert_eq!(me.status, 200);
    assert_eq!(me.body["id"], bot.id.as_str());
    assert_eq!(me.body["displayName"], "Onboarding Bot");
    assert_eq!(me.body["emails"], json!(["onboard-bot@webex.bot"]));
    assert_eq!(me.body["type"], "bot");
}

// People

#[tokio::test]
async fn creating_a_person_with_the_bot_token_is_forbidden() {
    let api = spawn_simulator().await;
    let before = api.sim.person_count();

    let answer = api
        .create_person(
            &api.sim.bot().token,
            json!({ "emails": ["jane.doe@example.com"], "displayName": "Jane Doe" }),
        )
        .await;

    assert_eq!(answer.status, 403);
    assert_eq!(api.sim.person_count(), before);
}

#[tokio::test]
async fn the_admin_creates_a_person_and_a_second_create_of_the_same_email_conflicts() {
    let api = spawn_simulator().await;
    let admin = api.sim.admin();

    let created = api
        .create_person(
            &admin.token,
            json!({
                "emails": ["jane.doe@example.com"],
                "firstName": "Jane",
                "lastName": "Doe",
                "department": "Engineering",
                "title": "Software Engineer",
                "costCenter": "R&D-42"
            }),
        )
        .await;
    assert_eq!(created.status, 200, "{}", created.body);
    let person = &created.body;
    assert!(person["id"].as_str().is_some_and(|id| !id.is_empty()));
    assert_eq!(person["emails"], json!(["jane.doe@example.com"]));
    assert_eq!(person["displayName"], "Jane Doe");
    assert_eq!(person["department"], "Engineering");
    assert_eq!(person["title"], "Software Engineer");
    assert_eq!(person["costCenter"], "R&D-42");
    assert_eq!(person["type"], "person");
    assert_eq!(person["invitePending"], "true");
    assert_eq!(person["loginEnabled"], "false");
    assert_eq!(person["licenses"], json!([]));
    assert_eq!(person["roles"], json!([]));
    assert!(person["orgId"].is_string());
    assert!(
        person["created"]
            .as_str()
            .is_some_and(|at| at.ends_with('Z'))
    );

    let found = api
        .get(&admin.token, "/people?email=JANE.DOE%40example.com")
        .await;
    assert_eq!(found.body["items"], json!([person]));
    let by_id = api
        .get(
            &admin.token,
            &format!("/people/{}", person["id"].as_str().unwrap_or_default()),
        )
        .await;
    assert_eq!(&by_id.body, person);

    let again = api
        .create_person(
            &admin.token,
            json!({ "emails": ["Jane.Doe@Example.com"], "displayName": "Jane" }),
        )
        .await;
    assert_eq!(again.status, 409);
    assert_eq!(api.sim.people_with_email("jane.doe@example.com").len(), 1);
}

#[tokio::test]
async fn looking_up_an_unknown_email_gives_an_empty_list() {
    let api = spawn_simulator().await;

    let answer = api
        .get(&api.sim.admin().token, "/people?email=nobody%40example.com")
        .await;

    assert_eq!(answer.status, 200);
    assert_eq!(answer.body, json!({ "items": [] }));
}

#[tokio::test]
async fn creating_a_person_needs_an_email_list_and_a_name() {
    let api = spawn_simulator().await;
    let admin = api.sim.admin();
    let invalid = [
        json!({ "displayName": "No Email" }),
        json!({ "emails": [], "displayName": "Empty List" }),
        json!({ "emails": "jane@example.com", "displayName": "Not A List" }),
        json!({ "emails": [42], "displayName": "Not A String" }),
        json!({ "emails": ["jane@example.com"] }),
        json!({ "emails": ["jane@example.com"], "displayName": "  ", "firstName": "" }),
    ];

    for body in invalid {
        let answer = api.create_person(&admin.token, body.clone()).await;
        assert_eq!(answer.status, 400, "{body}");
    }
    assert!(api.sim.people_with_email("jane@example.com").is_empty());
}

// Messages

#[tokio::test]
async fn message_text_over_7439_bytes_is_rejected_and_7439_bytes_is_accepted() {
    let api = spawn_simulator().await;
    let bot = api.sim.bot();
    let manager = api.sim.add_person("manager@example.com", "Maria Manager");
    // 3720 two-byte characters: fewer than 7439 characters, but 7440 bytes.
    let too_long = "é".repeat(3720);

    let long_text = api
        .post(
            &bot.token,
            "/messages",
            json!({ "toPersonEmail": manager.email, "text": too_long }),
        )
        .await;
    let long_markdown = api
        .post(
            &bot.token,
            "/messages",
            json!({ "toPersonEmail": manager.email, "markdown": too_long }),
        )
        .await;
    let at_limit = api
        .post(
            &bot.token,
            "/messages",
            json!({ "toPersonEmail": manager.email, "text": "a".repeat(7439) }),
        )
        .await;

    assert_eq!(long_text.status, 400);
    assert_eq!(long_markdown.status, 400);
    assert_eq!(at_limit.status, 200, "{}", at_limit.body);
    let room = api.sim.direct_room(&manager);
    assert_eq!(at_limit.body["roomId"], room.id.as_str());
    assert_eq!(at_limit.body["roomType"], "direct");
    assert_eq!(api.sim.messages_in(&room.id).len(), 1);
}

#[tokio::test]
async fn a_message_with_two_attachments_is_rejected() {
    let api = spawn_simulator().await;
    let bot = api.sim.bot();
    let manager = api.sim.add_person("manager@example.com", "Maria Manager");

    let answer = api
        .post(
            &bot.token,
            "/messages",
            json!({
                "toPersonId": manager.id,
                "text": "Two cards",
                "attachments": [card(json!({})), card(json!({}))]
            }),
        )
        .await;

    assert_eq!(answer.status, 400);
    assert!(answer.body["message"].is_string());
    assert!(
        api.sim
            .messages_in(&api.sim.direct_room(&manager).id)
            .is_empty()
    );
}

#[tokio::test]
async fn a_message_needs_content_and_one_target() {
    let api = spawn_simulator().await;
    let bot = api.sim.bot();
    let manager = api.sim.add_person("manager@example.com", "Maria Manager");
    let room = api.sim.direct_room(&manager);

    let no_content = api
        .post(&bot.token, "/messages", json!({ "roomId": room.id }))
        .await;
    let no_target = api
        .post(&bot.token, "/messages", json!({ "text": "hello" }))
        .await;
    let two_targets = api
        .post(
            &bot.token,
            "/messages",
            json!({ "roomId": room.id, "toPersonEmail": manager.email, "text": "hello" }),
        )
        .await;

    assert_eq!(no_content.status, 400);
    assert_eq!(no_target.status, 400);
    assert_eq!(two_targets.status, 400);
}

#[tokio::test]
async fn a_reply_must_name_a_top_level_message_in_the_same_room() {
    let api = spawn_simulator().await;
    let bot = api.sim.bot();
    let manager = api.sim.add_person("manager@example.com", "Maria Manager");
    let room = api.sim.direct_room(&manager);
    let top = api.sim.say(&manager, &room, "onboard").await;

    let reply = api
        .post(
            &bot.token,
            "/messages",
            json!({ "roomId": room.id, "parentId": top, "text": "On it" }),
        )
        .await;
    let reply_to_reply = api
        .post(
            &bot.token,
            "/messages",
            json!({ "roomId": room.id, "parentId": reply.body["id"], "text": "Nested" }),
        )
        .await;
    let unknown_parent = api
        .post(
            &bot.token,
            "/messages",
            json!({ "roomId": room.id, "parentId": "no-such-message", "text": "Lost" }),
        )
        .await;

    assert_eq!(reply.status, 200);
    assert_eq!(reply.body["parentId"], top.as_str());
    assert_eq!(reply_to_reply.status, 400);
    assert_eq!(unknown_parent.status, 400);
}

#[tokio::test]
async fn a_sender_deletes_their_message_and_it_is_gone() {
    let api = spawn_simulator().await;
    let bot = api.sim.bot();
    let manager = api.sim.add_person("manager@example.com", "Maria Manager");
    let sent = api
        .post(
            &bot.token,
            "/messages",
            json!({ "toPersonEmail": manager.email, "text": "Oops" }),
        )
        .await;
    let path = format!("/messages/{}", sent.body["id"].as_str().unwrap_or_default());

    let by_someone_else = send(api.http.delete(api.url(&path)).bearer_auth(&manager.token)).await;
    let deleted = send(api.http.delete(api.url(&path)).bearer_auth(&bot.token)).await;
    let fetched = api.get(&bot.token, &path).await;

    assert_eq!(by_someone_else.status, 403);
    assert_eq!(deleted.status, 204);
    assert_eq!(fetched.status, 404);
}

// Webhook deliveries

#[tokio::test]
async fn a_webhook_delivery_carries_a_valid_signature_over_its_exact_body() {
    let api = spawn_simulator().await;
    let (target_url, mut received) = spawn_receiver().await;
    let bot = api.sim.bot();
    let webhook_id = api.register_webhook(&bot, "messages", &target_url).await;
    let manager = api.sim.add_person("manager@example.com", "Maria Manager");
    let room = api.sim.direct_room(&manager);

    let message_id = api.sim.say(&manager, &room, "onboard").await;

    let delivery = next_delivery(&mut received).await;
    let signature = delivery.signature.as_deref().expect("a signed delivery");
    assert_eq!(signature, hmac_sha1_hex(SECRET, &delivery.body));
    let envelope = delivery.json();
    assert_eq!(envelope["id"], webhook_id.as_str());
    assert_eq!(envelope["resource"], "messages");
    assert_eq!(envelope["event"], "created");
    assert_eq!(envelope["actorId"], manager.id.as_str());
    assert!(envelope.get("secret").is_none());
    assert_eq!(envelope["data"]["id"], message_id.as_str());
    assert_eq!(envelope["data"]["roomId"], room.id.as_str());
    assert_eq!(envelope["data"]["roomType"], "direct");
    assert_eq!(envelope["data"]["personEmail"], "manager@example.com");
    assert!(envelope["data"].get("text").is_none());

    let recorded = api.sim.deliveries();
    assert_eq!(recorded.len(), 1);
    assert_eq!(recorded[0].body, delivery.body.to_vec());
    assert_eq!(recorded[0].signature.as_deref(), Some(signature));
    assert_eq!(recorded[0].status, Some(200));

    let message = api
        .get(&bot.token, &format!("/messages/{message_id}"))
        .await;
    assert_eq!(message.body["text"], "onboard");
}

#[test]
fn the_signature_matches_the_contract_test_vector() {
    assert_eq!(
        sign_webhook_body("myBongoSecret", br#"{"a":1,"b":2,"c":{"d":3}}"#),
        "01e0cb6a53731b9615b483335d77d97023410c72"
    );
}

#[tokio::test]
async fn a_webhook_without_a_secret_is_delivered_unsigned() {
    let api = spawn_simulator().await;
    let (target_url, mut received) = spawn_receiver().await;
    let bot = api.sim.bot();
    api.sim
        .add_webhook_raw(&bot, "unsigned", &target_url, "messages", "created", None);
    let manager = api.sim.add_person("manager@example.com", "Maria Manager");

    api.sim
        .say(&manager, &api.sim.direct_room(&manager), "hello")
        .await;

    assert_eq!(next_delivery(&mut received).await.signature, None);
}

#[tokio::test]
async fn group_messages_reach_the_bot_only_when_they_mention_it() {
    let api = spawn_simulator().await;
    let (target_url, mut received) = spawn_receiver().await;
    let bot = api.sim.bot();
    api.register_webhook(&bot, "messages", &target_url).await;
    let manager = api.sim.add_person("manager@example.com", "Maria Manager");
    let colleague = api
        .sim
        .add_person("colleague@example.com", "Carl Colleague");
    let room = api.sim.group_room("Team", &[&manager, &colleague]);

    api.sim.say(&manager, &room, "lunch anyone?").await;
    assert!(api.sim.deliveries().is_empty());
    let mention = api.sim.mention_bot(&manager, &room, "onboard").await;

    let envelope = next_delivery(&mut received).await.json();
    assert_eq!(envelope["data"]["id"], mention.as_str());
    assert_eq!(envelope["data"]["roomType"], "group");
    assert_eq!(envelope["data"]["mentionedPeople"], json!([bot.id]));
    let message = api.get(&bot.token, &format!("/messages/{mention}")).await;
    assert_eq!(message.body["text"], "Onboarding Bot onboard");
    assert!(
        message.body["html"]
            .as_str()
            .is_some_and(|html| html.contains("<spark-mention"))
    );
    assert_eq!(api.sim.deliveries().len(), 1);
}

#[tokio::test]
async fn the_bots_own_messages_are_delivered_to_it_and_wake_waiters() {
    let api = spawn_simulator().await;
    let (target_url, mut received) = spawn_receiver().await;
    let bot = api.sim.bot();
    api.register_webhook(&bot, "messages", &target_url).await;
    let manager = api.sim.add_person("manager@example.com", "Maria Manager");
    let room = api.sim.direct_room(&manager);

    let waiter = {
        let sim = api.sim.clone();
        let room_id = room.id.clone();
        tokio::spawn(async move {
            sim.wait_for_bot_messages(&room_id, 1, Duration::from_secs(5))
                .await
        })
    };
    let sent = api
        .post(
            &bot.token,
            "/messages",
            json!({ "roomId": room.id, "markdown": "**Hello**" }),
        )
        .await;

    let from_bot = waiter.await.expect("the waiter finishes");
    assert_eq!(from_bot.len(), 1);
    assert_eq!(from_bot[0].id, sent.body["id"].as_str().unwrap_or_default());
    assert_eq!(from_bot[0].markdown.as_deref(), Some("**Hello**"));
    let envelope = next_delivery(&mut received).await.json();
    assert_eq!(envelope["data"]["personId"], bot.id.as_str());
}

#[tokio::test]
async fn waiting_for_bot_messages_gives_up_at_the_timeout() {
    let api = spawn_simulator().await;
    let manager = api.sim.add_person("manager@example.com", "Maria Manager");
    let room = api.sim.direct_room(&manager);
    api.sim.say(&manager, &room, "anyone there?").await;

    let from_bot = api
        .sim
        .wait_for_bot_messages(&room.id, 1, Duration::from_millis(100))
        .await;

    assert!(from_bot.is_empty());
}

#[tokio::test]
async fn a_card_submission_merges_the_action_data_and_is_fetched_with_the_bot_token() {
    let api = spawn_simulator().await;
    let (target_url, mut received) = spawn_receiver().await;
    let bot = api.sim.bot();
    api.register_webhook(&bot, "attachmentActions", &target_url)
        .await;
    let manager = api.sim.add_person("manager@example.com", "Maria Manager");
    let sent = api
        .post(
            &bot.token,
            "/messages",
            json!({
                "toPersonEmail": manager.email,
                "markdown": "Onboard a new hire",
                "attachments": [card(json!({ "action": "onboard", "cardId": "c-1" }))]
            }),
        )
        .await;
    assert_eq!(sent.status, 200, "{}", sent.body);
    let card_id = sent.body["id"].as_str().expect("a message id").to_owned();

    let action_id = api
        .sim
        .submit(
            &manager,
            &card_id,
            json!({ "email": "jane.doe@example.com", "cardId": "forged", "seats": 3 }),
        )
        .await;

    let envelope = next_delivery(&mut received).await.json();
    assert_eq!(envelope["resource"], "attachmentActions");
    assert_eq!(envelope["data"]["id"], action_id.as_str());
    assert_eq!(envelope["data"]["messageId"], card_id.as_str());
    assert_eq!(envelope["data"]["type"], "submit");
    assert!(envelope["data"].get("inputs").is_none());
    let action = api
        .get(&bot.token, &format!("/attachment/actions/{action_id}"))
        .await;
    assert_eq!(action.status, 200);
    assert_eq!(action.body["messageId"], card_id.as_str());
    assert_eq!(action.body["personId"], manager.id.as_str());
    assert_eq!(
        action.body["inputs"],
        json!({
            "action": "onboard",
            "cardId": "forged",
            "email": "jane.doe@example.com",
            "seats": "3"
        })
    );
}

#[tokio::test]
async fn deactivated_webhooks_get_nothing_until_put_reactivates_them() {
    let api = spawn_simulator().await;
    let (target_url, mut received) = spawn_receiver().await;
    let bot = api.sim.bot();
    let webhook_id = api.register_webhook(&bot, "messages", &target_url).await;
    let manager = api.sim.add_person("manager@example.com", "Maria Manager");
    let room = api.sim.direct_room(&manager);

    api.sim.deactivate_webhooks();
    api.sim.say(&manager, &room, "hello?").await;
    assert!(api.sim.deliveries().is_empty());
    let listed = api
        .get(&bot.token, &format!("/webhooks/{webhook_id}"))
        .await;
    assert_eq!(listed.body["status"], "inactive");

    let reactivated = api
        .put(
            &bot.token,
            &format!("/webhooks/{webhook_id}"),
            json!({ "name": "onboarding messages", "targetUrl": target_url, "status": "active" }),
        )
        .await;
    assert_eq!(reactivated.body["status"], "active");
    let message_id = api.sim.say(&manager, &room, "hello again").await;

    assert_eq!(
        next_delivery(&mut received).await.json()["data"]["id"],
        message_id.as_str()
    );
}

#[tokio::test]
async fn a_webhook_is_created_read_and_deleted_by_its_owner_only() {
    let api = spawn_simulator().await;
    let bot = api.sim.bot();
    let manager = api.sim.add_person("manager@example.com", "Maria Manager");
    let webhook_id = api
        .register_webhook(&bot, "messages", "http://127.0.0.1:9/webhooks")
        .await;
    let path = format!("/webhooks/{webhook_id}");

    let created = api.get(&bot.token, &path).await;
    let as_someone_else = api.get(&manager.token, &path).await;
    let deleted = send(api.http.delete(api.url(&path)).bearer_auth(&bot.token)).await;
    let after = api.get(&bot.token, &path).await;

    assert_eq!(created.status, 200);
    for field in [
        "name",
        "targetUrl",
        "resource",
        "event",
        "secret",
        "status",
        "created",
        "orgId",
        "createdBy",
        "appId",
        "ownedBy",
    ] {
        assert!(
            created.body.get(field).is_some(),
            "{field} in {}",
            created.body
        );
    }
    assert_eq!(created.body["createdBy"], bot.id.as_str());
    assert_eq!(as_someone_else.status, 404);
    assert_eq!(deleted.status, 204);
    assert_eq!(after.status, 404);
    assert!(api.sim.webhooks().is_empty());
}

#[tokio::test]
async fn listing_webhooks_with_max_1_follows_the_link_header_to_every_page() {
    let api = spawn_simulator().await;
    let bot = api.sim.bot();
    let mut registered = Vec::new();
    for resource in ["messages", "attachmentActions", "memberships"] {
        registered.push(
            api.register_webhook(&bot, resource, "http://127.0.0.1:9/webhooks")
                .await,
        );
    }
    api.register_webhook(&api.sim.admin(), "messages", "http://127.0.0.1:9/admin")
        .await;

    let mut listed = Vec::new();
    let mut next = Some(api.url("/webhooks?max=1"));
    while let Some(url) = next.take() {
        let page = send(api.http.get(url).bearer_auth(&bot.token)).await;
        assert_eq!(page.status, 200);
        let items = page.body["items"].as_array().expect("items");
        assert_eq!(items.len(), 1);
        listed.extend(
            items
                .iter()
                .map(|item| item["id"].as_str().unwrap_or_default().to_owned()),
        );
        next = page.header("link").map(|link| {
            assert!(link.ends_with("rel=\"next\""), "{link}");
            link.trim_start_matches('<')
                .split_once('>')
                .expect("a URL in angle brackets")
                .0
                .to_owned()
        });
        assert!(listed.len() <= registered.len(), "paging does not end");
    }

    assert_eq!(listed, registered);
}

// Faults

#[tokio::test]
async fn an_injected_429_carries_retry_after_and_applies_only_as_often_as_asked() {
    let api = spawn_simulator().await;
    let bot = api.sim.bot();
    let manager = api.sim.add_person("manager@example.com", "Maria Manager");
    api.sim.inject(Fault {
        method: "POST".to_owned(),
        path_prefix: "/v1/messages".to_owned(),
        kind: FaultKind::Status {
            status: 429,
            retry_after: Some(7),
        },
        times: 1,
    });
    let body = json!({ "toPersonEmail": manager.email, "text": "hello" });

    let limited = api.post(&bot.token, "/messages", body.clone()).await;
    assert_eq!(limited.status, 429);
    assert_eq!(limited.header("retry-after"), Some("7"));
    assert_eq!(
        limited.body["trackingId"],
        limited.header("trackingid").unwrap_or_default()
    );
    assert!(
        api.sim
            .messages_in(&api.sim.direct_room(&manager).id)
            .is_empty()
    );

    let retried = api.post(&bot.token, "/messages", body).await;
    assert_eq!(retried.status, 200);
}

#[tokio::test]
async fn do_then_status_400_creates_the_person_yet_answers_400() {
    let api = spawn_simulator().await;
    api.sim.inject(Fault {
        method: "POST".to_owned(),
        path_prefix: "/v1/people".to_owned(),
        kind: FaultKind::DoThenStatus { status: 400 },
        times: 1,
    });

    let answer = api
        .create_person(
            &api.sim.admin().token,
            json!({ "emails": ["jane.doe@example.com"], "displayName": "Jane Doe" }),
        )
        .await;

    assert_eq!(answer.status, 400);
    assert!(answer.body["trackingId"].is_string());
    let people = api.sim.people_with_email("jane.doe@example.com");
    assert_eq!(people.len(), 1);
    assert_eq!(people[0]["displayName"], "Jane Doe");
}

#[tokio::test]
async fn do_then_hang_creates_the_person_and_leaves_the_client_to_time_out() {
    let api = spawn_simulator().await;
    api.sim.inject(Fault {
        method: "POST".to_owned(),
        path_prefix: "/v1/people".to_owned(),
        kind: FaultKind::DoThenHang,
        times: 1,
    });
    let impatient = http_client(Duration::from_millis(300));

    let outcome = impatient
        .post(api.url("/people"))
        .bearer_auth(&api.sim.admin().token)
        .json(&json!({ "emails": ["jane.doe@example.com"], "displayName": "Jane Doe" }))
        .send()
        .await;

    assert!(outcome.is_err_and(|error| error.is_timeout()));
    assert_eq!(api.sim.people_with_email("jane.doe@example.com").len(), 1);
    let call = api.sim.calls().pop().expect("the call is recorded");
    assert_eq!((call.path.as_str(), call.status), ("/v1/people", 0));
}

#[tokio::test]
async fn a_delay_fault_does_the_work_and_answers_late() {
    let api = spawn_simulator().await;
    api.sim.inject(Fault {
        method: "GET".to_owned(),
        path_prefix: "/v1/people/me".to_owned(),
        kind: FaultKind::Delay(Duration::from_millis(200)),
        times: 1,
    });
    let started = std::time::Instant::now();

    let answer = api.get(&api.sim.bot().token, "/people/me").await;

    assert_eq!(answer.status, 200);
    assert!(started.elapsed() >= Duration::from_millis(200));
}

#[tokio::test]
async fn random_failures_fail_calls_with_retryable_errors_until_turned_off() {
    let api = spawn_simulator().await;
    let bot = api.sim.bot();

    api.sim.set_random_failure_rate(1.0);
    for _ in 0..10 {
        let answer = api.get(&bot.token, "/people/me").await;
        assert!(
            [500, 502, 503].contains(&answer.status),
            "{}",
            answer.status
        );
        if answer.status == 503 {
            assert_eq!(answer.header("retry-after"), Some("1"));
        }
    }
    api.sim.set_random_failure_rate(0.0);

    assert_eq!(api.get(&bot.token, "/people/me").await.status, 200);
}

// What the organization offers: licenses, locations, roles

/// The URL of a list answer's next page, from its `Link` header.
fn next_page(answer: &Answer) -> Option<String> {
    let link = answer.header("link")?;
    assert!(link.ends_with("rel=\"next\""), "{link}");
    let url = link
        .trim_start_matches('<')
        .split_once('>')
        .expect("a URL in angle brackets")
        .0;
    Some(url.to_owned())
}

#[tokio::test]
async fn licenses_locations_and_roles_are_listed_to_the_admin_only() {
    let api = spawn_simulator().await;
    let admin = api.sim.admin();
    let colleague = api.sim.add_person("sam@example.com", "Sam Colleague");
    let license = api.sim.add_license("Webex Calling - Professional", 10);
    let location = api.sim.add_location("Denver");
    let role = api.sim.add_role("User Administrator");

    let licenses = api.get(&admin.token, "/licenses").await;
    let locations = api.get(&admin.token, "/locations").await;
    let roles = api.get(&admin.token, "/roles").await;

    assert_eq!(licenses.status, 200);
    assert_eq!(
        licenses.body["items"],
        json!([{
            "id": license,
            "name": "Webex Calling - Professional",
            "totalUnits": 10,
            "consumedUnits": 0,
            "consumedByUsers": 0,
            "consumedByWorkspaces": 0,
        }])
    );
    assert_eq!(locations.status, 200);
    let listed = &locations.body["items"][0];
    assert_eq!(listed["id"], location.as_str());
    assert_eq!(listed["name"], "Denver");
    assert!(listed["orgId"].is_string());
    assert!(listed["address"]["country"].is_string());
    assert!(listed["timeZone"].is_string());
    assert_eq!(roles.status, 200);
    let role_names: Vec<&str> = roles.body["items"]
        .as_array()
        .expect("items")
        .iter()
        .filter_map(|role| role["name"].as_str())
        .collect();
    assert_eq!(role_names, ["Full Administrator", "User Administrator"]);
    assert_eq!(roles.body["items"][1]["id"], role.as_str());

    for token in [&api.sim.bot().token, &colleague.token] {
        for path in ["/licenses", "/locations", "/roles"] {
            let refused = api.get(token, path).await;
            assert_eq!(refused.status, 403, "{path}");
            assert!(refused.body["message"].is_string(), "{path}");
            assert!(refused.body["trackingId"].is_string(), "{path}");
        }
    }
}

#[tokio::test]
async fn listing_locations_with_max_2_follows_the_link_header_to_every_page() {
    let api = spawn_simulator().await;
    let admin = api.sim.admin();
    let added: Vec<String> = ["Denver", "Austin", "Boston", "Chicago", "Dublin"]
        .iter()
        .map(|name| api.sim.add_location(name))
        .collect();

    let mut listed = Vec::new();
    let mut page_sizes = Vec::new();
    let mut next = Some(api.url("/locations?max=2"));
    while let Some(url) = next.take() {
        let page = send(api.http.get(url).bearer_auth(&admin.token)).await;
        assert_eq!(page.status, 200, "{}", page.body);
        let items = page.body["items"].as_array().expect("items");
        page_sizes.push(items.len());
        listed.extend(
            items
                .iter()
                .map(|item| item["id"].as_str().unwrap_or_default().to_owned()),
        );
        next = next_page(&page);
        assert!(page_sizes.len() <= added.len(), "paging does not end");
    }

    assert_eq!(page_sizes, [2, 2, 1]);
    assert_eq!(listed, added);
    let unpaged = api.get(&admin.token, "/locations").await;
    assert_eq!(unpaged.body["items"].as_array().map(Vec::len), Some(5));
    assert!(unpaged.header("link").is_none());
}

#[tokio::test]
async fn a_license_counts_the_people_holding_it_as_consumed() {
    let api = spawn_simulator().await;
    let admin = api.sim.admin();
    let license = api.sim.add_license("Meeting - Webex Enterprise", 5);

    for email in ["ann@example.com", "bob@example.com"] {
        let created = api
            .create_person(
                &admin.token,
                json!({ "emails": [email], "displayName": email, "licenses": [license] }),
            )
            .await;
        assert_eq!(created.status, 200, "{}", created.body);
        assert_eq!(created.body["licenses"], json!([license]));
    }
    let licenses = api.get(&admin.token, "/licenses").await;

    assert_eq!(licenses.body["items"][0]["totalUnits"], 5);
    assert_eq!(licenses.body["items"][0]["consumedUnits"], 2);
}

// Memberships

#[tokio::test]
async fn memberships_are_listed_to_members_only_and_filter_by_person() {
    let api = spawn_simulator().await;
    let bot = api.sim.bot();
    let manager = api.sim.add_person("manager@example.com", "Maria Manager");
    let approver = api
        .sim
        .add_person("it.approver@example.com", "Ian Approver");
    let stranger = api.sim.add_person("eve@elsewhere.org", "Eve Stranger");
    let room = api.sim.group_room("Helpdesk approvals", &[&manager]);
    api.sim.add_member(&room, &approver);
    api.sim.add_member(&room, &approver);

    let all = api
        .get(&bot.token, &format!("/memberships?roomId={}", room.id))
        .await;
    let by_id = api
        .get(
            &bot.token,
            &format!("/memberships?roomId={}&personId={}", room.id, approver.id),
        )
        .await;
    let by_email = api
        .get(
            &bot.token,
            &format!(
                "/memberships?roomId={}&personEmail=IT.Approver%40example.com",
                room.id
            ),
        )
        .await;
    let not_a_member = api
        .get(
            &bot.token,
            &format!("/memberships?roomId={}&personId={}", room.id, stranger.id),
        )
        .await;
    let by_stranger = api
        .get(&stranger.token, &format!("/memberships?roomId={}", room.id))
        .await;

    assert_eq!(all.status, 200, "{}", all.body);
    let members: Vec<&str> = all.body["items"]
        .as_array()
        .expect("items")
        .iter()
        .filter_map(|membership| membership["personId"].as_str())
        .collect();
    assert_eq!(members, [&manager.id, &bot.id, &approver.id]);
    assert_eq!(by_id.status, 200);
    let membership = &by_id.body["items"][0];
    assert_eq!(by_id.body["items"].as_array().map(Vec::len), Some(1));
    assert!(membership["id"].as_str().is_some_and(|id| !id.is_empty()));
    assert_eq!(membership["roomId"], room.id.as_str());
    assert_eq!(membership["personId"], approver.id.as_str());
    assert_eq!(membership["personEmail"], "it.approver@example.com");
    assert_eq!(membership["personDisplayName"], "Ian Approver");
    assert_eq!(membership["isModerator"], false);
    assert!(
        membership["created"]
            .as_str()
            .is_some_and(|at| at.ends_with('Z'))
    );
    assert_eq!(by_email.body["items"], by_id.body["items"]);
    assert_eq!(not_a_member.body, json!({ "items": [] }));
    assert_eq!(by_stranger.status, 404);
    assert!(by_stranger.body["message"].is_string());
    assert!(by_stranger.body["trackingId"].is_string());

    let own = api.get(&approver.token, "/memberships").await;
    let own_rooms: Vec<&str> = own.body["items"]
        .as_array()
        .expect("items")
        .iter()
        .filter_map(|membership| membership["roomId"].as_str())
        .collect();
    assert_eq!(own_rooms, [&room.id]);
    let filter_without_room = api
        .get(
            &bot.token,
            &format!("/memberships?personId={}", approver.id),
        )
        .await;
    assert_eq!(filter_without_room.status, 400);
}

#[tokio::test]
async fn membership_pages_keep_their_filters_in_the_link() {
    let api = spawn_simulator().await;
    let bot = api.sim.bot();
    let people: Vec<SimPerson> = (0..3)
        .map(|n| {
            api.sim
                .add_person(&format!("p{n}@example.com"), &format!("P {n}"))
        })
        .collect();
    let room = api
        .sim
        .group_room("Team", &people.iter().collect::<Vec<_>>());

    let first = api
        .get(
            &bot.token,
            &format!("/memberships?roomId={}&max=3", room.id),
        )
        .await;
    let link = next_page(&first).expect("a second page");
    let second = send(api.http.get(link).bearer_auth(&bot.token)).await;

    assert_eq!(first.body["items"].as_array().map(Vec::len), Some(3));
    assert_eq!(second.status, 200, "{}", second.body);
    assert_eq!(second.body["items"][0]["personId"], bot.id.as_str());
    assert!(next_page(&second).is_none());
}

#[tokio::test]
#[should_panic(expected = "1:1 space")]
async fn adding_a_member_to_a_direct_space_is_a_test_error() {
    let api = spawn_simulator().await;
    let manager = api.sim.add_person("manager@example.com", "Maria Manager");
    let colleague = api.sim.add_person("sam@example.com", "Sam Colleague");
    let room = api.sim.direct_room(&manager);

    api.sim.add_member(&room, &colleague);
}

// Creating people with licenses, roles, a manager and Webex Calling

#[tokio::test]
async fn a_calling_user_needs_a_location_and_is_created_with_one_and_a_calling_license() {
    let api = spawn_simulator().await;
    let admin = api.sim.admin();
    let calling = api.sim.add_license("Webex Calling - Professional", 10);
    let location = api.sim.add_location("Denver");
    let numbers = json!([{ "type": "work", "value": "+1 408 526 7209" }]);
    let person = |extra: Value| {
        let mut body = json!({
            "emails": ["jane.doe@example.com"],
            "displayName": "Jane Doe",
            "phoneNumbers": numbers,
            "extension": "7209",
            "licenses": [calling],
        });
        if let (Some(body), Some(extra)) = (body.as_object_mut(), extra.as_object()) {
            body.extend(extra.clone());
        }
        body
    };

    let without_location = api
        .post(&admin.token, "/people?callingData=true", person(json!({})))
        .await;
    assert_eq!(without_location.status, 400);
    let message = without_location.body["message"]
        .as_str()
        .unwrap_or_default();
    assert!(message.contains("locationId"), "{message}");
    assert!(api.sim.people_with_email("jane.doe@example.com").is_empty());

    let created = api
        .post(
            &admin.token,
            "/people?callingData=true",
            person(json!({ "locationId": location })),
        )
        .await;
    assert_eq!(created.status, 200, "{}", created.body);
    assert_eq!(created.body["phoneNumbers"], numbers);
    assert_eq!(created.body["extension"], "7209");
    assert_eq!(created.body["locationId"], location.as_str());
    assert_eq!(created.body["licenses"], json!([calling]));
    assert_eq!(created.body["invitePending"], "true");
    assert_eq!(created.body["loginEnabled"], "false");

    let id = created.body["id"].as_str().unwrap_or_default();
    let with_calling = api
        .get(&admin.token, &format!("/people/{id}?callingData=true"))
        .await;
    let by_email = api
        .get(
            &admin.token,
            "/people?email=jane.doe%40example.com&callingData=true",
        )
        .await;
    let without_calling = api.get(&admin.token, &format!("/people/{id}")).await;
    let bot_asking = api
        .get(
            &api.sim.bot().token,
            &format!("/people/{id}?callingData=true"),
        )
        .await;

    assert_eq!(with_calling.body, created.body);
    assert_eq!(by_email.body["items"], json!([created.body]));
    for hidden in [&without_calling, &bot_asking] {
        assert_eq!(hidden.status, 200);
        for field in ["phoneNumbers", "extension", "locationId"] {
            assert!(hidden.body.get(field).is_none(), "{field}: {}", hidden.body);
        }
        assert_eq!(hidden.body["licenses"], json!([calling]));
    }
    let logged = api
        .sim
        .calls()
        .into_iter()
        .filter(|call| call.method == "POST" && call.path == "/v1/people")
        .filter_map(|call| call.query)
        .collect::<Vec<_>>();
    assert_eq!(logged, ["callingData=true", "callingData=true"]);
}

#[tokio::test]
async fn calling_numbers_without_a_calling_license_are_rejected() {
    let api = spawn_simulator().await;
    let admin = api.sim.admin();
    let meetings = api.sim.add_license("Meeting - Webex Enterprise", 10);
    let location = api.sim.add_location("Denver");

    let answer = api
        .create_person(
            &admin.token,
            json!({
                "emails": ["jane.doe@example.com"],
                "displayName": "Jane Doe",
                "extension": "7209",
                "locationId": location,
                "licenses": [meetings],
            }),
        )
        .await;

    assert_eq!(answer.status, 400);
    let message = answer.body["message"].as_str().unwrap_or_default();
    assert!(message.contains("Webex Calling license"), "{message}");
    assert!(api.sim.people_with_email("jane.doe@example.com").is_empty());
}

#[tokio::test]
async fn unknown_license_role_location_or_manager_ids_are_rejected_by_name() {
    let api = spawn_simulator().await;
    let admin = api.sim.admin();
    let unknown = "Y2lzY29zcGFyazovL3VzL1VOS05PV04vMQ";
    let invalid = [
        json!({ "licenses": [unknown] }),
        json!({ "roles": [unknown] }),
        json!({ "locationId": unknown }),
        json!({ "managerId": unknown }),
    ];

    for fields in invalid {
        let mut body = json!({ "emails": ["jane.doe@example.com"], "displayName": "Jane Doe" });
        if let (Some(body), Some(fields)) = (body.as_object_mut(), fields.as_object()) {
            body.extend(fields.clone());
        }
        let answer = api.create_person(&admin.token, body).await;
        assert_eq!(answer.status, 400, "{fields}");
        let message = answer.body["message"].as_str().unwrap_or_default();
        assert!(message.contains(unknown), "{fields}: {message}");
    }
    assert!(api.sim.people_with_email("jane.doe@example.com").is_empty());
}

#[tokio::test]
async fn a_person_is_created_with_the_roles_licenses_and_manager_given() {
    let api = spawn_simulator().await;
    let admin = api.sim.admin();
    let manager = api.sim.add_person("manager@example.com", "Maria Manager");
    let license = api.sim.add_license("Messaging", 10);
    let role = api.sim.add_role("Support Administrator");

    let created = api
        .create_person(
            &admin.token,
            json!({
                "emails": ["jane.doe@example.com"],
                "displayName": "Jane Doe",
                "licenses": [license],
                "roles": [role],
                "managerId": manager.id,
                "manager": "Maria Manager",
            }),
        )
        .await;

    assert_eq!(created.status, 200, "{}", created.body);
    assert_eq!(created.body["licenses"], json!([license]));
    assert_eq!(created.body["roles"], json!([role]));
    assert_eq!(created.body["managerId"], manager.id.as_str());
    assert_eq!(created.body["manager"], "Maria Manager");
    assert!(created.body["created"].is_string());
    let id = created.body["id"].as_str().unwrap_or_default();
    let fetched = api.get(&admin.token, &format!("/people/{id}")).await;
    assert_eq!(fetched.body, created.body);
}

// Deleted messages

#[tokio::test]
async fn a_deleted_message_is_counted_and_gone_from_its_room() {
    let api = spawn_simulator().await;
    let bot = api.sim.bot();
    let manager = api.sim.add_person("manager@example.com", "Maria Manager");
    let room = api.sim.direct_room(&manager);
    let sent = api
        .post(
            &bot.token,
            "/messages",
            json!({ "roomId": room.id, "text": "Approve Jane Doe?" }),
        )
        .await;
    let id = sent.body["id"].as_str().unwrap_or_default().to_owned();
    assert_eq!(api.sim.delete_count(), 0);

    let deleted = send(
        api.http
            .delete(api.url(&format!("/messages/{id}")))
            .bearer_auth(&bot.token),
    )
    .await;

    assert_eq!(deleted.status, 204);
    assert_eq!(api.sim.delete_count(), 1);
    assert_eq!(api.sim.deleted_messages()[0].id, id);
    assert!(api.sim.messages_in(&room.id).is_empty());
}

#[tokio::test]
async fn a_deleted_card_can_still_be_submitted_from_a_client_that_shows_it() {
    let api = spawn_simulator().await;
    let (target_url, mut received) = spawn_receiver().await;
    let bot = api.sim.bot();
    api.register_webhook(&bot, "attachmentActions", &target_url)
        .await;
    let manager = api.sim.add_person("manager@example.com", "Maria Manager");
    let sent = api
        .post(
            &bot.token,
            "/messages",
            json!({
                "toPersonEmail": manager.email,
                "markdown": "Approve Jane Doe?",
                "attachments": [card(json!({ "action": "approve" }))]
            }),
        )
        .await;
    let card_id = sent.body["id"].as_str().expect("a message id").to_owned();
    let path = format!("/messages/{card_id}");
    send(api.http.delete(api.url(&path)).bearer_auth(&bot.token)).await;

    let action_id = api.sim.submit(&manager, &card_id, json!({})).await;

    let envelope = next_delivery(&mut received).await.json();
    assert_eq!(envelope["data"]["id"], action_id.as_str());
    assert_eq!(envelope["data"]["messageId"], card_id.as_str());
    assert_eq!(api.get(&bot.token, &path).await.status, 404);
}
