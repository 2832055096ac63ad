//! Licenses held: units, PATCH /v1/licenses/users, and licenses Create a Person leaves
//! unassigned.

use crate::helpers::*;

impl TestSim {
    async fn patch(&self, token: &str, path: &str, body: Value) -> Answer {
        send(
            self.http
                .patch(self.url(path))
                .bearer_auth(token)
                .json(&body),
        )
        .await
    }

    async fn assign(&self, body: Value) -> Answer {
        self.patch(&self.sim.admin().token, "/licenses/users", body)
            .await
    }

    /// The admin creates this person, and returns the answer.
    async fn create(&self, email: &str, extra: Value) -> Answer {
        let mut body = json!({ "emails": [email], "displayName": email });
        if let (Some(body), Some(extra)) = (body.as_object_mut(), extra.as_object()) {
            body.extend(extra.clone());
        }
        self.post(&self.sim.admin().token, "/people?callingData=true", body)
            .await
    }
}

fn consumed(licenses: &Answer, id: &str) -> Value {
    licenses.body["items"]
        .as_array()
        .expect("items")
        .iter()
        .find(|license| license["id"] == id)
        .map(|license| license["consumedUnits"].clone())
        .unwrap_or_default()
}

#[tokio::test]
async fn a_license_with_no_units_left_is_refused_at_create_by_name() {
    let api = spawn_simulator().await;
    let license = api.sim.add_license("Messaging", 1);

    let first = api
        .create("ann@example.com", json!({ "licenses": [license] }))
        .await;
    let second = api
        .create("bob@example.com", json!({ "licenses": [license] }))
        .await;
    let without = api.create("cat@example.com", json!({})).await;

    assert_eq!(first.status, 200, "{}", first.body);
    assert_eq!(second.status, 400);
    let message = second.body["message"].as_str().unwrap_or_default();
    assert!(message.contains(&license), "{message}");
    assert!(api.sim.people_with_email("bob@example.com").is_empty());
    assert_eq!(without.status, 200);
    let licenses = api.get(&api.sim.admin().token, "/licenses").await;
    assert_eq!(consumed(&licenses, &license), 1);
}

#[tokio::test]
async fn licenses_are_added_and_removed_for_an_existing_person() {
    let api = spawn_simulator().await;
    let messaging = api.sim.add_license("Messaging", 5);
    let meetings = api.sim.add_license("Meeting - Webex Enterprise", 5);
    let created = api
        .create("jane.doe@example.com", json!({ "licenses": [messaging] }))
        .await;
    let person_id = created.body["id"].as_str().expect("an id").to_owned();

    let added = api
        .assign(json!({
            "email": "jane.doe@example.com",
            "licenses": [{ "id": meetings, "operation": "add" }]
        }))
        .await;
    assert_eq!(added.status, 200, "{}", added.body);
    assert_eq!(added.body["personId"], person_id.as_str());
    assert_eq!(added.body["email"], "jane.doe@example.com");
    assert!(added.body["orgId"].is_string());
    assert_eq!(added.body["licenses"], json!([messaging, meetings]));
    assert_eq!(
        api.sim.person_licenses("jane.doe@example.com"),
        [&*messaging, &meetings]
    );

    let removed = api
        .assign(json!({
            "personId": person_id,
            "licenses": [{ "id": messaging, "operation": "remove" }, { "id": meetings }]
        }))
        .await;
    assert_eq!(removed.status, 200, "{}", removed.body);
    assert_eq!(removed.body["licenses"], json!([meetings]));
    let fetched = api
        .get(&api.sim.admin().token, &format!("/people/{person_id}"))
        .await;
    assert_eq!(fetched.body["licenses"], json!([meetings]));
    let licenses = api.get(&api.sim.admin().token, "/licenses").await;
    assert_eq!(consumed(&licenses, &messaging), 0);
    assert_eq!(consumed(&licenses, &meetings), 1);
}

#[tokio::test]
async fn a_calling_license_needs_its_properties_and_a_known_location() {
    let api = spawn_simulator().await;
    let calling = api.sim.add_license("Webex Calling - Professional", 5);
    let location = api.sim.add_location("Denver");
    api.create("jane.doe@example.com", json!({})).await;
    let add = |properties: Value| {
        json!({
            "email": "jane.doe@example.com",
            "licenses": [{ "id": calling, "operation": "add", "properties": properties }]
        })
    };

    let without = api
        .assign(json!({ "email": "jane.doe@example.com", "licenses": [{ "id": calling }] }))
        .await;
    let no_location = api.assign(add(json!({ "extension": "7209" }))).await;
    let unknown_location = api
        .assign(add(json!({ "extension": "7209", "locationId": "nowhere" })))
        .await;
    let complete = api
        .assign(add(json!({ "extension": "7209", "locationId": location })))
        .await;

    assert_eq!(without.status, 400);
    assert_eq!(without.body["errors"][0]["errorCode"], 400_411);
    assert_eq!(no_location.status, 400);
    assert_eq!(unknown_location.status, 400);
    assert_eq!(unknown_location.body["errors"][0]["errorCode"], 400);
    assert_eq!(complete.status, 200, "{}", complete.body);
    let person = &api.sim.people_with_email("jane.doe@example.com")[0];
    assert_eq!(person["licenses"], json!([calling]));
    assert_eq!(person["extension"], "7209");
    assert_eq!(person["locationId"], location.as_str());
}

#[tokio::test]
async fn an_assignment_is_refused_whole_for_an_unknown_or_exhausted_license() {
    let api = spawn_simulator().await;
    let messaging = api.sim.add_license("Messaging", 5);
    let scarce = api.sim.add_license("Meeting - Webex Enterprise", 1);
    api.create("ann@example.com", json!({ "licenses": [scarce] }))
        .await;
    api.create("jane.doe@example.com", json!({})).await;
    let for_jane =
        |licenses: Value| json!({ "email": "jane.doe@example.com", "licenses": licenses });

    let unknown = api
        .assign(for_jane(
            json!([{ "id": messaging }, { "id": "no-such-license" }]),
        ))
        .await;
    let exhausted = api.assign(for_jane(json!([{ "id": scarce }]))).await;
    let nobody = api
        .assign(json!({ "email": "nobody@example.com", "licenses": [{ "id": messaging }] }))
        .await;
    let no_one_named = api
        .assign(json!({ "licenses": [{ "id": messaging }] }))
        .await;
    let bad_operation = api
        .assign(for_jane(json!([{ "id": messaging, "operation": "swap" }])))
        .await;
    let by_bot = api
        .patch(
            &api.sim.bot().token,
            "/licenses/users",
            for_jane(json!([{ "id": messaging }])),
        )
        .await;

    assert_eq!(unknown.status, 400);
    assert_eq!(unknown.body["errors"][0]["errorCode"], 400_000);
    assert!(
        unknown.body["message"]
            .as_str()
            .unwrap_or_default()
            .contains("no-such-license")
    );
    assert_eq!(exhausted.status, 400);
    assert!(
        exhausted.body["message"]
            .as_str()
            .unwrap_or_default()
            .contains(&scarce)
    );
    assert_eq!(nobody.status, 404);
    assert_eq!(no_one_named.status, 400);
    assert_eq!(bad_operation.status, 400);
    assert_eq!(by_bot.status, 403);
    assert!(api.sim.person_licenses("jane.doe@example.com").is_empty());

    api.sim.remove_admin_scope("spark-admin:people_write");
    let without_scope = api.assign(for_jane(json!([{ "id": messaging }]))).await;
    assert_eq!(without_scope.status, 403);
    let message = without_scope.body["message"].as_str().unwrap_or_default();
    assert!(message.contains("spark-admin:people_write"), "{message}");
}

#[tokio::test]
async fn a_license_left_unassigned_is_echoed_at_create_but_not_held() {
    let api = spawn_simulator().await;
    let calling = api.sim.add_license("Webex Calling - Professional", 5);
    let messaging = api.sim.add_license("Messaging", 5);
    let location = api.sim.add_location("Denver");
    api.sim.leave_license_unassigned(&calling);

    let created = api
        .create(
            "jane.doe@example.com",
            json!({ "licenses": [calling, messaging], "extension": "7209", "locationId": location }),
        )
        .await;
    let id = created.body["id"].as_str().expect("an id").to_owned();
    let read_back = api
        .get(
            &api.sim.admin().token,
            &format!("/people/{id}?callingData=true"),
        )
        .await;

    assert_eq!(created.status, 200, "{}", created.body);
    assert_eq!(created.body["licenses"], json!([calling, messaging]));
    assert_eq!(created.body["extension"], "7209");
    assert_eq!(read_back.body["licenses"], json!([messaging]));
    assert!(
        read_back.body.get("extension").is_none(),
        "{}",
        read_back.body
    );
    assert_eq!(
        api.sim.person_licenses("jane.doe@example.com"),
        [&*messaging]
    );

    let mended = api
        .assign(json!({
            "personId": id,
            "licenses": [{ "id": calling, "properties": { "extension": "7209", "locationId": location } }]
        }))
        .await;
    assert_eq!(mended.status, 200, "{}", mended.body);
    assert_eq!(
        api.sim.person_licenses("jane.doe@example.com"),
        [&*messaging, &calling]
    );
}
