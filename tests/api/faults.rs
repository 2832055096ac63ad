//! Whatever Webex answers, one submission ends with exactly one person and one result reply.

use std::time::Duration;

use webex_onboard::sandbox::SandboxOptions;
use webex_sim::{Fault, FaultKind};

use crate::helpers::{TestApp, jane, spawn_app, spawn_app_with, text_of};

fn on_create(kind: FaultKind, times: usize) -> Fault {
    Fault {
        method: "POST".into(),
        path_prefix: "/v1/people".into(),
        kind,
        times,
    }
}

/// Submits Jane's card and returns the one result reply, after checking that exactly one
/// person exists and that the bot said nothing more.
async fn submit_and_settle(app: &TestApp) -> String {
    let card = app.card_for_manager().await;
    app.sim.submit(&app.manager, &card.id, jane()).await;
    let messages = app.bot_messages(&app.room, 2).await;
    app.settle().await;
    assert_eq!(
        app.sim.people_with_email("jane.doe@example.com").len(),
        1,
        "not exactly one person"
    );
    assert_eq!(app.bot_count(&app.room), 2, "not exactly one result reply");
    let reply = &messages[1];
    assert_eq!(reply.parent_id.as_deref(), Some(card.id.as_str()));
    text_of(reply)
}

fn creates(app: &TestApp) -> Vec<webex_sim::Call> {
    app.sim
        .calls()
        .into_iter()
        .filter(|c| c.method == "POST" && c.path == "/v1/people")
        .collect()
}

#[tokio::test]
async fn a_429_is_waited_out_as_retry_after_asks() {
    let app = spawn_app().await;
    app.sim.inject(on_create(
        FaultKind::Status {
            status: 429,
            retry_after: Some(2),
        },
        1,
    ));
    let text = submit_and_settle(&app).await;
    assert!(text.contains("created"), "{text}");
    let creates = creates(&app);
    assert_eq!(creates.len(), 2, "{creates:#?}");
    let waited = creates[1].received_at - creates[0].received_at;
    assert!(waited >= Duration::from_secs(2), "retried after {waited:?}");
    assert!(
        waited < Duration::from_secs(4),
        "waited {waited:?}, far beyond Retry-After"
    );
}

#[tokio::test]
async fn a_503_then_success_creates_once() {
    let app = spawn_app().await;
    app.sim.inject(on_create(
        FaultKind::Status {
            status: 503,
            retry_after: None,
        },
        1,
    ));
    let text = submit_and_settle(&app).await;
    assert!(text.contains("created") && !text.contains("⚠️"), "{text}");
    assert_eq!(creates(&app).len(), 2);
}

#[tokio::test]
async fn a_400_although_created_is_a_success_with_a_warning() {
    let app = spawn_app().await;
    app.sim
        .inject(on_create(FaultKind::DoThenStatus { status: 400 }, 1));
    let text = submit_and_settle(&app).await;
    assert!(text.contains("jane.doe@example.com** created"), "{text}");
    assert!(
        text.contains("answered 400 although it created the account"),
        "{text}"
    );
    assert_eq!(
        creates(&app).len(),
        1,
        "a look-up must come before any retry"
    );
}

#[tokio::test]
async fn a_502_although_created_is_found_by_the_look_up() {
    let app = spawn_app().await;
    app.sim
        .inject(on_create(FaultKind::DoThenStatus { status: 502 }, 1));
    let text = submit_and_settle(&app).await;
    assert!(text.contains("created"), "{text}");
    assert_eq!(creates(&app).len(), 1);
}

#[tokio::test]
async fn a_create_call_that_hangs_past_the_timeout_is_found_by_the_look_up() {
    let app = spawn_app_with(SandboxOptions {
        call_timeout: Duration::from_secs(1),
        ..Default::default()
    })
    .await;
    app.sim.inject(on_create(FaultKind::DoThenHang, 1));
    let text = submit_and_settle(&app).await;
    assert!(text.contains("created"), "{text}");
    assert_eq!(creates(&app).len(), 1);
}

#[tokio::test]
async fn a_400_without_a_person_is_a_refusal_quoting_webex() {
    let app = spawn_app().await;
    app.sim.inject(on_create(
        FaultKind::Status {
            status: 400,
            retry_after: None,
        },
        1,
    ));
    let card = app.card_for_manager().await;
    app.sim.submit(&app.manager, &card.id, jane()).await;
    let text = text_of(&app.bot_messages(&app.room, 2).await[1]);
    assert!(
        text.contains("not created") && text.contains("Webex refused the details"),
        "{text}"
    );
    assert!(app.sim.people_with_email("jane.doe@example.com").is_empty());
    assert_eq!(creates(&app).len(), 1, "a refusal is not retried");
}

#[tokio::test]
async fn when_webex_keeps_failing_the_bot_gives_up_and_says_why() {
    let mut options = SandboxOptions::default();
    options.workers.max_attempts = 3;
    let app = spawn_app_with(options).await;
    app.sim.inject(on_create(
        FaultKind::Status {
            status: 500,
            retry_after: None,
        },
        100,
    ));
    let card = app.card_for_manager().await;
    app.sim.submit(&app.manager, &card.id, jane()).await;
    let text = text_of(&app.bot_messages(&app.room, 2).await[1]);
    assert!(
        text.contains("jane.doe@example.com** was not created"),
        "{text}"
    );
    assert!(text.contains("I stopped trying"), "{text}");
    assert!(text.contains("tracking id"), "{text}");
    assert_eq!(creates(&app).len(), 3);
    app.settle().await;
    assert_eq!(app.bot_count(&app.room), 2);
}

#[tokio::test]
async fn a_failed_reply_is_retried_not_lost() {
    let app = spawn_app().await;
    app.sim.inject(Fault {
        method: "POST".into(),
        path_prefix: "/v1/messages".into(),
        kind: FaultKind::Status {
            status: 503,
            retry_after: None,
        },
        times: 2,
    });
    app.sim.say(&app.manager, &app.room, "help").await;
    let messages = app.bot_messages(&app.room, 1).await;
    assert!(text_of(&messages[0]).contains("**onboard**"));
}

#[tokio::test]
async fn every_webex_call_of_a_job_carries_a_tracking_id_derived_from_it() {
    let app = spawn_app().await;
    submit_and_settle(&app).await;
    let bot = app.sim.bot().email;
    let admin = app.sim.admin().email;
    for call in app
        .sim
        .calls()
        .iter()
        .filter(|c| c.identity == bot || c.identity == admin)
    {
        let id = call.tracking_id.as_deref().unwrap_or("");
        assert!(
            id.starts_with("webex-onboard_"),
            "{} {} carried {id:?}",
            call.method,
            call.path
        );
    }
}

#[tokio::test]
async fn a_restart_between_the_card_and_its_submission_loses_nothing() {
    let app = spawn_app().await;
    let card = app.card_for_manager().await;
    let (database_url, addr) = (app.sandbox.database_url.clone(), app.sandbox.addr());
    app.sandbox.stop().await.expect("stops");
    let again = webex_onboard::sandbox::Sandbox::start_at(
        app.sim.clone(),
        SandboxOptions {
            database_url: Some(database_url),
            ..Default::default()
        },
        addr,
    )
    .await
    .expect("restarts");
    app.sim.submit(&app.manager, &card.id, jane()).await;
    let messages = app
        .sim
        .wait_for_bot_messages(&app.room.id, 2, crate::helpers::ANSWER)
        .await;
    assert_eq!(messages.len(), 2);
    assert!(
        text_of(&messages[1]).contains("created"),
        "{}",
        text_of(&messages[1])
    );
    assert_eq!(app.sim.people_with_email("jane.doe@example.com").len(), 1);
    again.stop().await.expect("stops");
}

#[tokio::test]
async fn the_acknowledgement_does_not_wait_for_a_slow_webex() {
    let app = spawn_app().await;
    app.sim.inject(Fault {
        method: "GET".into(),
        path_prefix: "/v1/messages".into(),
        kind: FaultKind::Delay(Duration::from_secs(3)),
        times: 1,
    });
    let asked = std::time::Instant::now();
    app.sim.say(&app.manager, &app.room, "onboard").await;
    let acknowledged = asked.elapsed();
    assert!(
        acknowledged < Duration::from_secs(1),
        "the delivery waited {acknowledged:?}"
    );
    let delivery = app.sim.deliveries().pop().expect("delivered");
    assert_eq!(delivery.status, Some(200));
    let card = &app.bot_messages(&app.room, 1).await[0];
    assert_eq!(card.attachments.len(), 1);
}

#[tokio::test]
async fn a_message_that_cannot_be_read_gets_an_apology_with_the_reason() {
    let mut options = SandboxOptions::default();
    options.workers.max_attempts = 2;
    let app = spawn_app_with(options).await;
    app.sim.inject(Fault {
        method: "GET".into(),
        path_prefix: "/v1/messages".into(),
        kind: FaultKind::Status {
            status: 502,
            retry_after: None,
        },
        times: 2,
    });
    app.sim.say(&app.manager, &app.room, "onboard").await;
    let text = text_of(&app.bot_messages(&app.room, 1).await[0]);
    assert!(
        text.contains("could not read your message") && text.contains("502"),
        "{text}"
    );
}

#[tokio::test]
async fn a_person_created_by_someone_else_meanwhile_is_reported_as_existing() {
    let app = spawn_app().await;
    let card = app.card_for_manager().await;
    // Hold back the answers of the people look-ups, so that the person can appear in between.
    app.sim.inject(Fault {
        method: "GET".into(),
        path_prefix: "/v1/people".into(),
        kind: FaultKind::Delay(Duration::from_millis(800)),
        times: 2,
    });
    app.sim.submit(&app.manager, &card.id, jane()).await;
    let deadline = std::time::Instant::now() + crate::helpers::ANSWER;
    while !app.sim.calls().iter().any(|c| {
        c.path == "/v1/people"
            && c.query.as_deref().is_some_and(|q| q.contains("email="))
            && c.status == 0
    }) {
        assert!(
            std::time::Instant::now() < deadline,
            "the look-up never came"
        );
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    app.sim.add_person("jane.doe@example.com", "Jane Doe");
    let reply = text_of(&app.bot_messages(&app.room, 2).await[1]);
    assert!(reply.contains("already has a Webex account"), "{reply}");
    let statuses: Vec<u16> = creates(&app).iter().map(|c| c.status).collect();
    assert_eq!(statuses, [409], "one create call, refused as taken");
    assert_eq!(app.sim.people_with_email("jane.doe@example.com").len(), 1);
}
