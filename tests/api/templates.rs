//! `ONBOARD_TEMPLATES`: spaces, teams and a welcome after the account, each step exactly once;
//! licenses checked before and repaired after; start dates that hold the steps back.

use std::time::Duration;

use serde_json::{Value, json};
use webex_onboard::domain::{StartSchedule, Templates};
use webex_onboard::sandbox::{Sandbox, SandboxOptions};
use webex_sim::{Fault, FaultKind, SimRoom, SimTeam, Simulator};

use crate::helpers::{ANSWER, TestApp, element, spawn_app_on, text_of};

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

/// Waits until `done` holds, or fails saying `what`.
async fn until(what: &str, mut done: impl FnMut() -> bool) {
    let deadline = std::time::Instant::now() + ANSWER;
    while !done() {
        assert!(
            std::time::Instant::now() < deadline,
            "gave up waiting: {what}"
        );
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
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
        until("the space, the team and the welcome", || {
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

#[tokio::test]
async fn the_template_is_applied_once_for_a_created_person_and_for_one_who_existed() {
    let o = org().await;
    let card = o.app.card_for_manager().await;
    o.app
        .sim
        .submit(&o.app.manager, &card.id, jane(json!({})))
        .await;
    o.all_steps_done("jane.doe@example.com").await;
    // The template's license went with the create.
    assert!(
        o.app
            .sim
            .person_licenses("jane.doe@example.com")
            .contains(&o.meetings)
    );
    let lines = o.app.bot_messages(&o.app.room, 5).await;
    let texts: Vec<String> = lines.iter().map(text_of).collect();
    for said in [
        "created",
        "space *Engineering*",
        "team *Platform*",
        "welcome message",
    ] {
        assert!(
            texts.iter().any(|t| t.contains(said)),
            "{said} missing from {texts:#?}"
        );
    }
    let welcome = o.app.sim.direct_messages_with("jane.doe@example.com");
    assert_eq!(welcome.len(), 1);
    assert_eq!(
        welcome[0].markdown.as_deref(),
        Some(format!("Welcome, Jane! You start on {}.", today()).as_str())
    );

    // Someone who has an account already gets the steps too.
    let existing = o
        .app
        .sim
        .add_person("sam.existing@example.com", "Sam Existing");
    let card = o.app.card_for_manager().await;
    o.app
        .sim
        .submit(
            &o.app.manager,
            &card.id,
            json!({"email": existing.email, "firstName": "Sam", "department": "Engineering"}),
        )
        .await;
    o.all_steps_done("sam.existing@example.com").await;
    o.app.settle().await;
    assert_eq!(
        o.app.sim.direct_messages_with("jane.doe@example.com").len(),
        1
    );
    assert_eq!(
        o.app
            .sim
            .direct_messages_with("sam.existing@example.com")
            .len(),
        1
    );
    assert_eq!(succeeded(&o.app, "POST", "/v1/memberships"), 2);
    assert_eq!(succeeded(&o.app, "POST", "/v1/team/memberships"), 2);
    assert_eq!(o.app.create_calls(), 1, "only Jane was created");
}

/// Today, as the default schedule (UTC) reads it.
fn today() -> String {
    let now = webex_onboard::store::now_ms();
    StartSchedule::default().today(now).to_string()
}

#[tokio::test]
async fn a_double_click_and_a_redelivery_leave_one_membership_and_one_welcome() {
    let o = org().await;
    let card = o.app.card_for_manager().await;
    let (a, b) = tokio::join!(
        o.app.sim.submit(&o.app.manager, &card.id, jane(json!({}))),
        o.app.sim.submit(&o.app.manager, &card.id, jane(json!({}))),
    );
    o.all_steps_done("jane.doe@example.com").await;
    // Webex delivers the first submission once more.
    let body = o.app.envelope(
        "attachmentActions",
        json!({"id": a, "roomId": o.app.room.id, "personId": o.app.manager.id}),
    );
    let redelivered = o.app.post_webhook(&body, Some(&o.app.sign(&body))).await;
    assert!(redelivered.status().is_success());
    let _ = b;
    o.app.settle().await;
    o.app.settle().await;
    assert_eq!(o.app.create_calls(), 1);
    assert_eq!(
        o.app.sim.direct_messages_with("jane.doe@example.com").len(),
        1
    );
    let attempts = |path: &str| {
        o.app
            .sim
            .calls()
            .iter()
            .filter(|c| c.method == "POST" && c.path == path)
            .count()
    };
    assert_eq!(attempts("/v1/memberships"), 1, "the space step ran twice");
    assert_eq!(
        attempts("/v1/team/memberships"),
        1,
        "the team step ran twice"
    );
}

#[tokio::test]
async fn a_welcome_posted_but_answered_502_is_not_sent_again() {
    let o = org().await;
    let card = o.app.card_for_manager().await;
    // The reply and the welcome are the next two messages: each is posted, then answered 502.
    o.app.sim.inject(Fault {
        method: "POST".into(),
        path_prefix: "/v1/messages".into(),
        kind: FaultKind::DoThenStatus { status: 502 },
        times: 2,
    });
    o.app
        .sim
        .submit(&o.app.manager, &card.id, jane(json!({})))
        .await;
    o.all_steps_done("jane.doe@example.com").await;
    until("the welcome's line", || {
        o.app
            .sim
            .messages_in(&o.app.room.id)
            .iter()
            .any(|m| text_of(m).contains("welcome message"))
    })
    .await;
    o.app.settle().await;
    let welcomes = o.app.sim.direct_messages_with("jane.doe@example.com");
    assert_eq!(welcomes.len(), 1, "the welcome was sent again");
    let looked = o
        .app
        .sim
        .calls()
        .iter()
        .filter(|c| c.method == "GET" && c.path == "/v1/messages/direct")
        .count();
    assert!(looked >= 1, "the bot did not look before sending again");
}

#[tokio::test]
async fn a_license_without_units_is_refused_before_any_create() {
    let sim = Simulator::start().await.expect("simulator");
    let full = sim.add_license("Webex Meetings", 0);
    let app = spawn_app_on(
        sim,
        SandboxOptions {
            licenses: "Webex Meetings".into(),
            ..Default::default()
        },
    )
    .await;
    let card = app.card_for_manager().await;
    let seen = app.sim.messages_in(&app.room.id);
    app.sim
        .submit(
            &app.manager,
            &card.id,
            json!({"email": "jane.doe@example.com", "firstName": "Jane", "licenses": full}),
        )
        .await;
    let again = app
        .new_bot_message(&app.room, &seen.iter().collect::<Vec<_>>())
        .await;
    let under = element(&again.attachments[0]["content"], "licenses.error")
        .and_then(|e| e["text"].as_str())
        .unwrap_or("")
        .to_owned();
    assert!(
        under.contains("Webex Meetings has no units left (0 of 0 used)"),
        "{under:?} / {}",
        text_of(&again)
    );
    app.settle().await;
    assert_eq!(app.create_calls(), 0);
}

#[tokio::test]
async fn a_license_the_create_left_out_is_assigned_with_patch() {
    let o = org().await;
    o.app.sim.leave_license_unassigned(&o.meetings);
    let card = o.app.card_for_manager().await;
    o.app
        .sim
        .submit(&o.app.manager, &card.id, jane(json!({})))
        .await;
    until("the license", || {
        o.app
            .sim
            .person_licenses("jane.doe@example.com")
            .contains(&o.meetings)
    })
    .await;
    // The line that says so follows the repair.
    until("the line about the repaired license", || {
        o.app
            .sim
            .messages_in(&o.app.room.id)
            .iter()
            .any(|m| text_of(m).contains("Webex left *Webex Meetings* unassigned"))
    })
    .await;
    assert_eq!(succeeded(&o.app, "PATCH", "/v1/licenses/users"), 1);
    let id = person_id(&o.app, "jane.doe@example.com");
    assert!(
        o.app
            .sim
            .calls()
            .iter()
            .any(|c| c.method == "GET" && c.path == format!("/v1/people/{id}"))
    );
}

#[tokio::test]
async fn a_later_start_creates_the_account_now_and_the_steps_wait_for_the_hour() {
    let o = org().await;
    let tomorrow = StartSchedule::default()
        .today(webex_onboard::store::now_ms() + 24 * 3600 * 1000)
        .to_string();
    let card = o.app.card_for_manager().await;
    o.app
        .sim
        .submit(
            &o.app.manager,
            &card.id,
            jane(json!({"startDate": tomorrow})),
        )
        .await;
    let reply = o.app.bot_messages(&o.app.room, 2).await.remove(1);
    assert!(text_of(&reply).contains("created"), "{}", text_of(&reply));
    assert!(
        text_of(&reply).contains(&format!("follow on {tomorrow} 08:00 UTC")),
        "{}",
        text_of(&reply)
    );
    o.app.settle().await;
    let id = person_id(&o.app, "jane.doe@example.com");
    assert!(!o.app.sim.room_members(&o.space.id).contains(&id));
    assert!(
        o.app
            .sim
            .direct_messages_with("jane.doe@example.com")
            .is_empty()
    );

    // `status` shows the steps waiting.
    o.app
        .sim
        .say(&o.app.manager, &o.app.room, "status jane.doe@example.com")
        .await;
    let status = o.app.bot_messages(&o.app.room, 3).await.remove(2);
    assert!(
        text_of(&status).contains(&format!(
            "space *Engineering*: waiting until {tomorrow} 08:00 UTC"
        )),
        "{}",
        text_of(&status)
    );

    // Two days later, on a restarted bot, the steps have run.
    let (database_url, addr) = (o.app.sandbox.database_url.clone(), o.app.sandbox.addr());
    let Org {
        app, space, team, ..
    } = o;
    let TestApp {
        sandbox, sim, room, ..
    } = app;
    sandbox.stop().await.expect("stops");
    let later = Sandbox::start_at(
        sim.clone(),
        SandboxOptions {
            database_url: Some(database_url),
            templates: templates(&space, &team),
            clock_skew: Duration::from_secs(2 * 24 * 3600),
            ..Default::default()
        },
        addr,
    )
    .await
    .expect("restarts");
    until("the steps on the start date", || {
        sim.room_members(&space.id).contains(&id)
            && sim.team_members(&team.id).contains(&id)
            && sim.direct_messages_with("jane.doe@example.com").len() == 1
    })
    .await;
    assert!(!sim.messages_in(&room.id).is_empty());
    later.stop().await.expect("stops");
}

#[tokio::test]
async fn pending_lists_the_steps_that_wait_for_a_start_date() {
    let sim = Simulator::start().await.expect("simulator");
    let ana = sim.add_person("ana.approver@example.com", "Ana Approver");
    let approvers = sim.group_room("Approvers", &[&ana]);
    let space = sim.group_room("Engineering", &[&ana]);
    let team = sim.team("Platform", &[&ana]);
    sim.add_license("Webex Meetings", 100);
    let app = spawn_app_on(
        sim,
        SandboxOptions {
            templates: templates(&space, &team),
            approvers_room: Some(approvers.id.clone()),
            ..Default::default()
        },
    )
    .await;
    let card = app.card_for_manager().await;
    let later = StartSchedule::default()
        .today(webex_onboard::store::now_ms() + 3 * 24 * 3600 * 1000)
        .to_string();
    app.sim
        .submit(&app.manager, &card.id, jane(json!({"startDate": later})))
        .await;
    let approval = app.new_bot_message(&approvers, &[]).await;
    // The approvers see what follows the account, and when.
    let summary = crate::approvals::facts(&approval);
    for fact in [("Template", "Engineering"), ("Start date", later.as_str())] {
        assert!(
            summary.contains(&(fact.0.to_owned(), fact.1.to_owned())),
            "{fact:?} missing from {summary:?}"
        );
    }
    app.sim
        .submit(
            &ana,
            &approval.id,
            json!({"action": "approve", "reason": ""}),
        )
        .await;
    until("the account", || {
        !app.sim.people_with_email("jane.doe@example.com").is_empty()
    })
    .await;
    app.settle().await;
    let direct = app.sim.direct_room(&ana);
    app.sim.say(&ana, &direct, "pending").await;
    let answer = app.bot_messages(&direct, 1).await.remove(0);
    let text = text_of(&answer);
    assert!(text.contains("Waiting for a start date"), "{text}");
    assert!(
        text.contains(&format!("{later} 08:00 UTC")) && text.contains("welcome message"),
        "{text}"
    );
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

#[tokio::test]
async fn a_bad_template_file_or_a_room_the_bot_is_not_in_stops_serve_with_one_line() {
    let sim = Simulator::start().await.expect("simulator");
    let lead = sim.add_person("lea.lead@example.com", "Lea Lead");
    let (code, stderr) =
        serve_with_templates(&sim, "[[template]]\nname = \"Engineering\"\nromos = []\n").await;
    assert_ne!(code, Some(0));
    let lines: Vec<&str> = stderr.lines().filter(|l| !l.trim().is_empty()).collect();
    assert!(
        lines.iter().any(|l| l.contains("ONBOARD_TEMPLATES")
            && l.contains("template \"Engineering\", key \"romos\"")),
        "{stderr}"
    );

    let elsewhere = sim.room_without_bot("Secret", &[&lead]);
    let (code, stderr) = serve_with_templates(
        &sim,
        &format!(
            "[[template]]\nname = \"Sales\"\nrooms = [\"{}\"]\n",
            elsewhere.id
        ),
    )
    .await;
    assert_ne!(code, Some(0));
    assert!(
        stderr.lines().any(|l| l.contains("ONBOARD_TEMPLATES")
            && l.contains("template \"Sales\", key \"rooms\"")
            && l.contains(&elsewhere.id)),
        "{stderr}"
    );
}

#[tokio::test]
async fn a_template_that_grants_a_calling_license_takes_a_number_and_its_location() {
    let sim = Simulator::start().await.expect("simulator");
    let calling = sim.add_license("Webex Calling - Professional", 10);
    let berlin = sim.add_location("Berlin HQ");
    let templates = Templates::parse(
        "[[template]]\nname = \"Support\"\ndepartments = [\"Support\"]\n\
         licenses = [\"Webex Calling - Professional\"]\nlocation = \"Berlin HQ\"\n",
    )
    .expect("reads");
    let app = spawn_app_on(
        sim,
        SandboxOptions {
            templates,
            ..Default::default()
        },
    )
    .await;
    let card = app.card_for_manager().await;
    app.sim
        .submit(
            &app.manager,
            &card.id,
            json!({"email": "sam.support@example.com", "firstName": "Sam",
                   "department": "Support", "extension": "4021"}),
        )
        .await;
    let reply = app.bot_messages(&app.room, 2).await.remove(1);
    assert!(text_of(&reply).contains("created"), "{}", text_of(&reply));
    let create = app
        .sim
        .calls()
        .into_iter()
        .find(|c| c.method == "POST" && c.path == "/v1/people")
        .expect("created");
    let body: Value = serde_json::from_slice(&create.body).expect("JSON");
    assert_eq!(body["licenses"], json!([calling]));
    assert_eq!(body["locationId"], json!(berlin));
    assert_eq!(body["extension"], json!("4021"));
    assert_eq!(create.query.as_deref(), Some("callingData=true"));
}
