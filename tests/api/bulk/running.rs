//! A running batch: its pace under 429s, its progress message, and replicas killed mid-way.

use super::*;

#[tokio::test]
async fn under_a_429_storm_the_batch_slows_down_and_loses_nothing() {
    let sim = Simulator::start().await.expect("simulator");
    sim.limit_creates_per_second(2, 1);
    let app = spawn_app_on(sim, fast()).await;
    let file = cohort("storm", 10);
    let preview = send_file(&app, "storm.csv", &file).await;
    let started = Instant::now();
    app.sim.submit(&app.manager, &preview.id, json!({})).await;
    let rows = report(&app, &app.room.id).await;
    for n in 0..10 {
        let email = format!("storm{n}@example.com");
        assert_eq!(rows[&email][2], "created", "{:?}", rows[&email]);
        assert_eq!(app.sim.people_with_email(&email).len(), 1, "{email}");
    }
    let throttled = app
        .sim
        .calls()
        .iter()
        .filter(|c| c.path == "/v1/people" && c.method == "POST" && c.status == 429)
        .count();
    assert!(throttled > 0, "the storm never hit");
    // Each 429 holds the whole pace for its Retry-After: about one per second of the storm,
    // where lines that each waited alone would meet one every 51 ms.
    assert!(throttled <= 12, "{throttled} creates met a 429");
    assert_eq!(creates_answered(&app.sim, 409), 0);
    assert_eq!(creates_answered(&app.sim, 200), 10);
    // Ten creates at two a second take four seconds at least, whatever the bot asked for.
    assert!(
        started.elapsed() >= Duration::from_secs(4),
        "{:?}",
        started.elapsed()
    );
}

#[tokio::test]
async fn two_replicas_killed_mid_batch_leave_one_person_per_row_and_one_report() {
    let w = crate::process::world().await;
    let manager = w.sim.add_person("mia.manager@example.com", "Mia Manager");
    let room = w.sim.direct_room(&manager);
    // Slow enough that six seconds of the batch are left when the replicas die, for the
    // redelivery and the kill to happen in, however loaded the machine.
    let pace = [("ONBOARD_BULK_RATE", "3")];
    let first = w.bot_with(&pace).await;
    let second = w.replica_with(&pace).await;
    let file = cohort("crash", 24);
    w.sim
        .say_with_file(
            &manager,
            &room,
            "",
            "crash.csv",
            "text/csv",
            file.into_bytes(),
        )
        .await;
    let preview = w
        .sim
        .wait_for_bot_messages(&room.id, 1, ANSWER)
        .await
        .remove(0);
    assert_eq!(preview.attachments.len(), 1, "{}", text_of(&preview));
    // A second delivery of the same click, as Webex redelivers, starts nothing more.
    let click = w.sim.submit(&manager, &preview.id, json!({})).await;
    let created = |sim: &Simulator| {
        (0..24)
            .filter(|n| {
                !sim.people_with_email(&format!("crash{n}@example.com"))
                    .is_empty()
            })
            .count()
    };
    wait_until("the batch did not start", || created(&w.sim) >= 5).await;
    let redelivered = w
        .sim
        .deliveries()
        .into_iter()
        .find(|d| String::from_utf8_lossy(&d.body).contains(&click))
        .expect("the click's delivery");
    w.sim
        .deliver_raw(
            &redelivered.target_url,
            redelivered.body.clone(),
            redelivered.signature.clone(),
        )
        .await;
    // A create is under way when both replicas die.
    w.sim.inject(crate::process::delay("POST", "/v1/people"));
    w.call_under_way("POST", "/v1/people").await;
    first.kill_9().await;
    second.kill_9().await;
    assert!(created(&w.sim) < 24, "the batch ended before the kill");
    let restarted = w.bot_with(&pace).await;

    let deadline = Instant::now() + ANSWER * 2;
    let report = loop {
        let reports: Vec<SimMessage> = w
            .sim
            .messages_in(&room.id)
            .into_iter()
            .filter(|m| !m.files.is_empty() && m.person_id == w.sim.bot().id)
            .collect();
        if let Some(report) = reports.first() {
            break report.clone();
        }
        assert!(Instant::now() < deadline, "no report after the restart");
        tokio::time::sleep(Duration::from_millis(50)).await;
    };
    tokio::time::sleep(Duration::from_millis(600)).await;
    let file = w.sim.file(&report.files[0]).expect("the report file");
    let text = String::from_utf8(file.bytes).expect("UTF-8");
    for n in 0..24 {
        let email = format!("crash{n}@example.com");
        assert_eq!(w.sim.people_with_email(&email).len(), 1, "{email}: {text}");
    }
    let reports = w
        .sim
        .messages_in(&room.id)
        .iter()
        .filter(|m| !m.files.is_empty() && m.person_id == w.sim.bot().id)
        .count();
    assert_eq!(reports, 1);
    // One create call per line: the one cut off by the kill was looked up, not made again.
    assert_eq!(creates_answered(&w.sim, 409), 0);
    assert_eq!(w.creates(), 24);
    assert_eq!(
        text.lines().filter(|l| l.contains(",created,")).count(),
        24,
        "{text}"
    );
    restarted.kill_9().await;
}

#[tokio::test]
async fn progress_is_one_message_edited_in_the_thread_and_a_fresh_one_follows_when_edits_are_refused()
 {
    let options = SandboxOptions {
        bulk: BulkLimits {
            rate: 2.0,
            max_rows: 100,
        },
        ..SandboxOptions::default()
    };
    let app = spawn_app_with(options).await;
    let file = cohort("step", 24);
    let preview = send_file(&app, "steps.csv", &file).await;
    app.sim.submit(&app.manager, &preview.id, json!({})).await;
    let progress = |app: &TestApp| -> Vec<SimMessage> {
        app.sim
            .messages_in(&app.room.id)
            .into_iter()
            .filter(|m| {
                m.parent_id.as_deref() == Some(preview.id.as_str())
                    && text_of(m).contains("**Progress**")
            })
            .collect()
    };
    // The first look posts the message; the next one, five seconds on, edits it.
    wait_until("the progress was never edited", || {
        progress(&app).first().is_some_and(|m| m.edits > 0)
    })
    .await;
    let first = progress(&app).remove(0);
    assert!(text_of(&first).contains("left"), "{}", text_of(&first));
    // Webex refuses the next edit (as after ten): a fresh progress message follows.
    app.sim.inject(webex_sim::Fault {
        method: "PUT".into(),
        path_prefix: "/v1/messages/".into(),
        kind: webex_sim::FaultKind::Status {
            status: 400,
            retry_after: None,
        },
        times: 1,
    });
    wait_until("no fresh progress message", || progress(&app).len() >= 2).await;
    let rows = report(&app, &app.room.id).await;
    assert_eq!(rows.values().filter(|r| r[2] == "created").count(), 24);
    // At most one update every 5 seconds (the look that ends the batch included).
    let mut updates: Vec<std::time::Instant> = app
        .sim
        .calls()
        .iter()
        .filter(|c| c.method == "PUT" && c.path.starts_with("/v1/messages/"))
        .map(|c| c.received_at)
        .collect();
    updates.sort();
    for pair in updates.windows(2) {
        let apart = pair[1].duration_since(pair[0]);
        assert!(
            apart >= Duration::from_millis(4_900),
            "edits {apart:?} apart"
        );
    }
    let last = progress(&app).pop().expect("a progress message");
    assert!(text_of(&last).contains("24 done"), "{}", text_of(&last));
}
