//! A template's licenses, checked before the create and repaired after, and a template file `serve` refuses.

use super::*;

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
    wait_until("the license", || {
        o.app
            .sim
            .person_licenses("jane.doe@example.com")
            .contains(&o.meetings)
    })
    .await;
    // The line that says so follows the repair.
    wait_until("the line about the repaired license", || {
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
