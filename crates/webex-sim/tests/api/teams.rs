//! Teams and their memberships.

use crate::helpers::*;

fn person_ids(answer: &Answer) -> Vec<String> {
    answer.body["items"]
        .as_array()
        .expect("items")
        .iter()
        .filter_map(|membership| membership["personId"].as_str())
        .map(str::to_owned)
        .collect()
}

#[tokio::test]
async fn a_team_member_adds_a_new_hire_and_a_second_add_conflicts() {
    let api = spawn_simulator().await;
    let bot = api.sim.bot();
    let manager = api.sim.add_person("manager@example.com", "Maria Manager");
    let hire = api.sim.add_person("jane.doe@example.com", "Jane Doe");
    let team = api.sim.team("Engineering", &[&manager]);

    let added = api
        .post(
            &bot.token,
            "/team/memberships",
            json!({ "teamId": team.id, "personEmail": hire.email, "isModerator": false }),
        )
        .await;
    let again = api
        .post(
            &bot.token,
            "/team/memberships",
            json!({ "teamId": team.id, "personId": hire.id }),
        )
        .await;
    let listed = api
        .get(&bot.token, &format!("/team/memberships?teamId={}", team.id))
        .await;
    let fetched = api.get(&bot.token, &format!("/teams/{}", team.id)).await;

    assert_eq!(added.status, 200, "{}", added.body);
    assert_eq!(added.body["teamId"], team.id.as_str());
    assert_eq!(added.body["personId"], hire.id.as_str());
    assert_eq!(added.body["personEmail"], "jane.doe@example.com");
    assert_eq!(added.body["personDisplayName"], "Jane Doe");
    assert_eq!(added.body["isModerator"], false);
    assert_eq!(again.status, 409);
    assert_eq!(person_ids(&listed), [&*manager.id, &bot.id, &hire.id]);
    assert_eq!(api.sim.team_members(&team.id), person_ids(&listed));
    assert_eq!(fetched.status, 200);
    assert_eq!(fetched.body["name"], "Engineering");
    assert_eq!(fetched.body["id"], team.id.as_str());
}

#[tokio::test]
async fn a_team_the_bot_is_not_in_is_hidden_from_it_and_closed_to_its_adds() {
    let api = spawn_simulator().await;
    let bot = api.sim.bot();
    let manager = api.sim.add_person("manager@example.com", "Maria Manager");
    let hire = api.sim.add_person("jane.doe@example.com", "Jane Doe");
    let team = api.sim.team_without_bot("Finance", &[&manager]);

    let add = api
        .post(
            &bot.token,
            "/team/memberships",
            json!({ "teamId": team.id, "personId": hire.id }),
        )
        .await;
    let listed = api
        .get(&bot.token, &format!("/team/memberships?teamId={}", team.id))
        .await;
    let fetched = api.get(&bot.token, &format!("/teams/{}", team.id)).await;
    let by_member = api
        .get(&manager.token, &format!("/teams/{}", team.id))
        .await;

    assert_eq!(add.status, 403);
    assert_eq!(listed.status, 404);
    assert_eq!(fetched.status, 404);
    assert_eq!(by_member.status, 200);
    assert_eq!(api.sim.team_members(&team.id), [manager.id]);
}

#[tokio::test]
async fn team_requests_name_one_person_of_a_known_team() {
    let api = spawn_simulator().await;
    let bot = api.sim.bot();
    let hire = api.sim.add_person("jane.doe@example.com", "Jane Doe");
    let team = api.sim.team("Engineering", &[]);
    let add = |body: Value| api.post(&bot.token, "/team/memberships", body);

    let unknown_team = add(json!({ "teamId": "no-such-team", "personId": hire.id })).await;
    let unknown_person = add(json!({ "teamId": team.id, "personId": "nobody" })).await;
    let no_person = add(json!({ "teamId": team.id })).await;
    let extra_field = add(json!({ "teamId": team.id, "personId": hire.id, "role": "x" })).await;
    let no_team_id = api.get(&bot.token, "/team/memberships").await;

    assert_eq!(unknown_team.status, 404);
    assert_eq!(unknown_person.status, 404);
    assert_eq!(no_person.status, 400);
    assert_eq!(extra_field.status, 400);
    assert_eq!(no_team_id.status, 400);
    assert!(api.sim.team_members("no-such-team").is_empty());
}

#[tokio::test]
async fn team_memberships_page_with_max() {
    let api = spawn_simulator().await;
    let bot = api.sim.bot();
    let people: Vec<SimPerson> = (0..3)
        .map(|n| {
            api.sim
                .add_person(&format!("p{n}@example.com"), &format!("P {n}"))
        })
        .collect();
    let team = api.sim.team("Big", &people.iter().collect::<Vec<_>>());

    let first = api
        .get(
            &bot.token,
            &format!("/team/memberships?teamId={}&max=2", team.id),
        )
        .await;
    let second = send(
        api.http
            .get(next_page(&first).expect("a second page"))
            .bearer_auth(&bot.token),
    )
    .await;

    assert_eq!(person_ids(&first), [&*people[0].id, &people[1].id]);
    assert_eq!(person_ids(&second), [&*people[2].id, &bot.id]);
    assert!(next_page(&second).is_none());
}
