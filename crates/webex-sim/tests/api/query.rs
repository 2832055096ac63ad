//! Query parameters: each operation takes only those Webex's spec defines for it.

use crate::helpers::*;

/// Every route the simulator serves, as (method, path) with placeholder ids.
const ROUTES: &[(&str, &str)] = &[
    ("GET", "/people"),
    ("POST", "/people"),
    ("GET", "/people/me"),
    ("GET", "/people/some-id"),
    ("GET", "/rooms/some-id"),
    ("GET", "/memberships"),
    ("GET", "/teams/some-id"),
    ("GET", "/team/memberships"),
    ("POST", "/team/memberships"),
    ("GET", "/licenses"),
    ("PATCH", "/licenses/users"),
    ("GET", "/locations"),
    ("GET", "/roles"),
    ("POST", "/memberships"),
    ("GET", "/messages"),
    ("POST", "/messages"),
    ("GET", "/messages/direct"),
    ("GET", "/messages/some-id"),
    ("PUT", "/messages/some-id"),
    ("DELETE", "/messages/some-id"),
    ("POST", "/attachment/actions"),
    ("GET", "/attachment/actions/some-id"),
    ("GET", "/webhooks"),
    ("POST", "/webhooks"),
    ("GET", "/webhooks/some-id"),
    ("PUT", "/webhooks/some-id"),
    ("DELETE", "/webhooks/some-id"),
    ("GET", "/contents/some-id"),
    ("POST", "/access_token"),
];

#[tokio::test]
async fn every_route_refuses_a_query_parameter_its_operation_does_not_define() {
    let api = spawn_simulator().await;
    let admin = api.sim.admin();

    for (method, path) in ROUTES {
        let method = reqwest::Method::from_bytes(method.as_bytes()).expect("a method");
        let url = api.url(&format!("{path}?bogus=1"));
        let answer = send(
            api.http
                .request(method.clone(), url)
                .bearer_auth(&admin.token),
        )
        .await;
        assert_eq!(answer.status, 400, "{method} {path}: {}", answer.body);
        let message = answer.body["message"].as_str().unwrap_or_default();
        assert!(message.contains("bogus"), "{method} {path}: {message}");
    }
}

#[tokio::test]
async fn max_is_refused_where_the_spec_does_not_define_it() {
    let api = spawn_simulator().await;
    let admin = api.sim.admin();

    let licenses = api.get(&admin.token, "/licenses?max=10").await;
    let roles = api.get(&admin.token, "/roles?max=10").await;
    let locations = api.get(&admin.token, "/locations?max=10").await;
    let twice = api.get(&admin.token, "/locations?max=10&max=20").await;

    assert_eq!(licenses.status, 400);
    assert!(
        licenses.body["message"]
            .as_str()
            .unwrap_or_default()
            .contains("max")
    );
    assert_eq!(roles.status, 400);
    assert_eq!(locations.status, 200, "{}", locations.body);
    assert_eq!(twice.status, 400);
}

#[tokio::test]
async fn defined_parameters_are_checked_and_applied() {
    let api = spawn_simulator().await;
    let admin = api.sim.admin();
    let denver = api.sim.add_location("Denver");
    api.sim.add_location("Austin");

    let by_name = api.get(&admin.token, "/locations?name=ENV").await;
    let by_id = api
        .get(&admin.token, &format!("/locations?id={denver}"))
        .await;
    let bad_flag = api.get(&admin.token, "/people/me?callingData=yes").await;
    let other_org = api.get(&admin.token, "/licenses?orgId=another-org").await;
    let org_wide = api.get(&admin.token, "/webhooks?ownedBy=org").await;
    let min_response = api
        .post(
            &admin.token,
            "/people?minResponse=true",
            json!({ "emails": ["jane.doe@example.com"], "displayName": "Jane Doe" }),
        )
        .await;

    assert_eq!(by_name.body["items"][0]["name"], "Denver");
    assert_eq!(by_name.body["items"].as_array().map(Vec::len), Some(1));
    assert_eq!(by_id.body["items"][0]["id"], denver.as_str());
    assert_eq!(bad_flag.status, 400);
    assert_eq!(other_org.status, 403);
    assert_eq!(org_wide.body, json!({ "items": [] }));
    assert_eq!(min_response.status, 200, "{}", min_response.body);
    let id = min_response.body["id"].as_str().unwrap_or_default();
    assert_eq!(min_response.body, json!({ "id": id }));
}
