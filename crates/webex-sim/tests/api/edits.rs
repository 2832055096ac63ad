//! Editing and deleting messages.

use crate::helpers::*;

/// The bot sends a message to the manager, and returns its id and room id.
async fn bot_sends(api: &TestSim, to: &SimPerson, body: Value) -> (String, String) {
    let mut body = body;
    body["toPersonEmail"] = to.email.clone().into();
    let sent = api.post(&api.sim.bot().token, "/messages", body).await;
    assert_eq!(sent.status, 200, "{}", sent.body);
    let id = sent.body["id"].as_str().expect("an id").to_owned();
    let room_id = sent.body["roomId"].as_str().expect("a room").to_owned();
    (id, room_id)
}

async fn edit(api: &TestSim, token: &str, id: &str, body: Value) -> Answer {
    api.put(token, &format!("/messages/{id}"), body).await
}

#[tokio::test]
async fn the_sender_edits_a_message_up_to_ten_times() {
    let api = spawn_simulator().await;
    let bot = api.sim.bot();
    let manager = api.sim.add_person("manager@example.com", "Maria Manager");
    let (id, room_id) = bot_sends(&api, &manager, json!({ "text": "Creating Jane..." })).await;
    let path = format!("/messages/{id}");

    let edited = api
        .put(
            &bot.token,
            &path,
            json!({ "roomId": room_id, "markdown": "**Created** Jane" }),
        )
        .await;

    assert_eq!(edited.status, 200, "{}", edited.body);
    assert_eq!(edited.body["markdown"], "**Created** Jane");
    assert_eq!(edited.body["text"], "Created Jane");
    assert!(edited.body["updated"].is_string());
    let fetched = api.get(&bot.token, &path).await;
    assert_eq!(fetched.body["text"], "Created Jane");
    let message = api.sim.message(&id).expect("the message");
    assert_eq!(
        (message.edits, message.text.as_deref()),
        (1, Some("Created Jane"))
    );

    for n in 2..=10 {
        let answer = api
            .put(
                &bot.token,
                &path,
                json!({ "roomId": room_id, "text": format!("edit {n}") }),
            )
            .await;
        assert_eq!(answer.status, 200, "edit {n}: {}", answer.body);
    }
    let eleventh = api
        .put(
            &bot.token,
            &path,
            json!({ "roomId": room_id, "text": "one too many" }),
        )
        .await;
    assert_eq!(eleventh.status, 400);
    assert!(
        eleventh.body["message"]
            .as_str()
            .unwrap_or_default()
            .contains("limit")
    );
    let message = api.sim.message(&id).expect("the message");
    assert_eq!(message.edits, 10);
    assert_eq!(message.text.as_deref(), Some("edit 10"));
    assert_eq!(message.markdown, None);
}

#[tokio::test]
async fn only_the_sender_edits_and_never_a_card_or_a_file() {
    let api = spawn_simulator().await;
    let bot = api.sim.bot();
    let manager = api.sim.add_person("manager@example.com", "Maria Manager");
    let stranger = api.sim.add_person("eve@example.com", "Eve Stranger");
    let (text_id, room_id) = bot_sends(&api, &manager, json!({ "text": "hello" })).await;
    let (card_id, _) = bot_sends(
        &api,
        &manager,
        json!({ "text": "card", "attachments": [card(json!({}))] }),
    )
    .await;
    let room = api.sim.direct_room(&manager);
    let file_id = api
        .sim
        .say_with_file(
            &manager,
            &room,
            "list",
            "hires.csv",
            "text/csv",
            b"a".to_vec(),
        )
        .await;
    let text = json!({ "roomId": room_id, "text": "changed" });

    let by_manager = edit(&api, &manager.token, &text_id, text.clone()).await;
    let by_stranger = edit(&api, &stranger.token, &text_id, text.clone()).await;
    let a_card = edit(
        &api,
        &bot.token,
        &card_id,
        json!({ "roomId": room_id, "text": "changed" }),
    )
    .await;
    let a_file = edit(
        &api,
        &manager.token,
        &file_id,
        json!({ "roomId": room_id, "text": "changed" }),
    )
    .await;
    let wrong_room = edit(
        &api,
        &bot.token,
        &text_id,
        json!({ "roomId": "elsewhere", "text": "x" }),
    )
    .await;
    let no_room = edit(&api, &bot.token, &text_id, json!({ "text": "x" })).await;
    let with_html = edit(
        &api,
        &bot.token,
        &text_id,
        json!({ "roomId": room_id, "text": "x", "html": "<p>x</p>" }),
    )
    .await;
    let empty = edit(
        &api,
        &bot.token,
        &text_id,
        json!({ "roomId": room_id, "text": " " }),
    )
    .await;

    assert_eq!(by_manager.status, 403);
    assert_eq!(by_stranger.status, 404);
    assert_eq!(a_card.status, 400);
    assert_eq!(a_file.status, 400);
    assert_eq!(wrong_room.status, 400);
    assert_eq!(no_room.status, 400);
    assert_eq!(with_html.status, 400);
    assert_eq!(empty.status, 400);
    assert_eq!(api.sim.message(&text_id).map(|m| m.edits), Some(0));
}

#[tokio::test]
async fn edits_and_deletions_reach_the_webhooks_watching_for_them() {
    let api = spawn_simulator().await;
    let (target_url, mut received) = spawn_receiver().await;
    let manager = api.sim.add_person("manager@example.com", "Maria Manager");
    for event in ["updated", "deleted"] {
        let answer = api
            .post(
                &manager.token,
                "/webhooks",
                json!({ "name": event, "targetUrl": target_url, "resource": "messages", "event": event }),
            )
            .await;
        assert_eq!(answer.status, 200, "{}", answer.body);
    }
    let bot = api.sim.bot();
    let (id, room_id) = bot_sends(&api, &manager, json!({ "text": "first" })).await;

    api.put(
        &bot.token,
        &format!("/messages/{id}"),
        json!({ "roomId": room_id, "text": "second" }),
    )
    .await;
    let updated = next_delivery(&mut received).await.json();
    send(
        api.http
            .delete(api.url(&format!("/messages/{id}")))
            .bearer_auth(&bot.token),
    )
    .await;
    let deleted = next_delivery(&mut received).await.json();

    assert_eq!(updated["event"], "updated");
    assert_eq!(updated["data"]["id"], id.as_str());
    assert_eq!(deleted["event"], "deleted");
    assert_eq!(deleted["data"]["id"], id.as_str());
}
