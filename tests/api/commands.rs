//! Messages: `onboard`, `help`, strangers, group spaces.

use crate::helpers::{spawn_app, text_of};

#[tokio::test]
async fn onboard_from_an_allowed_manager_gets_the_card_with_a_fallback_text() {
    let app = spawn_app().await;
    app.sim.say(&app.manager, &app.room, "ONBOARD").await;
    let messages = app.bot_messages(&app.room, 1).await;
    let card = &messages[0];
    assert_eq!(card.attachments.len(), 1);
    assert_eq!(
        card.attachments[0]["contentType"],
        "application/vnd.microsoft.card.adaptive"
    );
    assert_eq!(card.attachments[0]["content"]["version"], "1.3");
    assert!(
        text_of(card).contains("Onboard a new hire"),
        "no fallback: {}",
        text_of(card)
    );
}

#[tokio::test]
async fn a_stranger_gets_a_refusal_and_no_card() {
    let app = spawn_app().await;
    let stranger = app.sim.add_person("eve@elsewhere.org", "Eve Stranger");
    let room = app.sim.direct_room(&stranger);
    app.sim.say(&stranger, &room, "onboard").await;
    let messages = app.bot_messages(&room, 1).await;
    assert!(messages[0].attachments.is_empty(), "a stranger got a card");
    assert!(
        text_of(&messages[0]).contains("not allowed"),
        "{}",
        text_of(&messages[0])
    );
}

#[tokio::test]
async fn help_and_anything_else_get_the_list_of_commands() {
    let app = spawn_app().await;
    app.sim.say(&app.manager, &app.room, "help").await;
    app.sim
        .say(&app.manager, &app.room, "what can you do?")
        .await;
    let messages = app.bot_messages(&app.room, 2).await;
    for message in &messages {
        let text = text_of(message);
        assert!(
            text.contains("**onboard**") && text.contains("**help**"),
            "{text}"
        );
        assert!(message.attachments.is_empty());
    }
}

#[tokio::test]
async fn a_mention_in_a_group_space_is_stripped_and_answered_there() {
    let app = spawn_app().await;
    let colleague = app.sim.add_person("sam@example.com", "Sam Colleague");
    let group = app.sim.group_room("Team", &[&app.manager, &colleague]);
    app.sim.say(&colleague, &group, "onboard").await; // no mention: the bot does not see it
    app.sim.mention_bot(&app.manager, &group, "onboard").await;
    let messages = app.bot_messages(&group, 1).await;
    assert_eq!(
        messages[0].attachments.len(),
        1,
        "expected the card: {}",
        text_of(&messages[0])
    );
    app.settle().await;
    assert_eq!(app.bot_count(&group), 1);
}

#[tokio::test]
async fn status_asked_in_a_group_space_is_answered_directly() {
    let app = spawn_app().await;
    let colleague = app.sim.add_person("sam@example.com", "Sam Colleague");
    let group = app.sim.group_room("Team", &[&app.manager, &colleague]);
    app.sim
        .mention_bot(&app.manager, &group, "status sam@example.com")
        .await;
    let in_group = app.bot_messages(&group, 1).await.remove(0);
    assert!(
        text_of(&in_group).contains("direct message"),
        "{}",
        text_of(&in_group)
    );
    assert!(
        !text_of(&in_group).contains("sam@example.com"),
        "the answer was given in the group space"
    );
    let direct = app.bot_messages(&app.room, 1).await.remove(0);
    assert!(
        text_of(&direct).contains("sam@example.com"),
        "{}",
        text_of(&direct)
    );
    app.settle().await;
    assert_eq!(app.bot_count(&group), 1);
}

#[tokio::test]
async fn pending_is_for_approvers_only() {
    let app = spawn_app().await;
    app.sim.say(&app.manager, &app.room, "pending").await;
    let answer = app.bot_messages(&app.room, 1).await.remove(0);
    assert!(
        text_of(&answer).contains("Only members of the approvers' space"),
        "{}",
        text_of(&answer)
    );
}
