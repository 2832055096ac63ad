//! Rooms and memberships.

use crate::helpers::*;

#[tokio::test]
async fn memberships_are_listed_to_members_only_and_filter_by_person() {
    let api = spawn_simulator().await;
    let bot = api.sim.bot();
    let manager = api.sim.add_person("manager@example.com", "Maria Manager");
    let approver = api
        .sim
        .add_person("it.approver@example.com", "Ian Approver");
    let stranger = api.sim.add_person("eve@elsewhere.org", "Eve Stranger");
    let room = api.sim.group_room("Helpdesk approvals", &[&manager]);
    api.sim.add_member(&room, &approver);
    api.sim.add_member(&room, &approver);

    let all = api
        .get(&bot.token, &format!("/memberships?roomId={}", room.id))
        .await;
    let by_id = api
        .get(
            &bot.token,
            &format!("/memberships?roomId={}&personId={}", room.id, approver.id),
        )
        .await;
    let by_email = api
        .get(
            &bot.token,
            &format!(
                "/memberships?roomId={}&personEmail=IT.Approver%40example.com",
                room.id
            ),
        )
        .await;
    let not_a_member = api
        .get(
            &bot.token,
            &format!("/memberships?roomId={}&personId={}", room.id, stranger.id),
        )
        .await;
    let by_stranger = api
        .get(&stranger.token, &format!("/memberships?roomId={}", room.id))
        .await;

    assert_eq!(all.status, 200, "{}", all.body);
    let members: Vec<&str> = all.body["items"]
        .as_array()
        .expect("items")
        .iter()
        .filter_map(|membership| membership["personId"].as_str())
        .collect();
    assert_eq!(members, [&manager.id, &bot.id, &approver.id]);
    assert_eq!(by_id.status, 200);
    let membership = &by_id.body["items"][0];
    assert_eq!(by_id.body["items"].as_array().map(Vec::len), Some(1));
    assert!(membership["id"].as_str().is_some_and(|id| !id.is_empty()));
    assert_eq!(membership["roomId"], room.id.as_str());
    assert_eq!(membership["personId"], approver.id.as_str());
    assert_eq!(membership["personEmail"], "it.approver@example.com");
    assert_eq!(membership["personDisplayName"], "Ian Approver");
    assert_eq!(membership["isModerator"], false);
    assert!(
        membership["created"]
            .as_str()
            .is_some_and(|at| at.ends_with('Z'))
    );
    assert_eq!(by_email.body["items"], by_id.body["items"]);
    assert_eq!(not_a_member.body, json!({ "items": [] }));
    assert_eq!(by_stranger.status, 404);
    assert!(by_stranger.body["message"].is_string());
    assert!(by_stranger.body["trackingId"].is_string());

    let own = api.get(&approver.token, "/memberships").await;
    let own_rooms: Vec<&str> = own.body["items"]
        .as_array()
        .expect("items")
        .iter()
        .filter_map(|membership| membership["roomId"].as_str())
        .collect();
    assert_eq!(own_rooms, [&room.id]);
    let filter_without_room = api
        .get(
            &bot.token,
            &format!("/memberships?personId={}", approver.id),
        )
        .await;
    assert_eq!(filter_without_room.status, 400);
}

#[tokio::test]
async fn membership_pages_keep_their_filters_in_the_link() {
    let api = spawn_simulator().await;
    let bot = api.sim.bot();
    let people: Vec<SimPerson> = (0..3)
        .map(|n| {
            api.sim
                .add_person(&format!("p{n}@example.com"), &format!("P {n}"))
        })
        .collect();
    let room = api
        .sim
        .group_room("Team", &people.iter().collect::<Vec<_>>());

    let first = api
        .get(
            &bot.token,
            &format!("/memberships?roomId={}&max=3", room.id),
        )
        .await;
    let link = next_page(&first).expect("a second page");
    let second = send(api.http.get(link).bearer_auth(&bot.token)).await;

    assert_eq!(first.body["items"].as_array().map(Vec::len), Some(3));
    assert_eq!(second.status, 200, "{}", second.body);
    assert_eq!(second.body["items"][0]["personId"], bot.id.as_str());
    assert!(next_page(&second).is_none());
}

#[tokio::test]
#[should_panic(expected = "1:1 space")]
async fn adding_a_member_to_a_direct_space_is_a_test_error() {
    let api = spawn_simulator().await;
    let manager = api.sim.add_person("manager@example.com", "Maria Manager");
    let colleague = api.sim.add_person("sam@example.com", "Sam Colleague");
    let room = api.sim.direct_room(&manager);

    api.sim.add_member(&room, &colleague);
}

#[tokio::test]
async fn a_member_adds_a_person_to_a_space_and_a_second_add_conflicts() {
    let api = spawn_simulator().await;
    let bot = api.sim.bot();
    let manager = api.sim.add_person("manager@example.com", "Maria Manager");
    let hire = api.sim.add_person("jane.doe@example.com", "Jane Doe");
    let buddy = api.sim.add_person("bob@example.com", "Bob Buddy");
    let room = api.sim.group_room("Engineering", &[&manager]);

    let added = api
        .post(
            &bot.token,
            "/memberships",
            json!({ "roomId": room.id, "personEmail": "Jane.Doe@example.com" }),
        )
        .await;
    let again = api
        .post(
            &bot.token,
            "/memberships",
            json!({ "roomId": room.id, "personId": hire.id }),
        )
        .await;
    let moderator = api
        .post(
            &manager.token,
            "/memberships",
            json!({ "roomId": room.id, "personId": buddy.id, "isModerator": true }),
        )
        .await;

    assert_eq!(added.status, 200, "{}", added.body);
    assert_eq!(added.body["roomId"], room.id.as_str());
    assert_eq!(added.body["personId"], hire.id.as_str());
    assert_eq!(added.body["personEmail"], "jane.doe@example.com");
    assert_eq!(added.body["personDisplayName"], "Jane Doe");
    assert_eq!(added.body["roomType"], "group");
    assert_eq!(added.body["isModerator"], false);
    assert!(added.body["id"].is_string());
    assert_eq!(again.status, 409);
    assert_eq!(moderator.body["isModerator"], true);
    assert_eq!(
        api.sim.room_members(&room.id),
        [manager.id, bot.id, hire.id, buddy.id]
    );
}

#[tokio::test]
async fn the_bot_cannot_add_people_to_a_space_it_is_not_in() {
    let api = spawn_simulator().await;
    let bot = api.sim.bot();
    let manager = api.sim.add_person("manager@example.com", "Maria Manager");
    let hire = api.sim.add_person("jane.doe@example.com", "Jane Doe");
    let room = api.sim.room_without_bot("Private", &[&manager]);

    let refused = api
        .post(
            &bot.token,
            "/memberships",
            json!({ "roomId": room.id, "personId": hire.id }),
        )
        .await;
    let listed = api
        .get(&bot.token, &format!("/memberships?roomId={}", room.id))
        .await;

    assert_eq!(refused.status, 403);
    assert!(refused.body["message"].is_string());
    assert_eq!(listed.status, 404);
    assert_eq!(api.sim.room_members(&room.id), [manager.id]);
    assert!(api.sim.room_members("no-such-room").is_empty());
}

#[tokio::test]
async fn adding_to_a_direct_space_or_an_unknown_room_or_person_is_refused() {
    let api = spawn_simulator().await;
    let bot = api.sim.bot();
    let manager = api.sim.add_person("manager@example.com", "Maria Manager");
    let hire = api.sim.add_person("jane.doe@example.com", "Jane Doe");
    let direct = api.sim.direct_room(&manager);
    let room = api.sim.group_room("Team", &[&manager]);
    let add = |body: Value| api.post(&bot.token, "/memberships", body);

    let to_direct = add(json!({ "roomId": direct.id, "personId": hire.id })).await;
    let unknown_room = add(json!({ "roomId": "no-such-room", "personId": hire.id })).await;
    let unknown_person =
        add(json!({ "roomId": room.id, "personEmail": "nobody@example.com" })).await;
    let both =
        add(json!({ "roomId": room.id, "personId": hire.id, "personEmail": hire.email })).await;
    let neither = add(json!({ "roomId": room.id })).await;
    let unknown_field = add(json!({ "roomId": room.id, "personId": hire.id, "role": "x" })).await;

    assert_eq!(to_direct.status, 400);
    assert_eq!(unknown_room.status, 404);
    assert_eq!(unknown_person.status, 404);
    assert_eq!(both.status, 400);
    assert_eq!(neither.status, 400);
    assert_eq!(unknown_field.status, 400);
    assert_eq!(api.sim.room_members(&room.id), [manager.id, bot.id]);
}
