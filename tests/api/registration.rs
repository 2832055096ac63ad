//! `WEBEX_PUBLIC_URL`: both webhooks point at the bot, without duplicates, and others' are untouched.

use crate::helpers::spawn_app;

#[tokio::test]
async fn both_webhooks_point_at_the_bot_and_a_restart_adds_no_duplicates() {
    let app = spawn_app().await;
    let target = format!("{}/webhook", app.sandbox.bot_url);
    let bot = app.sim.bot();
    let foreign = app.sim.add_webhook_raw(
        &bot,
        "someone else's",
        "https://elsewhere.example/hook",
        "messages",
        "created",
        Some("theirs"),
    );
    app.sim.deactivate_webhooks();

    // A second bot on the same simulator and public URL, as after a restart.
    let options = webex_onboard::sandbox::SandboxOptions::default();
    let again = webex_onboard::sandbox::Sandbox::start(app.sim.clone(), options)
        .await
        .expect("starts");
    let again_target = format!("{}/webhook", again.bot_url);
    let hooks = app.sim.webhooks();
    for (resource, url) in [
        ("messages", &target),
        ("attachmentActions", &target),
        ("messages", &again_target),
        ("attachmentActions", &again_target),
    ] {
        let matching: Vec<_> = hooks
            .iter()
            .filter(|h| h["resource"] == resource && h["targetUrl"] == url.as_str())
            .collect();
        assert_eq!(matching.len(), 1, "{resource} at {url}: {hooks:#?}");
        if url == &again_target {
            assert_eq!(matching[0]["status"], "active");
        }
    }
    let theirs = hooks
        .iter()
        .find(|h| h["id"] == foreign.as_str())
        .expect("still there");
    assert_eq!(
        theirs["status"], "inactive",
        "a foreign webhook was touched"
    );
    assert_eq!(theirs["targetUrl"], "https://elsewhere.example/hook");
    again.stop().await.expect("stops");
}

#[tokio::test]
async fn a_restart_reactivates_and_resecrets_its_own_webhooks() {
    let app = spawn_app().await;
    app.sim.deactivate_webhooks();
    let database_url = app.sandbox.database_url.clone();
    let addr = app.sandbox.addr();
    let before = app.sim.webhooks().len();
    // Start a bot whose public URL is the same as the first one's.
    app.sandbox.stop().await.expect("stops");
    let again = webex_onboard::sandbox::Sandbox::start_at(
        app.sim.clone(),
        webex_onboard::sandbox::SandboxOptions {
            database_url: Some(database_url),
            ..Default::default()
        },
        addr,
    )
    .await
    .expect("starts");
    let hooks = app.sim.webhooks();
    assert_eq!(hooks.len(), before, "{hooks:#?}");
    assert!(hooks.iter().all(|h| h["status"] == "active"), "{hooks:#?}");
    // The new secret is in force: a card request goes through.
    app.sim.say(&app.manager, &app.room, "onboard").await;
    let messages = app
        .sim
        .wait_for_bot_messages(&app.room.id, 1, crate::helpers::ANSWER)
        .await;
    assert_eq!(messages.len(), 1);
    again.stop().await.expect("stops");
}

#[tokio::test]
async fn replicas_starting_together_behind_one_url_register_each_webhook_once() {
    use crate::process::BotProcess;
    crate::helpers::logs();
    let sim = webex_sim::Simulator::start().await.expect("simulator");
    let dir = crate::helpers::TempDir::new();
    let database = crate::helpers::fresh_database().await;
    let database_url = match &database {
        Some(db) => db.url(),
        None => format!("sqlite://{}/shared.db", dir.path().display()),
    };
    let free = || {
        std::net::TcpListener::bind("127.0.0.1:0")
            .expect("a port")
            .local_addr()
            .expect("its address")
    };
    let public_url = "https://onboard.example.com";
    let (one, two) = tokio::join!(
        BotProcess::spawn_behind(&sim, &database_url, free(), "one-secret", public_url),
        BotProcess::spawn_behind(&sim, &database_url, free(), "one-secret", public_url),
    );
    let target = format!("{public_url}/webhook");
    let hooks = sim.webhooks();
    for resource in ["messages", "attachmentActions"] {
        let count = hooks
            .iter()
            .filter(|h| h["resource"] == resource && h["targetUrl"] == target.as_str())
            .count();
        assert_eq!(count, 1, "{resource}: {hooks:#?}");
    }
    one.kill_9().await;
    two.kill_9().await;
}
