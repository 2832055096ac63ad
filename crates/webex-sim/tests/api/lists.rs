//! Listing a room's messages, newest first, page by page.

use crate::helpers::*;

fn ids(answer: &Answer) -> Vec<String> {
    answer.body["items"]
        .as_array()
        .unwrap_or_else(|| panic!("items in {}", answer.body))
        .iter()
        .filter_map(|message| message["id"].as_str().map(str::to_owned))
        .collect()
}

#[tokio::test]
async fn a_rooms_messages_come_newest_first_in_pages_linked_by_before_message() {
    let api = spawn_simulator().await;
    let manager = api.sim.add_person("manager@example.com", "Maria Manager");
    let room = api.sim.direct_room(&manager);
    let mut sent = Vec::new();
    for n in 0..5 {
        sent.push(api.sim.say(&manager, &room, &format!("message {n}")).await);
    }

    let mut pages = Vec::new();
    let mut next = Some(api.url(&format!("/messages?roomId={}&max=2", room.id)));
    while let Some(url) = next.take() {
        let page = send(api.http.get(url).bearer_auth(&manager.token)).await;
        assert_eq!(page.status, 200, "{}", page.body);
        pages.push(ids(&page));
        if let Some(link) = page.header("link") {
            assert!(link.contains("beforeMessage="), "{link}");
        }
        next = next_page(&page);
        assert!(pages.len() <= 5, "paging does not end");
    }

    sent.reverse();
    assert_eq!(pages, [&sent[0..2], &sent[2..4], &sent[4..5]]);
    let all = api
        .get(&manager.token, &format!("/messages?roomId={}", room.id))
        .await;
    assert_eq!(ids(&all), sent);
    assert!(all.header("link").is_none());
}

#[tokio::test]
async fn messages_are_filtered_by_thread_and_by_time() {
    let api = spawn_simulator().await;
    let bot = api.sim.bot();
    let manager = api.sim.add_person("manager@example.com", "Maria Manager");
    let room = api.sim.direct_room(&manager);
    let first = api.sim.say(&manager, &room, "onboard Jane").await;
    tokio::time::sleep(Duration::from_millis(5)).await;
    let reply = api
        .post(
            &bot.token,
            "/messages",
            json!({ "roomId": room.id, "parentId": first, "text": "On it" }),
        )
        .await;
    let reply_id = reply.body["id"].as_str().expect("an id").to_owned();
    tokio::time::sleep(Duration::from_millis(5)).await;
    let last = api.sim.say(&manager, &room, "thanks").await;
    let last_created = api.sim.message(&last).expect("the message").created;
    let list = |query: String| format!("/messages?roomId={}{query}", room.id);
    let token = &manager.token;

    let thread = api.get(token, &list(format!("&parentId={first}"))).await;
    let before_message = api
        .get(token, &list(format!("&beforeMessage={last}")))
        .await;
    let before_time = api
        .get(
            token,
            &list(format!("&before={}", url_encode(&last_created))),
        )
        .await;
    let bad_time = api.get(token, &list("&before=yesterday".to_owned())).await;
    let foreign_message = api
        .get(token, &list("&beforeMessage=no-such-message".to_owned()))
        .await;

    assert_eq!(ids(&thread), [reply_id.as_str()]);
    assert_eq!(ids(&before_message), [reply_id.as_str(), first.as_str()]);
    assert_eq!(ids(&before_time), [reply_id.as_str(), first.as_str()]);
    assert_eq!(bad_time.status, 400);
    assert_eq!(foreign_message.status, 400);
}

#[tokio::test]
async fn a_bot_lists_a_group_room_only_by_its_mentions() {
    let api = spawn_simulator().await;
    let bot = api.sim.bot();
    let manager = api.sim.add_person("manager@example.com", "Maria Manager");
    let stranger = api.sim.add_person("eve@example.com", "Eve Stranger");
    let room = api.sim.group_room("Helpdesk", &[&manager]);
    let plain = api.sim.say(&manager, &room, "lunch?").await;
    let mention = api.sim.mention_bot(&manager, &room, "onboard").await;
    let path = |query: &str| format!("/messages?roomId={}{query}", room.id);

    let without_mentions = api.get(&bot.token, &path("")).await;
    let by_mentions = api.get(&bot.token, &path("&mentionedPeople=me")).await;
    let by_own_id = api
        .get(&bot.token, &path(&format!("&mentionedPeople={}", bot.id)))
        .await;
    let someone_else = api
        .get(
            &bot.token,
            &path(&format!("&mentionedPeople={}", manager.id)),
        )
        .await;
    let too_many = api
        .get(&bot.token, &path("&mentionedPeople=me&max=101"))
        .await;
    let by_member = api.get(&manager.token, &path("")).await;
    let by_stranger = api.get(&stranger.token, &path("")).await;
    let no_room = api.get(&manager.token, "/messages").await;

    assert_eq!(without_mentions.status, 403);
    assert_eq!(ids(&by_mentions), [mention.as_str()]);
    assert_eq!(ids(&by_own_id), [mention.as_str()]);
    assert_eq!(someone_else.status, 400);
    assert_eq!(too_many.status, 400);
    assert_eq!(ids(&by_member), [mention.as_str(), plain.as_str()]);
    assert_eq!(by_stranger.status, 404);
    assert_eq!(no_room.status, 400);
}
