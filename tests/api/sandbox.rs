//! The sandbox a person plays in: `simulate`, then `serve` with the variables it printed, then
//! `say` as the manager and the approver, all real processes over HTTP.

use std::collections::HashMap;
use std::process::Stdio;
use std::time::{Duration, Instant};

use tokio::io::{AsyncBufReadExt, BufReader};
use tokio::process::{Child, Command};

use crate::helpers::{ANSWER, TempDir};

const BIN: &str = env!("CARGO_BIN_EXE_webex-onboard");

fn free_addr() -> String {
    std::net::TcpListener::bind("127.0.0.1:0")
        .expect("a free port")
        .local_addr()
        .expect("addr")
        .to_string()
}

/// `simulate`, and the `export NAME=VALUE` lines it printed.
async fn simulate() -> (Child, HashMap<String, String>) {
    // Installs the TLS provider the test's own HTTP client needs, whichever test runs first.
    crate::helpers::logs();
    let mut child = Command::new(BIN)
        .args(["simulate", "--listen", &free_addr(), "--bot", &free_addr()])
        .env_clear()
        .stdout(Stdio::piped())
        .kill_on_drop(true)
        .spawn()
        .expect("simulate starts");
    let mut lines = BufReader::new(child.stdout.take().expect("stdout")).lines();
    let mut vars = HashMap::new();
    let deadline = Instant::now() + ANSWER;
    while !vars.contains_key("ANA") {
        assert!(Instant::now() < deadline, "simulate printed no variables");
        let Some(line) = lines.next_line().await.expect("reads") else {
            panic!("simulate stopped: {vars:?}");
        };
        if let Some(export) = line.trim().strip_prefix("export ") {
            let export = export.split("  ").next().unwrap_or(export).trim();
            if let Some((name, value)) = export.split_once('=') {
                vars.insert(name.to_owned(), value.trim_matches('\'').to_owned());
            }
        }
    }
    (child, vars)
}

/// `say` with these arguments; its output.
async fn say(api: &str, args: &[&str]) -> String {
    let output = Command::new(BIN)
        .arg("say")
        .args(args)
        .env_clear()
        .env("WEBEX_API_URL", api)
        .output()
        .await
        .expect("say runs");
    let stdout = String::from_utf8_lossy(&output.stdout).into_owned();
    assert!(
        output.status.success(),
        "say {args:?}: {stdout}{}",
        String::from_utf8_lossy(&output.stderr)
    );
    stdout
}

/// `say` to read, again until its output holds `needle`.
async fn read_until(api: &str, token: &str, needle: &str) -> String {
    let deadline = Instant::now() + ANSWER;
    loop {
        let output = say(api, &["--as", token]).await;
        if output.contains(needle) {
            return output;
        }
        assert!(Instant::now() < deadline, "never {needle:?} in:\n{output}");
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}

/// The id of the last card in `say`'s output.
fn last_card(output: &str) -> String {
    output
        .lines()
        .filter_map(|l| l.trim().strip_prefix("card "))
        .next_back()
        .unwrap_or_else(|| panic!("no card in:\n{output}"))
        .to_owned()
}

#[tokio::test]
async fn simulate_serve_and_say_play_a_whole_onboarding_with_an_approval() {
    let (_simulator, vars) = simulate().await;
    let folder = TempDir::new();
    let mut serve = Command::new(BIN);
    serve.arg("serve").env_clear().current_dir(folder.path());
    for (name, value) in &vars {
        if name != "MIA" && name != "ANA" {
            serve.env(name, value);
        }
    }
    let _bot = serve
        .stderr(Stdio::null())
        .kill_on_drop(true)
        .spawn()
        .expect("serve starts");
    let ready = format!("http://{}/readyz", vars["LISTEN_ADDR"]);
    let deadline = Instant::now() + ANSWER;
    while !reqwest::get(&ready)
        .await
        .is_ok_and(|r| r.status().is_success())
    {
        assert!(Instant::now() < deadline, "serve did not become ready");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let api = vars["WEBEX_API_URL"].as_str();
    let (mia, ana) = (vars["MIA"].as_str(), vars["ANA"].as_str());

    let form = say(api, &["--wait", "30", "--as", mia, "onboard"]).await;
    assert!(form.contains("inputs: email*"), "{form}");
    let card = last_card(&form);
    let asked = say(
        api,
        &[
            "--wait",
            "30",
            "--as",
            mia,
            "--submit",
            &card,
            "email=jane.doe@example.com",
            "firstName=Jane",
        ],
    )
    .await;
    assert!(asked.contains("went to the approvers"), "{asked}");

    let waiting = read_until(api, ana, "action=approve").await;
    let approval = last_card(&waiting);
    let decided = say(
        api,
        &[
            "--wait",
            "30",
            "--as",
            ana,
            "--submit",
            &approval,
            "action=approve",
        ],
    )
    .await;
    assert!(
        decided.contains("jane.doe@example.com** created"),
        "{decided}"
    );
    assert!(!decided.contains("no answer"), "{decided}");

    let told = read_until(api, mia, "jane.doe@example.com** created").await;
    assert!(told.contains("went to the approvers"), "{told}");
}
