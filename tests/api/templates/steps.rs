//! The steps after the account: each once, whatever is redelivered, failed or clicked twice, and held back until the start date.

use super::*;

#[tokio::test]
async fn the_template_is_applied_once_for_a_created_person_and_for_one_who_existed() {
    let o = org().await;
    let card = o.app.card_for_manager().await;
    o.app
        .sim
        .submit(&o.app.manager, &card.id, jane(json!({})))
        .await;
    o.all_steps_done("jane.doe@example.com").await;
    // The template's license went with the create.
    assert!(
        o.app
            .sim
            .person_licenses("jane.doe@example.com")
            .contains(&o.meetings)
    );
    let lines = o.app.bot_messages(&o.app.room, 5).await;
    let texts: Vec<String> = lines.iter().map(text_of).collect();
    for said in [
        "created",
        "space *Engineering*",
        "team *Platform*",
        "welcome message",
    ] {
        assert!(
            texts.iter().any(|t| t.contains(said)),
            "{said} missing from {texts:#?}"
        );
    }
    let welcome = o.app.sim.direct_messages_with("jane.doe@example.com");
    assert_eq!(welcome.len(), 1);
    assert_eq!(
        welcome[0].markdown.as_deref(),
        Some(format!("Welcome, Jane! You start on {}.", today()).as_str())
    );

    // Someone who has an account already gets the steps too.
    let existing = o
        .app
        .sim
        .add_person("sam.existing@example.com", "Sam Existing");
    let card = o.app.card_for_manager().await;
    o.app
        .sim
        .submit(
            &o.app.manager,
            &card.id,
            json!({"email": existing.email, "firstName": "Sam", "department": "Engineering"}),
        )
        .await;
    o.all_steps_done("sam.existing@example.com").await;
    o.app.settle().await;
    assert_eq!(
        o.app.sim.direct_messages_with("jane.doe@example.com").len(),
        1
    );
    assert_eq!(
        o.app
            .sim
            .direct_messages_with("sam.existing@example.com")
            .len(),
        1
    );
    assert_eq!(succeeded(&o.app, "POST", "/v1/memberships"), 2);
    assert_eq!(succeeded(&o.app, "POST", "/v1/team/memberships"), 2);
    assert_eq!(o.app.create_calls(), 1, "only Jane was created");
}

#[tokio::test]
async fn a_double_click_and_a_redelivery_leave_one_membership_and_one_welcome() {
    let o = org().await;
    let card = o.app.card_for_manager().await;
    let (a, b) = tokio::join!(
        o.app.sim.submit(&o.app.manager, &card.id, jane(json!({}))),
        o.app.sim.submit(&o.app.manager, &card.id, jane(json!({}))),
    );
    o.all_steps_done("jane.doe@example.com").await;
    // Webex delivers the first submission once more.
    let body = o.app.envelope(
        "attachmentActions",
        json!({"id": a, "roomId": o.app.room.id, "personId": o.app.manager.id}),
    );
    let redelivered = o.app.post_webhook(&body, Some(&o.app.sign(&body))).await;
    assert!(redelivered.status().is_success());
    let _ = b;
    o.app.settle().await;
    o.app.settle().await;
    assert_eq!(o.app.create_calls(), 1);
    assert_eq!(
        o.app.sim.direct_messages_with("jane.doe@example.com").len(),
        1
    );
    let attempts = |path: &str| {
        o.app
            .sim
            .calls()
            .iter()
            .filter(|c| c.method == "POST" && c.path == path)
            .count()
    };
    assert_eq!(attempts("/v1/memberships"), 1, "the space step ran twice");
    assert_eq!(
        attempts("/v1/team/memberships"),
        1,
        "the team step ran twice"
    );
}

#[tokio::test]
async fn a_welcome_posted_but_answered_502_is_not_sent_again() {
    let o = org().await;
    let card = o.app.card_for_manager().await;
    // The reply and the welcome are the next two messages: each is posted, then answered 502.
    o.app.sim.inject(Fault {
        method: "POST".into(),
        path_prefix: "/v1/messages".into(),
        kind: FaultKind::DoThenStatus { status: 502 },
        times: 2,
    });
    o.app
        .sim
        .submit(&o.app.manager, &card.id, jane(json!({})))
        .await;
    o.all_steps_done("jane.doe@example.com").await;
    wait_until("the welcome's line", || {
        o.app
            .sim
            .messages_in(&o.app.room.id)
            .iter()
            .any(|m| text_of(m).contains("welcome message"))
    })
    .await;
    o.app.settle().await;
    let welcomes = o.app.sim.direct_messages_with("jane.doe@example.com");
    assert_eq!(welcomes.len(), 1, "the welcome was sent again");
    let looked = o
        .app
        .sim
        .calls()
        .iter()
        .filter(|c| c.method == "GET" && c.path == "/v1/messages/direct")
        .count();
    assert!(looked >= 1, "the bot did not look before sending again");
}

#[tokio::test]
async fn a_later_start_creates_the_account_now_and_the_steps_wait_for_the_hour() {
    let o = org().await;
    let tomorrow = StartSchedule::default()
        .today(webex_onboard::store::now_ms() + 24 * 3600 * 1000)
        .to_string();
    let card = o.app.card_for_manager().await;
    o.app
        .sim
        .submit(
            &o.app.manager,
            &card.id,
            jane(json!({"startDate": tomorrow})),
        )
        .await;
    let reply = o.app.bot_messages(&o.app.room, 2).await.remove(1);
    assert!(text_of(&reply).contains("created"), "{}", text_of(&reply));
    assert!(
        text_of(&reply).contains(&format!("follow on {tomorrow} 08:00 UTC")),
        "{}",
        text_of(&reply)
    );
    o.app.settle().await;
    let id = person_id(&o.app, "jane.doe@example.com");
    assert!(!o.app.sim.room_members(&o.space.id).contains(&id));
    assert!(
        o.app
            .sim
            .direct_messages_with("jane.doe@example.com")
            .is_empty()
    );

    // `status` shows the steps waiting.
    o.app
        .sim
        .say(&o.app.manager, &o.app.room, "status jane.doe@example.com")
        .await;
    let status = o.app.bot_messages(&o.app.room, 3).await.remove(2);
    assert!(
        text_of(&status).contains(&format!(
            "space *Engineering*: waiting until {tomorrow} 08:00 UTC"
        )),
        "{}",
        text_of(&status)
    );

    // Two days later, on a restarted bot, the steps have run.
    let (database_url, addr) = (o.app.sandbox.database_url.clone(), o.app.sandbox.addr());
    let Org {
        app, space, team, ..
    } = o;
    let TestApp {
        sandbox, sim, room, ..
    } = app;
    sandbox.stop().await.expect("stops");
    let later = Sandbox::start_at(
        sim.clone(),
        SandboxOptions {
            database_url: Some(database_url),
            templates: templates(&space, &team),
            clock_skew: Duration::from_secs(2 * 24 * 3600),
            ..Default::default()
        },
        addr,
    )
    .await
    .expect("restarts");
    wait_until("the steps on the start date", || {
        sim.room_members(&space.id).contains(&id)
            && sim.team_members(&team.id).contains(&id)
            && sim.direct_messages_with("jane.doe@example.com").len() == 1
    })
    .await;
    assert!(!sim.messages_in(&room.id).is_empty());
    later.stop().await.expect("stops");
}

#[tokio::test]
async fn pending_lists_the_steps_that_wait_for_a_start_date() {
    let sim = Simulator::start().await.expect("simulator");
    let ana = sim.add_person("ana.approver@example.com", "Ana Approver");
    let approvers = sim.group_room("Approvers", &[&ana]);
    let space = sim.group_room("Engineering", &[&ana]);
    let team = sim.team("Platform", &[&ana]);
    sim.add_license("Webex Meetings", 100);
    let app = spawn_app_on(
        sim,
        SandboxOptions {
            templates: templates(&space, &team),
            approvers_room: Some(approvers.id.clone()),
            ..Default::default()
        },
    )
    .await;
    let card = app.card_for_manager().await;
    let later = StartSchedule::default()
        .today(webex_onboard::store::now_ms() + 3 * 24 * 3600 * 1000)
        .to_string();
    app.sim
        .submit(&app.manager, &card.id, jane(json!({"startDate": later})))
        .await;
    let approval = app.new_bot_message(&approvers, &[]).await;
    // The approvers see what follows the account, and when.
    let summary = crate::approvals::facts(&approval);
    for fact in [("Template", "Engineering"), ("Start date", later.as_str())] {
        assert!(
            summary.contains(&(fact.0.to_owned(), fact.1.to_owned())),
            "{fact:?} missing from {summary:?}"
        );
    }
    app.sim
        .submit(
            &ana,
            &approval.id,
            json!({"action": "approve", "reason": ""}),
        )
        .await;
    // The answer under the approval card is committed with the steps it schedules.
    let result = app.thread(&approvers.id, &approval.id, 1).await.remove(0);
    assert!(
        text_of(&result).contains("jane.doe@example.com** created"),
        "{}",
        text_of(&result)
    );
    let direct = app.sim.direct_room(&ana);
    app.sim.say(&ana, &direct, "pending").await;
    let answer = app.bot_messages(&direct, 1).await.remove(0);
    let text = text_of(&answer);
    assert!(text.contains("Waiting for a start date"), "{text}");
    assert!(
        text.contains(&format!("{later} 08:00 UTC")) && text.contains("welcome message"),
        "{text}"
    );
}
