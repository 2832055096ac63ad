//! Submitted cards: validation, authorization, Create a Person, and the reply.

use serde_json::json;

use crate::helpers::{jane, poll_sql, spawn_app, text_of, wait_until};

#[tokio::test]
async fn a_valid_submission_creates_the_person_and_replies_in_the_cards_thread() {
    let app = spawn_app().await;
    let card = app.card_for_manager().await;
    app.sim.submit(&app.manager, &card.id, jane()).await;
    let messages = app.bot_messages(&app.room, 2).await;
    let reply = &messages[1];
    let people = app.sim.people_with_email("jane.doe@example.com");
    assert_eq!(people.len(), 1);
    let person = &people[0];
    assert_eq!(person["firstName"], "Jane");
    assert_eq!(person["department"], "Engineering");
    assert!(person.get("displayName").is_none_or(|d| d == "Jane Doe"));
    let text = text_of(reply);
    assert!(
        text.contains("jane.doe@example.com") && text.contains("created"),
        "{text}"
    );
    assert!(text.contains(person["id"].as_str().expect("id")), "{text}");
    assert_eq!(reply.parent_id.as_deref(), Some(card.id.as_str()));
}

#[tokio::test]
async fn empty_fields_are_not_sent() {
    let app = spawn_app().await;
    let card = app.card_for_manager().await;
    app.sim
        .submit(
            &app.manager,
            &card.id,
            json!({"email": "kim@example.com", "lastName": "Kim", "title": "", "department": "  "}),
        )
        .await;
    app.bot_messages(&app.room, 2).await;
    let person = &app.sim.people_with_email("kim@example.com")[0];
    assert!(
        person.get("title").is_none() && person.get("department").is_none(),
        "{person}"
    );
}

#[tokio::test]
async fn an_invalid_email_or_no_name_is_refused_without_any_create_call() {
    let app = spawn_app().await;
    let card = app.card_for_manager().await;
    app.sim
        .submit(
            &app.manager,
            &card.id,
            json!({"email": "jane.doe@", "firstName": "Jane"}),
        )
        .await;
    let again = app.new_bot_message(&app.room, &[&card]).await;
    assert!(
        text_of(&again).contains("this is not a valid email address"),
        "{}",
        text_of(&again)
    );
    app.sim
        .submit(
            &app.manager,
            &again.id,
            json!({"email": "jane.doe@example.com", "firstName": " ", "lastName": ""}),
        )
        .await;
    let third = app.new_bot_message(&app.room, &[&card, &again]).await;
    assert!(
        text_of(&third).contains("at least a first name"),
        "{}",
        text_of(&third)
    );
    assert_eq!(app.create_calls(), 0);
    // The corrected form goes through.
    app.sim.submit(&app.manager, &third.id, jane()).await;
    let result = app
        .new_bot_message(&app.room, &[&card, &again, &third])
        .await;
    assert!(text_of(&result).contains("created"), "{}", text_of(&result));
}

#[tokio::test]
async fn a_bad_form_comes_back_filled_in_with_the_error_by_its_field_and_the_old_form_is_gone() {
    let app = spawn_app().await;
    let card = app.card_for_manager().await;
    app.sim
        .submit(
            &app.manager,
            &card.id,
            json!({"email": "jane.doe@", "firstName": "Jane", "title": "Engineer"}),
        )
        .await;
    let again = app.new_bot_message(&app.room, &[&card]).await;
    assert_eq!(again.attachments.len(), 1, "the form was not sent again");
    let content = &again.attachments[0]["content"];
    let inputs = webex_onboard::cards::inputs(content);
    let value = |id: &str| {
        inputs
            .iter()
            .find(|i| i["id"] == id)
            .map(|i| i["value"].clone())
    };
    assert_eq!(value("email"), Some(json!("jane.doe@")));
    assert_eq!(value("firstName"), Some(json!("Jane")));
    assert_eq!(value("title"), Some(json!("Engineer")));
    let error = crate::helpers::element(content, "email.error").expect("an error block for email");
    assert_eq!(error["isVisible"], true);
    assert!(
        error["text"]
            .as_str()
            .unwrap_or("")
            .contains("not a valid email address"),
        "{error}"
    );
    assert!(
        app.gone(&app.room, &card).await,
        "the old form was not deleted"
    );
    // The old form, were it still on screen, does nothing.
    app.sim.submit(&app.manager, &card.id, jane()).await;
    let last = app.new_bot_message(&app.room, &[&card, &again]).await;
    assert!(
        text_of(&last).contains("replaced by a corrected one"),
        "{}",
        text_of(&last)
    );
    assert_eq!(app.create_calls(), 0);
}

#[tokio::test]
async fn a_form_retired_before_the_bot_recorded_it_stays_retired() {
    use webex_sim::{Fault, FaultKind};
    let app = spawn_app().await;
    // The form reaches the room at once, but the bot hears back 8 s later (within its 10 s call
    // timeout): until then the job that posts it has not recorded it, and a submission is
    // handled in the meantime.
    app.sim.inject(Fault {
        method: "POST".into(),
        path_prefix: "/v1/messages".into(),
        kind: FaultKind::Delay(std::time::Duration::from_secs(8)),
        times: 1,
    });
    app.sim.say(&app.manager, &app.room, "onboard").await;
    let card = app.bot_messages(&app.room, 1).await.remove(0);
    app.sim
        .submit(
            &app.manager,
            &card.id,
            json!({"email": "jane.doe@", "firstName": "Jane"}),
        )
        .await;
    let again = app.new_bot_message(&app.room, &[&card]).await;
    assert_eq!(again.attachments.len(), 1, "the form was not sent again");
    let form_post = app
        .sim
        .calls()
        .into_iter()
        .find(|c| c.method == "POST" && c.path == "/v1/messages")
        .expect("the form was posted");
    assert_eq!(
        form_post.status, 0,
        "the order this test is about did not happen"
    );
    // Now the first job hears back and records its card, after the retirement.
    wait_until("the form's post was never answered", || {
        app.sim
            .calls()
            .into_iter()
            .find(|c| c.method == "POST" && c.path == "/v1/messages")
            .is_some_and(|c| c.status != 0)
    })
    .await;
    poll_sql(
        &app.sandbox.database_url,
        "SELECT COUNT(*) FROM jobs WHERE state IN ('queued', 'running')",
        |n| n == 0,
    )
    .await;
    app.sim.submit(&app.manager, &card.id, jane()).await;
    let last = app.new_bot_message(&app.room, &[&card, &again]).await;
    assert!(
        text_of(&last).contains("replaced by a corrected one"),
        "{}",
        text_of(&last)
    );
    app.settle().await;
    assert_eq!(app.create_calls(), 0);
}

#[tokio::test]
async fn a_stranger_cannot_submit_a_managers_card() {
    let app = spawn_app().await;
    let card = app.card_for_manager().await;
    let stranger = app.sim.add_person("eve@elsewhere.org", "Eve Stranger");
    app.sim.submit(&stranger, &card.id, jane()).await;
    let messages = app.bot_messages(&app.room, 2).await;
    assert!(
        text_of(&messages[1]).contains("not allowed"),
        "{}",
        text_of(&messages[1])
    );
    assert_eq!(app.create_calls(), 0);
    assert!(app.sim.people_with_email("jane.doe@example.com").is_empty());
}

#[tokio::test]
async fn a_card_the_bot_did_not_send_is_refused() {
    let app = spawn_app().await;
    // The bot's own form, posted by someone else: it looks the same, but the bot did not send it.
    let look_alike =
        webex_onboard::cards::onboarding_card(&Default::default(), &Default::default(), &[]);
    let forged = app
        .post_card_as(&app.manager.token, &app.room, look_alike)
        .await;
    app.sim.submit(&app.manager, &forged, jane()).await;
    // The bot answers the message the card came in (with its help), and the submission.
    let messages = app.bot_messages(&app.room, 2).await;
    let texts: Vec<String> = messages.iter().map(text_of).collect();
    assert!(
        texts.iter().any(|t| t.contains("not sent by me")),
        "{texts:#?}"
    );
    assert_eq!(app.create_calls(), 0);
}

#[tokio::test]
async fn six_concurrent_redeliveries_create_exactly_one_person() {
    let app = spawn_app().await;
    let card = app.card_for_manager().await;
    app.sim.submit(&app.manager, &card.id, jane()).await;
    let delivery = app
        .sim
        .deliveries()
        .into_iter()
        .rev()
        .find(|d| String::from_utf8_lossy(&d.body).contains("attachmentActions"))
        .expect("the submission was delivered");
    let mut redeliveries = tokio::task::JoinSet::new();
    for _ in 0..6 {
        let (sim, delivery) = (app.sim.clone(), delivery.clone());
        redeliveries.spawn(async move {
            sim.deliver_raw(&delivery.target_url, delivery.body, delivery.signature)
                .await
        });
    }
    let statuses = redeliveries.join_all().await;
    assert!(statuses.iter().all(|s| *s == Some(200)), "{statuses:?}");
    app.bot_messages(&app.room, 2).await;
    app.settle().await;
    assert_eq!(app.sim.people_with_email("jane.doe@example.com").len(), 1);
    assert_eq!(app.create_calls(), 1);
    assert_eq!(
        app.bot_count(&app.room),
        2,
        "one card and one result, nothing more"
    );
}

#[tokio::test]
async fn a_double_submit_creates_one_person_and_says_the_card_was_used() {
    let app = spawn_app().await;
    let card = app.card_for_manager().await;
    let (a, b) = tokio::join!(
        app.sim.submit(&app.manager, &card.id, jane()),
        app.sim.submit(&app.manager, &card.id, jane())
    );
    assert_ne!(a, b, "two distinct submissions");
    let messages = app.bot_messages(&app.room, 3).await;
    assert_eq!(app.sim.people_with_email("jane.doe@example.com").len(), 1);
    assert_eq!(app.create_calls(), 1);
    let replies: Vec<String> = messages[1..].iter().map(text_of).collect();
    assert!(
        replies.iter().any(|t| t.contains("already used")),
        "{replies:?}"
    );
    assert!(replies.iter().all(|t| t.contains("created")), "{replies:?}");
}

#[tokio::test]
async fn an_existing_email_is_reported_and_nothing_is_created() {
    let app = spawn_app().await;
    app.sim.add_person("jane.doe@example.com", "Jane Doe");
    let card = app.card_for_manager().await;
    app.sim.submit(&app.manager, &card.id, jane()).await;
    let messages = app.bot_messages(&app.room, 2).await;
    assert!(
        text_of(&messages[1]).contains("already has a Webex account"),
        "{}",
        text_of(&messages[1])
    );
    assert_eq!(app.create_calls(), 0);
}

#[tokio::test]
async fn a_refusal_from_webex_is_explained_with_its_tracking_id() {
    use webex_sim::{Fault, FaultKind};
    let app = spawn_app().await;
    app.sim.inject(Fault {
        method: "POST".into(),
        path_prefix: "/v1/people".into(),
        kind: FaultKind::Status {
            status: 403,
            retry_after: None,
        },
        times: 1,
    });
    let card = app.card_for_manager().await;
    app.sim.submit(&app.manager, &card.id, jane()).await;
    let messages = app.bot_messages(&app.room, 2).await;
    let text = text_of(&messages[1]);
    assert!(
        text.contains("jane.doe@example.com") && text.contains("not created"),
        "{text}"
    );
    assert!(text.contains("may not create people"), "{text}");
    assert!(
        text.contains("webex-onboard_job"),
        "no tracking id quoted: {text}"
    );
}

#[tokio::test]
async fn each_token_is_used_only_for_its_own_calls() {
    let app = spawn_app().await;
    let card = app.card_for_manager().await;
    app.sim.submit(&app.manager, &card.id, jane()).await;
    app.bot_messages(&app.room, 2).await;
    let bot = app.sim.bot().email;
    let admin = app.sim.admin().email;
    let calls = app.sim.calls();
    let by = |who: &str| {
        calls
            .iter()
            .filter(|c| c.identity == who)
            .collect::<Vec<_>>()
    };
    let admin_reads = ["/v1/people", "/v1/licenses", "/v1/locations", "/v1/roles"];
    for call in by(&admin) {
        assert!(
            admin_reads.iter().any(|p| call.path.starts_with(p))
                && call.path != "/v1/people/me"
                && (call.method == "GET" || call.path == "/v1/people"),
            "the admin token was used for {} {}",
            call.method,
            call.path
        );
    }
    for call in by(&bot) {
        assert!(
            !(call.method == "POST" && call.path == "/v1/people"),
            "the bot token created a person"
        );
        assert!(call.path != "/v1/people" || call.method == "GET");
    }
    assert!(
        by(&admin).iter().any(|c| c.method == "POST"),
        "the admin token created nobody"
    );
    assert!(
        by(&bot)
            .iter()
            .any(|c| c.path == "/v1/messages" && c.method == "POST")
    );
    assert!(
        calls
            .iter()
            .all(|c| c.identity == bot || c.identity == admin),
        "{calls:#?}"
    );
}

#[tokio::test]
async fn no_secret_appears_in_the_logs_or_the_replies() {
    let logs = crate::helpers::logs();
    let app = spawn_app().await;
    let card = app.card_for_manager().await;
    app.sim.submit(&app.manager, &card.id, jane()).await;
    app.bot_messages(&app.room, 2).await;
    app.sim
        .submit(&app.manager, &card.id, json!({"email": "bad"}))
        .await;
    let messages = app.bot_messages(&app.room, 3).await;
    assert!(
        text_of(&messages[2]).contains("already used"),
        "{}",
        text_of(&messages[2])
    );
    let text = logs.text();
    assert!(
        text.contains("event handled"),
        "the logs captured nothing useful"
    );
    let replies: String = messages.iter().map(text_of).collect();
    for secret in [
        app.sim.bot().token,
        app.sim.admin().token,
        app.sandbox.secret.clone(),
    ] {
        assert!(!text.contains(&secret), "a secret is in the logs");
        assert!(!replies.contains(&secret), "a secret is in a reply");
    }
}

#[tokio::test]
async fn a_card_the_bot_posted_but_had_not_recorded_is_recognised_through_webex() {
    let app = spawn_app().await;
    // As if the bot crashed between posting a card and recording it.
    let form = webex_onboard::cards::onboarding_card(&Default::default(), &Default::default(), &[]);
    let card_id = app
        .post_card_as(&app.sim.bot().token, &app.room, form)
        .await;
    app.sim.submit(&app.manager, &card_id, jane()).await;
    let messages = app.bot_messages(&app.room, 2).await;
    assert!(
        text_of(&messages[1]).contains("created"),
        "{}",
        text_of(&messages[1])
    );

    // A card of the bot's that is neither a form nor an approval card is no form.
    let other = json!({"type": "AdaptiveCard", "version": "1.3",
        "body": [{"type": "Input.Text", "id": "email", "label": "Email"}],
        "actions": [{"type": "Action.Submit", "title": "Go", "data": {"action": "other"}}]});
    let other = app
        .post_card_as(&app.sim.bot().token, &app.room, other)
        .await;
    app.sim
        .submit(&app.manager, &other, json!({"email": "x@example.com"}))
        .await;
    let messages = app.bot_messages(&app.room, 4).await;
    assert!(
        text_of(&messages[3]).contains("not sent by me"),
        "{}",
        text_of(&messages[3])
    );
    assert_eq!(app.create_calls(), 1);
}
