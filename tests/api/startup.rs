//! A start that fails, through the real binary: one plain line naming what is concerned, the
//! reason once and what to do; an exit code per class; and no file left behind.

use std::path::Path;
use std::time::Duration;

use webex_sim::Simulator;

use crate::helpers::TempDir;

/// What `serve` said and did when it could not start.
struct Failed {
    code: Option<i32>,
    line: String,
}

/// Runs `serve` in `folder` (where the default database would go) with only these variables.
async fn serve(folder: &Path, vars: &[(&str, &str)]) -> Failed {
    let run = tokio::process::Command::new(env!("CARGO_BIN_EXE_webex-onboard"))
        .arg("serve")
        .current_dir(folder)
        .env_clear()
        .env("METRICS_ADDR", "127.0.0.1:0")
        .env("LISTEN_ADDR", "127.0.0.1:0")
        .envs(vars.iter().copied())
        .kill_on_drop(true)
        .output();
    let output = tokio::time::timeout(Duration::from_secs(20), run)
        .await
        .expect("serve gives up by itself")
        .expect("the binary runs");
    let stderr = String::from_utf8_lossy(&output.stderr).into_owned();
    assert!(
        !stderr.contains('\u{1b}'),
        "colours into a pipe: {stderr:?}"
    );
    let lines: Vec<&str> = stderr.lines().filter(|l| !l.trim().is_empty()).collect();
    assert_eq!(lines.len(), 1, "not one line: {stderr}");
    Failed {
        code: output.status.code(),
        line: lines[0].to_owned(),
    }
}

/// Fails when a file is left in `folder`: a failed start makes none.
fn assert_nothing_left(folder: &Path) {
    let left: Vec<String> = std::fs::read_dir(folder)
        .expect("the folder")
        .filter_map(Result::ok)
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .collect();
    assert!(left.is_empty(), "left behind: {left:?}");
}

fn tokens(sim: &Simulator) -> Vec<(&'static str, String)> {
    vec![
        ("WEBEX_BOT_TOKEN", sim.bot().token),
        ("WEBEX_ADMIN_TOKEN", sim.admin().token),
        ("WEBEX_WEBHOOK_SECRET", "a-secret".to_owned()),
        ("WEBEX_API_URL", sim.api_url()),
    ]
}

fn with<'a>(
    base: &'a [(&'static str, String)],
    more: &[(&'static str, &'a str)],
) -> Vec<(&'a str, &'a str)> {
    let mut vars: Vec<(&str, &str)> = base
        .iter()
        .filter(|(name, _)| !more.iter().any(|(m, _)| m == name))
        .map(|(n, v)| (*n, v.as_str()))
        .collect();
    vars.extend(more.iter().copied());
    vars
}

#[tokio::test]
async fn missing_configuration_is_one_line_and_exit_code_2() {
    let folder = TempDir::new();
    let failed = serve(folder.path(), &[]).await;
    assert_eq!(failed.code, Some(2), "{}", failed.line);
    assert_eq!(
        failed.line,
        "webex-onboard serve: missing configuration: WEBEX_BOT_TOKEN, WEBEX_ADMIN_TOKEN, \
         WEBEX_WEBHOOK_SECRET must be set"
    );
    assert_nothing_left(folder.path());
}

#[tokio::test]
async fn a_sqlite_file_in_a_missing_folder_names_the_folder_and_exits_3() {
    let sim = Simulator::start().await.expect("simulator");
    let folder = TempDir::new();
    let url = format!("sqlite://{}/missing/bot.db", folder.path().display());
    let base = tokens(&sim);
    let failed = serve(folder.path(), &with(&base, &[("DATABASE_URL", &url)])).await;
    assert_eq!(failed.code, Some(3), "{}", failed.line);
    assert!(
        failed.line.contains(&format!(
            "{}/missing does not exist",
            folder.path().display()
        )),
        "{}",
        failed.line
    );
    assert_nothing_left(folder.path());
}

#[tokio::test]
async fn an_unreachable_postgresql_names_the_host_and_the_reason_and_exits_3() {
    let sim = Simulator::start().await.expect("simulator");
    let folder = TempDir::new();
    let base = tokens(&sim);
    let started = std::time::Instant::now();
    let failed = serve(
        folder.path(),
        &with(
            &base,
            &[("DATABASE_URL", "postgres://bot:hunter2@127.0.0.1:1/onboard")],
        ),
    )
    .await;
    assert_eq!(failed.code, Some(3), "{}", failed.line);
    assert!(failed.line.contains("127.0.0.1:1"), "{}", failed.line);
    assert!(
        failed.line.to_lowercase().contains("refused"),
        "{}",
        failed.line
    );
    assert!(
        !failed.line.contains("hunter2"),
        "the password: {}",
        failed.line
    );
    assert!(started.elapsed() < Duration::from_secs(10));
    assert_nothing_left(folder.path());
}

#[tokio::test]
async fn an_address_in_use_is_said_once_and_exits_4_leaving_no_file() {
    let sim = Simulator::start().await.expect("simulator");
    let taken = std::net::TcpListener::bind("127.0.0.1:0").expect("a port");
    let addr = taken.local_addr().expect("addr").to_string();
    let folder = TempDir::new();
    let base = tokens(&sim);
    let failed = serve(folder.path(), &with(&base, &[("LISTEN_ADDR", &addr)])).await;
    assert_eq!(failed.code, Some(4), "{}", failed.line);
    assert!(failed.line.contains(&addr), "{}", failed.line);
    assert_eq!(
        failed.line.matches("in use").count(),
        1,
        "the reason is not said once: {}",
        failed.line
    );
    assert_nothing_left(folder.path());
}

#[tokio::test]
async fn an_unreachable_webex_names_the_url_and_exits_4_leaving_no_file() {
    let sim = Simulator::start().await.expect("simulator");
    let folder = TempDir::new();
    let base = tokens(&sim);
    let url = "http://127.0.0.1:1/v1";
    let failed = serve(folder.path(), &with(&base, &[("WEBEX_API_URL", url)])).await;
    assert_eq!(failed.code, Some(4), "{}", failed.line);
    assert!(failed.line.contains(url), "{}", failed.line);
    assert!(failed.line.contains("WEBEX_API_URL"), "{}", failed.line);
    assert_nothing_left(folder.path());
}

#[tokio::test]
async fn a_refused_bot_token_exits_5_and_says_what_to_set() {
    let sim = Simulator::start().await.expect("simulator");
    let folder = TempDir::new();
    let base = tokens(&sim);
    let failed = serve(
        folder.path(),
        &with(&base, &[("WEBEX_BOT_TOKEN", "not-a-token")]),
    )
    .await;
    assert_eq!(failed.code, Some(5), "{}", failed.line);
    assert!(failed.line.contains("401"), "{}", failed.line);
    assert!(
        failed.line.contains("set WEBEX_BOT_TOKEN"),
        "{}",
        failed.line
    );
    assert!(
        !failed.line.contains("not-a-token"),
        "the token: {}",
        failed.line
    );
    assert_nothing_left(folder.path());
}

#[tokio::test]
async fn audit_of_a_missing_database_writes_nothing() {
    let folder = TempDir::new();
    let output = tokio::process::Command::new(env!("CARGO_BIN_EXE_webex-onboard"))
        .arg("audit")
        .current_dir(folder.path())
        .env_clear()
        .output()
        .await
        .expect("audit runs");
    assert_eq!(output.status.code(), Some(3));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains("there is no database at webex-onboard.db"),
        "{stderr}"
    );
    assert_nothing_left(folder.path());
}
