//! Killed, stopped and started together: what the real binary does with the work in flight.

use super::*;

#[tokio::test]
async fn kill_9_during_the_create_call_ends_with_one_person_and_one_reply() {
    let w = world().await;
    let (
        first,
        Conversation {
            manager,
            room,
            card,
        },
    ) = w.bot_with_card().await;
    // The person is created at once; only the answer is held back.
    w.sim.inject(delay("POST", "/v1/people"));
    w.sim.submit(&manager, &card.id, jane()).await;
    w.call_under_way("POST", "/v1/people").await;
    first.kill_9().await;
    assert_eq!(w.sim.people_with_email("jane.doe@example.com").len(), 1);

    // The first process's lease runs for 30 s; its lock of life went with it, so the restarted
    // bot takes its job over at once.
    let second = w.bot().await;
    let restarted = Instant::now();
    let messages = w
        .sim
        .wait_for_bot_messages(&room.id, 2, Duration::from_secs(5))
        .await;
    assert_eq!(messages.len(), 2, "no result within 5 s of the restart");
    assert!(restarted.elapsed() < Duration::from_secs(5));
    assert!(
        text_of(&messages[1]).contains("jane.doe@example.com** created"),
        "{}",
        text_of(&messages[1])
    );
    tokio::time::sleep(Duration::from_millis(600)).await;
    assert_eq!(w.sim.people_with_email("jane.doe@example.com").len(), 1);
    assert_eq!(
        w.creates(),
        1,
        "the restarted bot created again instead of looking up"
    );
    assert_eq!(
        w.sim
            .wait_for_bot_messages(&room.id, 3, Duration::ZERO)
            .await
            .len(),
        2
    );
    second.kill_9().await;
}

#[tokio::test]
async fn kill_9_while_the_action_is_fetched_resumes_after_restart() {
    let w = world().await;
    let (
        first,
        Conversation {
            manager,
            room,
            card,
        },
    ) = w.bot_with_card().await;
    w.sim.inject(delay("GET", "/v1/attachment/actions"));
    w.sim.submit(&manager, &card.id, jane()).await;
    w.call_under_way("GET", "/v1/attachment/actions").await;
    first.kill_9().await;
    assert_eq!(w.creates(), 0);

    let second = w.bot().await;
    let messages = w.sim.wait_for_bot_messages(&room.id, 2, ANSWER).await;
    assert_eq!(messages.len(), 2, "the acknowledged submission was lost");
    assert!(
        text_of(&messages[1]).contains("created"),
        "{}",
        text_of(&messages[1])
    );
    assert_eq!(w.sim.people_with_email("jane.doe@example.com").len(), 1);
    second.kill_9().await;
}

#[tokio::test]
async fn sigterm_stops_taking_webhooks_hands_back_work_and_exits_0_within_10_seconds() {
    let w = world().await;
    let manager = w.sim.add_person("mia.manager@example.com", "Mia Manager");
    let room = w.sim.direct_room(&manager);
    let mut first = w.bot().await;
    w.sim.inject(delay("GET", "/v1/messages"));
    w.sim.say(&manager, &room, "onboard").await;
    w.call_under_way("GET", "/v1/messages").await;

    let asked = Instant::now();
    first.sigterm();
    let status = first.exit_within(Duration::from_secs(10)).await;
    assert!(status.success(), "exit status {status:?}");
    assert!(asked.elapsed() < Duration::from_secs(10));
    let refused = reqwest::Client::new()
        .get(format!("http://{}/healthz", w.addr))
        .send()
        .await;
    assert!(refused.is_err(), "still taking requests after SIGTERM");

    let second = w.bot().await;
    // A job handed back in the middle of a call waits out the call's timeout (10 s) before
    // anyone takes it again, so that the call cannot still be under way.
    let messages = w
        .sim
        .wait_for_bot_messages(&room.id, 1, ANSWER + Duration::from_secs(10))
        .await;
    assert_eq!(messages.len(), 1, "the handed-back job was not resumed");
    assert_eq!(
        messages[0].attachments.len(),
        1,
        "{}",
        text_of(&messages[0])
    );
    second.kill_9().await;
}

#[tokio::test]
async fn a_running_replica_takes_over_a_dead_ones_create_within_seconds() {
    let w = world().await;
    let (
        first,
        Conversation {
            manager,
            room,
            card,
        },
    ) = w.bot_with_card().await;
    w.sim.inject(delay("POST", "/v1/people"));
    w.sim.submit(&manager, &card.id, jane()).await;
    w.call_under_way("POST", "/v1/people").await;
    // Another replica on the same database, behind its own address, already running.
    let other_addr = std::net::TcpListener::bind("127.0.0.1:0")
        .expect("a free port")
        .local_addr()
        .expect("addr");
    let other = BotProcess::spawn(&w.sim, &w.database_url, other_addr, &w.secret).await;
    first.kill_9().await;
    let killed = Instant::now();
    let messages = w
        .sim
        .wait_for_bot_messages(&room.id, 2, Duration::from_secs(5))
        .await;
    assert_eq!(messages.len(), 2, "no result within 5 s of the kill");
    assert!(killed.elapsed() < Duration::from_secs(5));
    assert!(
        text_of(&messages[1]).contains("created"),
        "{}",
        text_of(&messages[1])
    );
    assert_eq!(w.creates(), 1);
    other.kill_9().await;
}

#[tokio::test]
async fn two_processes_start_together_on_one_fresh_sqlite_file() {
    crate::helpers::logs();
    let sim = Simulator::start().await.expect("simulator");
    let dir = crate::helpers::TempDir::new();
    let database_url = format!("sqlite://{}/fresh.db", dir.path().display());
    let free = || {
        std::net::TcpListener::bind("127.0.0.1:0")
            .expect("a free port")
            .local_addr()
            .expect("addr")
    };
    // Both migrate the new file at once; each must come up.
    let (one, two) = tokio::join!(
        BotProcess::spawn(&sim, &database_url, free(), "secret-one"),
        BotProcess::spawn(&sim, &database_url, free(), "secret-two"),
    );
    one.kill_9().await;
    two.kill_9().await;
}

#[tokio::test]
async fn kill_9_between_steps_leaves_one_membership_and_one_welcome() {
    let w = world().await;
    let lead = w.sim.add_person("lea.lead@example.com", "Lea Lead");
    let space = w.sim.group_room("Engineering", &[&lead]);
    let team = w.sim.team("Platform", &[&lead]);
    let dir = crate::helpers::TempDir::new();
    let file = dir.path().join("templates.toml");
    std::fs::write(
        &file,
        format!(
            "[[template]]\nname = \"Engineering\"\ndepartments = [\"Engineering\"]\n\
             rooms = [\"{}\"]\nteams = [\"{}\"]\nwelcome = \"Welcome, {{firstName}}!\"\n",
            space.id, team.id
        ),
    )
    .expect("writes the templates");
    let path = file.display().to_string();
    let env = [("ONBOARD_TEMPLATES", path.as_str())];
    let first = w.bot_with(&env).await;
    let manager = w.sim.add_person("mia.manager@example.com", "Mia Manager");
    let room = w.sim.direct_room(&manager);
    w.sim.say(&manager, &room, "onboard").await;
    let card = w
        .sim
        .wait_for_bot_messages(&room.id, 1, ANSWER)
        .await
        .remove(0);
    // From now on a message is posted and never answered: the reply, and the welcome.
    w.sim.inject(webex_sim::Fault {
        method: "POST".into(),
        path_prefix: "/v1/messages".into(),
        kind: webex_sim::FaultKind::DoThenHang,
        times: 2,
    });
    w.sim
        .submit(
            &manager,
            &card.id,
            serde_json::json!({"email": "jane.doe@example.com", "firstName": "Jane",
                               "department": "Engineering"}),
        )
        .await;
    let email = "jane.doe@example.com";
    let deadline = Instant::now() + ANSWER;
    let person = loop {
        let person = w
            .sim
            .people_with_email(email)
            .first()
            .and_then(|p| p["id"].as_str().map(str::to_owned));
        if let Some(id) = &person
            && w.sim.room_members(&space.id).contains(id)
            && w.sim.team_members(&team.id).contains(id)
            && w.sim.direct_messages_with(email).len() == 1
        {
            break person;
        }
        assert!(Instant::now() < deadline, "the steps did not run");
        tokio::time::sleep(Duration::from_millis(20)).await;
    };
    // The welcome is posted, its answer never came: the process dies in that step.
    first.kill_9().await;
    let second = w.bot_with(&env).await;
    let deadline = Instant::now() + ANSWER;
    while !w
        .sim
        .messages_in(&room.id)
        .iter()
        .any(|m| text_of(m).contains("got the welcome message"))
    {
        assert!(Instant::now() < deadline, "the welcome step did not finish");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    tokio::time::sleep(Duration::from_millis(600)).await;
    assert!(person.is_some());
    assert_eq!(
        w.sim.direct_messages_with(email).len(),
        1,
        "a second welcome"
    );
    let added = |path: &str| {
        w.sim
            .calls()
            .iter()
            .filter(|c| c.method == "POST" && c.path == path && (200..300).contains(&c.status))
            .count()
    };
    assert_eq!(added("/v1/memberships"), 1);
    assert_eq!(added("/v1/team/memberships"), 1);
    second.kill_9().await;
}
