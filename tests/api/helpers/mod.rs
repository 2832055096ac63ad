//! Starting the bot against the simulator, and what tests look at afterwards.

mod logs;

use std::time::Duration;

use serde_json::{Value, json};
use webex_onboard::sandbox::{Sandbox, SandboxOptions};
use webex_sim::{SimMessage, SimPerson, SimRoom, Simulator};

pub use logs::logs;

/// How long a test waits for the bot to answer.
pub const ANSWER: Duration = Duration::from_secs(15);

/// Waits until `ready` holds, for as long as the bot is given to answer; fails saying `what`.
pub async fn wait_until(what: &str, mut ready: impl FnMut() -> bool) {
    let deadline = std::time::Instant::now() + ANSWER;
    while !ready() {
        assert!(std::time::Instant::now() < deadline, "{what}");
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
}

/// A running bot, its simulated Webex, and a manager in a 1:1 space with the bot.
pub struct TestApp {
    pub sandbox: Sandbox,
    pub sim: Simulator,
    pub manager: SimPerson,
    pub room: SimRoom,
    pub http: reqwest::Client,
    /// The SQLite database's folder, kept while the test runs (a restart reuses the database).
    pub _temp: Option<TempDir>,
    /// The PostgreSQL database, dropped when the test ends.
    pub _database: Option<TestDatabase>,
}

/// A PostgreSQL database made for one test, dropped when the test ends, whether it passes or
/// fails (the bots still connected to it are disconnected).
pub struct TestDatabase {
    url: String,
    name: String,
    admin_url: String,
}

impl TestDatabase {
    /// Its URL.
    pub fn url(&self) -> String {
        self.url.clone()
    }
}

impl Drop for TestDatabase {
    fn drop(&mut self) {
        let (admin_url, name) = (self.admin_url.clone(), self.name.clone());
        // Drop runs inside the test's runtime, which cannot block on itself: a thread of its own.
        let dropped = std::thread::spawn(move || {
            let Ok(runtime) = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
            else {
                return;
            };
            runtime.block_on(async {
                let Ok(pool) = sqlx::PgPool::connect(&admin_url).await else {
                    return;
                };
                let _ = sqlx::query(sqlx::AssertSqlSafe(format!(
                    "DROP DATABASE IF EXISTS {name} WITH (FORCE)"
                )))
                .execute(&pool)
                .await;
                pool.close().await;
            });
        });
        let _ = dropped.join();
    }
}

/// A fresh database for one test: PostgreSQL when `TEST_DATABASE_URL` is set; none otherwise,
/// and the test makes a SQLite file in a [`TempDir`].
pub async fn fresh_database() -> Option<TestDatabase> {
    let admin_url = std::env::var("TEST_DATABASE_URL").ok()?;
    let name = format!("webex_onboard_test_{:016x}", fastrand::u64(..));
    let pool = sqlx::PgPool::connect(&admin_url)
        .await
        .expect("TEST_DATABASE_URL reachable");
    sqlx::query(sqlx::AssertSqlSafe(format!("CREATE DATABASE {name}")))
        .execute(&pool)
        .await
        .expect("can create a test database");
    pool.close().await;
    let base = admin_url
        .rsplit_once('/')
        .map_or(admin_url.as_str(), |(base, _)| base);
    Some(TestDatabase {
        url: format!("{base}/{name}"),
        name,
        admin_url,
    })
}

pub async fn spawn_app() -> TestApp {
    spawn_app_with(SandboxOptions::default()).await
}

pub async fn spawn_app_with(options: SandboxOptions) -> TestApp {
    logs();
    let sim = Simulator::start().await.expect("simulator starts");
    spawn_app_on(sim, options).await
}

/// Starts the bot against a simulator the test has set up already (rooms, licenses...).
pub async fn spawn_app_on(sim: Simulator, mut options: SandboxOptions) -> TestApp {
    logs();
    let mut temp = None;
    let mut database = None;
    if options.database_url.is_none() {
        options.database_url = match fresh_database().await {
            Some(db) => {
                let url = db.url();
                database = Some(db);
                Some(url)
            }
            None => {
                let dir = TempDir::new();
                let url = format!("sqlite://{}", dir.path().join("bot.db").display());
                temp = Some(dir);
                Some(url)
            }
        };
    }
    let sandbox = Sandbox::start(sim.clone(), options)
        .await
        .expect("bot starts");
    let manager = sim.add_person("mia.manager@example.com", "Mia Manager");
    let room = sim.direct_room(&manager);
    TestApp {
        sandbox,
        sim,
        manager,
        room,
        http: reqwest::Client::new(),
        _temp: temp,
        _database: database,
    }
}

impl TestApp {
    /// Posts raw bytes to the bot's webhook with this signature header (or none).
    pub async fn post_webhook(&self, body: &[u8], signature: Option<&str>) -> reqwest::Response {
        let mut request = self
            .http
            .post(format!("{}/webhook", self.sandbox.bot_url))
            .header("content-type", "application/json")
            .body(body.to_vec());
        if let Some(signature) = signature {
            request = request.header("X-Spark-Signature", signature);
        }
        request.send().await.expect("the bot answers")
    }

    /// The signature Webex would send for `body`.
    pub fn sign(&self, body: &[u8]) -> String {
        webex_sim::sign_webhook_body(&self.sandbox.secret, body)
    }

    /// A signed envelope as Webex posts it.
    pub fn envelope(&self, resource: &str, data: Value) -> Vec<u8> {
        serde_json::to_vec(&json!({
            "id": "webhook-id", "name": "test", "targetUrl": format!("{}/webhook", self.sandbox.bot_url),
            "resource": resource, "event": "created", "data": data
        }))
        .expect("serializes")
    }

    /// Waits until the bot has posted `count` messages in `room`, and returns them all.
    pub async fn bot_messages(&self, room: &SimRoom, count: usize) -> Vec<SimMessage> {
        let messages = self
            .sim
            .wait_for_bot_messages(&room.id, count, ANSWER)
            .await;
        assert!(
            messages.len() >= count,
            "expected {count} bot messages in the room, got {}: {:#?}",
            messages.len(),
            messages.iter().map(text_of).collect::<Vec<_>>()
        );
        messages
    }

    /// Waits until the bot has answered `count` times in the thread of `parent` in the room
    /// `room_id`, and returns those answers. Other messages of the bot's in the room (alerts,
    /// say) may come in any order around them.
    pub async fn thread(&self, room_id: &str, parent: &str, count: usize) -> Vec<SimMessage> {
        let bot = self.sim.bot().id;
        let deadline = std::time::Instant::now() + ANSWER;
        loop {
            let replies: Vec<SimMessage> = self
                .sim
                .messages_in(room_id)
                .into_iter()
                .filter(|m| m.person_id == bot && m.parent_id.as_deref() == Some(parent))
                .collect();
            if replies.len() >= count {
                return replies;
            }
            assert!(
                std::time::Instant::now() < deadline,
                "expected {count} answers in the thread, got {:?}",
                replies.iter().map(text_of).collect::<Vec<_>>()
            );
            tokio::time::sleep(Duration::from_millis(25)).await;
        }
    }

    /// Waits for a message of the bot's in `room` that is not among `seen`.
    pub async fn new_bot_message(&self, room: &SimRoom, seen: &[&SimMessage]) -> SimMessage {
        let bot = self.sim.bot().id;
        let deadline = std::time::Instant::now() + ANSWER;
        loop {
            let new = self
                .sim
                .messages_in(&room.id)
                .into_iter()
                .find(|m| m.person_id == bot && seen.iter().all(|s| s.id != m.id));
            if let Some(message) = new {
                return message;
            }
            assert!(
                std::time::Instant::now() < deadline,
                "the bot said nothing new"
            );
            tokio::time::sleep(Duration::from_millis(25)).await;
        }
    }

    /// Waits until the message is gone from `room` (deleted).
    pub async fn gone(&self, room: &SimRoom, message: &SimMessage) -> bool {
        let deadline = std::time::Instant::now() + ANSWER;
        while std::time::Instant::now() < deadline {
            if self
                .sim
                .messages_in(&room.id)
                .iter()
                .all(|m| m.id != message.id)
            {
                return true;
            }
            tokio::time::sleep(Duration::from_millis(25)).await;
        }
        false
    }

    /// How many messages the bot has posted in `room` so far.
    pub fn bot_count(&self, room: &SimRoom) -> usize {
        let bot = self.sim.bot().id;
        self.sim
            .messages_in(&room.id)
            .iter()
            .filter(|m| m.person_id == bot)
            .count()
    }

    /// Asks for a card in the manager's room and returns it.
    pub async fn card_for_manager(&self) -> SimMessage {
        let before = self.bot_count(&self.room);
        self.sim.say(&self.manager, &self.room, "onboard").await;
        let messages = self.bot_messages(&self.room, before + 1).await;
        let card = messages.last().cloned().expect("a message");
        assert_eq!(
            card.attachments.len(),
            1,
            "expected a card, got {}",
            text_of(&card)
        );
        card
    }

    /// Posts a card as someone (a person's or the bot's token), as any Webex client can, and
    /// returns the message's id.
    pub async fn post_card_as(&self, token: &str, room: &SimRoom, card: Value) -> String {
        let posted: Value = self
            .http
            .post(format!("{}/messages", self.sim.api_url()))
            .bearer_auth(token)
            .json(&json!({"roomId": room.id, "markdown": "a card",
                "attachments": [webex_onboard::cards::attachment(card)]}))
            .send()
            .await
            .expect("posts")
            .json()
            .await
            .expect("json");
        posted["id"].as_str().expect("a message id").to_owned()
    }

    /// The `POST /people` calls the simulator received.
    pub fn create_calls(&self) -> usize {
        self.sim
            .calls()
            .iter()
            .filter(|c| c.method == "POST" && c.path == "/v1/people")
            .count()
    }

    /// The `POST /people` calls Webex answered with success: each made a person.
    pub fn successful_create_calls(&self) -> usize {
        self.sim
            .calls()
            .iter()
            .filter(|c| {
                c.method == "POST" && c.path == "/v1/people" && (200..300).contains(&c.status)
            })
            .count()
    }

    /// Gives the bot time to act on anything it should not act on, then lets the test look.
    pub async fn settle(&self) {
        tokio::time::sleep(Duration::from_millis(600)).await;
    }
}

/// What a person reads in a message.
pub fn text_of(message: &SimMessage) -> String {
    message
        .markdown
        .clone()
        .or_else(|| message.text.clone())
        .unwrap_or_default()
}

/// A complete, valid form.
pub fn jane() -> Value {
    json!({"email": "jane.doe@example.com", "firstName": "Jane", "lastName": "Doe",
           "department": "Engineering", "title": "Engineer"})
}

/// A folder of its own for one test, removed when the test ends, whether it passes or fails.
pub struct TempDir(std::path::PathBuf);

impl TempDir {
    pub fn new() -> Self {
        let path =
            std::env::temp_dir().join(format!("webex-onboard-test-{:016x}", fastrand::u64(..)));
        std::fs::create_dir_all(&path).expect("a temporary folder");
        Self(path)
    }

    pub fn path(&self) -> &std::path::Path {
        &self.0
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// The element with this `id`, anywhere in a card.
pub fn element<'a>(card: &'a Value, id: &str) -> Option<&'a Value> {
    if card.get("id").and_then(Value::as_str) == Some(id) {
        return Some(card);
    }
    match card {
        Value::Object(map) => map.values().find_map(|v| element(v, id)),
        Value::Array(items) => items.iter().find_map(|v| element(v, id)),
        _ => None,
    }
}

impl TestApp {
    /// The manager asks for `count` forms and submits each for a new hire
    /// `{prefix}{n}@example.com`; returns the emails.
    pub async fn onboard_many(&self, prefix: &str, count: usize) -> Vec<String> {
        let cards = self.ask_for_forms(count).await;
        self.submit_forms(&cards, prefix).await
    }

    /// The manager asks for `count` forms; returns them once they are all there.
    pub async fn ask_for_forms(&self, count: usize) -> Vec<SimMessage> {
        let bot = self.sim.bot().id;
        let cards_now = || {
            self.sim
                .messages_in(&self.room.id)
                .into_iter()
                .filter(|m| {
                    m.person_id == bot && !m.attachments.is_empty() && m.parent_id.is_none()
                })
                .count()
        };
        let before = cards_now();
        for _ in 0..count {
            self.sim.say(&self.manager, &self.room, "onboard").await;
        }
        let deadline = std::time::Instant::now() + ANSWER * 4;
        while cards_now() < before + count {
            assert!(
                std::time::Instant::now() < deadline,
                "the forms did not all come"
            );
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        self.sim
            .messages_in(&self.room.id)
            .into_iter()
            .filter(|m| m.person_id == bot && !m.attachments.is_empty() && m.parent_id.is_none())
            .skip(before)
            .collect()
    }

    /// The manager submits each form for a new hire `{prefix}{n}@example.com`; returns the
    /// emails.
    pub async fn submit_forms(&self, cards: &[SimMessage], prefix: &str) -> Vec<String> {
        let mut emails = Vec::new();
        for (n, card) in cards.iter().enumerate() {
            let email = format!("{prefix}{n}@example.com");
            self.sim
                .submit(
                    &self.manager,
                    &card.id,
                    json!({"email": email, "firstName": "Hire", "lastName": format!("{n}")}),
                )
                .await;
            emails.push(email);
        }
        emails
    }

    /// Waits until each of `emails` has a Webex account, and says how many each has.
    pub async fn wait_for_people(&self, emails: &[String], within: Duration) -> Vec<usize> {
        let deadline = std::time::Instant::now() + within;
        loop {
            let counts: Vec<usize> = emails
                .iter()
                .map(|e| self.sim.people_with_email(e).len())
                .collect();
            if counts.iter().all(|&n| n >= 1) || std::time::Instant::now() > deadline {
                return counts;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }
}

/// One number from the bot's database, by SQL: what tests count that the bot does not show.
pub async fn sql_number(database_url: &str, sql: &'static str) -> i64 {
    sql_number_of(database_url, sql, 0).await
}

/// [`sql_number`] of a statement with one number parameter, `$1`.
pub async fn sql_number_of(database_url: &str, sql: &'static str, parameter: i64) -> i64 {
    if database_url.starts_with("sqlite:") {
        let pool = sqlx::SqlitePool::connect(database_url)
            .await
            .expect("the database");
        let n = sqlx::query_scalar(sql)
            .bind(parameter)
            .fetch_one(&pool)
            .await
            .expect("a number");
        pool.close().await;
        n
    } else {
        let pool = sqlx::PgPool::connect(database_url)
            .await
            .expect("the database");
        let n = sqlx::query_scalar(sql)
            .bind(parameter)
            .fetch_one(&pool)
            .await
            .expect("a number");
        pool.close().await;
        n
    }
}

/// Asks [`sql_number`] again and again until `ready` holds of its answer, for as long as the
/// bot is given to answer, and returns that answer; fails saying what the statement still gave.
pub async fn poll_sql(database_url: &str, sql: &'static str, ready: impl Fn(i64) -> bool) -> i64 {
    poll_sql_of(database_url, sql, 0, ready).await
}

/// [`poll_sql`] of a statement with one number parameter, `$1`.
pub async fn poll_sql_of(
    database_url: &str,
    sql: &'static str,
    parameter: i64,
    ready: impl Fn(i64) -> bool,
) -> i64 {
    let deadline = std::time::Instant::now() + ANSWER;
    loop {
        let n = sql_number_of(database_url, sql, parameter).await;
        if ready(n) {
            return n;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "`{sql}` (with $1 = {parameter}) still gives {n} after {ANSWER:?}"
        );
        // Each look opens a connection: not as often as `wait_until` looks.
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// How many alerts the bot has raised (each one a job that posts it), posted yet or not.
pub async fn alerts_raised(app: &TestApp) -> i64 {
    sql_number(
        &app.sandbox.database_url,
        "SELECT COUNT(*) FROM jobs WHERE dedupe_key LIKE 'alert/%'",
    )
    .await
}

/// One sample of the bot's `/metrics`, named with its labels as the page shows them
/// (`name{label="value"}`); 0 when the page does not show it (yet).
pub async fn metric(app: &TestApp, series: &str) -> f64 {
    metrics_page(app)
        .await
        .lines()
        .find_map(|line| line.strip_prefix(series)?.strip_prefix(' ')?.parse().ok())
        .unwrap_or(0.0)
}

/// The bot's `/metrics` page as it stands.
pub async fn metrics_page(app: &TestApp) -> String {
    app.http
        .get(&app.sandbox.metrics_url)
        .send()
        .await
        .expect("metrics answer")
        .text()
        .await
        .expect("text")
}
