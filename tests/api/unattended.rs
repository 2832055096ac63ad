//! Left alone for months: webhooks heal, alerts reach the helpdesk, `/metrics` counts what
//! happened, and old jobs go while redeliveries are still recognised.

use std::collections::BTreeMap;
use std::time::Duration;

use webex_onboard::ops::retention::Retention;
use webex_onboard::sandbox::{SandboxAdmin, SandboxOptions};
use webex_sim::{Fault, FaultKind, Simulator};

use crate::helpers::{TestApp, jane, spawn_app_on, sql_number, sql_number_of, text_of, wait_until};

async fn with_alerts(options: SandboxOptions) -> (TestApp, webex_sim::SimRoom) {
    let sim = Simulator::start().await.expect("simulator");
    let helpdesk = sim.add_person("helpdesk@example.com", "Helpdesk");
    let alerts = sim.group_room("Onboarding alerts", &[&helpdesk]);
    let options = SandboxOptions {
        alerts_room: Some(alerts.id.clone()),
        ..options
    };
    (spawn_app_on(sim, options).await, alerts)
}

fn bot_texts(app: &TestApp, room: &webex_sim::SimRoom) -> Vec<String> {
    let bot = app.sim.bot().id;
    app.sim
        .messages_in(&room.id)
        .iter()
        .filter(|m| m.person_id == bot)
        .map(text_of)
        .collect()
}

/// Whether both of the bot's webhooks are there and active, one of each.
fn ours_active(app: &TestApp) -> bool {
    let target = format!("{}/webhook", app.sandbox.bot_url);
    let hooks = app.sim.webhooks();
    ["messages", "attachmentActions"].iter().all(|resource| {
        let ours: Vec<_> = hooks
            .iter()
            .filter(|h| h["resource"] == *resource && h["targetUrl"] == target.as_str())
            .collect();
        ours.len() == 1 && ours[0]["status"] == "active"
    })
}

#[tokio::test]
async fn an_inactive_webhook_is_active_again_within_one_check_and_others_are_untouched() {
    let check = Duration::from_millis(400);
    let (app, alerts) = with_alerts(SandboxOptions {
        webhook_check: check,
        ..SandboxOptions::default()
    })
    .await;
    let foreign = app.sim.add_webhook_raw(
        &app.sim.bot(),
        "someone else's",
        "https://elsewhere.example/hook",
        "messages",
        "created",
        Some("theirs"),
    );
    // Deactivated at different moments of the check's period, each time healed within one.
    for offset in [0, 130, 270] {
        tokio::time::sleep(Duration::from_millis(offset)).await;
        app.sim.deactivate_webhooks();
        let deactivated = std::time::Instant::now();
        while !ours_active(&app) && deactivated.elapsed() < check * 5 {
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
        let healed_in = deactivated.elapsed();
        assert!(ours_active(&app), "{:#?}", app.sim.webhooks());
        assert!(
            healed_in <= check + Duration::from_millis(150),
            "active again {healed_in:?} after the deactivation, with a check every {check:?}"
        );
    }
    let hooks = app.sim.webhooks();
    let theirs = hooks
        .iter()
        .find(|h| h["id"] == foreign.as_str())
        .expect("there");
    assert_eq!(
        theirs["status"], "inactive",
        "a foreign webhook was touched"
    );
    // The bot hears again, and says what it did, once per webhook.
    app.card_for_manager().await;
    let said = bot_texts(&app, &alerts);
    assert_eq!(said.len(), 2, "{said:#?}");
    assert!(
        said.iter()
            .all(|t| t.contains("was inactive") && t.contains("re-activated"))
    );
}

#[tokio::test]
async fn a_healthy_bot_posts_no_alert_and_changes_no_webhook_over_several_checks() {
    let sim = Simulator::start().await.expect("simulator");
    sim.set_access_token_lifetime(Duration::from_secs(2));
    let refresh_token = sim.grant_admin_refresh_token();
    let helpdesk = sim.add_person("helpdesk@example.com", "Helpdesk");
    let alerts = sim.group_room("Onboarding alerts", &[&helpdesk]);
    let options = SandboxOptions {
        alerts_room: Some(alerts.id.clone()),
        admin: SandboxAdmin::OAuth { refresh_token },
        webhook_check: Duration::from_millis(300),
        watch_every: Duration::from_millis(100),
        alert_backlog: Duration::from_secs(2),
        ..SandboxOptions::default()
    };
    let app = spawn_app_on(sim, options).await;
    let webhook_calls = |method: &str| {
        app.sim
            .calls()
            .iter()
            .filter(|c| c.method == method && c.path.starts_with("/v1/webhooks"))
            .count()
    };
    let changes_at_start = webhook_calls("PUT") + webhook_calls("POST");
    let checks_at_start = webhook_calls("GET");
    let refreshes_at_start = app.sim.refreshes().len();
    // Some ordinary work while the checks run.
    let emails = app.onboard_many("quiet", 2).await;
    assert_eq!(
        app.wait_for_people(&emails, Duration::from_secs(15)).await,
        [1, 1]
    );
    tokio::time::sleep(Duration::from_secs(4)).await;
    assert!(
        webhook_calls("GET") >= checks_at_start + 8,
        "the webhooks were not checked every 300 ms"
    );
    let refreshes = app.sim.refreshes();
    assert!(
        refreshes.len() >= refreshes_at_start + 2,
        "the token was not kept fresh: {refreshes:?}"
    );
    assert!(refreshes.iter().all(|r| r.status == 200), "{refreshes:?}");
    assert_eq!(
        webhook_calls("PUT") + webhook_calls("POST"),
        changes_at_start,
        "a healthy webhook was changed"
    );
    assert_eq!(bot_texts(&app, &alerts), Vec::<String>::new());
    let raised = sql_number(
        &app.sandbox.database_url,
        "SELECT COUNT(*) FROM jobs WHERE dedupe_key LIKE 'alert/%'",
    )
    .await;
    assert_eq!(raised, 0, "an alert was raised");
}

#[tokio::test]
async fn a_deleted_webhook_is_created_again() {
    let (app, alerts) = with_alerts(SandboxOptions {
        webhook_check: Duration::from_millis(300),
        ..SandboxOptions::default()
    })
    .await;
    let target = format!("{}/webhook", app.sandbox.bot_url);
    let id = app
        .sim
        .webhooks()
        .into_iter()
        .find(|h| h["resource"] == "attachmentActions" && h["targetUrl"] == target.as_str())
        .and_then(|h| h["id"].as_str().map(str::to_owned))
        .expect("registered");
    let status = app
        .http
        .delete(format!("{}/webhooks/{id}", app.sim.api_url()))
        .bearer_auth(app.sim.bot().token)
        .send()
        .await
        .expect("deletes")
        .status();
    assert_eq!(status, 204);
    tokio::time::sleep(Duration::from_millis(900)).await;
    let card = app.card_for_manager().await;
    app.sim.submit(&app.manager, &card.id, jane()).await;
    app.new_bot_message(&app.room, &[&card]).await;
    assert_eq!(app.sim.people_with_email("jane.doe@example.com").len(), 1);
    let said = bot_texts(&app, &alerts);
    assert!(
        said.iter()
            .any(|t| t.contains("attachmentActions") && t.contains("missing")),
        "{said:#?}"
    );
}

#[tokio::test]
async fn a_job_that_gives_up_is_alerted_once_and_the_same_cause_stays_quiet() {
    let (app, alerts) = with_alerts(SandboxOptions {
        workers: webex_onboard::worker::WorkerSettings {
            max_attempts: 2,
            poll: Duration::from_millis(100),
            retry_base: Duration::from_millis(50),
            ..webex_onboard::worker::WorkerSettings::default()
        },
        ..SandboxOptions::default()
    })
    .await;
    let card = app.card_for_manager().await;
    app.sim.inject(Fault {
        method: "GET".into(),
        path_prefix: "/v1/attachment/actions".into(),
        kind: FaultKind::Status {
            status: 503,
            retry_after: None,
        },
        times: 10,
    });
    app.sim.submit(&app.manager, &card.id, jane()).await;
    let answer = app.new_bot_message(&app.room, &[&card]).await;
    // The alert follows the job's own answer, as a job of its own.
    wait_until("no alert", || !bot_texts(&app, &alerts).is_empty()).await;
    let said = bot_texts(&app, &alerts);
    assert!(
        said[0].contains("gave up") && said[0].contains("webex-onboard_job"),
        "{}",
        said[0]
    );
    // A second submission gives up for the same cause: the helpdesk hears nothing more.
    let second = app.card_for_manager().await;
    app.sim.submit(&app.manager, &second.id, jane()).await;
    let seen = [&card, &answer, &second];
    app.new_bot_message(&app.room, &seen).await;
    tokio::time::sleep(Duration::from_millis(500)).await;
    let said = bot_texts(&app, &alerts);
    assert_eq!(said.len(), 1, "{said:#?}");
}

#[tokio::test]
async fn a_backlog_is_alerted_once_an_hour() {
    // No worker runs, so every delivery waits.
    let (app, alerts) = with_alerts(SandboxOptions {
        alert_backlog: Duration::from_millis(300),
        watch_every: Duration::from_millis(100),
        workers: webex_onboard::worker::WorkerSettings {
            workers: 0,
            ..webex_onboard::worker::WorkerSettings::default()
        },
        ..SandboxOptions::default()
    })
    .await;
    app.sim.say(&app.manager, &app.room, "onboard").await;
    app.sim.say(&app.manager, &app.room, "help").await;
    // The alert is itself a job that no worker runs here: the store holds it.
    tokio::time::sleep(Duration::from_millis(1500)).await;
    let alerts_posted = sql_number(
        &app.sandbox.database_url,
        "SELECT COUNT(*) FROM jobs WHERE dedupe_key LIKE 'alert/backlog/%'",
    )
    .await;
    assert_eq!(alerts_posted, 1);
    assert!(bot_texts(&app, &alerts).is_empty());
}

/// A Prometheus text page, read strictly: every sample line is `name{labels} value`, and every
/// name has a TYPE. Returns each sample with its value.
fn parse_prometheus(text: &str) -> BTreeMap<String, f64> {
    let mut types = BTreeMap::new();
    let mut samples = BTreeMap::new();
    for line in text.lines().filter(|l| !l.trim().is_empty()) {
        if let Some(rest) = line.strip_prefix("# TYPE ") {
            let (name, kind) = rest.split_once(' ').expect("# TYPE name kind");
            assert!(
                ["counter", "gauge", "histogram", "summary"].contains(&kind),
                "{line}"
            );
            types.insert(name.to_owned(), kind.to_owned());
            continue;
        }
        if line.starts_with("# HELP ") {
            continue;
        }
        assert!(!line.starts_with('#'), "an unknown comment: {line}");
        let (series, value) = line.rsplit_once(' ').expect("a sample: series value");
        let value: f64 = value
            .parse()
            .unwrap_or_else(|_| panic!("not a number: {line}"));
        let name = series.split('{').next().expect("a name");
        assert!(
            name.chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == ':'),
            "{line}"
        );
        if let Some(labels) = series.strip_prefix(name) {
            assert!(
                labels.is_empty() || (labels.starts_with('{') && labels.ends_with('}')),
                "{line}"
            );
        }
        let family = ["_bucket", "_sum", "_count"]
            .iter()
            .find_map(|suffix| {
                name.strip_suffix(suffix)
                    .filter(|base| types.contains_key(*base))
            })
            .unwrap_or(name);
        assert!(types.contains_key(family), "no TYPE for {name}");
        samples.insert(series.to_owned(), value);
    }
    samples
}

async fn scrape(app: &TestApp) -> BTreeMap<String, f64> {
    let text = app
        .http
        .get(&app.sandbox.metrics_url)
        .send()
        .await
        .expect("metrics answer")
        .text()
        .await
        .expect("text");
    parse_prometheus(&text)
}

fn value(samples: &BTreeMap<String, f64>, series: &str) -> f64 {
    samples.get(series).copied().unwrap_or(0.0)
}

#[tokio::test]
async fn metrics_parse_as_prometheus_text_and_move_with_what_happened() {
    let (app, _) = with_alerts(SandboxOptions::default()).await;
    let before = scrape(&app).await;
    let deliveries_before = app.sim.deliveries().len();
    let card = app.card_for_manager().await;
    app.sim.submit(&app.manager, &card.id, jane()).await;
    app.new_bot_message(&app.room, &[&card]).await;
    // One redelivery, and one forged delivery.
    let delivery = app
        .sim
        .deliveries()
        .into_iter()
        .rev()
        .find(|d| String::from_utf8_lossy(&d.body).contains("attachmentActions"))
        .expect("delivered");
    app.sim
        .deliver_raw(
            &delivery.target_url,
            delivery.body.clone(),
            delivery.signature.clone(),
        )
        .await;
    app.post_webhook(&delivery.body, Some("0000")).await;
    tokio::time::sleep(Duration::from_millis(800)).await;
    let after = scrape(&app).await;
    let moved = |series: &str| value(&after, series) - value(&before, series);
    let delivered = "webex_onboard_webhook_deliveries_total";
    // The manager's message and each of the bot's own, which Webex delivers to it too.
    let messages = app.sim.deliveries()[deliveries_before..]
        .iter()
        .filter(|d| String::from_utf8_lossy(&d.body).contains("\"resource\":\"messages\""))
        .count();
    assert!(messages >= 2);
    assert_eq!(
        moved(&format!(
            "{delivered}{{resource=\"messages\",outcome=\"recorded\"}}"
        )),
        messages as f64
    );
    assert_eq!(
        moved(&format!(
            "{delivered}{{resource=\"attachmentActions\",outcome=\"recorded\"}}"
        )),
        1.0
    );
    assert_eq!(
        moved(&format!(
            "{delivered}{{resource=\"attachmentActions\",outcome=\"duplicate\"}}"
        )),
        1.0
    );
    assert_eq!(
        moved(&format!(
            "{delivered}{{resource=\"unknown\",outcome=\"bad_signature\"}}"
        )),
        1.0
    );
    assert_eq!(
        moved("webex_onboard_onboarding_requests_total{outcome=\"created\"}"),
        1.0
    );
    assert_eq!(
        moved("webex_onboard_webex_requests_total{operation=\"POST /people\",status=\"200\"}"),
        1.0
    );
    assert!(moved("webex_onboard_job_outcomes_total{kind=\"submission\",outcome=\"done\"}") >= 1.0);
    assert!(value(&after, "webex_onboard_ack_seconds_count") >= 4.0);
    assert!(
        after
            .keys()
            .any(|k| k.starts_with("webex_onboard_ack_seconds_bucket{le="))
    );
    assert!(after.contains_key("webex_onboard_jobs{state=\"done\"}"));
    assert_eq!(value(&after, "webex_onboard_webhooks_active"), 2.0);
    // Operations are named by their path templates, never by a real id.
    for series in after.keys().filter(|k| k.contains("operation=")) {
        assert!(!series.contains("Y2lzY29"), "an id in a label: {series}");
    }
    // The webhook port does not show them.
    let on_webhook_port = app
        .http
        .get(format!("{}/metrics", app.sandbox.bot_url))
        .send()
        .await
        .expect("answers");
    assert_eq!(on_webhook_port.status(), 404);
}

#[tokio::test]
async fn retention_deletes_old_finished_jobs_while_redeliveries_are_still_recognised() {
    let sim = Simulator::start().await.expect("simulator");
    let options = SandboxOptions {
        retention: Retention {
            jobs: Duration::from_secs(3),
            audit: None,
            every: Duration::from_millis(300),
        },
        ..SandboxOptions::default()
    };
    let app = spawn_app_on(sim, options).await;
    let card = app.card_for_manager().await;
    app.sim.submit(&app.manager, &card.id, jane()).await;
    app.new_bot_message(&app.room, &[&card]).await;
    let old = app
        .sim
        .deliveries()
        .into_iter()
        .rev()
        .find(|d| String::from_utf8_lossy(&d.body).contains("attachmentActions"))
        .expect("delivered");
    let url = app.sandbox.database_url.clone();
    let count = || sql_number(&url, "SELECT COUNT(*) FROM jobs");
    let last_old_job = sql_number(&url, "SELECT MAX(id) FROM jobs").await;
    assert!(count().await >= 4);
    tokio::time::sleep(Duration::from_secs(4)).await;
    let old_left = sql_number_of(
        &url,
        "SELECT COUNT(*) FROM jobs WHERE id <= $1",
        last_old_job,
    )
    .await;
    assert_eq!(old_left, 0, "the old jobs were not deleted");
    // A recent event, recorded after the old ones went.
    app.card_for_manager().await;
    app.settle().await;
    let recent_jobs = count().await;
    let recent = app
        .sim
        .deliveries()
        .into_iter()
        .rev()
        .find(|d| String::from_utf8_lossy(&d.body).contains("\"messages\""))
        .expect("delivered");
    for delivery in [old, recent] {
        let status = app
            .sim
            .deliver_raw(&delivery.target_url, delivery.body, delivery.signature)
            .await;
        assert_eq!(status, Some(200));
    }
    app.settle().await;
    assert_eq!(count().await, recent_jobs, "a redelivery made a job");
    assert_eq!(app.create_calls(), 1);
}
