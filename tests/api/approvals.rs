//! `ONBOARD_APPROVERS_ROOM`: requests wait for a member of the approvers' space.

use serde_json::json;
use webex_onboard::ops::expiry::RequestExpiry;
use webex_onboard::sandbox::SandboxOptions;
use webex_sim::{SimMessage, SimPerson, SimRoom, Simulator};

use crate::helpers::{TestApp, jane, poll_sql, spawn_app_on, text_of, wait_until};

pub(crate) struct Approvals {
    pub(crate) app: TestApp,
    pub(crate) ana: SimPerson,
    pub(crate) ben: SimPerson,
    pub(crate) approvers: SimRoom,
}

pub(crate) async fn with_approvers() -> Approvals {
    with_approvers_and(SandboxOptions::default()).await
}

pub(crate) async fn with_approvers_and(options: SandboxOptions) -> Approvals {
    let sim = Simulator::start().await.expect("simulator");
    let ana = sim.add_person("ana.approver@example.com", "Ana Approver");
    let ben = sim.add_person("ben.approver@example.com", "Ben Approver");
    let approvers = sim.group_room("Onboarding approvers", &[&ana, &ben]);
    let options = SandboxOptions {
        approvers_room: Some(approvers.id.clone()),
        ..options
    };
    let app = spawn_app_on(sim, options).await;
    Approvals {
        app,
        ana,
        ben,
        approvers,
    }
}

impl Approvals {
    /// The manager submits Jane's form; returns the approval card.
    pub(crate) async fn request_jane(&self) -> SimMessage {
        let card = self.app.card_for_manager().await;
        self.app
            .sim
            .submit(&self.app.manager, &card.id, jane())
            .await;
        let waiting = self.app.new_bot_message(&self.app.room, &[&card]).await;
        assert!(
            text_of(&waiting).contains("went to the approvers"),
            "{}",
            text_of(&waiting)
        );
        assert_eq!(waiting.parent_id.as_deref(), Some(card.id.as_str()));
        let approval = self.app.new_bot_message(&self.approvers, &[]).await;
        assert_eq!(
            approval.attachments.len(),
            1,
            "no approval card: {}",
            text_of(&approval)
        );
        approval
    }

    pub(crate) async fn click(
        &self,
        who: &SimPerson,
        approval: &SimMessage,
        action: &str,
        reason: &str,
    ) {
        self.app
            .sim
            .submit(
                who,
                &approval.id,
                json!({"action": action, "reason": reason}),
            )
            .await;
    }
}

/// The approval card's summary: a `title: value` line per fact, each a RichTextBlock of two
/// TextRuns (plain text, never markup).
pub(crate) fn facts(card: &SimMessage) -> Vec<(String, String)> {
    let content = &card.attachments[0]["content"];
    let summary = content["body"]
        .as_array()
        .into_iter()
        .flatten()
        .find(|e| e["id"] == "summary");
    summary
        .and_then(|s| s["items"].as_array())
        .into_iter()
        .flatten()
        .map(|line| {
            let run = |n: usize| line["inlines"][n]["text"].as_str().unwrap_or("").to_owned();
            (run(0).trim_end_matches(": ").to_owned(), run(1))
        })
        .collect()
}

#[tokio::test]
async fn a_request_waits_for_an_approver_and_the_result_reaches_both_spaces() {
    let a = with_approvers().await;
    let approval = a.request_jane().await;
    assert_eq!(a.app.create_calls(), 0, "created before approval");
    let summary = facts(&approval);
    assert!(
        summary.contains(&("Email".into(), "jane.doe@example.com".into())),
        "{summary:?}"
    );
    assert!(
        summary.contains(&("Department".into(), "Engineering".into())),
        "{summary:?}"
    );
    let content = &approval.attachments[0]["content"];
    assert!(
        content.to_string().contains("mia.manager@example.com"),
        "who asked is not shown"
    );

    a.click(&a.ana, &approval, "approve", "").await;
    let to_approvers = a.app.new_bot_message(&a.approvers, &[&approval]).await;
    assert!(
        text_of(&to_approvers).contains("jane.doe@example.com** created"),
        "{}",
        text_of(&to_approvers)
    );
    assert_eq!(
        to_approvers.parent_id.as_deref(),
        Some(approval.id.as_str())
    );
    let messages = a.app.bot_messages(&a.app.room, 3).await;
    assert!(
        text_of(&messages[2]).contains("created"),
        "{}",
        text_of(&messages[2])
    );
    assert_eq!(a.app.sim.people_with_email("jane.doe@example.com").len(), 1);
}

#[tokio::test]
async fn a_decision_before_the_bot_recorded_its_approval_card_still_reaches_the_approvers() {
    use webex_sim::{Fault, FaultKind};
    // Calls may take long enough that the answers below come well within the delay, however
    // slow the machine, and the delayed posts are not retried (which would post them twice).
    let a = with_approvers_and(SandboxOptions {
        call_timeout: std::time::Duration::from_secs(60),
        ..Default::default()
    })
    .await;
    let card = a.app.card_for_manager().await;
    // The approval card (and the note to the requester) reach their rooms at once, but the bot
    // hears back 30 s later, so the click is handled before the card is recorded.
    a.app.sim.inject(Fault {
        method: "POST".into(),
        path_prefix: "/v1/messages".into(),
        kind: FaultKind::Delay(std::time::Duration::from_secs(30)),
        times: 2,
    });
    a.app.sim.submit(&a.app.manager, &card.id, jane()).await;
    let approval = a.app.new_bot_message(&a.approvers, &[]).await;
    a.click(&a.ana, &approval, "approve", "").await;
    let to_approvers = a.app.new_bot_message(&a.approvers, &[&approval]).await;
    let unanswered = a
        .app
        .sim
        .calls()
        .iter()
        .filter(|c| c.method == "POST" && c.path == "/v1/messages" && c.status == 0)
        .count();
    assert!(
        unanswered >= 1,
        "the order this test is about did not happen"
    );
    assert!(
        text_of(&to_approvers).contains("jane.doe@example.com** created"),
        "{}",
        text_of(&to_approvers)
    );
    assert_eq!(a.app.create_calls(), 1);
}

#[tokio::test]
async fn a_rejection_tells_the_requester_who_and_why_and_creates_nobody() {
    let a = with_approvers().await;
    let approval = a.request_jane().await;
    a.click(&a.ben, &approval, "reject", "She starts next quarter")
        .await;
    let messages = a.app.bot_messages(&a.app.room, 3).await;
    let text = text_of(&messages[2]);
    assert!(
        text.contains("ben.approver@example.com rejected")
            && text.contains("She starts next quarter"),
        "{text}"
    );
    assert_eq!(a.app.create_calls(), 0);
    // The approvers hear of it too, and a later click says who decided.
    let told = a.app.new_bot_message(&a.approvers, &[&approval]).await;
    assert!(text_of(&told).contains("rejected"), "{}", text_of(&told));
    let seen = a.app.sim.messages_in(&a.approvers.id);
    a.click(&a.ana, &approval, "approve", "").await;
    let stale = a
        .app
        .new_bot_message(&a.approvers, &seen.iter().collect::<Vec<_>>())
        .await;
    assert!(
        text_of(&stale).contains("already rejected by ben.approver@example.com"),
        "{}",
        text_of(&stale)
    );
}

#[tokio::test]
async fn a_later_click_on_a_decided_card_says_who_decided_it() {
    let a = with_approvers().await;
    let approval = a.request_jane().await;
    a.click(&a.ana, &approval, "approve", "").await;
    let result = a.app.new_bot_message(&a.approvers, &[&approval]).await;
    a.click(&a.ben, &approval, "reject", "too late").await;
    let stale = a
        .app
        .new_bot_message(&a.approvers, &[&approval, &result])
        .await;
    assert!(
        text_of(&stale).contains("already approved by ana.approver@example.com"),
        "{}",
        text_of(&stale)
    );
    assert_eq!(a.app.create_calls(), 1);
}

#[tokio::test]
async fn the_requester_may_not_approve_their_own_request() {
    let a = with_approvers().await;
    let own_room = a.app.sim.direct_room(&a.ana);
    a.app.sim.say(&a.ana, &own_room, "onboard").await;
    let card = a.app.bot_messages(&own_room, 1).await.remove(0);
    a.app.sim.submit(&a.ana, &card.id, jane()).await;
    let approval = a.app.new_bot_message(&a.approvers, &[]).await;
    a.click(&a.ana, &approval, "approve", "").await;
    let answer = a.app.new_bot_message(&a.approvers, &[&approval]).await;
    assert!(
        text_of(&answer).contains("cannot decide your own request"),
        "{}",
        text_of(&answer)
    );
    assert_eq!(a.app.create_calls(), 0);
}

#[tokio::test]
async fn someone_outside_the_approvers_space_cannot_decide() {
    let a = with_approvers().await;
    let approval = a.request_jane().await;
    let outsider = a.app.sim.add_person("olga@example.com", "Olga Outsider");
    a.click(&outsider, &approval, "approve", "").await;
    let answer = a.app.new_bot_message(&a.approvers, &[&approval]).await;
    assert!(
        text_of(&answer).contains("Only members of the approvers' space"),
        "{}",
        text_of(&answer)
    );
    assert_eq!(a.app.create_calls(), 0);
    let memberships = a
        .app
        .sim
        .calls()
        .into_iter()
        .filter(|c| c.path == "/v1/memberships")
        .count();
    assert!(memberships >= 1, "membership was not asked of Webex");
}

#[tokio::test]
async fn a_forged_approval_is_refused() {
    let a = with_approvers().await;
    let approval = a.request_jane().await;
    // A look-alike approval card, posted by an approver, for a request id of their choosing.
    let before = a.app.bot_messages(&a.approvers, 1).await;
    let look_alike = webex_onboard::cards::approval_card(1, "someone@example.com", &[]);
    let forged = a
        .app
        .post_card_as(&a.ana.token, &a.approvers, look_alike)
        .await;
    a.app
        .sim
        .submit(&a.ana, &forged, json!({"action": "approve"}))
        .await;
    let answer = a
        .app
        .new_bot_message(&a.approvers, &before.iter().collect::<Vec<_>>())
        .await;
    assert!(
        text_of(&answer).contains("not sent by me"),
        "{}",
        text_of(&answer)
    );
    assert_eq!(a.app.create_calls(), 0);
    // The real card still works.
    a.click(&a.ana, &approval, "approve", "").await;
    let result = a
        .app
        .new_bot_message(&a.approvers, &[&approval, &answer])
        .await;
    assert!(text_of(&result).contains("created"), "{}", text_of(&result));
    assert_eq!(a.app.create_calls(), 1);
}

#[tokio::test]
async fn pending_lists_the_waiting_requests_with_their_age_for_approvers() {
    let a = with_approvers().await;
    a.request_jane().await;
    a.app.sim.mention_bot(&a.ana, &a.approvers, "pending").await;
    // Asked in a group space: the list goes to the asker alone, and the space is told so.
    let told = a
        .app
        .sim
        .wait_for_bot_messages(&a.approvers.id, 2, crate::helpers::ANSWER)
        .await;
    assert!(
        told.iter()
            .any(|m| text_of(m).contains("I sent you the answer in a direct message")),
        "{:?}",
        told.iter().map(text_of).collect::<Vec<_>>()
    );
    assert!(
        told.iter()
            .all(|m| !text_of(m).contains("waiting for approval:")),
        "the list reached the group space"
    );
    // The list and the notice in the space are posted by jobs of their own, in either order.
    let direct = || {
        a.app
            .sim
            .direct_messages_with(&a.ana.email)
            .iter()
            .map(text_of)
            .find(|t| t.contains("waiting for approval"))
    };
    wait_until("the list never reached the asker", || direct().is_some()).await;
    let text = direct().unwrap_or_default();
    assert!(
        text.contains("jane.doe@example.com") && text.contains("mia.manager@example.com"),
        "{text}"
    );
    assert!(text.contains("less than a minute ago"), "{text}");
}

#[tokio::test]
async fn an_approved_request_that_webex_keeps_failing_is_answered_in_both_spaces() {
    let mut options = SandboxOptions::default();
    options.workers.max_attempts = 2;
    let a = with_approvers_and(options).await;
    let approval = a.request_jane().await;
    a.app.sim.inject(webex_sim::Fault {
        method: "POST".into(),
        path_prefix: "/v1/people".into(),
        kind: webex_sim::FaultKind::Status {
            status: 500,
            retry_after: None,
        },
        times: 100,
    });
    a.click(&a.ana, &approval, "approve", "").await;
    // Under the approval card. The alert that the job gave up goes to the same space (it is
    // also the alerts space here), as a message of its own, in no set order with this one.
    let to_approvers = a.app.thread(&a.approvers.id, &approval.id, 1).await;
    assert!(
        text_of(&to_approvers[0]).contains("I stopped trying"),
        "{}",
        text_of(&to_approvers[0])
    );
    let alert = a
        .app
        .new_bot_message(&a.approvers, &[&approval, &to_approvers[0]])
        .await;
    assert_eq!(alert.parent_id, None);
    assert!(text_of(&alert).contains("gave up"), "{}", text_of(&alert));
    let messages = a.app.bot_messages(&a.app.room, 3).await;
    assert!(
        text_of(&messages[2]).contains("was not created"),
        "{}",
        text_of(&messages[2])
    );
}

#[tokio::test]
async fn a_request_whose_approval_card_cannot_be_posted_fails_and_says_why() {
    let sim = Simulator::start().await.expect("simulator");
    let options = SandboxOptions {
        approvers_room: Some("Y2lzY29zcGFyazovL3VzL1JPT00vbm8tc3VjaC1yb29t".into()),
        ..Default::default()
    };
    let app = spawn_app_on(sim, options).await;
    let card = app.card_for_manager().await;
    app.sim.submit(&app.manager, &card.id, jane()).await;
    let mut seen = vec![card];
    let answer = loop {
        let next = app
            .new_bot_message(&app.room, &seen.iter().collect::<Vec<_>>())
            .await;
        if text_of(&next).contains("was not created") {
            break next;
        }
        seen.push(next);
    };
    let text = text_of(&answer);
    assert!(
        text.contains("could not post it to the approvers' space"),
        "{text}"
    );
    assert_eq!(app.create_calls(), 0);
}

#[tokio::test]
async fn a_request_nobody_decides_expires_and_a_later_click_creates_nobody() {
    // A day, as the test counts it, is a second; the test sweeps when the card is in place
    // (the bot's own sweep waits an hour).
    let expiry = RequestExpiry {
        ttl: std::time::Duration::from_secs(1),
        every: std::time::Duration::from_secs(3600),
    };
    let a = with_approvers_and(SandboxOptions {
        expiry: expiry.clone(),
        ..Default::default()
    })
    .await;
    let approval = a.request_jane().await;
    // Once the bot has recorded its approval card, and the request is older than its ttl.
    poll_sql(
        &a.app.sandbox.database_url,
        "SELECT COUNT(*) FROM cards WHERE kind = 'approval'",
        |n| n == 1,
    )
    .await;
    tokio::time::sleep(expiry.ttl).await;
    assert_eq!(expiry.sweep(&a.app.sandbox.store).await.expect("sweeps"), 1);
    let told = a.app.new_bot_message(&a.approvers, &[&approval]).await;
    assert_eq!(told.parent_id.as_deref(), Some(approval.id.as_str()));
    assert!(
        text_of(&told).contains("expired"),
        "the approvers were not told: {}",
        text_of(&told)
    );
    let to_requester = a.app.bot_messages(&a.app.room, 3).await.remove(2);
    assert!(
        text_of(&to_requester).contains("jane.doe@example.com")
            && text_of(&to_requester).contains("nobody decided the request within a day"),
        "{}",
        text_of(&to_requester)
    );

    a.click(&a.ana, &approval, "approve", "").await;
    let stale = a
        .app
        .new_bot_message(&a.approvers, &[&approval, &told])
        .await;
    assert!(
        text_of(&stale).contains("expired before anyone decided it"),
        "{}",
        text_of(&stale)
    );
    a.app.settle().await;
    assert_eq!(a.app.create_calls(), 0);
    assert!(
        a.app
            .sim
            .people_with_email("jane.doe@example.com")
            .is_empty()
    );
    // Told once, however often the sweep looks.
    assert_eq!(a.app.bot_count(&a.app.room), 3);
}

#[tokio::test]
async fn a_click_on_a_card_in_the_previous_approvers_space_decides_nothing() {
    let a = with_approvers().await;
    let approval = a.request_jane().await;
    let (database_url, addr) = (a.app.sandbox.database_url.clone(), a.app.sandbox.addr());
    let now = a.app.sim.group_room("New approvers", &[&a.ana]);
    a.app.sandbox.stop().await.expect("stops");
    let again = webex_onboard::sandbox::Sandbox::start_at(
        a.app.sim.clone(),
        SandboxOptions {
            database_url: Some(database_url),
            approvers_room: Some(now.id.clone()),
            ..Default::default()
        },
        addr,
    )
    .await
    .expect("restarts");
    let sim = &a.app.sim;
    sim.submit(
        &a.ana,
        &approval.id,
        json!({"action": "approve", "reason": ""}),
    )
    .await;
    let answer = sim
        .wait_for_bot_messages(&a.approvers.id, 2, crate::helpers::ANSWER)
        .await
        .remove(1);
    assert!(
        text_of(&answer).contains("not in the approvers' space I use now"),
        "{}",
        text_of(&answer)
    );
    tokio::time::sleep(std::time::Duration::from_millis(600)).await;
    let created = sim
        .calls()
        .into_iter()
        .filter(|c| c.method == "POST" && c.path == "/v1/people")
        .count();
    assert_eq!(created, 0);
    assert!(sim.people_with_email("jane.doe@example.com").is_empty());
    assert!(
        sim.messages_in(&now.id).is_empty(),
        "the new space heard of it"
    );
    again.stop().await.expect("stops");
}
