//! What people type is data, how often they may ask is limited, and what an envelope claims is
//! checked against Webex.

use serde_json::{Value, json};
use webex_onboard::sandbox::SandboxOptions;
use webex_onboard::store::RequestLimits;
use webex_sim::SimMessage;

use crate::approvals::{facts, with_approvers, with_approvers_and};
use crate::helpers::{ANSWER, TestApp, element, spawn_app, spawn_app_with, text_of};

/// A mention of everyone and a phishing link, as an allowed requester might type them.
const INJECTION: &str = "<@all> [Approve here](https://evil.example/login)";

/// Every element of this `type`, anywhere in a card.
fn of_type<'a>(card: &'a Value, kind: &str) -> Vec<&'a Value> {
    fn walk<'a>(value: &'a Value, kind: &str, out: &mut Vec<&'a Value>) {
        match value {
            Value::Object(map) => {
                if map.get("type").and_then(Value::as_str) == Some(kind) {
                    out.push(value);
                }
                map.values().for_each(|v| walk(v, kind, out));
            }
            Value::Array(items) => items.iter().for_each(|v| walk(v, kind, out)),
            _ => {}
        }
    }
    let mut out = Vec::new();
    walk(card, kind, &mut out);
    out
}

/// The visible error text under an input of a form the bot sent back.
fn error_under(card: &SimMessage, id: &str) -> String {
    element(&card.attachments[0]["content"], &format!("{id}.error"))
        .filter(|b| b["isVisible"] == true)
        .and_then(|b| b["text"].as_str())
        .unwrap_or("")
        .to_owned()
}

/// What a reader sees of a message: the plain text Webex derives from its Markdown.
fn plain(message: &SimMessage) -> String {
    message.text.clone().unwrap_or_default()
}

/// The bot's messages in a room.
fn bot_messages_in(app: &TestApp, room_id: &str) -> Vec<SimMessage> {
    let bot = app.sim.bot().id;
    app.sim
        .messages_in(room_id)
        .into_iter()
        .filter(|m| m.person_id == bot)
        .collect()
}

/// The approval cards the bot has posted in a room.
fn approval_cards(app: &TestApp, room_id: &str) -> Vec<SimMessage> {
    bot_messages_in(app, room_id)
        .into_iter()
        .filter(|m| !m.attachments.is_empty())
        .collect()
}

#[tokio::test]
async fn injection_strings_reach_the_approvers_space_as_text_never_as_markup() {
    let a = with_approvers().await;
    let card = a.app.card_for_manager().await;
    a.app
        .sim
        .submit(
            &a.app.manager,
            &card.id,
            json!({"email": "jane.doe@example.com", "firstName": INJECTION, "lastName": "Doe",
                   "title": "# Boss **now**", "department": "Engi\u{200B}neer\u{202E}ing"}),
        )
        .await;
    let approval = a.app.new_bot_message(&a.approvers, &[]).await;
    assert_eq!(
        approval.attachments.len(),
        1,
        "no approval card: {}",
        text_of(&approval)
    );
    let summary = facts(&approval);
    for fact in [
        ("Name", format!("{INJECTION} Doe")),
        ("Title", "# Boss **now**".to_owned()),
        ("Department", "Engineering".to_owned()),
    ] {
        assert!(
            summary.contains(&(fact.0.to_owned(), fact.1.clone())),
            "{fact:?} missing from {summary:?}"
        );
    }
    let content = &approval.attachments[0]["content"];
    let name_line = element(content, "summary")
        .and_then(|s| s["items"].as_array())
        .into_iter()
        .flatten()
        .find(|line| line["inlines"][0]["text"] == "Name: ")
        .expect("a Name line");
    assert_eq!(name_line["type"], "RichTextBlock");
    assert_eq!(name_line["inlines"][1]["type"], "TextRun", "{name_line}");
    for block in of_type(content, "TextBlock") {
        let text = block["text"].as_str().unwrap_or("");
        assert!(
            !text.contains("@all") && !text.contains("evil.example") && !text.contains("Boss"),
            "typed text in a TextBlock, where markup is read: {text}"
        );
    }

    // The reason is shown in Markdown in both spaces.
    a.click(&a.ben, &approval, "reject", INJECTION).await;
    let to_approvers = a.app.new_bot_message(&a.approvers, &[&approval]).await;
    // Under the requester's card: the note that it went to the approvers, and the rejection,
    // which come from jobs of their own.
    let to_requester = a
        .app
        .thread(&a.app.room.id, &card.id, 2)
        .await
        .into_iter()
        .find(|m| plain(m).contains("because"))
        .expect("the rejection under the requester's card");
    for told in [&to_approvers, &to_requester] {
        assert!(
            plain(told).contains(&format!("because \"{INJECTION}\"")),
            "the reason does not read as typed: {}",
            plain(told)
        );
        assert!(
            text_of(told).contains(r"\<@all\> \[Approve here\]\(https://evil.example/login\)"),
            "{}",
            text_of(told)
        );
    }

    // The same text as an email is no email at all.
    let second = a.app.card_for_manager().await;
    let seen = a.app.sim.messages_in(&a.app.room.id);
    let approvals_before = a.app.bot_count(&a.approvers);
    a.app
        .sim
        .submit(
            &a.app.manager,
            &second.id,
            json!({"email": format!("{INJECTION} <hire2@example.com>"), "firstName": "Hire"}),
        )
        .await;
    let again = a
        .app
        .new_bot_message(&a.app.room, &seen.iter().collect::<Vec<_>>())
        .await;
    assert_eq!(again.attachments.len(), 1, "the form was not sent back");
    assert!(
        error_under(&again, "email").contains("not a valid email address"),
        "{}",
        text_of(&again)
    );
    a.app.settle().await;
    assert_eq!(a.app.create_calls(), 0);
    assert_eq!(
        a.app.bot_count(&a.approvers),
        approvals_before,
        "the address reached the approvers"
    );

    let mut everything = bot_messages_in(&a.app, &a.app.room.id);
    everything.extend(bot_messages_in(&a.app, &a.approvers.id));
    for message in &everything {
        let markdown = message.markdown.as_deref().unwrap_or("");
        assert!(
            !markdown.contains("<@all>") && !markdown.contains("[Approve here]("),
            "markup the bot did not escape: {markdown}"
        );
        assert!(
            markdown.lines().all(|l| !l.trim_start().starts_with("# ")),
            "a heading: {markdown}"
        );
    }
}

#[tokio::test]
async fn over_long_values_are_refused_by_field_or_cut_and_every_reply_is_posted() {
    let a = with_approvers().await;
    // A forged decision: the card takes 500 characters, a forged click sends 5,000.
    let reason: String = (0..5000u32)
        .map(|n| char::from(b'a' + u8::try_from(n % 26).expect("a letter")))
        .collect();
    let kept: String = reason.chars().take(500).collect();
    let one_more: String = reason.chars().take(501).collect();
    let approval = a.request_jane().await;
    a.click(&a.ben, &approval, "reject", &reason).await;
    let to_approvers = a
        .app
        .thread(&a.approvers.id, &approval.id, 1)
        .await
        .remove(0);
    let to_requester = a.app.bot_messages(&a.app.room, 3).await.remove(2);
    for told in [&to_approvers, &to_requester] {
        let text = plain(told);
        assert!(
            text.contains(&format!("because \"{kept}\"")),
            "the reason is not its first 500 characters: {text}"
        );
        assert!(!text.contains(&one_more), "more than 500 characters kept");
    }

    // A forged form: the card takes 128 characters of a last name, a forged one sends 5,000.
    let card = a.app.card_for_manager().await;
    let seen = a.app.sim.messages_in(&a.app.room.id);
    a.app
        .sim
        .submit(
            &a.app.manager,
            &card.id,
            json!({"email": "kim@example.com", "firstName": "Kim", "lastName": "x".repeat(5000)}),
        )
        .await;
    let again = a
        .app
        .new_bot_message(&a.app.room, &seen.iter().collect::<Vec<_>>())
        .await;
    assert!(
        text_of(&again).contains("longer than 128 characters"),
        "{}",
        text_of(&again)
    );
    assert!(
        error_under(&again, "lastName").contains("longer than 128 characters"),
        "the error is not under the last name"
    );
    a.app.settle().await;
    assert_eq!(a.app.create_calls(), 0);
    assert_eq!(approval_cards(&a.app, &a.approvers.id).len(), 1);

    let bot = a.app.sim.bot().email;
    let refused: Vec<_> = a
        .app
        .sim
        .calls()
        .into_iter()
        .filter(|c| c.identity == bot && c.path == "/v1/messages" && c.status >= 400)
        .collect();
    assert!(refused.is_empty(), "Webex refused replies: {refused:#?}");
    let mut everything = bot_messages_in(&a.app, &a.app.room.id);
    everything.extend(bot_messages_in(&a.app, &a.approvers.id));
    for message in &everything {
        let bytes = message.markdown.as_deref().map_or(0, str::len);
        assert!(bytes <= 7439, "a message of {bytes} bytes");
    }
}

#[tokio::test]
async fn a_requester_with_the_most_open_requests_is_refused_and_the_form_stays_usable() {
    let a = with_approvers_and(SandboxOptions {
        limits: RequestLimits {
            open: 2,
            per_hour: 60,
        },
        ..Default::default()
    })
    .await;
    let cards = a.app.ask_for_forms(3).await;
    a.app.submit_forms(&cards[..2], "hire").await;
    let approvals = a
        .app
        .sim
        .wait_for_bot_messages(&a.approvers.id, 2, ANSWER)
        .await;
    assert_eq!(approvals.len(), 2);

    a.app.submit_forms(&cards[2..], "third").await;
    let refused = a
        .app
        .thread(&a.app.room.id, &cards[2].id, 1)
        .await
        .remove(0);
    assert!(
        text_of(&refused).contains("you have 2 requests waiting"),
        "{}",
        text_of(&refused)
    );
    a.app.settle().await;
    assert_eq!(
        approval_cards(&a.app, &a.approvers.id).len(),
        2,
        "a third request reached the approvers"
    );

    // Once one is answered, the same form goes through.
    a.click(&a.ana, &approvals[0], "reject", "").await;
    a.app.thread(&a.approvers.id, &approvals[0].id, 1).await;
    a.app.submit_forms(&cards[2..], "third").await;
    let waiting = a
        .app
        .thread(&a.app.room.id, &cards[2].id, 2)
        .await
        .remove(1);
    assert!(
        text_of(&waiting).contains("third0@example.com** went to the approvers"),
        "{}",
        text_of(&waiting)
    );
    let deadline = std::time::Instant::now() + ANSWER;
    while approval_cards(&a.app, &a.approvers.id).len() < 3 {
        assert!(
            std::time::Instant::now() < deadline,
            "no third approval card"
        );
        tokio::time::sleep(std::time::Duration::from_millis(25)).await;
    }
}

#[tokio::test]
async fn a_requester_over_the_hourly_limit_is_refused() {
    let app = spawn_app_with(SandboxOptions {
        limits: RequestLimits {
            open: 20,
            per_hour: 2,
        },
        ..Default::default()
    })
    .await;
    let cards = app.ask_for_forms(3).await;
    let emails = app.submit_forms(&cards[..2], "hire").await;
    assert_eq!(app.wait_for_people(&emails, ANSWER).await, [1, 1]);

    app.submit_forms(&cards[2..], "third").await;
    let refused = app.thread(&app.room.id, &cards[2].id, 1).await.remove(0);
    assert!(
        text_of(&refused).contains("you made 2 requests in the last hour"),
        "{}",
        text_of(&refused)
    );
    app.settle().await;
    assert_eq!(app.create_calls(), 2);
    assert!(app.sim.people_with_email("third0@example.com").is_empty());
}

#[tokio::test]
async fn a_reply_goes_to_the_room_of_the_fetched_message_not_the_one_the_envelope_names() {
    let app = spawn_app().await;
    let elsewhere = app.sim.group_room("Elsewhere", &[&app.manager]);
    // Only the forged delivery reaches the bot: the simulator's own would come first and
    // make the forged one a duplicate.
    app.sim.deactivate_webhooks();
    let message_id = app.sim.say(&app.manager, &app.room, "help").await;
    let body = app.envelope(
        "messages",
        json!({"id": message_id, "roomId": elsewhere.id, "roomType": "group",
               "personId": app.manager.id, "personEmail": app.manager.email}),
    );
    let response = app.post_webhook(&body, Some(&app.sign(&body))).await;
    assert_eq!(response.status(), 200);
    let answer = app.bot_messages(&app.room, 1).await.remove(0);
    assert!(
        text_of(&answer).contains("**onboard**"),
        "{}",
        text_of(&answer)
    );
    app.settle().await;
    assert_eq!(
        app.bot_count(&elsewhere),
        0,
        "the bot answered in the room the envelope named"
    );
}

#[tokio::test]
async fn an_envelope_whose_id_is_a_path_is_refused_without_any_webex_call() {
    let app = spawn_app().await;
    app.settle().await;
    let calls_before = app.sim.calls().len();
    for resource in ["messages", "attachmentActions"] {
        let body = app.envelope(
            resource,
            json!({"id": "../people/me", "roomId": app.room.id,
                   "personId": app.manager.id, "personEmail": app.manager.email}),
        );
        let response = app.post_webhook(&body, Some(&app.sign(&body))).await;
        assert!(
            response.status().is_client_error(),
            "{resource}: {}",
            response.status()
        );
    }
    app.settle().await;
    let calls = app.sim.calls();
    let made: Vec<String> = calls[calls_before..]
        .iter()
        .map(|c| format!("{} {}", c.method, c.path))
        .collect();
    assert!(made.is_empty(), "Webex calls: {made:?}");
}
