//! Onboarding a cohort from a CSV file sent in chat: the preview, the decisions, the paced
//! creates, cancel, and the report.

use std::collections::HashMap;
use std::time::{Duration, Instant};

use serde_json::{Value, json};
use tokio::io::AsyncWriteExt;
use webex_onboard::domain::BulkLimits;
use webex_onboard::sandbox::SandboxOptions;
use webex_sim::{SimMessage, Simulator};

use crate::approvals::with_approvers_and;
use crate::helpers::{ANSWER, TestApp, spawn_app_on, spawn_app_with, text_of};

/// A pace fast enough for tests.
fn fast() -> SandboxOptions {
    SandboxOptions {
        bulk: BulkLimits {
            rate: 20.0,
            max_rows: 5_000,
        },
        ..SandboxOptions::default()
    }
}

/// The manager sends a file; returns the bot's answer (the preview, when the file is good).
async fn send_file(app: &TestApp, name: &str, content: &str) -> SimMessage {
    let seen = app.sim.messages_in(&app.room.id);
    let seen: Vec<&SimMessage> = seen.iter().collect();
    app.sim
        .say_with_file(
            &app.manager,
            &app.room,
            "",
            name,
            "text/csv",
            content.as_bytes().to_vec(),
        )
        .await;
    app.new_bot_message(&app.room, &seen).await
}

/// A file of `people` new hires, `{prefix}0@example.com` onwards.
fn cohort(prefix: &str, people: usize) -> String {
    std::iter::once("email,firstName\n".to_owned())
        .chain((0..people).map(|n| format!("{prefix}{n}@example.com,Hire\n")))
        .collect()
}

/// Waits until `ready` holds, failing the test with `what` after `ANSWER`.
async fn wait_until(what: &str, mut ready: impl FnMut() -> bool) {
    let deadline = Instant::now() + ANSWER;
    while !ready() {
        assert!(Instant::now() < deadline, "{what}");
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
}

/// Whether the bot said something containing `needle` in the room.
fn said(sim: &Simulator, room_id: &str, needle: &str) -> bool {
    sim.messages_in(room_id)
        .iter()
        .any(|m| text_of(m).contains(needle))
}

/// The facts of a preview card, by title.
fn counts(preview: &SimMessage) -> HashMap<String, String> {
    let card = &preview.attachments[0]["content"];
    let facts = crate::helpers::element(card, "counts").expect("a counts fact set");
    facts["facts"]
        .as_array()
        .expect("facts")
        .iter()
        .map(|f| {
            (
                f["title"].as_str().unwrap_or("").to_owned(),
                f["value"].as_str().unwrap_or("").to_owned(),
            )
        })
        .collect()
}

/// The text of every line of problems on a preview card.
fn details(preview: &SimMessage) -> String {
    let card = &preview.attachments[0]["content"];
    crate::helpers::element(card, "details").map_or_else(String::new, Value::to_string)
}

/// Waits for the bot's report in `room` and returns its rows, by email.
async fn report(app: &TestApp, room_id: &str) -> HashMap<String, Vec<String>> {
    let deadline = Instant::now() + ANSWER * 2;
    loop {
        let report = app
            .sim
            .messages_in(room_id)
            .into_iter()
            .find(|m| !m.files.is_empty() && m.person_id == app.sim.bot().id);
        if let Some(report) = report {
            // Time for a second report to come, if one would.
            app.settle().await;
            assert_eq!(
                app.sim
                    .messages_in(room_id)
                    .iter()
                    .filter(|m| !m.files.is_empty() && m.person_id == app.sim.bot().id)
                    .count(),
                1,
                "one report"
            );
            let file = app.sim.file(&report.files[0]).expect("the report file");
            assert!(file.name.ends_with(".csv"), "{}", file.name);
            let text = String::from_utf8(file.bytes).expect("UTF-8");
            let mut lines = text.lines();
            assert_eq!(
                lines.next(),
                Some("row,email,outcome,person id,error,tracking id")
            );
            return lines
                .map(|line| line.split(',').map(str::to_owned).collect::<Vec<_>>())
                .map(|cells| (cells[1].clone(), cells))
                .collect();
        }
        assert!(Instant::now() < deadline, "no report came");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// The `POST /people` calls the simulator answered with `status`.
fn creates_answered(sim: &Simulator, status: u16) -> usize {
    sim.calls()
        .iter()
        .filter(|c| c.method == "POST" && c.path == "/v1/people" && c.status == status)
        .count()
}

const MIXED: &str = "email,firstName,lastName,title\n\
    ada@example.com,Ada,Lovelace,Engineer\n\
    not-an-email,Bad,Row,\n\
    grace@example.com,Grace,Hopper,\n\
    ADA@example.com,Ada,Again,\n\
    known@example.com,Known,Person,\n\
    linus@example.com,,,\n";

#[tokio::test]
async fn a_mixed_file_gets_a_true_preview_and_confirm_creates_exactly_the_valid_new_rows() {
    let app = spawn_app_with(fast()).await;
    app.sim.add_person("known@example.com", "Known Person");
    let preview = send_file(&app, "cohort.csv", MIXED).await;
    assert_eq!(preview.attachments.len(), 1, "{}", text_of(&preview));
    let facts = counts(&preview);
    assert_eq!(facts["Rows"], "6");
    assert_eq!(facts["Valid and new"], "2");
    assert_eq!(facts["Invalid"], "2");
    assert_eq!(facts["Repeated emails"], "1");
    assert_eq!(facts["Exist already"], "1");
    let lines = details(&preview);
    assert!(lines.contains("Line 3: not-an-email"), "{lines}");
    assert!(lines.contains("Line 5: ADA@example.com"), "{lines}");
    assert!(
        lines.contains("Line 6: known@example.com exists already"),
        "{lines}"
    );
    assert!(lines.contains("Line 7: linus@example.com"), "{lines}");
    // Nothing happens before Confirm.
    app.settle().await;
    assert_eq!(app.create_calls(), 0);

    app.sim.submit(&app.manager, &preview.id, json!({})).await;
    let rows = report(&app, &app.room.id).await;
    assert_eq!(rows["ada@example.com"][2], "created");
    assert_eq!(rows["grace@example.com"][2], "created");
    assert_eq!(rows["not-an-email"][2], "invalid");
    assert_eq!(rows["ADA@example.com"][2], "invalid");
    assert_eq!(rows["known@example.com"][2], "existed");
    assert_eq!(rows["linus@example.com"][2], "invalid");
    assert!(!rows["ada@example.com"][3].is_empty(), "a person id");
    assert_eq!(app.sim.people_with_email("ada@example.com").len(), 1);
    assert_eq!(app.sim.people_with_email("grace@example.com").len(), 1);
    assert_eq!(app.successful_create_calls(), 2);
    // The progress and the report are in the preview's thread.
    let thread: Vec<SimMessage> = app
        .sim
        .messages_in(&app.room.id)
        .into_iter()
        .filter(|m| m.parent_id.as_deref() == Some(preview.id.as_str()))
        .collect();
    assert!(
        thread.iter().any(|m| text_of(m).contains("**Progress**")),
        "{:?}",
        thread.iter().map(text_of).collect::<Vec<_>>()
    );
    // `status` names the batch and the line.
    let seen = app.sim.messages_in(&app.room.id);
    let seen: Vec<&SimMessage> = seen.iter().collect();
    app.sim
        .say(&app.manager, &app.room, "status grace@example.com")
        .await;
    let status = app.new_bot_message(&app.room, &seen).await;
    assert!(
        text_of(&status).contains("line 4: created"),
        "{}",
        text_of(&status)
    );
    // Every row is in the audit trail under the batch.
    let store = webex_onboard::store::Store::connect_read_only(&app.sandbox.database_url)
        .await
        .expect("the database");
    let trail = store.audit().await.expect("the trail");
    let in_batch: Vec<_> = trail.iter().filter(|e| e.batch_id.is_some()).collect();
    for email in [
        "ada@example.com",
        "grace@example.com",
        "not-an-email",
        "ADA@example.com",
        "known@example.com",
        "linus@example.com",
    ] {
        assert!(
            in_batch.iter().any(|e| e.email.as_deref() == Some(email)),
            "{email} is not in the trail"
        );
    }
}

#[tokio::test]
async fn control_hub_headers_a_bom_and_semicolons_are_read_and_a_file_too_long_is_refused() {
    let app = spawn_app_with(fast()).await;
    let file = "\u{FEFF}User ID/Email (Required);First Name;Last Name;Display Name;Caller ID\n\
                jane@example.com;Jane;Doe;Jane D.;x\n";
    let preview = send_file(&app, "export.csv", file).await;
    assert_eq!(
        counts(&preview)["Valid and new"],
        "1",
        "{}",
        text_of(&preview)
    );
    app.sim.submit(&app.manager, &preview.id, json!({})).await;
    let rows = report(&app, &app.room.id).await;
    assert_eq!(rows["jane@example.com"][2], "created");
    let person = &app.sim.people_with_email("jane@example.com")[0];
    assert_eq!(person["displayName"], "Jane D.");

    let many: String = std::iter::once("email\n".to_owned())
        .chain((0..6_000).map(|n| format!("p{n}@example.com\n")))
        .collect();
    let refused = send_file(&app, "many.csv", &many).await;
    assert!(
        text_of(&refused).contains("more than 5000 people"),
        "{}",
        text_of(&refused)
    );
    assert!(refused.attachments.is_empty());
}

#[tokio::test]
async fn a_file_over_2_mib_is_refused_unread() {
    let app = spawn_app_with(fast()).await;
    // Few people, each with a long note in a column the bot does not read.
    let file = |people: usize| -> String {
        std::iter::once("email,firstName,notes\n".to_owned())
            .chain((0..people).map(|n| format!("p{n}@example.com,P,{}\n", "x".repeat(20_000))))
            .collect()
    };
    let big = file(110);
    assert!(big.len() > 2 * 1024 * 1024);
    let answer = send_file(&app, "big.csv", &big).await;
    assert!(
        text_of(&answer).contains("larger than 2 MiB"),
        "{}",
        text_of(&answer)
    );
    assert!(answer.attachments.is_empty());
    let fits = file(100);
    assert!(fits.len() < 2 * 1024 * 1024);
    let preview = send_file(&app, "fits.csv", &fits).await;
    assert_eq!(preview.attachments.len(), 1, "{}", text_of(&preview));
    assert_eq!(counts(&preview)["Valid and new"], "100");
}

#[tokio::test]
async fn a_download_url_on_another_host_is_never_fetched() {
    let app = spawn_app_with(fast()).await;
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("a port");
    let address = listener.local_addr().expect("an address");
    let fetched = std::sync::Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let counter = fetched.clone();
    tokio::spawn(async move {
        while let Ok((mut stream, _)) = listener.accept().await {
            counter.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
            let _ = stream
                .write_all(b"HTTP/1.1 200 OK\r\ncontent-length: 6\r\n\r\nemail\n")
                .await;
        }
    });
    let url = format!("http://{address}/v1/contents/evil");
    app.sim
        .say_with_file_url(&app.manager, &app.room, "", &url)
        .await;
    let answer = app.new_bot_message(&app.room, &[]).await;
    assert!(
        text_of(&answer).contains("not stored on Webex"),
        "{}",
        text_of(&answer)
    );
    app.settle().await;
    assert_eq!(fetched.load(std::sync::atomic::Ordering::SeqCst), 0);
}

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
    let said = app
        .sim
        .messages_in(&app.room.id)
        .iter()
        .map(text_of)
        .collect::<Vec<_>>();
    assert!(
        said.iter()
            .any(|t| t.contains("already, so that click did nothing")),
        "{said:?}"
    );
}

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
async fn cancel_in_the_thread_stops_the_rows_not_started_and_the_report_lists_them() {
    let options = SandboxOptions {
        bulk: BulkLimits {
            rate: 1.0,
            max_rows: 100,
        },
        ..SandboxOptions::default()
    };
    let app = spawn_app_with(options).await;
    let file = cohort("slow", 30);
    let preview = send_file(&app, "slow.csv", &file).await;
    app.sim.submit(&app.manager, &preview.id, json!({})).await;
    wait_until("nothing was created", || app.successful_create_calls() > 0).await;
    app.sim
        .say_in_thread(&app.manager, &app.room, &preview.id, "cancel")
        .await;
    let rows = report(&app, &app.room.id).await;
    let created = rows.values().filter(|r| r[2] == "created").count();
    let cancelled = rows.values().filter(|r| r[2] == "cancelled").count();
    assert_eq!(created + cancelled, 30, "{rows:?}");
    assert!(
        created >= 1 && cancelled >= 20,
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
    let seen = app.sim.messages_in(&approvals.approvers.id);
    let seen: Vec<&SimMessage> = seen.iter().collect();
    let card = app.new_bot_message(&approvals.approvers, &seen).await;
    app.sim
        .submit(&approvals.ben, &card.id, json!({"action": "approve"}))
        .await;
    let rows = report(app, &app.room.id).await;
    assert_eq!(rows["rae@example.com"][2], "created");
    assert_eq!(app.sim.people_with_email("rae@example.com").len(), 1);
}

#[tokio::test]
async fn two_replicas_killed_mid_batch_leave_one_person_per_row_and_one_report() {
    let w = crate::process::world().await;
    let manager = w.sim.add_person("mia.manager@example.com", "Mia Manager");
    let room = w.sim.direct_room(&manager);
    let pace = [("ONBOARD_BULK_RATE", "10")];
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

#[tokio::test]
async fn lines_beyond_a_licenses_free_units_are_invalid_in_the_preview() {
    let sim = Simulator::start().await.expect("simulator");
    sim.add_license("Webex Meetings", 1);
    let options = SandboxOptions {
        licenses: "Webex Meetings".into(),
        ..fast()
    };
    let app = spawn_app_on(sim, options).await;
    let file = "email,firstName,licenses\n\
                one@example.com,One,Webex Meetings\n\
                two@example.com,Two,webex meetings\n";
    let preview = send_file(&app, "units.csv", file).await;
    assert_eq!(
        counts(&preview)["Valid and new"],
        "1",
        "{}",
        details(&preview)
    );
    let lines = details(&preview);
    assert!(
        lines.contains("Line 3: two@example.com") && lines.contains("Webex Meetings"),
        "{lines}"
    );
}

#[test]
fn the_sample_file_in_the_docs_reads_as_three_people() {
    let sample = include_str!("../../docs/cohort-sample.csv");
    let rows = webex_onboard::domain::batch_file::read(sample.as_bytes(), 100).expect("readable");
    assert_eq!(rows.len(), 3);
    assert_eq!(rows[2].inputs["firstName"], "Kim, Jr.");
    assert_eq!(
        rows[1].inputs["licenses"],
        "Webex Meetings,Webex Calling - Professional"
    );
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
    let options = SandboxOptions {
        expiry: webex_onboard::ops::expiry::RequestExpiry {
            ttl: Duration::from_secs(1),
            every: Duration::from_millis(200),
        },
        ..fast()
    };
    let app = spawn_app_with(options).await;
    let preview = send_file(&app, "late.csv", "email,firstName\nlate@example.com,Late\n").await;
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

#[tokio::test]
async fn a_file_counts_as_a_request_against_the_senders_limits() {
    let options = SandboxOptions {
        limits: webex_onboard::store::RequestLimits {
            open: 20,
            per_hour: 1,
        },
        ..fast()
    };
    let app = spawn_app_with(options).await;
    let preview = send_file(&app, "one.csv", "email,firstName\none@example.com,One\n").await;
    assert_eq!(preview.attachments.len(), 1, "{}", text_of(&preview));
    let refused = send_file(&app, "two.csv", "email,firstName\ntwo@example.com,Two\n").await;
    assert!(
        text_of(&refused).contains("you sent 1 requests or files in the last hour"),
        "{}",
        text_of(&refused)
    );
    assert!(refused.attachments.is_empty());
}
