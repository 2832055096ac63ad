//! Cards and their submissions.

use crate::helpers::*;

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

#[tokio::test]
async fn only_adaptive_cards_1_0_to_1_3_with_at_most_five_actions_are_sent() {
    let api = spawn_simulator().await;
    let bot = api.sim.bot();
    let manager = api.sim.add_person("manager@example.com", "Maria Manager");
    let submit = json!({ "type": "Action.Submit", "title": "Go" });
    let refused = [
        json!({ "type": "AdaptiveCard", "version": "1.4" }),
        json!({ "type": "AdaptiveCard", "version": "2.0" }),
        json!({ "type": "AdaptiveCard" }),
        json!({ "type": "HeroCard", "version": "1.3" }),
        json!({ "type": "AdaptiveCard", "version": "1.3", "actions": vec![submit.clone(); 6] }),
    ];

    for content in refused {
        let answer = api
            .post(
                &bot.token,
                "/messages",
                json!({
                    "toPersonEmail": manager.email,
                    "text": "fallback",
                    "attachments": [card_with(content.clone())]
                }),
            )
            .await;
        assert_eq!(answer.status, 400, "{content}");
        assert!(answer.body["message"].is_string());
    }
    assert!(
        api.sim
            .messages_in(&api.sim.direct_room(&manager).id)
            .is_empty()
    );

    for version in ["1.0", "1.1", "1.2", "1.3"] {
        let content = json!({ "type": "AdaptiveCard", "version": version, "actions": vec![submit.clone(); 5] });
        let answer = api
            .post(
                &bot.token,
                "/messages",
                json!({
                    "toPersonEmail": manager.email,
                    "text": "fallback",
                    "attachments": [card_with(content)]
                }),
            )
            .await;
        assert_eq!(answer.status, 200, "{version}: {}", answer.body);
    }
}

/// The bot sends this card to the manager, and returns the message id.
async fn send_card(api: &TestSim, to: &SimPerson, content: Value) -> String {
    let sent = api
        .post(
            &api.sim.bot().token,
            "/messages",
            json!({ "toPersonEmail": to.email, "text": "A card", "attachments": [card_with(content)] }),
        )
        .await;
    assert_eq!(sent.status, 200, "{}", sent.body);
    sent.body["id"].as_str().expect("a message id").to_owned()
}

#[tokio::test]
async fn a_card_without_a_submit_action_cannot_be_submitted() {
    let api = spawn_simulator().await;
    let manager = api.sim.add_person("manager@example.com", "Maria Manager");
    let card_id = send_card(
        &api,
        &manager,
        json!({
            "type": "AdaptiveCard",
            "version": "1.3",
            "body": [{ "type": "Input.Text", "id": "email" }],
            "actions": [{ "type": "Action.OpenUrl", "title": "Help", "url": "https://example.com" }]
        }),
    )
    .await;
    let plain = api
        .sim
        .say(&manager, &api.sim.direct_room(&manager), "no card here")
        .await;

    let no_submit = api.sim.try_submit(&manager, &card_id, json!({})).await;
    let no_card = api.sim.try_submit(&manager, &plain, json!({})).await;
    let no_message = api
        .sim
        .try_submit(&manager, "no-such-message", json!({}))
        .await;

    let reason = no_submit.expect_err("a card without Action.Submit");
    assert!(reason.contains("Action.Submit"), "{reason}");
    assert!(no_card.is_err());
    assert!(no_message.is_err());
}

#[tokio::test]
#[should_panic(expected = "Action.Submit")]
async fn submitting_a_card_without_a_submit_action_is_a_test_error() {
    let api = spawn_simulator().await;
    let manager = api.sim.add_person("manager@example.com", "Maria Manager");
    let card_id = send_card(
        &api,
        &manager,
        json!({ "type": "AdaptiveCard", "version": "1.3" }),
    )
    .await;

    api.sim.submit(&manager, &card_id, json!({})).await;
}

#[tokio::test]
async fn inputs_the_card_could_not_send_are_refused_and_nothing_is_delivered() {
    let api = spawn_simulator().await;
    let (target_url, mut received) = spawn_receiver().await;
    let bot = api.sim.bot();
    api.register_webhook(&bot, "attachmentActions", &target_url)
        .await;
    let manager = api.sim.add_person("manager@example.com", "Maria Manager");
    let card_id = send_card(
        &api,
        &manager,
        card(json!({ "action": "onboard" }))["content"].clone(),
    )
    .await;

    let refused = api
        .sim
        .try_submit(
            &manager,
            &card_id,
            json!({ "email": "a@example.com", "phone": "555" }),
        )
        .await;
    let nested = api
        .sim
        .try_submit(
            &manager,
            &card_id,
            json!({ "email": { "address": "a@example.com" } }),
        )
        .await;

    let reason = refused.expect_err("phone is on no input of the card");
    assert!(reason.contains("\"phone\""), "{reason}");
    assert!(nested.is_err());
    let accepted = api
        .sim
        .submit(&manager, &card_id, json!({ "email": "a@example.com" }))
        .await;
    let envelope = next_delivery(&mut received).await.json();
    assert_eq!(envelope["data"]["id"], accepted.as_str());
    assert_eq!(api.sim.deliveries().len(), 1);
}

#[tokio::test]
#[should_panic(expected = "\"phone\"")]
async fn submitting_an_input_the_card_lacks_is_a_test_error() {
    let api = spawn_simulator().await;
    let manager = api.sim.add_person("manager@example.com", "Maria Manager");
    let card_id = send_card(&api, &manager, card(json!({}))["content"].clone()).await;

    api.sim
        .submit(&manager, &card_id, json!({ "phone": "555" }))
        .await;
}

#[tokio::test]
async fn values_arrive_as_the_strings_webex_sends_and_another_buttons_action_may_be_clicked() {
    let api = spawn_simulator().await;
    let bot = api.sim.bot();
    let manager = api.sim.add_person("manager@example.com", "Maria Manager");
    let card_id = send_card(
        &api,
        &manager,
        json!({
            "type": "AdaptiveCard",
            "version": "1.3",
            "body": [
                { "type": "Input.ChoiceSet", "id": "teams", "isMultiSelect": true, "choices": [] },
                { "type": "Input.Number", "id": "seats" },
                { "type": "Input.Toggle", "id": "remote", "title": "Remote" },
                { "type": "ActionSet", "actions": [
                    { "type": "Action.ShowCard", "title": "More", "card": {
                        "type": "AdaptiveCard",
                        "body": [{ "type": "Input.Text", "id": "reason" }]
                    }}
                ]}
            ],
            "actions": [
                { "type": "Action.Submit", "title": "Approve", "data": { "action": "approve", "cardId": "c-1" } },
                { "type": "Action.Submit", "title": "Reject", "data": { "action": "reject" } }
            ]
        }),
    )
    .await;

    let action_id = api
        .sim
        .submit(
            &manager,
            &card_id,
            json!({
                "teams": ["red", "blue"],
                "seats": 3,
                "remote": true,
                "reason": null,
                "action": "reject"
            }),
        )
        .await;

    let action = api
        .get(&bot.token, &format!("/attachment/actions/{action_id}"))
        .await;
    assert_eq!(
        action.body["inputs"],
        json!({
            "action": "reject",
            "cardId": "c-1",
            "teams": "red,blue",
            "seats": "3",
            "remote": "true",
            "reason": ""
        })
    );
}

#[tokio::test]
async fn a_person_submits_a_card_through_the_api_and_the_webhooks_follow() {
    let api = spawn_simulator().await;
    let (target_url, mut received) = spawn_receiver().await;
    let bot = api.sim.bot();
    api.register_webhook(&bot, "attachmentActions", &target_url)
        .await;
    let manager = api.sim.add_person("manager@example.com", "Maria Manager");
    let card_id = send_card(
        &api,
        &manager,
        card(json!({ "action": "onboard" }))["content"].clone(),
    )
    .await;

    let submitted = api
        .post(
            &manager.token,
            "/attachment/actions",
            json!({ "type": "submit", "messageId": card_id, "inputs": { "email": "jane@example.com", "seats": 2 } }),
        )
        .await;

    assert_eq!(submitted.status, 202, "{}", submitted.body);
    let action_id = submitted.body["id"].as_str().expect("an id").to_owned();
    assert_eq!(submitted.body["type"], "submit");
    assert_eq!(submitted.body["messageId"], card_id.as_str());
    assert_eq!(submitted.body["personId"], manager.id.as_str());
    let inputs = json!({ "action": "onboard", "email": "jane@example.com", "seats": "2" });
    assert_eq!(submitted.body["inputs"], inputs);
    let envelope = next_delivery(&mut received).await.json();
    assert_eq!(envelope["data"]["id"], action_id.as_str());
    let fetched = api
        .get(&bot.token, &format!("/attachment/actions/{action_id}"))
        .await;
    assert_eq!(fetched.body["inputs"], inputs);
}

#[tokio::test]
async fn a_submission_through_the_api_follows_the_rules_of_a_click() {
    let api = spawn_simulator().await;
    let bot = api.sim.bot();
    let manager = api.sim.add_person("manager@example.com", "Maria Manager");
    let stranger = api.sim.add_person("eve@example.com", "Eve Stranger");
    let card_id = send_card(&api, &manager, card(json!({}))["content"].clone()).await;
    let no_submit = send_card(
        &api,
        &manager,
        json!({ "type": "AdaptiveCard", "version": "1.3" }),
    )
    .await;
    let submit = |token: &str, body: Value| {
        let token = token.to_owned();
        let api = &api;
        async move { api.post(&token, "/attachment/actions", body).await }
    };
    let action = |message_id: &str, inputs: Value| json!({ "type": "submit", "messageId": message_id, "inputs": inputs });

    let unknown_input = submit(&manager.token, action(&card_id, json!({ "phone": "1" }))).await;
    let by_stranger = submit(&stranger.token, action(&card_id, json!({}))).await;
    let not_submittable = submit(&manager.token, action(&no_submit, json!({}))).await;
    let unknown_message = submit(&manager.token, action("no-such-message", json!({}))).await;
    let wrong_type = submit(
        &manager.token,
        json!({ "type": "click", "messageId": card_id, "inputs": {} }),
    )
    .await;
    let extra_field = submit(
        &manager.token,
        json!({ "type": "submit", "messageId": card_id, "inputs": {}, "x": 1 }),
    )
    .await;
    send(
        api.http
            .delete(api.url(&format!("/messages/{card_id}")))
            .bearer_auth(&bot.token),
    )
    .await;
    let deleted_card = submit(
        &manager.token,
        action(&card_id, json!({ "email": "a@b.c" })),
    )
    .await;

    assert_eq!(unknown_input.status, 400);
    assert!(
        unknown_input.body["message"]
            .as_str()
            .unwrap_or_default()
            .contains("phone")
    );
    assert_eq!(by_stranger.status, 404);
    assert_eq!(not_submittable.status, 400);
    assert_eq!(unknown_message.status, 404);
    assert_eq!(wrong_type.status, 400);
    assert_eq!(extra_field.status, 400);
    assert_eq!(deleted_card.status, 202, "{}", deleted_card.body);
}
