//! `webex-onboard check`: one clear line per part, and a failing exit when a part is broken.

use std::process::Output;

use tokio::process::Command;

use webex_onboard::sandbox::{SandboxAdmin, SandboxOptions};
use webex_sim::Simulator;

use crate::helpers::{TempDir, TestApp, spawn_app_on};

/// `check` with the settings of a running sandbox, some of them changed.
async fn check(app: &TestApp, extra: &[(&str, &str)], json: bool) -> Output {
    let mut command = Command::new(env!("CARGO_BIN_EXE_webex-onboard"));
    command
        .arg("check")
        .env_clear()
        .env("WEBEX_BOT_TOKEN", app.sim.bot().token)
        .env("WEBEX_ADMIN_TOKEN", app.sim.admin().token)
        .env("WEBEX_WEBHOOK_SECRET", &app.sandbox.secret)
        .env("WEBEX_API_URL", app.sim.api_url())
        .env("WEBEX_PUBLIC_URL", &app.sandbox.bot_url)
        .env("DATABASE_URL", &app.sandbox.database_url)
        .env("ONBOARD_REQUESTERS", "@example.com");
    if json {
        command.arg("--json");
    }
    for (name, value) in extra {
        command.env(name, value);
    }
    // Asynchronously: the simulator answers from this same thread meanwhile.
    command.output().await.expect("check runs")
}

fn lines_of(output: &Output) -> Vec<String> {
    String::from_utf8_lossy(&output.stdout)
        .lines()
        .map(str::to_owned)
        .collect()
}

#[tokio::test]
async fn a_healthy_configuration_checks_out() {
    let sim = Simulator::start().await.expect("simulator");
    let ana = sim.add_person("ana@example.com", "Ana");
    let approvers = sim.group_room("Approvers", &[&ana]);
    let app = spawn_app_on(
        sim.clone(),
        SandboxOptions {
            approvers_room: Some(approvers.id.clone()),
            ..SandboxOptions::default()
        },
    )
    .await;
    let output = check(
        &app,
        &[("ONBOARD_APPROVERS_ROOM", approvers.id.as_str())],
        false,
    )
    .await;
    let lines = lines_of(&output);
    assert!(output.status.success(), "{lines:#?}");
    for expected in [
        "ok    database: reachable and migrated",
        "ok    bot token: the bot is Onboarding Bot (onboard-bot@webex.bot)",
        "ok    admin token: Webex takes it",
        "ok    admin scope: people: may read people",
        "ok    admin scope: licenses: may read licenses",
        "ok    webhook: messages: active, delivers to",
        "ok    webhook: attachmentActions: active, delivers to",
        "ok    approvers' room: the bot is a member",
        "ok    alerts room: the bot is a member",
    ] {
        assert!(
            lines.iter().any(|l| l.starts_with(expected)),
            "{expected}: {lines:#?}"
        );
    }
}

#[tokio::test]
async fn each_broken_part_gets_a_clear_line_and_check_fails() {
    let sim = Simulator::start().await.expect("simulator");
    let ana = sim.add_person("ana@example.com", "Ana");
    let app = spawn_app_on(sim.clone(), SandboxOptions::default()).await;
    let elsewhere = sim.room_without_bot("Approvers without the bot", &[&ana]);
    sim.remove_admin_scope("spark-admin:licenses_read");
    let dir = TempDir::new();
    let missing_db = format!("sqlite://{}", dir.path().join("nothing-here.db").display());
    let output = check(
        &app,
        &[
            ("ONBOARD_APPROVERS_ROOM", elsewhere.id.as_str()),
            ("WEBEX_PUBLIC_URL", "https://onboard.example.com"),
            ("WEBEX_WEBHOOK_SECRET", "another-secret"),
            ("DATABASE_URL", missing_db.as_str()),
        ],
        false,
    )
    .await;
    assert_eq!(output.status.code(), Some(1));
    let lines = lines_of(&output);
    for expected in [
        "fail  database: cannot open it",
        "warn  admin scope: licenses: the admin token lacks spark-admin:licenses_read",
        "fail  webhook: messages: none delivers to https://onboard.example.com/webhook",
        "fail  webhook: attachmentActions: none delivers to https://onboard.example.com/webhook",
        "fail  approvers' room: the bot",
    ] {
        assert!(
            lines.iter().any(|l| l.starts_with(expected)),
            "{expected}: {lines:#?}"
        );
    }
    assert!(
        !dir.path().join("nothing-here.db").exists(),
        "check created a database"
    );

    let output = check(&app, &[("WEBEX_BOT_TOKEN", "not-a-token")], true).await;
    assert_eq!(output.status.code(), Some(1));
    let json: Vec<serde_json::Value> = lines_of(&output)
        .iter()
        .map(|l| serde_json::from_str(l).expect("a JSON line"))
        .collect();
    let bot = json
        .iter()
        .find(|l| l["check"] == "bot token")
        .expect("a bot token line");
    assert_eq!(bot["status"], "fail");
    assert!(
        bot["detail"]
            .as_str()
            .unwrap_or("")
            .contains("WEBEX_BOT_TOKEN")
            || bot["detail"].as_str().unwrap_or("").contains("bot token"),
        "{bot}"
    );
    let everything = String::from_utf8_lossy(&output.stdout).to_string()
        + &String::from_utf8_lossy(&output.stderr);
    for secret in [
        app.sim.admin().token,
        app.sandbox.secret.clone(),
        "not-a-token".to_owned(),
    ] {
        assert!(!everything.contains(&secret), "a secret in the output");
    }
}

/// Runs `check` with these settings changed, and returns its lines after asserting that it
/// failed and printed a line starting with `expected`.
async fn fails_with(app: &TestApp, extra: &[(&str, &str)], expected: &str) -> Vec<String> {
    let output = check(app, extra, false).await;
    let lines = lines_of(&output);
    assert_eq!(output.status.code(), Some(1), "{lines:#?}");
    assert!(
        lines.iter().any(|l| l.starts_with(expected)),
        "{expected}: {lines:#?}"
    );
    lines
}

#[tokio::test]
async fn an_admin_token_webex_refuses_is_a_failing_line() {
    let app = crate::helpers::spawn_app().await;
    let lines = fails_with(
        &app,
        &[("WEBEX_ADMIN_TOKEN", "an-expired-admin-token")],
        "fail  admin token: Webex refused WEBEX_ADMIN_TOKEN (401)",
    )
    .await;
    assert!(
        !lines.iter().any(|l| l.contains("admin scope")),
        "scopes of a refused token: {lines:#?}"
    );
    assert!(!lines.join("\n").contains("an-expired-admin-token"));
}

#[tokio::test]
async fn an_admin_token_without_the_people_scope_fails_that_line_and_lists_the_others() {
    let app = crate::helpers::spawn_app().await;
    app.sim.remove_admin_scope("spark-admin:people_read");
    let lines = fails_with(
        &app,
        &[],
        "fail  admin scope: people: the admin token lacks spark-admin:people_read",
    )
    .await;
    for expected in [
        "ok    admin token: Webex takes it",
        "ok    admin scope: licenses: may read licenses",
        "ok    admin scope: locations: may read locations",
    ] {
        assert!(
            lines.iter().any(|l| l.starts_with(expected)),
            "{expected}: {lines:#?}"
        );
    }
}

#[tokio::test]
async fn an_inactive_webhook_is_a_failing_line() {
    let app = crate::helpers::spawn_app().await;
    app.sim.deactivate_webhooks();
    let lines = fails_with(
        &app,
        &[],
        "fail  webhook: messages: it is inactive: serve re-activates it",
    )
    .await;
    assert!(
        lines
            .iter()
            .any(|l| l.starts_with("fail  webhook: attachmentActions: it is inactive")),
        "{lines:#?}"
    );
}

#[tokio::test]
async fn a_webhook_signing_with_another_secret_is_a_failing_line() {
    let app = crate::helpers::spawn_app().await;
    let lines = fails_with(
        &app,
        &[("WEBEX_WEBHOOK_SECRET", "a-secret-serve-never-registered")],
        "fail  webhook: messages: it signs with another secret than WEBEX_WEBHOOK_SECRET",
    )
    .await;
    assert!(
        lines.iter().any(|l| l.starts_with(
            "fail  webhook: attachmentActions: it signs with another secret than WEBEX_WEBHOOK_SECRET"
        )),
        "{lines:#?}"
    );
    let text = lines.join("\n");
    assert!(
        !text.contains("a-secret-serve-never-registered") && !text.contains(&app.sandbox.secret)
    );
}

#[tokio::test]
async fn an_alerts_room_without_the_bot_is_a_failing_line() {
    let app = crate::helpers::spawn_app().await;
    let helpdesk = app.sim.add_person("helpdesk@example.com", "Helpdesk");
    let elsewhere = app
        .sim
        .room_without_bot("Alerts without the bot", &[&helpdesk]);
    fails_with(
        &app,
        &[("ONBOARD_ALERTS_ROOM", elsewhere.id.as_str())],
        "fail  alerts room: the bot",
    )
    .await;
}

#[tokio::test]
async fn a_database_without_the_bot_s_tables_fails_and_check_leaves_it_so() {
    let app = crate::helpers::spawn_app().await;
    let dir = TempDir::new();
    let path = dir.path().join("empty.db");
    let url = format!("sqlite://{}", path.display());
    let pool = sqlx::SqlitePool::connect(&format!("{url}?mode=rwc"))
        .await
        .expect("an empty database");
    sqlx::query("CREATE TABLE unrelated (id INTEGER)")
        .execute(&pool)
        .await
        .expect("a table of someone else's");
    pool.close().await;
    fails_with(
        &app,
        &[("DATABASE_URL", url.as_str())],
        "fail  database: reachable, but without the bot's tables: start serve once to create them",
    )
    .await;
    let tables = crate::helpers::sql_number(
        &url,
        "SELECT COUNT(*) FROM sqlite_master WHERE type = 'table' AND name != 'unrelated'",
    )
    .await;
    assert_eq!(tables, 0, "check created tables");
}

#[tokio::test]
async fn check_refreshes_the_admin_token_as_serve_does_and_the_bot_goes_on() {
    let sim = Simulator::start().await.expect("simulator");
    let first = sim.grant_admin_refresh_token();
    let app = spawn_app_on(
        sim.clone(),
        SandboxOptions {
            admin: SandboxAdmin::OAuth {
                refresh_token: first.clone(),
            },
            ..SandboxOptions::default()
        },
    )
    .await;
    let oauth = sim.oauth_app();
    sim.expire_access_tokens();
    let output = check(
        &app,
        &[
            ("WEBEX_ADMIN_TOKEN", ""),
            ("WEBEX_ADMIN_CLIENT_ID", oauth.client_id.as_str()),
            ("WEBEX_ADMIN_CLIENT_SECRET", oauth.client_secret.as_str()),
            ("WEBEX_ADMIN_REFRESH_TOKEN", first.as_str()),
        ],
        false,
    )
    .await;
    let lines = lines_of(&output);
    assert!(output.status.success(), "{lines:#?}");
    assert!(
        lines
            .iter()
            .any(|l| l.starts_with("ok    admin token: refreshed through OAuth")),
        "{lines:#?}"
    );
    // The serving bot continues from what check stored.
    let emails = app.onboard_many("after-check", 1).await;
    assert_eq!(
        app.wait_for_people(&emails, std::time::Duration::from_secs(15))
            .await,
        [1]
    );
    let refreshes = sim.refreshes();
    assert!(refreshes.iter().all(|r| r.status == 200), "{refreshes:?}");
    let output_text = lines.join("\n");
    assert!(!output_text.contains(&oauth.client_secret) && !output_text.contains(&first));
}

#[tokio::test]
async fn healthcheck_says_whether_the_bot_on_listen_addr_is_ready() {
    let app = crate::helpers::spawn_app().await;
    let healthcheck = |addr: String| async move {
        Command::new(env!("CARGO_BIN_EXE_webex-onboard"))
            .arg("healthcheck")
            .env_clear()
            .env("LISTEN_ADDR", addr)
            .output()
            .await
            .expect("healthcheck runs")
    };
    let port = app.sandbox.addr().port();
    // As in a container: the bot listens on every address and is asked on loopback.
    let ready = healthcheck(format!("0.0.0.0:{port}")).await;
    assert!(
        ready.status.success(),
        "{}",
        String::from_utf8_lossy(&ready.stdout)
    );
    let free = std::net::TcpListener::bind("127.0.0.1:0")
        .expect("a port")
        .local_addr()
        .expect("its address");
    let nobody = healthcheck(free.to_string()).await;
    assert_eq!(nobody.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&nobody.stdout).starts_with("not ready"));
}
