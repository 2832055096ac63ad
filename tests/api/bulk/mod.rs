//! Onboarding a cohort from a CSV file sent in chat: the preview, the decisions, the paced
//! creates, cancel, and the report.

mod decisions;
mod files;
mod running;

use std::collections::HashMap;
use std::time::{Duration, Instant};

use serde_json::{Value, json};
use tokio::io::AsyncWriteExt;
use webex_onboard::domain::BulkLimits;
use webex_onboard::sandbox::SandboxOptions;
use webex_sim::{SimMessage, Simulator};

use crate::approvals::with_approvers_and;
use crate::helpers::{ANSWER, TestApp, spawn_app_on, spawn_app_with, text_of, wait_until};

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
