//! The walk of the people, organization, team and token routes.

use serde_json::json;

use crate::People;
use crate::walk::Walk;

pub async fn people(walk: &mut Walk, people: &People) {
    let admin = &people.admin.token;
    let license = walk.sim.add_license("Webex Calling - Professional", 10);
    let location = walk.sim.add_location("Denver");
    let created = walk
        .call(
            "POST",
            "/people",
            "/people?callingData=true",
            admin,
            Some(json!({
                "emails": ["jane.doe@example.com"],
                "displayName": "Jane Doe",
                "firstName": "Jane",
                "lastName": "Doe",
                "phoneNumbers": [{ "type": "work", "value": "+1 408 526 7209" }],
                "extension": "7209",
                "locationId": location,
                "licenses": [license],
                "addresses": [{ "type": "work", "country": "US" }],
            })),
        )
        .await;
    let id = created.id();
    let email_body = json!({ "emails": ["jane.doe@example.com"], "displayName": "Jane" });
    walk.call("POST", "/people", "/people", admin, Some(email_body))
        .await;
    walk.call(
        "POST",
        "/people",
        "/people",
        admin,
        Some(json!({ "displayName": "No Email" })),
    )
    .await;
    let bot_body = json!({ "emails": ["x@example.com"], "displayName": "X" });
    walk.call(
        "POST",
        "/people",
        "/people",
        &people.bot.token,
        Some(bot_body),
    )
    .await;

    walk.call("GET", "/people", "/people", admin, None).await;
    walk.call(
        "GET",
        "/people",
        "/people?email=jane.doe%40example.com&callingData=true",
        admin,
        None,
    )
    .await;
    walk.call(
        "GET",
        "/people",
        "/people?displayName=ja&max=1",
        admin,
        None,
    )
    .await;
    walk.call(
        "GET",
        "/people",
        &format!("/people?id={id}"),
        &people.bot.token,
        None,
    )
    .await;
    walk.call("GET", "/people", "/people", &people.bot.token, None)
        .await;
    walk.call("GET", "/people", "/people?max=0", admin, None)
        .await;

    walk.call("GET", "/people/me", "/people/me", &people.bot.token, None)
        .await;
    walk.call(
        "GET",
        "/people/me",
        "/people/me?callingData=true",
        admin,
        None,
    )
    .await;
    walk.call("GET", "/people/me", "/people/me", "not-a-token", None)
        .await;

    let person = format!("/people/{id}");
    walk.call(
        "GET",
        "/people/{personId}",
        &format!("{person}?callingData=true"),
        admin,
        None,
    )
    .await;
    walk.call(
        "GET",
        "/people/{personId}",
        &person,
        &people.manager.token,
        None,
    )
    .await;
    walk.call(
        "GET",
        "/people/{personId}",
        "/people/no-such-person",
        admin,
        None,
    )
    .await;
}

pub async fn organization(walk: &mut Walk, people: &People) {
    let admin = &people.admin.token;
    let bot = &people.bot.token;
    walk.sim.add_role("User Administrator");
    walk.sim.add_location("Austin");
    walk.call("GET", "/licenses", "/licenses", admin, None)
        .await;
    walk.call("GET", "/licenses", "/licenses", bot, None).await;
    walk.call("GET", "/licenses", "/licenses?max=1", admin, None)
        .await;
    let license = walk.sim.add_license("Messaging", 5);
    let assign = |id: &str| json!({ "email": "jane.doe@example.com", "licenses": [{ "id": id, "operation": "add" }] });
    walk.call(
        "PATCH",
        "/licenses/users",
        "/licenses/users",
        admin,
        Some(assign(&license)),
    )
    .await;
    walk.call(
        "PATCH",
        "/licenses/users",
        "/licenses/users",
        admin,
        Some(assign("nope")),
    )
    .await;
    walk.call("GET", "/locations", "/locations?max=1", admin, None)
        .await;
    walk.call("GET", "/locations", "/locations?name=den", admin, None)
        .await;
    walk.call("GET", "/locations", "/locations", bot, None)
        .await;
    walk.call("GET", "/roles", "/roles", admin, None).await;
    walk.call("GET", "/roles", "/roles", bot, None).await;
}

pub async fn teams(walk: &mut Walk, people: &People) {
    let bot = &people.bot.token;
    let team = walk.sim.team("Engineering", &[&people.manager]);
    let hidden = walk.sim.team_without_bot("Finance", &[&people.manager]);
    let hire = walk.sim.add_person("new.hire@example.com", "New Hire");

    let path = format!("/teams/{}", team.id);
    walk.call("GET", "/teams/{teamId}", &path, bot, None).await;
    walk.call(
        "GET",
        "/teams/{teamId}",
        &format!("/teams/{}", hidden.id),
        bot,
        None,
    )
    .await;
    let add = json!({ "teamId": team.id, "personEmail": hire.email, "isModerator": true });
    walk.call(
        "POST",
        "/team/memberships",
        "/team/memberships",
        bot,
        Some(add.clone()),
    )
    .await;
    walk.call(
        "POST",
        "/team/memberships",
        "/team/memberships",
        bot,
        Some(add),
    )
    .await;
    let list = format!("/team/memberships?teamId={}&max=2", team.id);
    walk.call("GET", "/team/memberships", &list, bot, None)
        .await;
    let hidden_list = format!("/team/memberships?teamId={}", hidden.id);
    walk.call("GET", "/team/memberships", &hidden_list, bot, None)
        .await;
}

pub async fn tokens(walk: &mut Walk) {
    let app = walk.sim.oauth_app();
    let granted = walk.sim.grant_admin_refresh_token();
    let form = |refresh_token: &str, secret: &str| {
        format!(
            "grant_type=refresh_token&client_id={}&client_secret={secret}&refresh_token={refresh_token}",
            app.client_id
        )
    };
    for body in [
        form(&granted, &app.client_secret),
        form(&granted, &app.client_secret),
        form(&granted, "wrong"),
    ] {
        let request = walk
            .request("POST", "/access_token")
            .header("content-type", "application/x-www-form-urlencoded")
            .body(body);
        walk.exchange("POST", "/access_token", "/access_token", request)
            .await;
    }
}
