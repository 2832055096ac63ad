//! Who confirms, approves, rejects and cancels a batch, each once, and what expires.

use super::*;

#[tokio::test]
async fn a_double_clicked_confirm_runs_one_batch_with_one_person_per_row_and_one_report() {
    let app = spawn_app_with(fast()).await;
    let file = cohort("hire", 8);
    let preview = send_file(&app, "eight.csv", &file).await;
    let (first, second) = tokio::join!(
        app.sim.submit(&app.manager, &preview.id, json!({})),
        app.sim.submit(&app.manager, &preview.id, json!({}))
    );
    assert_ne!(first, second);
    let rows = report(&app, &app.room.id).await;
    assert_eq!(rows.len(), 8);
    for n in 0..8 {
        let email = format!("hire{n}@example.com");
        assert_eq!(rows[&email][2], "created");
        assert_eq!(app.sim.people_with_email(&email).len(), 1, "{email}");
    }
    app.settle().await;
    assert_eq!(app.successful_create_calls(), 8);
    // The simulator refuses a second create of an email with 409: none was tried.
    assert_eq!(creates_answered(&app.sim, 409), 0);
    wait_until("the second click was not answered", || {
        said(&app.sim, &app.room.id, "already, so that click did nothing")
    })
    .await;
}

#[tokio::test]
async fn cancel_in_the_thread_stops_the_rows_not_started_and_the_report_lists_them() {
    let options = SandboxOptions {
        bulk: BulkLimits {
            rate: 1.0,
            max_rows: 100,
        },
        ..SandboxOptions::default()
    };
    let app = spawn_app_with(options).await;
    // At a row a second, the rows outlast any delay in handling the cancel.
    let file = cohort("slow", 100);
    let preview = send_file(&app, "slow.csv", &file).await;
    app.sim.submit(&app.manager, &preview.id, json!({})).await;
    wait_until("nothing was created", || app.successful_create_calls() > 0).await;
    app.sim
        .say_in_thread(&app.manager, &app.room, &preview.id, "cancel")
        .await;
    let rows = report(&app, &app.room.id).await;
    let created = rows.values().filter(|r| r[2] == "created").count();
    let cancelled = rows.values().filter(|r| r[2] == "cancelled").count();
    assert_eq!(created + cancelled, 100, "{rows:?}");
    assert!(
        created >= 1 && cancelled >= 50,
        "{created} created, {cancelled} cancelled"
    );
    app.settle().await;
    assert_eq!(app.successful_create_calls(), created);
}

#[tokio::test]
async fn under_approvals_nothing_is_created_before_approval_and_a_rejection_creates_nothing() {
    let approvals = with_approvers_and(fast()).await;
    let app = &approvals.app;
    let preview = send_file(app, "two.csv", "email,firstName\nrae@example.com,Rae\n").await;
    app.sim.submit(&app.manager, &preview.id, json!({})).await;
    let card = app.new_bot_message(&approvals.approvers, &[]).await;
    assert_eq!(card.attachments.len(), 1, "{}", text_of(&card));
    app.settle().await;
    assert_eq!(app.create_calls(), 0);
    app.sim
        .submit(
            &approvals.ana,
            &card.id,
            json!({"action": "reject", "reason": "not this week"}),
        )
        .await;
    wait_until("the rejection was not told to the sender", || {
        said(
            &app.sim,
            &app.room.id,
            "Rejected by ana.approver@example.com: not this week",
        )
    })
    .await;
    app.settle().await;
    assert_eq!(app.create_calls(), 0);

    let preview = send_file(app, "again.csv", "email,firstName\nrae@example.com,Rae\n").await;
    app.sim.submit(&app.manager, &preview.id, json!({})).await;
    // The second approval card: a new message with a card, whatever else the bot said there
    // meanwhile (the first card's rejection note comes in its own time).
    let bot = app.sim.bot().id;
    let second_card = || {
        app.sim
            .messages_in(&approvals.approvers.id)
            .into_iter()
            .find(|m| m.person_id == bot && !m.attachments.is_empty() && m.id != card.id)
    };
    wait_until("no second approval card", || second_card().is_some()).await;
    let card = second_card().expect("a second card");
    app.sim
        .submit(&approvals.ben, &card.id, json!({"action": "approve"}))
        .await;
    let rows = report(app, &app.room.id).await;
    assert_eq!(rows["rae@example.com"][2], "created");
    assert_eq!(app.sim.people_with_email("rae@example.com").len(), 1);
}

#[tokio::test]
async fn only_the_sender_confirms_and_only_the_sender_or_an_approver_cancels() {
    let app = spawn_app_with(fast()).await;
    let kim = app
        .sim
        .add_person("kim.colleague@example.com", "Kim Colleague");
    let room = app.sim.group_room("Helpdesk", &[&app.manager, &kim]);
    app.sim
        .mention_bot_with_file(
            &app.manager,
            &room,
            "",
            "team.csv",
            "text/csv",
            b"email,firstName\nlee@example.com,Lee\n".to_vec(),
        )
        .await;
    let preview = app.new_bot_message(&room, &[]).await;
    assert_eq!(preview.attachments.len(), 1, "{}", text_of(&preview));

    app.sim.submit(&kim, &preview.id, json!({})).await;
    let refused = app.new_bot_message(&room, &[&preview]).await;
    assert!(
        text_of(&refused).contains("Only the person who sent the file may confirm"),
        "{}",
        text_of(&refused)
    );
    app.sim
        .mention_bot_in_thread(&kim, &room, &preview.id, "cancel")
        .await;
    let not_cancelled = app.new_bot_message(&room, &[&preview, &refused]).await;
    assert!(
        text_of(&not_cancelled).contains("Only the person who sent the file, or an approver"),
        "{}",
        text_of(&not_cancelled)
    );
    app.settle().await;
    assert_eq!(app.create_calls(), 0);

    app.sim.submit(&app.manager, &preview.id, json!({})).await;
    let rows = report(&app, &room.id).await;
    assert_eq!(rows["lee@example.com"][2], "created");
}

#[tokio::test]
async fn a_batch_nobody_confirms_expires_and_its_rows_are_in_the_trail() {
    // A day, as the test counts it, is a second; the test sweeps once the preview is there
    // (the bot's own sweep waits an hour).
    let expiry = webex_onboard::ops::expiry::RequestExpiry {
        ttl: Duration::from_secs(1),
        every: Duration::from_secs(3600),
    };
    let options = SandboxOptions {
        expiry: expiry.clone(),
        ..fast()
    };
    let app = spawn_app_with(options).await;
    let preview = send_file(&app, "late.csv", "email,firstName\nlate@example.com,Late\n").await;
    tokio::time::sleep(expiry.ttl).await;
    assert_eq!(expiry.sweep(&app.sandbox.store).await.expect("sweeps"), 1);
    let expired = app.new_bot_message(&app.room, &[&preview]).await;
    assert!(
        text_of(&expired).contains("**late.csv** waited 1 day without being confirmed"),
        "{}",
        text_of(&expired)
    );
    app.sim.submit(&app.manager, &preview.id, json!({})).await;
    let answer = app.new_bot_message(&app.room, &[&preview, &expired]).await;
    assert!(
        text_of(&answer).contains("was cancelled already"),
        "{}",
        text_of(&answer)
    );
    app.settle().await;
    assert_eq!(app.create_calls(), 0);
    let store = webex_onboard::store::Store::connect_read_only(&app.sandbox.database_url)
        .await
        .expect("the database");
    let trail = store.audit().await.expect("the trail");
    assert!(
        trail.iter().any(|e| e.action == "batch-row"
            && e.email.as_deref() == Some("late@example.com")
            && e.result.as_deref() == Some("cancelled")),
        "{trail:?}"
    );
}

#[tokio::test]
async fn an_approver_cancels_a_waiting_batch_in_its_thread_and_an_approval_after_that_does_nothing()
{
    let approvals = with_approvers_and(fast()).await;
    let app = &approvals.app;
    let room = app
        .sim
        .group_room("Hiring", &[&app.manager, &approvals.ana]);
    app.sim
        .mention_bot_with_file(
            &app.manager,
            &room,
            "",
            "wait.csv",
            "text/csv",
            b"email,firstName\nwait@example.com,Wait\n".to_vec(),
        )
        .await;
    let preview = app.new_bot_message(&room, &[]).await;
    app.sim.submit(&app.manager, &preview.id, json!({})).await;
    let card = app.new_bot_message(&approvals.approvers, &[]).await;
    app.sim
        .mention_bot_in_thread(&approvals.ana, &room, &preview.id, "cancel")
        .await;
    wait_until("the approver's cancel was not answered", || {
        said(&app.sim, &room.id, "Cancelled by ana.approver@example.com")
    })
    .await;
    app.sim
        .submit(&approvals.ben, &card.id, json!({"action": "approve"}))
        .await;
    let answer = app.new_bot_message(&approvals.approvers, &[&card]).await;
    assert!(
        text_of(&answer).contains("was cancelled already"),
        "{}",
        text_of(&answer)
    );
    app.settle().await;
    assert_eq!(app.create_calls(), 0);
}
