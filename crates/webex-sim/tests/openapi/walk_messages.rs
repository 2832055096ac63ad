//! The walk of the message, room, card, webhook and content routes.

use serde_json::{Value, json};

use crate::People;
use crate::walk::Walk;

const CARD_CONTENT_TYPE: &str = "application/vnd.microsoft.card.adaptive";

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

pub async fn messages_and_rooms(walk: &mut Walk, people: &People) {
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

pub async fn webhooks(walk: &mut Walk, people: &People) {
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

/// A download: the bytes with their type and name (CONTRACT.md), or a Webex error.
pub async fn contents(walk: &mut Walk, people: &People) {
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
