//! The edge: nothing happens on an unsigned or forged request.

use serde_json::json;

use crate::helpers::{spawn_app, text_of};

#[tokio::test]
async fn deliveries_without_a_valid_signature_get_401_and_cause_no_work() {
    let app = spawn_app().await;
    let message_id = app.sim.say(&app.manager, &app.room, "onboard").await;
    let answered = app.bot_messages(&app.room, 1).await.len();
    let calls_before = app.sim.calls().len();
    let body = app.envelope(
        "messages",
        json!({"id": message_id, "roomId": app.room.id, "personId": app.manager.id,
               "personEmail": app.manager.email}),
    );
    let good = app.sign(&body);

    let missing = app.post_webhook(&body, None).await;
    let wrong = app
        .post_webhook(&body, Some("0123456789abcdef0123456789abcdef01234567"))
        .await;
    let not_hex = app.post_webhook(&body, Some("not-a-signature")).await;
    let mut tampered = body.clone();
    let at = tampered.len() - 3;
    tampered[at] = b' ';
    let tampered = app.post_webhook(&tampered, Some(&good)).await;
    let value: serde_json::Value = serde_json::from_slice(&body).expect("json");
    let reserialized = serde_json::to_vec_pretty(&value).expect("json");
    let reserialized = app.post_webhook(&reserialized, Some(&good)).await;

    for (what, response) in [
        ("missing", missing),
        ("wrong", wrong),
        ("not hex", not_hex),
        ("tampered", tampered),
        ("re-serialized", reserialized),
    ] {
        assert_eq!(response.status(), 401, "{what} signature");
    }
    app.settle().await;
    assert_eq!(
        app.sim.calls().len(),
        calls_before,
        "a refused delivery made Webex calls"
    );
    assert_eq!(
        app.bot_count(&app.room),
        answered,
        "a refused delivery got a reply"
    );
}

#[tokio::test]
async fn an_upper_case_signature_is_accepted() {
    let app = spawn_app().await;
    let message_id = app.sim.say(&app.manager, &app.room, "help").await;
    app.bot_messages(&app.room, 1).await;
    let body = app.envelope(
        "messages",
        json!({"id": message_id, "roomId": app.room.id, "personId": app.manager.id}),
    );
    let upper = app.sign(&body).to_ascii_uppercase();
    let response = app.post_webhook(&body, Some(&upper)).await;
    assert_eq!(response.status(), 200);
}

#[tokio::test]
async fn malformed_json_with_a_good_signature_gets_400() {
    let app = spawn_app().await;
    for body in [
        &b"{not json"[..],
        br#"{"resource":"messages","event":"created"}"#,
        br#"{"resource":"messages","event":"created","data":{}}"#,
    ] {
        let response = app.post_webhook(body, Some(&app.sign(body))).await;
        assert_eq!(response.status(), 400, "{}", String::from_utf8_lossy(body));
    }
}

#[tokio::test]
async fn a_body_over_one_mebibyte_gets_413() {
    let app = spawn_app().await;
    let body = vec![b' '; 1024 * 1024 + 1];
    let response = app.post_webhook(&body, Some(&app.sign(&body))).await;
    assert_eq!(response.status(), 413);
}

#[tokio::test]
async fn resources_and_events_the_bot_does_not_handle_get_204() {
    let app = spawn_app().await;
    for (resource, event) in [("memberships", "created"), ("messages", "deleted")] {
        let body =
            serde_json::to_vec(&json!({"resource": resource, "event": event, "data": {"id": "x"}}))
                .expect("json");
        let response = app.post_webhook(&body, Some(&app.sign(&body))).await;
        assert_eq!(response.status(), 204, "{resource}/{event}");
    }
    let counts = app.sandbox.store.job_counts().await.expect("store");
    assert!(
        counts.is_empty(),
        "ignored events were recorded: {counts:?}"
    );
}

#[tokio::test]
async fn health_and_readiness_answer() {
    let app = spawn_app().await;
    for path in ["/healthz", "/readyz"] {
        let response = app
            .http
            .get(format!("{}{path}", app.sandbox.bot_url))
            .send()
            .await
            .expect("answers");
        assert_eq!(response.status(), 200, "{path}");
    }
}

#[tokio::test]
async fn the_bots_own_messages_are_ignored() {
    let app = spawn_app().await;
    app.sim.say(&app.manager, &app.room, "help").await;
    let first = app.bot_messages(&app.room, 1).await;
    // Webex delivers the bot's own reply to it as well; the simulator did so. Deliver it again,
    // as a fresh event, to be sure it is read and dropped rather than answered.
    let own = &first[0];
    let body = app.envelope(
        "messages",
        json!({"id": own.id, "roomId": app.room.id, "personId": app.sim.bot().id}),
    );
    assert_eq!(
        app.post_webhook(&body, Some(&app.sign(&body)))
            .await
            .status(),
        200
    );
    app.settle().await;
    let messages = app.sim.messages_in(&app.room.id);
    assert_eq!(
        app.bot_count(&app.room),
        1,
        "the bot answered itself: {:?}",
        messages.iter().map(text_of).collect::<Vec<_>>()
    );
}
