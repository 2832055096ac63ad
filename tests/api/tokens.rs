//! The admin token over time: OAuth access tokens that expire, refresh tokens that rotate and
//! can be revoked, and replicas that share one chain.

use std::collections::HashSet;
use std::time::Duration;

use webex_onboard::sandbox::{Sandbox, SandboxAdmin, SandboxOptions};
use webex_sim::{SimRoom, Simulator};

use crate::helpers::{
    ANSWER, TempDir, TestApp, alerts_raised, fresh_database, jane, poll_sql, spawn_app_on,
    sql_number, text_of,
};

/// Waits for the alert in `alerts`, then until `waiting` (a count of jobs) says both jobs met
/// the refusal, and checks that one alert was raised for the two.
async fn alerted_once_while_both_wait(app: &TestApp, alerts: &SimRoom, waiting: &'static str) {
    let alerted = app.sim.wait_for_bot_messages(&alerts.id, 1, ANSWER).await;
    assert!(!alerted.is_empty(), "no alert reached the helpdesk");
    poll_sql(&app.sandbox.database_url, waiting, |n| n == 2).await;
    app.settle().await;
    let raised = alerts_raised(app).await;
    assert_eq!(raised, 1, "more than one alert was raised");
}

fn oauth(refresh_token: String) -> SandboxOptions {
    SandboxOptions {
        admin: SandboxAdmin::OAuth { refresh_token },
        ..SandboxOptions::default()
    }
}

/// Every refresh Webex saw succeeded, and no refresh token was presented twice.
fn assert_each_refresh_token_used_once(sim: &Simulator) -> usize {
    let refreshes = sim.refreshes();
    let mut seen = HashSet::new();
    for refresh in &refreshes {
        assert_eq!(refresh.status, 200, "a refresh was refused: {refreshes:?}");
        assert!(
            seen.insert(refresh.refresh_token.clone()),
            "a refresh token was used twice"
        );
    }
    refreshes.len()
}

#[tokio::test]
async fn a_hundred_people_are_onboarded_once_while_the_access_token_expires_every_two_seconds() {
    let sim = Simulator::start().await.expect("simulator");
    sim.set_access_token_lifetime(Duration::from_secs(2));
    let first = sim.grant_admin_refresh_token();
    // One manager makes all hundred requests: above the default hourly limit.
    let mut options = oauth(first);
    options.limits.per_hour = 1_000;
    let app = spawn_app_on(sim.clone(), options).await;
    let started = std::time::Instant::now();
    let mut emails = Vec::new();
    // In rounds spread over more than one token's life, however fast the bot is.
    for round in 0..4 {
        emails.extend(app.onboard_many(&format!("round{round}-hire"), 25).await);
        tokio::time::sleep(Duration::from_millis(1200)).await;
    }
    let counts = app.wait_for_people(&emails, Duration::from_secs(60)).await;
    assert!(counts.iter().all(|&n| n == 1), "{counts:?}");
    let refreshes = assert_each_refresh_token_used_once(&sim);
    let elapsed = started.elapsed();
    assert!(
        refreshes >= 2,
        "{refreshes} refreshes in {elapsed:?}: the token did not expire as it should"
    );
    // A create refused with 401 (its token expired on the way) made nobody; only successes count.
    assert_eq!(app.successful_create_calls(), 100, "a create was repeated");
}

#[tokio::test]
async fn two_replicas_share_one_chain_and_refresh_once_per_expiry() {
    let sim = Simulator::start().await.expect("simulator");
    sim.set_access_token_lifetime(Duration::from_secs(3));
    let first = sim.grant_admin_refresh_token();
    let dir = TempDir::new();
    let database = fresh_database().await;
    let database_url = match &database {
        Some(db) => db.url(),
        None => format!("sqlite://{}", dir.path().join("shared.db").display()),
    };
    let options = SandboxOptions {
        database_url: Some(database_url),
        ..oauth(first)
    };
    let one = spawn_app_on(sim.clone(), options.clone()).await;
    let two = Sandbox::start(sim.clone(), options)
        .await
        .expect("a second replica");
    // Both are busy for a while, so both need the token again and again.
    let mut emails = one.onboard_many("busy", 20).await;
    tokio::time::sleep(Duration::from_secs(7)).await;
    emails.extend(one.onboard_many("busier", 10).await);
    let counts = one.wait_for_people(&emails, Duration::from_secs(30)).await;
    assert!(counts.iter().all(|&n| n == 1), "{counts:?}");
    assert_each_refresh_token_used_once(&sim);
    let times: Vec<_> = sim.refreshes().iter().map(|r| r.at).collect();
    assert!(times.len() >= 3, "{} refreshes", times.len());
    // A fifth of the 3 s life before expiry: one refresh every 2.4 s, by one replica or the
    // other; two replicas refreshing on their own would refresh in pairs.
    for pair in times.windows(2) {
        let gap = pair[1] - pair[0];
        assert!(
            gap >= Duration::from_millis(1500),
            "two refreshes {gap:?} apart"
        );
    }
    two.stop().await.expect("stops");
}

#[tokio::test]
async fn a_restart_continues_from_the_stored_refresh_token_not_the_configured_one() {
    let sim = Simulator::start().await.expect("simulator");
    let first = sim.grant_admin_refresh_token();
    let app = spawn_app_on(sim.clone(), oauth(first.clone())).await;
    let emails = app.onboard_many("before", 1).await;
    assert_eq!(
        app.wait_for_people(&emails, Duration::from_secs(15)).await,
        [1]
    );
    let database_url = app.sandbox.database_url.clone();
    let TestApp { sandbox, _temp, .. } = app;
    sandbox.stop().await.expect("stops");
    // The environment still holds the first refresh token, which Webex has spent.
    sim.expire_access_tokens();
    let options = SandboxOptions {
        database_url: Some(database_url),
        ..oauth(first.clone())
    };
    let again = spawn_app_on(sim.clone(), options).await;
    let emails = again.onboard_many("after", 1).await;
    assert_eq!(
        again
            .wait_for_people(&emails, Duration::from_secs(15))
            .await,
        [1]
    );
    assert_each_refresh_token_used_once(&sim);
    let uses_of_first = sim
        .refreshes()
        .iter()
        .filter(|r| r.refresh_token == first)
        .count();
    assert_eq!(uses_of_first, 1);
    drop(_temp);
}

#[tokio::test]
async fn a_revoked_refresh_token_raises_one_alert_and_requests_wait_for_a_new_one() {
    let sim = Simulator::start().await.expect("simulator");
    let helpdesk = sim.add_person("helpdesk@example.com", "Helpdesk");
    let alerts = sim.group_room("Onboarding alerts", &[&helpdesk]);
    let first = sim.grant_admin_refresh_token();
    let options = SandboxOptions {
        alerts_room: Some(alerts.id.clone()),
        ..oauth(first)
    };
    let app = spawn_app_on(sim.clone(), options.clone()).await;
    let bot = sim.bot().id;
    let forms = app.ask_for_forms(2).await;
    sim.revoke_refresh_tokens();
    sim.expire_access_tokens();
    let emails = app.submit_forms(&forms, "waiting").await;
    // Both submissions met the refusal, each a cause to alert, and wait.
    alerted_once_while_both_wait(
        &app,
        &alerts,
        "SELECT COUNT(*) FROM jobs WHERE kind = 'submission' AND state IN ('queued', 'running') \
         AND last_error LIKE '%WEBEX_ADMIN_REFRESH_TOKEN%'",
    )
    .await;
    let posted: Vec<String> = sim
        .messages_in(&alerts.id)
        .iter()
        .filter(|m| m.person_id == bot)
        .map(text_of)
        .collect();
    assert_eq!(posted.len(), 1, "{posted:#?}");
    assert!(
        posted[0].contains("admin token cannot be used"),
        "{}",
        posted[0]
    );
    assert!(
        posted[0].contains("WEBEX_ADMIN_REFRESH_TOKEN"),
        "{}",
        posted[0]
    );
    assert!(emails.iter().all(|e| sim.people_with_email(e).is_empty()));
    // The operator configures a new refresh token and restarts the bot: nothing was lost.
    let database_url = app.sandbox.database_url.clone();
    let TestApp { sandbox, _temp, .. } = app;
    sandbox.stop().await.expect("stops");
    let options = SandboxOptions {
        database_url: Some(database_url),
        ..options
    };
    let again = spawn_app_on(
        sim.clone(),
        SandboxOptions {
            admin: SandboxAdmin::OAuth {
                refresh_token: sim.grant_admin_refresh_token(),
            },
            ..options
        },
    )
    .await;
    let counts = again
        .wait_for_people(&emails, Duration::from_secs(20))
        .await;
    assert_eq!(counts, [1, 1]);
    drop(_temp);
}

#[tokio::test]
async fn a_refused_client_secret_is_alerted_once_requests_wait_and_the_right_secret_onboards_them()
{
    let sim = Simulator::start().await.expect("simulator");
    let helpdesk = sim.add_person("helpdesk@example.com", "Helpdesk");
    let alerts = sim.group_room("Onboarding alerts", &[&helpdesk]);
    let first = sim.grant_admin_refresh_token();
    let options = SandboxOptions {
        alerts_room: Some(alerts.id.clone()),
        ..oauth(first.clone())
    };
    let app = spawn_app_on(sim.clone(), options.clone()).await;
    let card = app.card_for_manager().await;
    let TestApp {
        sandbox,
        manager,
        room,
        _temp,
        ..
    } = app;
    let (database_url, addr) = (sandbox.database_url.clone(), sandbox.addr());
    sandbox.stop().await.expect("stops");
    // The operator mistypes the secret and restarts; the stored access token has run out.
    sim.expire_access_tokens();
    let options = SandboxOptions {
        database_url: Some(database_url.clone()),
        ..options
    };
    let wrong_secret = "a-secret-the-app-does-not-have";
    let mistyped = Sandbox::start_at(
        sim.clone(),
        SandboxOptions {
            admin: SandboxAdmin::OAuthSecret {
                client_secret: wrong_secret.to_owned(),
                refresh_token: first.clone(),
            },
            ..options.clone()
        },
        addr,
    )
    .await
    .expect("starts with a refused secret");
    sim.submit(&manager, &card.id, jane()).await;
    let posted = sim.wait_for_bot_messages(&alerts.id, 1, ANSWER).await;
    assert_eq!(posted.len(), 1, "no alert");
    tokio::time::sleep(Duration::from_millis(1500)).await;
    let bot = sim.bot().id;
    let posted: Vec<String> = sim
        .messages_in(&alerts.id)
        .iter()
        .filter(|m| m.person_id == bot)
        .map(text_of)
        .collect();
    assert_eq!(posted.len(), 1, "{posted:#?}");
    let alert = &posted[0];
    assert!(alert.contains("admin token cannot be used"), "{alert}");
    assert!(
        alert.contains("WEBEX_ADMIN_CLIENT_ID") || alert.contains("WEBEX_ADMIN_CLIENT_SECRET"),
        "{alert}"
    );
    assert!(
        !alert.contains("WEBEX_ADMIN_REFRESH_TOKEN"),
        "the alert blames the refresh token: {alert}"
    );
    assert!(!alert.contains(wrong_secret), "the secret is in the alert");
    let refused_with = sim
        .refreshes()
        .into_iter()
        .find(|r| r.status == 401)
        .map(|r| r.refresh_token)
        .expect("Webex refused the client");
    assert!(sim.people_with_email("jane.doe@example.com").is_empty());
    // The waiting job runs again every half second, and counts an attempt while it runs: looked
    // at until it is seen between two runs, queued, with that attempt given back.
    poll_sql(
        &database_url,
        "SELECT COUNT(*) FROM jobs WHERE kind = 'submission' AND state = 'queued' \
         AND attempts = 0 AND last_error LIKE '%WEBEX_ADMIN_CLIENT_SECRET%'",
        |waiting| waiting == 1,
    )
    .await;
    let refused = sql_number(
        &database_url,
        "SELECT COUNT(*) FROM oauth_tokens WHERE refused_at IS NOT NULL",
    )
    .await;
    assert_eq!(refused, 0, "the refresh token chain was marked refused");
    mistyped.stop().await.expect("stops");
    // With the right secret, on the same database, the waiting request completes.
    let fixed = Sandbox::start_at(sim.clone(), options, addr)
        .await
        .expect("restarts");
    let replies = sim.wait_for_bot_messages(&room.id, 2, ANSWER).await;
    assert_eq!(replies.len(), 2, "no answer to the waiting request");
    let reply = text_of(&replies[1]);
    assert!(reply.contains("jane.doe@example.com** created"), "{reply}");
    assert_eq!(sim.people_with_email("jane.doe@example.com").len(), 1);
    // The refresh token sent with the wrong secret was good, and is what the chain went on from.
    let refreshes = sim.refreshes();
    assert!(
        refreshes
            .iter()
            .any(|r| r.status == 200 && r.refresh_token == refused_with),
        "{refreshes:?}"
    );
    fixed.stop().await.expect("stops");
    drop(_temp);
}

#[tokio::test]
async fn a_refused_static_admin_token_is_alerted_once_and_the_form_waits() {
    let sim = Simulator::start().await.expect("simulator");
    let helpdesk = sim.add_person("helpdesk@example.com", "Helpdesk");
    let alerts = sim.group_room("Onboarding alerts", &[&helpdesk]);
    let options = SandboxOptions {
        alerts_room: Some(alerts.id.clone()),
        admin: SandboxAdmin::Static("an-expired-personal-token".to_owned()),
        ..SandboxOptions::default()
    };
    let app = spawn_app_on(sim.clone(), options).await;
    for _ in 0..2 {
        app.sim.say(&app.manager, &app.room, "onboard").await;
    }
    // Both forms (replies to post, once they have the organization's choices) met the refusal,
    // each a cause to alert, and wait.
    alerted_once_while_both_wait(
        &app,
        &alerts,
        "SELECT COUNT(*) FROM jobs WHERE kind = 'reply' AND state IN ('queued', 'running') \
         AND last_error LIKE '%WEBEX_ADMIN_TOKEN%'",
    )
    .await;
    let bot = sim.bot().id;
    let posted: Vec<String> = sim
        .messages_in(&alerts.id)
        .iter()
        .filter(|m| m.person_id == bot)
        .map(text_of)
        .collect();
    assert_eq!(posted.len(), 1, "{posted:#?}");
    assert!(posted[0].contains("WEBEX_ADMIN_TOKEN"), "{}", posted[0]);
    // The forms wait for the organization's choices, which need the admin token.
    assert_eq!(app.bot_count(&app.room), 0);
}

#[tokio::test]
async fn a_refresh_token_that_expires_within_a_week_is_alerted() {
    let sim = Simulator::start().await.expect("simulator");
    let helpdesk = sim.add_person("helpdesk@example.com", "Helpdesk");
    let alerts = sim.group_room("Onboarding alerts", &[&helpdesk]);
    sim.set_refresh_token_lifetime(Duration::from_secs(3 * 24 * 3600));
    let options = SandboxOptions {
        alerts_room: Some(alerts.id.clone()),
        ..oauth(sim.grant_admin_refresh_token())
    };
    let app = spawn_app_on(sim.clone(), options).await;
    let deadline = std::time::Instant::now() + Duration::from_secs(10);
    let bot = sim.bot().id;
    let posted = loop {
        let posted: Vec<String> = sim
            .messages_in(&alerts.id)
            .iter()
            .filter(|m| m.person_id == bot)
            .map(text_of)
            .collect();
        if !posted.is_empty() || std::time::Instant::now() > deadline {
            break posted;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    };
    assert_eq!(posted.len(), 1, "{posted:#?}");
    // Three days from the grant, however soon the bot looks: within 3 days, not in 2.
    assert!(posted[0].contains("expires within 3 days"), "{}", posted[0]);
    drop(app);
}

#[tokio::test]
async fn no_oauth_secret_appears_in_the_logs_the_replies_or_the_audit_trail() {
    let logs = crate::helpers::logs();
    let sim = Simulator::start().await.expect("simulator");
    sim.set_access_token_lifetime(Duration::from_secs(1));
    let first = sim.grant_admin_refresh_token();
    let app = spawn_app_on(sim.clone(), oauth(first.clone())).await;
    let emails = app.onboard_many("secret-keeper", 3).await;
    assert_eq!(
        app.wait_for_people(&emails, Duration::from_secs(20)).await,
        [1, 1, 1]
    );
    tokio::time::sleep(Duration::from_millis(1500)).await;
    let text = logs.text();
    assert!(
        text.contains("admin token refreshed"),
        "the logs captured no refresh"
    );
    let replies: String = sim.messages_in(&app.room.id).iter().map(text_of).collect();
    let audit = std::process::Command::new(env!("CARGO_BIN_EXE_webex-onboard"))
        .args(["audit", "--json"])
        .env_clear()
        .env("DATABASE_URL", &app.sandbox.database_url)
        .output()
        .expect("audit runs");
    let audit = String::from_utf8_lossy(&audit.stdout).to_string();
    assert!(audit.contains("create-person"), "{audit}");
    let mut secrets: Vec<String> = sim
        .refreshes()
        .into_iter()
        .map(|r| r.refresh_token)
        .collect();
    secrets.push(sim.oauth_app().client_secret);
    secrets.push(first);
    assert!(secrets.len() >= 3);
    for secret in &secrets {
        assert!(!text.contains(secret.as_str()), "a secret is in the logs");
        assert!(!replies.contains(secret.as_str()), "a secret is in a reply");
        assert!(
            !audit.contains(secret.as_str()),
            "a secret is in the audit trail"
        );
    }
}
