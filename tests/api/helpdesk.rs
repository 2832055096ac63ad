//! What may be granted, Webex Calling users, managers, `status`, and the audit trail.

use serde_json::{Value, json};
use webex_onboard::sandbox::SandboxOptions;
use webex_sim::{SimMessage, Simulator};

use crate::helpers::{TestApp, spawn_app_on, text_of};

struct Org {
    app: TestApp,
    meetings: String,
    calling: String,
    messaging: String,
    berlin: String,
    user_admin: String,
}

/// An organization with three licenses (two grantable), 150 locations and two roles (one grantable).
async fn org(roles: &str) -> Org {
    org_with(SandboxOptions {
        roles: roles.into(),
        ..Default::default()
    })
    .await
}

async fn org_with(options: SandboxOptions) -> Org {
    let sim = Simulator::start().await.expect("simulator");
    let meetings = sim.add_license("Webex Meetings", 100);
    let calling = sim.add_license("Webex Calling - Professional", 100);
    let messaging = sim.add_license("Webex Messaging", 100);
    let berlin = sim.add_location("Berlin HQ");
    for n in 1..150 {
        sim.add_location(&format!("Branch {n:03}"));
    }
    let user_admin = sim.add_role("User Administrator");
    sim.add_role("Full Administrator");
    let options = SandboxOptions {
        licenses: "webex meetings, Webex Calling - Professional".into(),
        ..options
    };
    let app = spawn_app_on(sim, options).await;
    Org {
        app,
        meetings,
        calling,
        messaging,
        berlin,
        user_admin,
    }
}

fn input<'a>(card: &'a SimMessage, id: &str) -> Option<&'a Value> {
    webex_onboard::cards::inputs(&card.attachments[0]["content"])
        .into_iter()
        .find(|i| i["id"] == id)
}

fn choice_values(card: &SimMessage, id: &str) -> Vec<String> {
    input(card, id)
        .and_then(|i| i["choices"].as_array())
        .into_iter()
        .flatten()
        .filter_map(|c| c["value"].as_str().map(str::to_owned))
        .collect()
}

fn error_text(card: &SimMessage, id: &str) -> String {
    crate::helpers::element(&card.attachments[0]["content"], &format!("{id}.error"))
        .filter(|b| b["isVisible"] == true)
        .and_then(|b| b["text"].as_str())
        .unwrap_or("")
        .to_owned()
}

impl Org {
    async fn submit(&self, inputs: Value) -> SimMessage {
        let card = self.app.card_for_manager().await;
        self.app
            .sim
            .submit(&self.app.manager, &card.id, inputs)
            .await;
        self.app.new_bot_message(&self.app.room, &[&card]).await
    }
}

#[tokio::test]
async fn the_card_offers_only_what_may_be_granted_and_every_location_across_pages() {
    let o = org("User Administrator").await;
    let card = o.app.card_for_manager().await;
    let licenses = choice_values(&card, "licenses");
    assert_eq!(
        licenses,
        [o.meetings.clone(), o.calling.clone()],
        "{licenses:?}"
    );
    assert!(!licenses.contains(&o.messaging));
    let locations = choice_values(&card, "locationId");
    assert_eq!(locations.len(), 150);
    assert!(locations.contains(&o.berlin));
    assert_eq!(choice_values(&card, "roles"), vec![o.user_admin.clone()]);
    let pages = o
        .app
        .sim
        .calls()
        .iter()
        .filter(|c| c.path == "/v1/locations")
        .count();
    assert!(pages >= 2, "locations were read in {pages} page(s)");
}

#[tokio::test]
async fn roles_are_offered_only_when_onboard_roles_allows_some() {
    let o = org("").await;
    let card = o.app.card_for_manager().await;
    assert!(
        input(&card, "roles").is_none(),
        "roles offered without ONBOARD_ROLES"
    );
    assert!(!o.app.sim.calls().iter().any(|c| c.path == "/v1/roles"));
}

#[tokio::test]
async fn a_license_outside_the_allowlist_is_refused_even_from_a_forged_card() {
    let o = org("").await;
    let again = o
        .submit(
            json!({"email": "jane.doe@example.com", "firstName": "Jane", "licenses": o.messaging}),
        )
        .await;
    assert!(
        error_text(&again, "licenses").contains("may not be granted"),
        "{}",
        text_of(&again)
    );
    assert_eq!(o.app.create_calls(), 0);
}

#[tokio::test]
async fn a_role_outside_the_allowlist_is_refused() {
    let o = org("User Administrator").await;
    let again = o
        .submit(json!({"email": "jane.doe@example.com", "firstName": "Jane", "roles": "some-other-role"}))
        .await;
    assert!(
        error_text(&again, "roles").contains("may not be granted"),
        "{}",
        text_of(&again)
    );
    assert_eq!(o.app.create_calls(), 0);
}

#[tokio::test]
async fn a_calling_request_missing_its_location_is_refused() {
    let o = org("").await;
    let again = o
        .submit(json!({"email": "jane.doe@example.com", "firstName": "Jane",
            "licenses": o.calling, "phoneNumbers": "+4930555010042"}))
        .await;
    assert!(
        error_text(&again, "locationId").contains("needs a location"),
        "{}",
        text_of(&again)
    );
    assert_eq!(
        input(&again, "phoneNumbers").map(|i| i["value"].clone()),
        Some(json!("+4930555010042"))
    );
    assert_eq!(o.app.create_calls(), 0);
}

#[tokio::test]
async fn a_calling_license_alone_is_refused_before_any_create_call() {
    let o = org("").await;
    let again = o
        .submit(json!({"email": "jane.doe@example.com", "firstName": "Jane",
            "licenses": o.calling}))
        .await;
    assert!(
        error_text(&again, "phoneNumbers").contains("needs a phone number or an extension"),
        "{}",
        text_of(&again)
    );
    assert!(
        error_text(&again, "locationId").contains("needs a location"),
        "{}",
        text_of(&again)
    );
    assert_eq!(o.app.create_calls(), 0);
}

#[tokio::test]
async fn a_calling_user_is_created_in_one_request_and_the_reply_says_what_was_set() {
    let o = org("User Administrator").await;
    let licenses = format!("{},{}", o.meetings, o.calling);
    let reply = o
        .submit(
            json!({"email": "jane.doe@example.com", "firstName": "Jane", "licenses": licenses,
            "locationId": o.berlin, "phoneNumbers": "+4930555010042", "extension": "4021",
            "roles": o.user_admin}),
        )
        .await;
    let text = text_of(&reply);
    assert!(text.contains("created"), "{text}");
    for said in [
        "+4930555010042",
        "extension 4021",
        "Berlin HQ",
        "Webex Calling - Professional",
    ] {
        assert!(text.contains(said), "{said} missing from: {text}");
    }
    let create = o
        .app
        .sim
        .calls()
        .into_iter()
        .find(|c| c.method == "POST" && c.path == "/v1/people")
        .expect("created");
    assert!(
        create
            .query
            .as_deref()
            .unwrap_or("")
            .contains("callingData=true"),
        "{:?}",
        create.query
    );
    let person = &o.app.sim.people_with_email("jane.doe@example.com")[0];
    assert_eq!(person["roles"], json!([o.user_admin]));
    assert_eq!(person["licenses"], json!([o.meetings, o.calling]));
}

#[tokio::test]
async fn a_manager_is_resolved_to_an_id_and_an_unknown_one_is_refused() {
    let o = org("").await;
    let again = o
        .submit(json!({"email": "jane.doe@example.com", "firstName": "Jane", "managerEmail": "nobody@example.com"}))
        .await;
    assert!(
        error_text(&again, "managerEmail")
            .contains("No Webex user has the email nobody@example.com"),
        "{}",
        text_of(&again)
    );
    assert_eq!(o.app.create_calls(), 0);
    o.app.sim.submit(&o.app.manager, &again.id,
        json!({"email": "jane.doe@example.com", "firstName": "Jane", "managerEmail": "mia.manager@example.com"})).await;
    let reply = o.app.new_bot_message(&o.app.room, &[&again]).await;
    assert!(text_of(&reply).contains("created"), "{}", text_of(&reply));
    let person = &o.app.sim.people_with_email("jane.doe@example.com")[0];
    assert_eq!(person["managerId"], json!(o.app.manager.id));
}

#[tokio::test]
async fn status_tells_whether_a_person_exists_with_license_names() {
    let o = org("").await;
    o.submit(json!({"email": "jane.doe@example.com", "firstName": "Jane", "licenses": o.meetings}))
        .await;
    let before = o.app.bot_messages(&o.app.room, 2).await;
    o.app
        .sim
        .say(&o.app.manager, &o.app.room, "status jane.doe@example.com")
        .await;
    let status = o
        .app
        .new_bot_message(&o.app.room, &before.iter().collect::<Vec<_>>())
        .await;
    let text = text_of(&status);
    for said in [
        "has a Webex account",
        "invitation pending: yes",
        "login enabled: no",
        "Webex Meetings",
        "created: 2",
    ] {
        assert!(text.contains(said), "{said} missing from: {text}");
    }
    o.app
        .sim
        .say(&o.app.manager, &o.app.room, "status nobody@example.com")
        .await;
    let unknown = o
        .app
        .new_bot_message(&o.app.room, &[&before[0], &before[1], &status])
        .await;
    assert!(
        text_of(&unknown).contains("has no Webex account"),
        "{}",
        text_of(&unknown)
    );
}

#[tokio::test]
async fn strangers_get_no_answers_to_status_or_pending_and_one_refusal_a_day() {
    let o = org("").await;
    let stranger = o.app.sim.add_person("eve@elsewhere.org", "Eve Stranger");
    let room = o.app.sim.direct_room(&stranger);
    o.app.settle().await;
    let before = o.app.sim.calls().len();
    o.app
        .sim
        .say(&stranger, &room, "status mia.manager@example.com")
        .await;
    o.app.sim.say(&stranger, &room, "pending").await;
    o.app.sim.say(&stranger, &room, "onboard").await;
    let answer = o.app.bot_messages(&room, 1).await.remove(0);
    assert!(
        text_of(&answer).contains("not allowed"),
        "{}",
        text_of(&answer)
    );
    o.app.settle().await;
    assert_eq!(o.app.bot_count(&room), 1, "a stranger is told once a day");
    let bot = o.app.sim.bot().email;
    let admin = o.app.sim.admin().email;
    let made: Vec<String> = o.app.sim.calls()[before..]
        .iter()
        .filter(|c| c.identity == bot || c.identity == admin)
        .map(|c| format!("{} {}", c.method, c.path))
        .collect();
    assert_eq!(
        made,
        ["POST /v1/messages"],
        "three messages from a stranger cost one call"
    );
}

#[tokio::test]
async fn the_audit_command_prints_who_asked_what_was_sent_and_the_tracking_id() {
    let o = org("").await;
    o.submit(json!({"email": "jane.doe@example.com", "firstName": "Jane", "licenses": o.meetings}))
        .await;
    let run = |args: &[&str]| {
        std::process::Command::new(env!("CARGO_BIN_EXE_webex-onboard"))
            .args(args)
            .env_clear()
            .env("DATABASE_URL", &o.app.sandbox.database_url)
            .output()
            .expect("runs")
    };
    let json_run = run(&["audit", "--json"]);
    assert!(
        json_run.status.success(),
        "{}",
        String::from_utf8_lossy(&json_run.stderr)
    );
    let lines: Vec<Value> = String::from_utf8_lossy(&json_run.stdout)
        .lines()
        .map(|l| serde_json::from_str(l).expect("a JSON line"))
        .collect();
    let actions: Vec<&str> = lines.iter().filter_map(|l| l["action"].as_str()).collect();
    assert_eq!(actions, ["requested", "create-person"], "{lines:#?}");
    assert_eq!(lines[0]["actor"], "mia.manager@example.com");
    assert_eq!(lines[1]["detail"]["licenses"], json!([o.meetings]));
    assert!(
        lines[1]["result"]
            .as_str()
            .unwrap_or("")
            .starts_with("created "),
        "{lines:#?}"
    );
    assert!(
        lines[1]["trackingId"]
            .as_str()
            .unwrap_or("")
            .starts_with("webex-onboard_job"),
        "{lines:#?}"
    );
    let table = run(&["audit"]);
    let text = String::from_utf8_lossy(&table.stdout);
    assert!(
        text.starts_with("time (UTC)") && text.contains("create-person"),
        "{text}{}",
        String::from_utf8_lossy(&table.stderr)
    );
    let everything = format!("{}{text}", String::from_utf8_lossy(&json_run.stdout));
    for secret in [
        o.app.sim.bot().token,
        o.app.sim.admin().token,
        o.app.sandbox.secret.clone(),
    ] {
        assert!(
            !everything.contains(&secret),
            "a secret is in the audit trail"
        );
    }
}

#[tokio::test]
async fn the_choices_are_fetched_once_and_served_from_the_cache() {
    let o = org("").await;
    let first = o.app.card_for_manager().await;
    let second = o.app.card_for_manager().await;
    assert_eq!(
        choice_values(&first, "licenses"),
        choice_values(&second, "licenses")
    );
    let fetches = o
        .app
        .sim
        .calls()
        .iter()
        .filter(|c| c.path == "/v1/licenses")
        .count();
    assert_eq!(fetches, 1, "the licenses were fetched for each card");
}

#[tokio::test]
async fn without_the_right_to_read_licenses_the_form_still_comes_without_them() {
    let o = org("").await;
    o.app.sim.inject(webex_sim::Fault {
        method: "GET".into(),
        path_prefix: "/v1/licenses".into(),
        kind: webex_sim::FaultKind::Status {
            status: 403,
            retry_after: None,
        },
        times: 1,
    });
    let card = o.app.card_for_manager().await;
    assert!(
        input(&card, "licenses").is_none(),
        "licenses offered without the right to read them"
    );
    assert_eq!(choice_values(&card, "locationId").len(), 150);
}

#[test]
fn the_audit_command_refuses_a_database_that_does_not_exist() {
    let output = std::process::Command::new(env!("CARGO_BIN_EXE_webex-onboard"))
        .arg("audit")
        .env_clear()
        .env("DATABASE_URL", "sqlite:///nonexistent/webex-onboard.db")
        .output()
        .expect("runs");
    assert_eq!(output.status.code(), Some(3));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains("there is no database at /nonexistent/webex-onboard.db"),
        "{stderr}"
    );
    assert!(!std::path::Path::new("/nonexistent/webex-onboard.db").exists());
}

#[tokio::test]
async fn the_choices_are_fetched_again_once_the_refresh_interval_has_passed() {
    let o = org_with(SandboxOptions {
        choices_refresh: std::time::Duration::from_millis(300),
        ..Default::default()
    })
    .await;
    o.app.card_for_manager().await;
    tokio::time::sleep(std::time::Duration::from_millis(400)).await;
    o.app.card_for_manager().await;
    let fetches = o
        .app
        .sim
        .calls()
        .iter()
        .filter(|c| c.path == "/v1/licenses")
        .count();
    assert_eq!(
        fetches, 2,
        "the choices were not refreshed after the interval"
    );
}
