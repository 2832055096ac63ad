//! The bulk onboarding benchmark: a cohort's file of `BENCH_ROWS` people (1,000) against the
//! simulator, which creates at most `BENCH_RATE` people a second (20) and answers 429 with
//! `Retry-After` above that, and two bot processes on one database (`DATABASE_URL`), each
//! told to create at that rate. It prints the sustained rate of creates as a fraction of the
//! limit, the number of duplicates, and the time from *Confirm* to the first progress message.
//!
//! `bench/bulk` builds the release binary and runs this; see bench/README.md.

use std::net::SocketAddr;
use std::process::Stdio;
use std::time::{Duration, Instant};

use serde_json::json;
use tokio::process::{Child, Command};
use webex_sim::Simulator;

fn env_or<T: std::str::FromStr>(name: &str, default: T) -> T {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

fn free_addr() -> SocketAddr {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("a free port")
}

/// `webex-onboard serve` on its own address, with its webhooks registered there.
async fn replica(bot: &str, sim: &Simulator, database_url: &str, secret: &str, rate: u32) -> Child {
    let addr = free_addr();
    let child = Command::new(bot)
        .arg("serve")
        .env_clear()
        .env("WEBEX_BOT_TOKEN", sim.bot().token)
        .env("WEBEX_ADMIN_TOKEN", sim.admin().token)
        .env("WEBEX_WEBHOOK_SECRET", secret)
        .env("WEBEX_API_URL", sim.api_url())
        .env("WEBEX_PUBLIC_URL", format!("http://{addr}"))
        .env("LISTEN_ADDR", addr.to_string())
        .env("METRICS_ADDR", "127.0.0.1:0")
        .env("DATABASE_URL", database_url)
        .env("ONBOARD_REQUESTERS", "@example.com")
        .env("ONBOARD_BULK_RATE", rate.to_string())
        .env("RUST_LOG", "warn")
        .stdout(Stdio::null())
        .kill_on_drop(true)
        .spawn()
        .expect("the bot starts");
    let http = reqwest::Client::new();
    let deadline = Instant::now() + Duration::from_secs(30);
    while Instant::now() < deadline {
        let ready = http.get(format!("http://{addr}/readyz")).send().await;
        if ready.is_ok_and(|r| r.status() == 200) {
            return child;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("the bot did not become ready at {addr}");
}

#[tokio::main]
async fn main() {
    let _ = rustls::crypto::ring::default_provider().install_default();
    let rows: usize = env_or("BENCH_ROWS", 1_000);
    let rate: u32 = env_or("BENCH_RATE", 20);
    let bot = std::env::var("BENCH_BOT").unwrap_or_else(|_| "target/release/webex-onboard".into());
    let database_url = std::env::var("DATABASE_URL").expect("DATABASE_URL names a fresh database");
    let sim = Simulator::start().await.expect("the simulator starts");
    sim.limit_creates_per_second(rate, 1);
    let secret = format!("{:032x}", fastrand::u128(..));
    let mut replicas = [
        replica(&bot, &sim, &database_url, &secret, rate).await,
        replica(&bot, &sim, &database_url, &secret, rate).await,
    ];

    let manager = sim.add_person("mia.manager@example.com", "Mia Manager");
    let room = sim.direct_room(&manager);
    let file: String = std::iter::once("email,firstName,lastName\n".to_owned())
        .chain((0..rows).map(|n| format!("hire{n:05}@example.com,Hire,Number{n}\n")))
        .collect();
    let sent = Instant::now();
    sim.say_with_file(
        &manager,
        &room,
        "",
        "cohort.csv",
        "text/csv",
        file.into_bytes(),
    )
    .await;
    let preview = sim
        .wait_for_bot_messages(&room.id, 1, Duration::from_secs(120))
        .await
        .into_iter()
        .next()
        .expect("a preview");
    assert_eq!(
        preview.attachments.len(),
        1,
        "no preview card: {:?}",
        preview.markdown
    );
    let preview_after = sent.elapsed();
    let confirmed = Instant::now();
    sim.submit(&manager, &preview.id, json!({})).await;

    let bot_id = sim.bot().id;
    let mut first_progress = None;
    let limit = Duration::from_secs(
        u64::try_from(rows).unwrap_or(u64::MAX) / u64::from(rate.max(1)) * 3 + 60,
    );
    let report = loop {
        let messages = sim.messages_in(&room.id);
        if first_progress.is_none()
            && messages.iter().any(|m| {
                m.person_id == bot_id
                    && m.markdown
                        .as_deref()
                        .is_some_and(|t| t.contains("**Progress**"))
            })
        {
            first_progress = Some(confirmed.elapsed());
        }
        if let Some(report) = messages
            .iter()
            .find(|m| m.person_id == bot_id && !m.files.is_empty())
        {
            break report.clone();
        }
        assert!(confirmed.elapsed() < limit, "no report within {limit:?}");
        tokio::time::sleep(Duration::from_millis(20)).await;
    };
    let finished = confirmed.elapsed();

    let calls = sim.calls();
    let creates: Vec<Instant> = calls
        .iter()
        .filter(|c| c.method == "POST" && c.path == "/v1/people" && c.status == 200)
        .map(|c| c.received_at)
        .collect();
    let throttled = calls
        .iter()
        .filter(|c| c.method == "POST" && c.path == "/v1/people" && c.status == 429)
        .count();
    let (Some(first), Some(last)) = (creates.iter().min(), creates.iter().max()) else {
        panic!("nothing was created");
    };
    let span = last.duration_since(*first).as_secs_f64();
    let sustained = if span > 0.0 {
        (creates.len() - 1) as f64 / span
    } else {
        f64::NAN
    };
    let duplicates: usize = (0..rows)
        .map(|n| {
            sim.people_with_email(&format!("hire{n:05}@example.com"))
                .len()
        })
        .map(|found| found.saturating_sub(1))
        .sum();
    let missing = (0..rows)
        .filter(|n| {
            sim.people_with_email(&format!("hire{n:05}@example.com"))
                .is_empty()
        })
        .count();
    let report_file = sim.file(&report.files[0]).expect("the report's file");
    let created_lines = String::from_utf8_lossy(&report_file.bytes)
        .lines()
        .filter(|l| l.contains(",created,"))
        .count();

    let database = if database_url.starts_with("postgres") {
        "PostgreSQL"
    } else {
        "SQLite"
    };
    println!("rows                         {rows}");
    println!("limit R                      {rate} creates/s (429 with Retry-After: 1 above)");
    println!("replicas                     2, on {database}");
    println!(
        "preview after                {:.2} s",
        preview_after.as_secs_f64()
    );
    println!(
        "first progress after Confirm {:.3} s",
        first_progress.unwrap_or(finished).as_secs_f64()
    );
    println!(
        "report after Confirm         {:.1} s",
        finished.as_secs_f64()
    );
    println!(
        "created                      {} ({created_lines} in the report)",
        creates.len()
    );
    println!("answered 429                 {throttled}");
    println!(
        "sustained rate               {sustained:.2} creates/s = {:.3} R (target 0.95)",
        sustained / f64::from(rate)
    );
    println!("duplicates                   {duplicates} (must be 0)");
    println!("missing                      {missing} (must be 0)");
    let ok = duplicates == 0 && missing == 0 && created_lines == rows;
    // Exiting runs no destructor: the replicas are stopped first, or they would outlive the run.
    for replica in &mut replicas {
        let _ = replica.kill().await;
    }
    std::process::exit(if ok { 0 } else { 1 });
}
