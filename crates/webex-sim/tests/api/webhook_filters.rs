//! Webhook filters, and webhooks on every resource.

use crate::helpers::*;
use crate::webhooks::delivered_ids;

/// Registers a webhook through the API with this filter, as this owner; returns its id.
async fn register_filtered(
    api: &TestSim,
    owner: &SimPerson,
    resource: &str,
    event: &str,
    filter: &str,
    target_url: &str,
) -> String {
    let answer = api
        .post(
            &owner.token,
            "/webhooks",
            json!({
                "name": "filtered",
                "targetUrl": target_url,
                "resource": resource,
                "event": event,
                "filter": filter,
                "secret": SECRET,
            }),
        )
        .await;
    assert_eq!(answer.status, 200, "{}", answer.body);
    assert_eq!(answer.body["filter"], filter);
    answer.body["id"].as_str().expect("a webhook id").to_owned()
}

#[tokio::test]
async fn a_filtered_webhook_gets_only_the_events_that_meet_every_condition() {
    let api = spawn_simulator().await;
    let (target_url, _received) = spawn_receiver().await;
    let manager = api.sim.add_person("manager@example.com", "Maria Manager");
    let colleague = api.sim.add_person("carl@example.com", "Carl Colleague");
    let team = api.sim.group_room("Team", &[&manager, &colleague]);
    let other = api.sim.group_room("Other", &[&manager, &colleague]);
    let filter = format!("roomId={}&personEmail=CARL%40example.com", team.id);
    register_filtered(&api, &manager, "messages", "created", &filter, &target_url).await;

    let wanted = api.sim.say(&colleague, &team, "in the team room").await;
    api.sim.say(&manager, &team, "by someone else").await;
    api.sim.say(&colleague, &other, "in another room").await;

    assert_eq!(delivered_ids(&api), [wanted]);
}

#[tokio::test]
async fn mentioned_people_me_is_the_webhooks_owner() {
    let api = spawn_simulator().await;
    let (target_url, _received) = spawn_receiver().await;
    let bot = api.sim.bot();
    let manager = api.sim.add_person("manager@example.com", "Maria Manager");
    let team = api.sim.group_room("Team", &[&manager]);
    register_filtered(
        &api,
        &bot,
        "messages",
        "created",
        "mentionedPeople=me",
        &target_url,
    )
    .await;

    api.sim
        .say(
            &manager,
            &api.sim.direct_room(&manager),
            "no mention in 1:1",
        )
        .await;
    let mention = api.sim.mention_bot(&manager, &team, "hello").await;

    assert_eq!(delivered_ids(&api), [mention]);
}

#[tokio::test]
async fn an_attachment_action_webhook_filters_by_message() {
    let api = spawn_simulator().await;
    let (target_url, _received) = spawn_receiver().await;
    let bot = api.sim.bot();
    let manager = api.sim.add_person("manager@example.com", "Maria Manager");
    let mut cards = Vec::new();
    for _ in 0..2 {
        let sent = api
            .post(
                &bot.token,
                "/messages",
                json!({ "toPersonEmail": manager.email, "text": "card", "attachments": [card(json!({}))] }),
            )
            .await;
        cards.push(sent.body["id"].as_str().expect("an id").to_owned());
    }
    let filter = format!("messageId={}", cards[1]);
    register_filtered(
        &api,
        &bot,
        "attachmentActions",
        "created",
        &filter,
        &target_url,
    )
    .await;

    api.sim.submit(&manager, &cards[0], json!({})).await;
    let wanted = api.sim.submit(&manager, &cards[1], json!({})).await;

    assert_eq!(delivered_ids(&api), [wanted]);
}

#[tokio::test]
async fn an_unknown_filter_key_is_refused_at_create_and_at_update() {
    let api = spawn_simulator().await;
    let bot = api.sim.bot();
    let create = |resource: &str, filter: &str| {
        json!({
            "name": "filtered",
            "targetUrl": "http://127.0.0.1:9/webhooks",
            "resource": resource,
            "event": "created",
            "filter": filter,
        })
    };

    let unknown = api
        .post(&bot.token, "/webhooks", create("messages", "colour=red"))
        .await;
    let wrong_resource = api
        .post(&bot.token, "/webhooks", create("messages", "messageId=m1"))
        .await;
    let bad_value = api
        .post(&bot.token, "/webhooks", create("messages", "roomType=team"))
        .await;
    let valid = api
        .post(
            &bot.token,
            "/webhooks",
            create("messages", "roomType=direct"),
        )
        .await;
    let path = format!(
        "/webhooks/{}",
        valid.body["id"].as_str().unwrap_or_default()
    );
    let update = api
        .put(
            &bot.token,
            &path,
            json!({ "name": "filtered", "targetUrl": "http://127.0.0.1:9/webhooks", "filter": "colour=red" }),
        )
        .await;

    assert_eq!(unknown.status, 400);
    assert!(
        unknown.body["message"]
            .as_str()
            .unwrap_or_default()
            .contains("colour")
    );
    assert_eq!(wrong_resource.status, 400);
    assert_eq!(bad_value.status, 400);
    assert_eq!(valid.status, 200, "{}", valid.body);
    assert_eq!(update.status, 400);
    assert_eq!(
        api.get(&bot.token, &path).await.body["filter"],
        "roomType=direct"
    );
}

#[tokio::test]
async fn a_webhook_on_all_names_each_events_own_resource_and_event() {
    let api = spawn_simulator().await;
    let (target_url, mut received) = spawn_receiver().await;
    let bot = api.sim.bot();
    api.sim
        .add_webhook_raw(&bot, "firehose", &target_url, "all", "all", Some(SECRET));
    let manager = api.sim.add_person("manager@example.com", "Maria Manager");
    let sent = api
        .post(
            &bot.token,
            "/messages",
            json!({ "toPersonEmail": manager.email, "text": "card", "attachments": [card(json!({}))] }),
        )
        .await;
    let card_id = sent.body["id"].as_str().expect("an id").to_owned();
    let message = next_delivery(&mut received).await.json();

    api.sim.submit(&manager, &card_id, json!({})).await;
    let action = next_delivery(&mut received).await.json();

    assert_eq!(message["resource"], "messages");
    assert_eq!(message["event"], "created");
    assert_eq!(message["data"]["id"], card_id.as_str());
    assert_eq!(action["resource"], "attachmentActions");
    assert_eq!(action["event"], "created");
}
