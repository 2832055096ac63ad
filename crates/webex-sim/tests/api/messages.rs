//! Messages: what sending one checks, replies, deleting.

use crate::helpers::*;

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
async fn a_markdown_message_comes_back_with_the_plain_text_webex_derives() {
    let api = spawn_simulator().await;
    let bot = api.sim.bot();
    let manager = api.sim.add_person("manager@example.com", "Maria Manager");
    let markdown = "# Welcome\n**Jane** _Doe_ joins `Engineering`: see [the guide](https://example.com/g), \
                    <@personEmail:manager@example.com|Maria Manager>";
    let plain =
        "Welcome\nJane Doe joins Engineering: see the guide (https://example.com/g), Maria Manager";

    let sent = api
        .post(
            &bot.token,
            "/messages",
            json!({ "toPersonEmail": manager.email, "markdown": markdown }),
        )
        .await;
    let id = sent.body["id"].as_str().expect("an id").to_owned();
    let fetched = api.get(&bot.token, &format!("/messages/{id}")).await;
    let both = api
        .post(
            &bot.token,
            "/messages",
            json!({ "toPersonEmail": manager.email, "markdown": "**bold**", "text": "my own" }),
        )
        .await;

    assert_eq!(sent.body["text"], plain);
    assert_eq!(sent.body["markdown"], markdown);
    assert_eq!(fetched.body["text"], plain);
    assert_eq!(both.body["text"], "my own");
    let stored = api.sim.messages_in(&api.sim.direct_room(&manager).id);
    assert_eq!(stored[0].text.as_deref(), Some(plain));
}

#[tokio::test]
async fn the_bot_messages_a_person_created_through_the_api_in_their_direct_space() {
    let api = spawn_simulator().await;
    let bot = api.sim.bot();
    let created = api
        .create_person(
            &api.sim.admin().token,
            json!({ "emails": ["jane.doe@example.com"], "displayName": "Jane Doe" }),
        )
        .await;
    let jane_id = created.body["id"].as_str().expect("an id").to_owned();

    let by_email = api
        .post(
            &bot.token,
            "/messages",
            json!({ "toPersonEmail": "jane.doe@example.com", "markdown": "Welcome, **Jane**!" }),
        )
        .await;
    let by_id = api
        .post(
            &bot.token,
            "/messages",
            json!({ "toPersonId": jane_id, "text": "Your laptop is on its way." }),
        )
        .await;

    assert_eq!(by_email.status, 200, "{}", by_email.body);
    assert_eq!(by_email.body["roomType"], "direct");
    assert_eq!(by_id.body["roomId"], by_email.body["roomId"]);
    let texts: Vec<Option<String>> = api
        .sim
        .direct_messages_with("Jane.Doe@example.com")
        .into_iter()
        .map(|message| message.text)
        .collect();
    assert_eq!(
        texts,
        [
            Some("Welcome, Jane!".to_owned()),
            Some("Your laptop is on its way.".to_owned())
        ]
    );
    assert!(
        api.sim
            .direct_messages_with("nobody@example.com")
            .is_empty()
    );
}

#[tokio::test]
async fn direct_messages_are_the_callers_with_one_person_newest_first() {
    let api = spawn_simulator().await;
    let bot = api.sim.bot();
    let manager = api.sim.add_person("manager@example.com", "Maria Manager");
    let stranger = api.sim.add_person("eve@example.com", "Eve Stranger");
    let room = api.sim.direct_room(&manager);
    let first = api.sim.say(&manager, &room, "onboard").await;
    let reply = api
        .post(
            &bot.token,
            "/messages",
            json!({ "roomId": room.id, "parentId": first, "text": "On it" }),
        )
        .await;
    let reply_id = reply.body["id"].as_str().expect("an id").to_owned();
    let last = api.sim.say(&manager, &room, "thanks").await;
    let ids = |answer: &Answer| -> Vec<String> {
        answer.body["items"]
            .as_array()
            .expect("items")
            .iter()
            .filter_map(|message| message["id"].as_str().map(str::to_owned))
            .collect()
    };

    let by_email = api
        .get(
            &bot.token,
            "/messages/direct?personEmail=manager%40example.com",
        )
        .await;
    let by_id = api
        .get(
            &bot.token,
            &format!("/messages/direct?personId={}", manager.id),
        )
        .await;
    let thread = api
        .get(
            &bot.token,
            &format!("/messages/direct?personId={}&parentId={first}", manager.id),
        )
        .await;
    let from_manager = api
        .get(
            &manager.token,
            &format!("/messages/direct?personId={}", bot.id),
        )
        .await;
    let no_space = api
        .get(
            &bot.token,
            &format!("/messages/direct?personId={}", stranger.id),
        )
        .await;
    let neither = api.get(&bot.token, "/messages/direct").await;
    let unknown = api
        .get(
            &bot.token,
            "/messages/direct?personEmail=nobody%40example.com",
        )
        .await;
    let with_max = api
        .get(
            &bot.token,
            &format!("/messages/direct?personId={}&max=1", manager.id),
        )
        .await;

    assert_eq!(by_email.status, 200, "{}", by_email.body);
    assert_eq!(ids(&by_email), [&*last, &reply_id, &first]);
    assert_eq!(ids(&by_id), ids(&by_email));
    assert_eq!(ids(&thread), [reply_id]);
    assert_eq!(ids(&from_manager), ids(&by_email));
    assert_eq!(no_space.body, json!({ "items": [] }));
    assert_eq!(neither.status, 400);
    assert_eq!(unknown.status, 404);
    assert_eq!(with_max.status, 400);
}
