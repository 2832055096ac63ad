//! What the organization offers: licenses, locations, roles.

use crate::helpers::*;

#[tokio::test]
async fn licenses_locations_and_roles_are_listed_to_the_admin_only() {
    let api = spawn_simulator().await;
    let admin = api.sim.admin();
    let colleague = api.sim.add_person("sam@example.com", "Sam Colleague");
    let license = api.sim.add_license("Webex Calling - Professional", 10);
    let location = api.sim.add_location("Denver");
    let role = api.sim.add_role("User Administrator");

    let licenses = api.get(&admin.token, "/licenses").await;
    let locations = api.get(&admin.token, "/locations").await;
    let roles = api.get(&admin.token, "/roles").await;

    assert_eq!(licenses.status, 200);
    assert_eq!(
        licenses.body["items"],
        json!([{
            "id": license,
            "name": "Webex Calling - Professional",
            "totalUnits": 10,
            "consumedUnits": 0,
            "consumedByUsers": 0,
            "consumedByWorkspaces": 0,
        }])
    );
    assert_eq!(locations.status, 200);
    let listed = &locations.body["items"][0];
    assert_eq!(listed["id"], location.as_str());
    assert_eq!(listed["name"], "Denver");
    assert!(listed["orgId"].is_string());
    assert!(listed["address"]["country"].is_string());
    assert!(listed["timeZone"].is_string());
    assert_eq!(roles.status, 200);
    let role_names: Vec<&str> = roles.body["items"]
        .as_array()
        .expect("items")
        .iter()
        .filter_map(|role| role["name"].as_str())
        .collect();
    assert_eq!(role_names, ["Full Administrator", "User Administrator"]);
    assert_eq!(roles.body["items"][1]["id"], role.as_str());

    for token in [&api.sim.bot().token, &colleague.token] {
        for path in ["/licenses", "/locations", "/roles"] {
            let refused = api.get(token, path).await;
            assert_eq!(refused.status, 403, "{path}");
            assert!(refused.body["message"].is_string(), "{path}");
            assert!(refused.body["trackingId"].is_string(), "{path}");
        }
    }
}

#[tokio::test]
async fn listing_locations_with_max_2_follows_the_link_header_to_every_page() {
    let api = spawn_simulator().await;
    let admin = api.sim.admin();
    let added: Vec<String> = ["Denver", "Austin", "Boston", "Chicago", "Dublin"]
        .iter()
        .map(|name| api.sim.add_location(name))
        .collect();

    let mut listed = Vec::new();
    let mut page_sizes = Vec::new();
    let mut next = Some(api.url("/locations?max=2"));
    while let Some(url) = next.take() {
        let page = send(api.http.get(url).bearer_auth(&admin.token)).await;
        assert_eq!(page.status, 200, "{}", page.body);
        let items = page.body["items"].as_array().expect("items");
        page_sizes.push(items.len());
        listed.extend(
            items
                .iter()
                .map(|item| item["id"].as_str().unwrap_or_default().to_owned()),
        );
        next = next_page(&page);
        assert!(page_sizes.len() <= added.len(), "paging does not end");
    }

    assert_eq!(page_sizes, [2, 2, 1]);
    assert_eq!(listed, added);
    let unpaged = api.get(&admin.token, "/locations").await;
    assert_eq!(unpaged.body["items"].as_array().map(Vec::len), Some(5));
    assert!(unpaged.header("link").is_none());
}

#[tokio::test]
async fn a_license_counts_the_people_holding_it_as_consumed() {
    let api = spawn_simulator().await;
    let admin = api.sim.admin();
    let license = api.sim.add_license("Meeting - Webex Enterprise", 5);

    for email in ["ann@example.com", "bob@example.com"] {
        let created = api
            .create_person(
                &admin.token,
                json!({ "emails": [email], "displayName": email, "licenses": [license] }),
            )
            .await;
        assert_eq!(created.status, 200, "{}", created.body);
        assert_eq!(created.body["licenses"], json!([license]));
    }
    let licenses = api.get(&admin.token, "/licenses").await;

    assert_eq!(licenses.body["items"][0]["totalUnits"], 5);
    assert_eq!(licenses.body["items"][0]["consumedUnits"], 2);
}
