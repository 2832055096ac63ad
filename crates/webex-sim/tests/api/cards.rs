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
