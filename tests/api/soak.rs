//! 500 submissions across two bot processes sharing one PostgreSQL, with about 10% of Webex
//! calls failing at random: 500 people, no duplicate, nothing lost.
//!
//! Slow, so ignored by default; `.ci/run` runs it with `TEST_DATABASE_URL` set.

use std::collections::HashSet;
use std::time::{Duration, Instant};

use serde_json::json;
use tokio::task::JoinSet;
use webex_onboard::domain::RequestState;
use webex_sim::Simulator;

use crate::helpers::{fresh_database, logs, text_of};
use crate::process::BotProcess;

const SUBMISSIONS: usize = 500;
const AT_ONCE: usize = 25;
const LIMIT: Duration = Duration::from_secs(600);

fn free_addr() -> std::net::SocketAddr {
    std::net::TcpListener::bind("127.0.0.1:0")
        .expect("a free port")
        .local_addr()
        .expect("addr")
}

async fn wait_until(what: &str, mut done: impl AsyncFnMut() -> bool) {
    let deadline = Instant::now() + LIMIT;
    while !done().await {
        assert!(Instant::now() < deadline, "gave up waiting for {what}");
        tokio::time::sleep(Duration::from_millis(250)).await;
    }
}

#[tokio::test]
#[ignore = "slow: run by .ci/run with TEST_DATABASE_URL"]
async fn soak_500_submissions_on_two_replicas_with_random_failures() {
    logs();
    let database = fresh_database()
        .await
        .expect("the soak needs TEST_DATABASE_URL (PostgreSQL)");
    let database_url = database.url();
    let sim = Simulator::start().await.expect("simulator");
    // Each replica registers its own webhooks, so every delivery reaches both.
    let replicas = [
        BotProcess::spawn_for_volume(
            &sim,
            &database_url,
            free_addr(),
            "secret-of-replica-a",
            SUBMISSIONS,
        )
        .await,
        BotProcess::spawn_for_volume(
            &sim,
            &database_url,
            free_addr(),
            "secret-of-replica-b",
            SUBMISSIONS,
        )
        .await,
    ];
    let manager = sim.add_person("mia.manager@example.com", "Mia Manager");
    let room = sim.direct_room(&manager);
    sim.set_random_failure_rate(0.1);
    let started = Instant::now();

    let mut asks = JoinSet::new();
    for n in 0..SUBMISSIONS {
        let (sim, manager, room) = (sim.clone(), manager.clone(), room.clone());
        asks.spawn(async move { sim.say(&manager, &room, "onboard").await });
        if n % AT_ONCE == AT_ONCE - 1 {
            while asks.join_next().await.is_some() {}
        }
    }
    while asks.join_next().await.is_some() {}
    let bot = sim.bot().id;
    let cards = || {
        sim.messages_in(&room.id)
            .into_iter()
            .filter(|m| m.person_id == bot && !m.attachments.is_empty())
            .collect::<Vec<_>>()
    };
    wait_until("500 cards", async || cards().len() >= SUBMISSIONS).await;

    let mut submits = JoinSet::new();
    for (n, card) in cards().into_iter().take(SUBMISSIONS).enumerate() {
        let (sim, manager) = (sim.clone(), manager.clone());
        submits.spawn(async move {
            let email = format!("hire{n:03}@example.com");
            sim.submit(
                &manager,
                &card.id,
                json!({"email": email, "firstName": "Hire", "lastName": format!("{n}")}),
            )
            .await
        });
        if n % AT_ONCE == AT_ONCE - 1 {
            while submits.join_next().await.is_some() {}
        }
    }
    while submits.join_next().await.is_some() {}

    let database = sqlx::PgPool::connect(&database_url)
        .await
        .expect("the database");
    let requests = async || -> Vec<(String, String)> {
        sqlx::query_as("SELECT card_message_id, state FROM requests")
            .fetch_all(&database)
            .await
            .expect("requests")
    };
    let is_final = |state: &str| RequestState::parse(state).is_ok_and(RequestState::is_final);
    wait_until("every request to finish", async || {
        let requests = requests().await;
        requests.len() == SUBMISSIONS && requests.iter().all(|(_, state)| is_final(state))
    })
    .await;
    let elapsed = started.elapsed();
    sim.set_random_failure_rate(0.0);

    let requests = requests().await;
    let not_created: Vec<_> = requests
        .iter()
        .filter(|(_, state)| state != "created")
        .collect();
    assert!(not_created.is_empty(), "{not_created:#?}");
    let mut duplicates = 0;
    for n in 0..SUBMISSIONS {
        let found = sim
            .people_with_email(&format!("hire{n:03}@example.com"))
            .len();
        assert!(found >= 1, "hire{n:03} was lost");
        duplicates += found - 1;
    }
    assert_eq!(duplicates, 0, "duplicates were created");
    // Every card's thread gets its result (a reply job retried after an ambiguous post may say
    // it twice). A reply is a job of its own, committed with the request's end: one whose post
    // failed at random may still be waiting out its retry when the last request is final.
    let cards_used: HashSet<String> = requests.into_iter().map(|(card, _)| card).collect();
    let unanswered = || {
        let answered: HashSet<String> = sim
            .messages_in(&room.id)
            .into_iter()
            .filter(|m| m.person_id == bot && text_of(m).contains("created"))
            .filter_map(|m| m.parent_id)
            .collect();
        cards_used.difference(&answered).count()
    };
    wait_until("every request's reply", async || unanswered() == 0).await;
    assert_eq!(unanswered(), 0, "requests got no reply");
    let failed_calls = sim.calls().iter().filter(|c| c.status >= 500).count();
    println!(
        "soak: {SUBMISSIONS} people, 0 duplicates, 0 lost, {failed_calls} failed Webex calls of {}, in {elapsed:?}",
        sim.calls().len()
    );
    database.close().await;
    for replica in replicas {
        replica.kill_9().await;
    }
}
