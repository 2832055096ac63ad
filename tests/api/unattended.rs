//! Left alone for months: webhooks heal, alerts reach the helpdesk, `/metrics` counts what
//! happened, and old jobs go while redeliveries are still recognised.

use std::collections::BTreeMap;
use std::time::Duration;

use webex_onboard::ops::retention::Retention;
use webex_onboard::sandbox::{SandboxAdmin, SandboxOptions};
use webex_sim::{Fault, FaultKind, Simulator};

use crate::helpers::{
    ANSWER, TestApp, alerts_raised, jane, metrics_page, poll_sql, poll_sql_of, spawn_app_on,
    sql_number, text_of, wait_until,
};

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
    // Deactivated at different moments of the check's period, each time healed by the first
    // check that saw it. Counted in checks (the list calls Webex received), not in time, which a
    // busy machine stretches.
    for offset in [0, 130, 270] {
        tokio::time::sleep(Duration::from_millis(offset)).await;
        app.sim.deactivate_webhooks();
        // Taken after the deactivation: any list Webex receives from now on shows it.
        let deactivated = std::time::Instant::now();
        wait_until("the bot's webhooks were not re-activated", || {
            ours_active(&app)
        })
        .await;
        let calls: Vec<(String, String)> = app
            .sim
            .calls()
            .into_iter()
            .filter(|c| c.received_at > deactivated && c.path.starts_with("/v1/webhooks"))
            .map(|c| (c.method, c.path))
            .collect();
        let first_put = calls
            .iter()
            .position(|(method, _)| method == "PUT")
            .unwrap_or_else(|| panic!("active again without a PUT: {calls:#?}"));
        // A list received just before the deactivation may have seen it already: none, or one.
        let checks = calls[..first_put]
            .iter()
            .filter(|(method, _)| method == "GET")
            .count();
        assert!(
            checks <= 1,
            "{checks} checks after the deactivation before it was healed: {calls:#?}"
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
    // The bot hears again, and says what it did, once per webhook: the same cause is quiet for
    // an hour, however often it comes back.
    app.card_for_manager().await;
    wait_until("the helpdesk was not told", || {
        bot_texts(&app, &alerts).len() >= 2
    })
    .await;
    app.settle().await;
    let raised = alerts_raised(&app).await;
    assert_eq!(raised, 2, "a webhook's alert was raised again");
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
        // This test is about the webhooks and the token: a job that waits a few seconds for a
        // worker on a busy machine is no backlog here.
        alert_backlog: Duration::from_secs(30),
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
    // Several checks, and several refreshes of a token that lives 2 s, however long they take.
    wait_until("the webhooks were not checked again and again", || {
        webhook_calls("GET") >= checks_at_start + 8
    })
    .await;
    // At the configured pace: half the gaps between checks within three periods, however
    // busy the machine (a bot checking at a tenth of the pace would not come close).
    let mut checked: Vec<std::time::Instant> = app
        .sim
        .calls()
        .iter()
        .filter(|c| c.method == "GET" && c.path.starts_with("/v1/webhooks"))
        .map(|c| c.received_at)
        .collect();
    checked.sort();
    let mut gaps: Vec<Duration> = checked.windows(2).map(|w| w[1] - w[0]).collect();
    gaps.sort();
    let median = gaps[gaps.len() / 2];
    assert!(
        median <= Duration::from_millis(900),
        "checked every {median:?}, with a check every 300 ms asked"
    );
    wait_until("the token was not kept fresh", || {
        app.sim.refreshes().len() >= refreshes_at_start + 2
    })
    .await;
    app.settle().await;
    let refreshes = app.sim.refreshes();
    assert!(refreshes.iter().all(|r| r.status == 200), "{refreshes:?}");
    assert_eq!(
        webhook_calls("PUT") + webhook_calls("POST"),
        changes_at_start,
        "a healthy webhook was changed"
    );
    assert_eq!(bot_texts(&app, &alerts), Vec::<String>::new());
    let raised = alerts_raised(&app).await;
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
    // A check creates it again, active, at the bot's address.
    wait_until("the webhook was not created again", || {
        app.sim.webhooks().iter().any(|h| {
            h["resource"] == "attachmentActions"
                && h["targetUrl"] == target.as_str()
                && h["status"] == "active"
                && h["id"] != id.as_str()
        })
    })
    .await;
    let card = app.card_for_manager().await;
    app.sim.submit(&app.manager, &card.id, jane()).await;
    app.new_bot_message(&app.room, &[&card]).await;
    assert_eq!(app.sim.people_with_email("jane.doe@example.com").len(), 1);
    // The alert is a job of its own, posted whenever a worker gets to it.
    wait_until("the helpdesk was not told the webhook was missing", || {
        bot_texts(&app, &alerts)
            .iter()
            .any(|t| t.contains("attachmentActions") && t.contains("missing"))
    })
    .await;
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
    app.settle().await;
    // Counted where the alert is raised, which comes before the answer is posted.
    let raised = alerts_raised(&app).await;
    assert_eq!(raised, 1, "the same cause was alerted again");
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
    let backlog_alerts = "SELECT COUNT(*) FROM jobs WHERE dedupe_key LIKE 'alert/backlog/%'";
    poll_sql(&app.sandbox.database_url, backlog_alerts, |n| n >= 1).await;
    // The watch looks every 100 ms and finds the backlog again each time: no second alert.
    app.settle().await;
    let alerts_posted = sql_number(&app.sandbox.database_url, backlog_alerts).await;
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
    parse_prometheus(&metrics_page(app).await)
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
    let delivered = "webex_onboard_webhook_deliveries_total";
    let recorded_messages = format!("{delivered}{{resource=\"messages\",outcome=\"recorded\"}}");
    let submission_done = "webex_onboard_job_outcomes_total{kind=\"submission\",outcome=\"done\"}";
    let jobs_done = "webex_onboard_jobs{state=\"done\"}";
    // The manager's message and each of the bot's own, which Webex delivers to it too, some
    // after the bot answered; the submission's job ends after its reply, and the queue's gauges
    // follow every half second: scraped again until they all caught up.
    let deadline = std::time::Instant::now() + ANSWER;
    let after = loop {
        let after = scrape(&app).await;
        let messages = app.sim.deliveries()[deliveries_before..]
            .iter()
            .filter(|d| String::from_utf8_lossy(&d.body).contains("\"resource\":\"messages\""))
            .count();
        let counted = value(&after, &recorded_messages) - value(&before, &recorded_messages);
        let done = value(&after, submission_done) - value(&before, submission_done);
        if messages >= 2
            && counted == messages as f64
            && done >= 1.0
            && after.contains_key(jobs_done)
        {
            break after;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "{counted} message deliveries counted, {messages} delivered; {done} submissions done; \
             jobs done shown: {}",
            after.contains_key(jobs_done)
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    };
    let moved = |series: &str| value(&after, series) - value(&before, series);
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
    assert!(value(&after, "webex_onboard_ack_seconds_count") >= 4.0);
    assert!(
        after
            .keys()
            .any(|k| k.starts_with("webex_onboard_ack_seconds_bucket{le="))
    );
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
    let last_old_job = sql_number(&url, "SELECT MAX(id) FROM jobs").await;
    assert!(sql_number(&url, "SELECT COUNT(*) FROM jobs").await >= 4);
    // 3 s after they finished, at a sweep (every 300 ms), however late that one runs.
    poll_sql_of(
        &url,
        "SELECT COUNT(*) FROM jobs WHERE id <= $1",
        last_old_job,
        |old_left| old_left == 0,
    )
    .await;
    // A recent event, recorded after the old ones went.
    app.card_for_manager().await;
    let recent = app
        .sim
        .deliveries()
        .into_iter()
        .rev()
        .find(|d| String::from_utf8_lossy(&d.body).contains("\"messages\""))
        .expect("delivered");
    // Each redelivery is recognised as one, which makes no job. Counted by the bot as it answers
    // them, not in the jobs table, where the bot's own card's delivery may still add a job and
    // retention may delete the recent ones meanwhile.
    let duplicates = |resource: &str| {
        format!(
            "webex_onboard_webhook_deliveries_total{{resource=\"{resource}\",outcome=\"duplicate\"}}"
        )
    };
    let before = scrape(&app).await;
    for delivery in [old, recent] {
        let status = app
            .sim
            .deliver_raw(&delivery.target_url, delivery.body, delivery.signature)
            .await;
        assert_eq!(status, Some(200));
    }
    let after = scrape(&app).await;
    for resource in ["attachmentActions", "messages"] {
        let series = duplicates(resource);
        assert_eq!(
            value(&after, &series) - value(&before, &series),
            1.0,
            "the {resource} redelivery was not recognised"
        );
    }
    // The old submission's job is gone, and its redelivery made none: it is not handled again.
    let submissions = sql_number(
        &url,
        "SELECT COUNT(*) FROM jobs WHERE dedupe_key LIKE 'attachmentActions/%'",
    )
    .await;
    assert_eq!(submissions, 0, "the old submission's redelivery made a job");
    app.settle().await;
    assert_eq!(app.create_calls(), 1);
}
