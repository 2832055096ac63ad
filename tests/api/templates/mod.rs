//! `ONBOARD_TEMPLATES`: spaces, teams and a welcome after the account, each step exactly once;
//! licenses checked before and repaired after; start dates that hold the steps back.

mod licenses;
mod steps;

use std::time::Duration;

use serde_json::{Value, json};
use webex_onboard::domain::{StartSchedule, Templates};
use webex_onboard::sandbox::{Sandbox, SandboxOptions};
use webex_sim::{Fault, FaultKind, SimRoom, SimTeam, Simulator};

use crate::helpers::{TestApp, element, spawn_app_on, text_of, wait_until};

/// A simulator with the template's space and team (the bot in both), and the template.
struct Org {
    app: TestApp,
    space: SimRoom,
    team: SimTeam,
    meetings: String,
}

fn templates(space: &SimRoom, team: &SimTeam) -> Templates {
    Templates::parse(&format!(
        r#"
[[template]]
name = "Engineering"
departments = ["Engineering"]
licenses = ["Webex Meetings"]
rooms = ["{}"]
teams = ["{}"]
welcome = "Welcome, {{firstName}}! You start on {{startDate}}."
"#,
        space.id, team.id
    ))
    .expect("the templates read")
}

async fn org_with(options: impl FnOnce(SandboxOptions) -> SandboxOptions) -> Org {
    let sim = Simulator::start().await.expect("simulator");
    let lead = sim.add_person("lea.lead@example.com", "Lea Lead");
    let space = sim.group_room("Engineering", &[&lead]);
    let team = sim.team("Platform", &[&lead]);
    let meetings = sim.add_license("Webex Meetings", 100);
    let options = options(SandboxOptions {
        templates: templates(&space, &team),
        ..Default::default()
    });
    let app = spawn_app_on(sim, options).await;
    Org {
        app,
        space,
        team,
        meetings,
    }
}

async fn org() -> Org {
    org_with(|o| o).await
}

fn jane(extra: Value) -> Value {
    let mut inputs = json!({"email": "jane.doe@example.com", "firstName": "Jane",
        "lastName": "Doe", "department": "engineering"});
    if let (Some(inputs), Some(extra)) = (inputs.as_object_mut(), extra.as_object()) {
        inputs.extend(extra.clone());
    }
    inputs
}

/// The id of the person with this email in the simulator.
fn person_id(app: &TestApp, email: &str) -> String {
    app.sim.people_with_email(email)[0]["id"]
        .as_str()
        .expect("an id")
        .to_owned()
}

/// How many calls of this method and path answered with a success.
fn succeeded(app: &TestApp, method: &str, path: &str) -> usize {
    app.sim
        .calls()
        .iter()
        .filter(|c| c.method == method && c.path == path && (200..300).contains(&c.status))
        .count()
}

impl Org {
    /// Waits until Jane is in the space and the team and has her welcome.
    async fn all_steps_done(&self, email: &str) {
        let sim = &self.app.sim;
        wait_until("the space, the team and the welcome", || {
            let Some(person) = sim.people_with_email(email).first().cloned() else {
                return false;
            };
            let id = person["id"].as_str().unwrap_or("").to_owned();
            sim.room_members(&self.space.id).contains(&id)
                && sim.team_members(&self.team.id).contains(&id)
                && !sim.direct_messages_with(email).is_empty()
        })
        .await;
    }
}

/// Today, as the default schedule (UTC) reads it.
fn today() -> String {
    let now = webex_onboard::store::now_ms();
    StartSchedule::default().today(now).to_string()
}

/// `serve` with this templates file, against the simulator: its exit code and stderr.
async fn serve_with_templates(sim: &Simulator, file: &str) -> (Option<i32>, String) {
    let dir = crate::helpers::TempDir::new();
    let path = dir.path().join("templates.toml");
    std::fs::write(&path, file).expect("writes the file");
    let output = tokio::process::Command::new(env!("CARGO_BIN_EXE_webex-onboard"))
        .arg("serve")
        .env_clear()
        .env("WEBEX_BOT_TOKEN", sim.bot().token)
        .env("WEBEX_ADMIN_TOKEN", sim.admin().token)
        .env("WEBEX_WEBHOOK_SECRET", "secret")
        .env("WEBEX_API_URL", sim.api_url())
        .env("LISTEN_ADDR", "127.0.0.1:0")
        .env("METRICS_ADDR", "127.0.0.1:0")
        .env(
            "DATABASE_URL",
            format!("sqlite://{}", dir.path().join("bot.db").display()),
        )
        .env("ONBOARD_TEMPLATES", &path)
        .env("NO_COLOR", "1")
        .kill_on_drop(true)
        .output();
    let output = tokio::time::timeout(Duration::from_secs(20), output)
        .await
        .expect("serve stops by itself")
        .expect("runs");
    (
        output.status.code(),
        String::from_utf8_lossy(&output.stderr).into_owned(),
    )
}
