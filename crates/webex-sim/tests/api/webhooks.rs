//! Webhook registrations and their signed deliveries.

use crate::helpers::*;

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

/// The ids of the events delivered so far, in order.
pub fn delivered_ids(api: &TestSim) -> Vec<String> {
    api.sim
        .deliveries()
        .iter()
        .filter_map(|delivery| {
            let envelope: Value = serde_json::from_slice(&delivery.body).ok()?;
            envelope["data"]["id"].as_str().map(str::to_owned)
        })
        .collect()
}

#[tokio::test]
async fn a_receiver_that_keeps_failing_has_its_webhook_set_inactive_after_five_failures() {
    let api = spawn_simulator().await;
    let (target_url, _received, answer) = spawn_receiver_answering(500).await;
    let bot = api.sim.bot();
    let webhook_id = api.register_webhook(&bot, "messages", &target_url).await;
    let manager = api.sim.add_person("manager@example.com", "Maria Manager");
    let room = api.sim.direct_room(&manager);
    let path = format!("/webhooks/{webhook_id}");

    for n in 0..4 {
        api.sim.say(&manager, &room, &format!("failure {n}")).await;
    }
    assert_eq!(api.get(&bot.token, &path).await.body["status"], "active");
    api.sim.say(&manager, &room, "failure 5").await;
    assert_eq!(api.get(&bot.token, &path).await.body["status"], "inactive");
    api.sim.say(&manager, &room, "lost").await;
    assert_eq!(api.sim.deliveries().len(), 5);

    answer.store(200, std::sync::atomic::Ordering::SeqCst);
    let reactivated = api
        .put(
            &bot.token,
            &path,
            json!({ "name": "onboarding messages", "targetUrl": target_url, "secret": SECRET, "status": "active" }),
        )
        .await;
    assert_eq!(reactivated.body["status"], "active");
    let after = api.sim.say(&manager, &room, "delivered again").await;
    assert_eq!(delivered_ids(&api).last(), Some(&after));
    assert_eq!(api.sim.deliveries().len(), 6);
}

#[tokio::test]
async fn a_success_clears_the_failure_count_and_no_answer_is_a_failure() {
    let api = spawn_simulator().await;
    api.sim.set_webhook_failure_threshold(2);
    let (target_url, _received, answer) = spawn_receiver_answering(503).await;
    let bot = api.sim.bot();
    let flaky = api.register_webhook(&bot, "messages", &target_url).await;
    let manager = api.sim.add_person("manager@example.com", "Maria Manager");
    let room = api.sim.direct_room(&manager);
    let status = |id: &str| {
        let path = format!("/webhooks/{id}");
        let api = &api;
        let token = bot.token.clone();
        async move { api.get(&token, &path).await.body["status"].clone() }
    };

    api.sim.say(&manager, &room, "fails").await;
    answer.store(204, std::sync::atomic::Ordering::SeqCst);
    api.sim.say(&manager, &room, "succeeds").await;
    answer.store(503, std::sync::atomic::Ordering::SeqCst);
    api.sim.say(&manager, &room, "fails again").await;
    assert_eq!(status(&flaky).await, "active");

    let silent = api
        .register_webhook(&bot, "attachmentActions", &unreachable_url().await)
        .await;
    let card_message = api
        .post(
            &bot.token,
            "/messages",
            json!({ "roomId": room.id, "text": "card", "attachments": [card(json!({}))] }),
        )
        .await;
    let card_id = card_message.body["id"].as_str().expect("an id").to_owned();
    api.sim.submit(&manager, &card_id, json!({})).await;
    api.sim.submit(&manager, &card_id, json!({})).await;
    assert_eq!(status(&silent).await, "inactive");
}

#[tokio::test]
async fn an_update_cannot_deactivate_and_without_a_secret_removes_it() {
    let api = spawn_simulator().await;
    let (target_url, mut received) = spawn_receiver().await;
    let bot = api.sim.bot();
    let webhook_id = api.register_webhook(&bot, "messages", &target_url).await;
    let path = format!("/webhooks/{webhook_id}");
    let manager = api.sim.add_person("manager@example.com", "Maria Manager");

    let deactivate = api
        .put(
            &bot.token,
            &path,
            json!({ "name": "n", "targetUrl": target_url, "secret": SECRET, "status": "inactive" }),
        )
        .await;
    let without_secret = api
        .put(
            &bot.token,
            &path,
            json!({ "name": "n", "targetUrl": target_url }),
        )
        .await;
    api.sim
        .say(&manager, &api.sim.direct_room(&manager), "hello")
        .await;

    assert_eq!(deactivate.status, 400);
    assert_eq!(without_secret.status, 200);
    assert!(without_secret.body.get("secret").is_none());
    assert_eq!(next_delivery(&mut received).await.signature, None);
}
