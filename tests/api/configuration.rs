//! `serve` refuses to start without its secrets, saying what is missing in one line.

use std::process::Command;

#[test]
fn serve_without_tokens_names_what_is_missing_and_exits_non_zero() {
    let output = Command::new(env!("CARGO_BIN_EXE_webex-onboard"))
        .arg("serve")
        .env_clear()
        .env("WEBEX_ADMIN_TOKEN", "admin-token-value")
        .output()
        .expect("runs");
    assert_eq!(output.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(
        stderr.trim(),
        "webex-onboard serve: missing configuration: WEBEX_BOT_TOKEN, WEBEX_WEBHOOK_SECRET must be set"
    );
    assert!(!stderr.contains("admin-token-value"));
}

#[test]
fn serve_with_an_unreachable_webex_fails_with_a_reason_and_no_secret() {
    let dir = std::env::temp_dir().join(format!("webex-onboard-cfg-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    let output = Command::new(env!("CARGO_BIN_EXE_webex-onboard"))
        .arg("serve")
        .env_clear()
        .env("WEBEX_BOT_TOKEN", "bot-token-value")
        .env("WEBEX_ADMIN_TOKEN", "admin-token-value")
        .env("WEBEX_WEBHOOK_SECRET", "secret-value")
        .env("WEBEX_API_URL", "http://127.0.0.1:9/v1")
        .env("WEBEX_TIMEOUT_SECS", "2")
        .env("LISTEN_ADDR", "127.0.0.1:0")
        .env("METRICS_ADDR", "127.0.0.1:0")
        .env("DATABASE_URL", format!("sqlite://{}/bot.db", dir.display()))
        .output()
        .expect("runs");
    let _ = std::fs::remove_dir_all(&dir);
    assert_eq!(output.status.code(), Some(4));
    let all = format!(
        "{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    assert!(
        all.contains("cannot reach Webex at http://127.0.0.1:9/v1"),
        "{all}"
    );
    for secret in ["bot-token-value", "admin-token-value", "secret-value"] {
        assert!(!all.contains(secret), "{secret} leaked: {all}");
    }
}

#[test]
fn serve_help_lists_every_variable_without_the_values_of_secrets() {
    let output = Command::new(env!("CARGO_BIN_EXE_webex-onboard"))
        .args(["serve", "--help"])
        .env_clear()
        .env("WEBEX_BOT_TOKEN", "bot-token-value")
        .env("WEBEX_ADMIN_TOKEN", "admin-token-value")
        .env("WEBEX_WEBHOOK_SECRET", "secret-value")
        .env("DATABASE_URL", "postgres://onboard:db-password@db/onboard")
        .env("WEBEX_ADMIN_CLIENT_SECRET", "client-secret-value")
        .env("WEBEX_ADMIN_REFRESH_TOKEN", "refresh-token-value")
        .env("ONBOARD_REQUESTERS", "@hr.example.com")
        .output()
        .expect("runs");
    assert!(output.status.success());
    let help = String::from_utf8_lossy(&output.stdout);
    for variable in [
        "WEBEX_BOT_TOKEN",
        "WEBEX_ADMIN_TOKEN",
        "WEBEX_WEBHOOK_SECRET",
        "WEBEX_API_URL",
        "WEBEX_PUBLIC_URL",
        "LISTEN_ADDR",
        "DATABASE_URL",
        "ONBOARD_REQUESTERS",
        "ONBOARD_APPROVERS_ROOM",
        "ONBOARD_LICENSES",
        "ONBOARD_ROLES",
        "ONBOARD_CHOICES_REFRESH_SECS",
        "ONBOARD_WORKERS",
        "ONBOARD_LEASE_SECS",
        "WEBEX_TIMEOUT_SECS",
        "LOG_FORMAT",
        "RUST_LOG",
        "WEBEX_ADMIN_CLIENT_ID",
        "WEBEX_ADMIN_CLIENT_SECRET",
        "WEBEX_ADMIN_REFRESH_TOKEN",
        "ONBOARD_ALERTS_ROOM",
        "ONBOARD_ALERT_BACKLOG_SECS",
        "ONBOARD_WEBHOOK_CHECK_SECS",
        "METRICS_ADDR",
        "ONBOARD_RETENTION_DAYS",
        "ONBOARD_AUDIT_RETENTION_DAYS",
    ] {
        assert!(
            help.contains(&format!("[env: {variable}")),
            "{variable} missing: {help}"
        );
    }
    // What is not secret shows, so that an operator sees what the bot would use.
    assert!(
        help.contains("[env: ONBOARD_REQUESTERS=@hr.example.com]"),
        "{help}"
    );
    for secret in [
        "bot-token-value",
        "admin-token-value",
        "secret-value",
        "db-password",
    ] {
        assert!(!help.contains(secret), "{secret} shown: {help}");
    }
}
