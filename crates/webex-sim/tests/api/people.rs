//! People: looking them up, and Create a Person with everything it checks.

use crate::helpers::*;

#[tokio::test]
async fn creating_a_person_with_the_bot_token_is_forbidden() {
    let api = spawn_simulator().await;
    let before = api.sim.person_count();

    let answer = api
        .create_person(
            &api.sim.bot().token,
            json!({ "emails": ["jane.doe@example.com"], "displayName": "Jane Doe" }),
        )
        .await;

    assert_eq!(answer.status, 403);
    assert_eq!(api.sim.person_count(), before);
}

#[tokio::test]
async fn the_admin_creates_a_person_and_a_second_create_of_the_same_email_conflicts() {
    let api = spawn_simulator().await;
    let admin = api.sim.admin();

    let created = api
        .create_person(
            &admin.token,
            json!({
                "emails": ["jane.doe@example.com"],
                "firstName": "Jane",
                "lastName": "Doe",
                "department": "Engineering",
                "title": "Software Engineer"
            }),
        )
        .await;
    assert_eq!(created.status, 200, "{}", created.body);
    let person = &created.body;
    assert!(person["id"].as_str().is_some_and(|id| !id.is_empty()));
    assert_eq!(person["emails"], json!(["jane.doe@example.com"]));
    assert_eq!(person["displayName"], "Jane Doe");
    assert_eq!(person["department"], "Engineering");
    assert_eq!(person["title"], "Software Engineer");
    assert_eq!(person["type"], "person");
    assert_eq!(person["invitePending"], "true");
    assert_eq!(person["loginEnabled"], "false");
    assert_eq!(person["licenses"], json!([]));
    assert_eq!(person["roles"], json!([]));
    assert!(person["orgId"].is_string());
    assert!(
        person["created"]
            .as_str()
            .is_some_and(|at| at.ends_with('Z'))
    );

    let found = api
        .get(&admin.token, "/people?email=JANE.DOE%40example.com")
        .await;
    assert_eq!(found.body["items"], json!([person]));
    let by_id = api
        .get(
            &admin.token,
            &format!("/people/{}", person["id"].as_str().unwrap_or_default()),
        )
        .await;
    assert_eq!(&by_id.body, person);

    let again = api
        .create_person(
            &admin.token,
            json!({ "emails": ["Jane.Doe@Example.com"], "displayName": "Jane" }),
        )
        .await;
    assert_eq!(again.status, 409);
    assert_eq!(api.sim.people_with_email("jane.doe@example.com").len(), 1);
}

#[tokio::test]
async fn looking_up_an_unknown_email_gives_an_empty_list() {
    let api = spawn_simulator().await;

    let answer = api
        .get(&api.sim.admin().token, "/people?email=nobody%40example.com")
        .await;

    assert_eq!(answer.status, 200);
    assert_eq!(answer.body, json!({ "items": [] }));
}

#[tokio::test]
async fn creating_a_person_needs_an_email_list_and_a_name() {
    let api = spawn_simulator().await;
    let admin = api.sim.admin();
    let invalid = [
        json!({ "displayName": "No Email" }),
        json!({ "emails": [], "displayName": "Empty List" }),
        json!({ "emails": "jane@example.com", "displayName": "Not A List" }),
        json!({ "emails": [42], "displayName": "Not A String" }),
        json!({ "emails": ["jane@example.com"] }),
        json!({ "emails": ["jane@example.com"], "displayName": "  ", "firstName": "" }),
    ];

    for body in invalid {
        let answer = api.create_person(&admin.token, body.clone()).await;
        assert_eq!(answer.status, 400, "{body}");
    }
    assert!(api.sim.people_with_email("jane@example.com").is_empty());
}

#[tokio::test]
async fn a_calling_user_needs_a_location_and_is_created_with_one_and_a_calling_license() {
    let api = spawn_simulator().await;
    let admin = api.sim.admin();
    let calling = api.sim.add_license("Webex Calling - Professional", 10);
    let location = api.sim.add_location("Denver");
    let numbers = json!([{ "type": "work", "value": "+1 408 526 7209" }]);
    let person = |extra: Value| {
        let mut body = json!({
            "emails": ["jane.doe@example.com"],
            "displayName": "Jane Doe",
            "phoneNumbers": numbers,
            "extension": "7209",
            "licenses": [calling],
        });
        if let (Some(body), Some(extra)) = (body.as_object_mut(), extra.as_object()) {
            body.extend(extra.clone());
        }
        body
    };

    let without_location = api
        .post(&admin.token, "/people?callingData=true", person(json!({})))
        .await;
    assert_eq!(without_location.status, 400);
    let message = without_location.body["message"]
        .as_str()
        .unwrap_or_default();
    assert!(message.contains("locationId"), "{message}");
    assert!(api.sim.people_with_email("jane.doe@example.com").is_empty());

    let created = api
        .post(
            &admin.token,
            "/people?callingData=true",
            person(json!({ "locationId": location })),
        )
        .await;
    assert_eq!(created.status, 200, "{}", created.body);
    assert_eq!(created.body["phoneNumbers"], numbers);
    assert_eq!(created.body["extension"], "7209");
    assert_eq!(created.body["locationId"], location.as_str());
    assert_eq!(created.body["licenses"], json!([calling]));
    assert_eq!(created.body["invitePending"], "true");
    assert_eq!(created.body["loginEnabled"], "false");

    let id = created.body["id"].as_str().unwrap_or_default();
    let with_calling = api
        .get(&admin.token, &format!("/people/{id}?callingData=true"))
        .await;
    let by_email = api
        .get(
            &admin.token,
            "/people?email=jane.doe%40example.com&callingData=true",
        )
        .await;
    let without_calling = api.get(&admin.token, &format!("/people/{id}")).await;
    let bot_asking = api
        .get(
            &api.sim.bot().token,
            &format!("/people/{id}?callingData=true"),
        )
        .await;

    assert_eq!(with_calling.body, created.body);
    assert_eq!(by_email.body["items"], json!([created.body]));
    for hidden in [&without_calling, &bot_asking] {
        assert_eq!(hidden.status, 200);
        for field in ["phoneNumbers", "extension", "locationId"] {
            assert!(hidden.body.get(field).is_none(), "{field}: {}", hidden.body);
        }
    }
    assert_eq!(without_calling.body["licenses"], json!([calling]));
    // Licenses and roles are administrative fields: the bot does not see them.
    assert!(
        bot_asking.body.get("licenses").is_none(),
        "{}",
        bot_asking.body
    );
    assert!(
        bot_asking.body.get("roles").is_none(),
        "{}",
        bot_asking.body
    );
    let logged = api
        .sim
        .calls()
        .into_iter()
        .filter(|call| call.method == "POST" && call.path == "/v1/people")
        .filter_map(|call| call.query)
        .collect::<Vec<_>>();
    assert_eq!(logged, ["callingData=true", "callingData=true"]);
}

#[tokio::test]
async fn calling_numbers_without_a_calling_license_are_rejected() {
    let api = spawn_simulator().await;
    let admin = api.sim.admin();
    let meetings = api.sim.add_license("Meeting - Webex Enterprise", 10);
    let location = api.sim.add_location("Denver");

    let answer = api
        .create_person(
            &admin.token,
            json!({
                "emails": ["jane.doe@example.com"],
                "displayName": "Jane Doe",
                "extension": "7209",
                "locationId": location,
                "licenses": [meetings],
            }),
        )
        .await;

    assert_eq!(answer.status, 400);
    let message = answer.body["message"].as_str().unwrap_or_default();
    assert!(message.contains("Webex Calling license"), "{message}");
    assert!(api.sim.people_with_email("jane.doe@example.com").is_empty());
}

#[tokio::test]
async fn unknown_license_role_location_or_manager_ids_are_rejected_by_name() {
    let api = spawn_simulator().await;
    let admin = api.sim.admin();
    let unknown = "Y2lzY29zcGFyazovL3VzL1VOS05PV04vMQ";
    let invalid = [
        json!({ "licenses": [unknown] }),
        json!({ "roles": [unknown] }),
        json!({ "locationId": unknown }),
        json!({ "managerId": unknown }),
    ];

    for fields in invalid {
        let mut body = json!({ "emails": ["jane.doe@example.com"], "displayName": "Jane Doe" });
        if let (Some(body), Some(fields)) = (body.as_object_mut(), fields.as_object()) {
            body.extend(fields.clone());
        }
        let answer = api.create_person(&admin.token, body).await;
        assert_eq!(answer.status, 400, "{fields}");
        let message = answer.body["message"].as_str().unwrap_or_default();
        assert!(message.contains(unknown), "{fields}: {message}");
    }
    assert!(api.sim.people_with_email("jane.doe@example.com").is_empty());
}

#[tokio::test]
async fn a_person_is_created_with_the_roles_licenses_and_manager_given() {
    let api = spawn_simulator().await;
    let admin = api.sim.admin();
    let manager = api.sim.add_person("manager@example.com", "Maria Manager");
    let license = api.sim.add_license("Messaging", 10);
    let role = api.sim.add_role("Support Administrator");

    let created = api
        .create_person(
            &admin.token,
            json!({
                "emails": ["jane.doe@example.com"],
                "displayName": "Jane Doe",
                "licenses": [license],
                "roles": [role],
                "managerId": manager.id,
                "manager": "Maria Manager",
            }),
        )
        .await;

    assert_eq!(created.status, 200, "{}", created.body);
    assert_eq!(created.body["licenses"], json!([license]));
    assert_eq!(created.body["roles"], json!([role]));
    assert_eq!(created.body["managerId"], manager.id.as_str());
    assert_eq!(created.body["manager"], "Maria Manager");
    assert!(created.body["created"].is_string());
    let id = created.body["id"].as_str().unwrap_or_default();
    let fetched = api.get(&admin.token, &format!("/people/{id}")).await;
    assert_eq!(fetched.body, created.body);
}

/// The admin creates these people, and returns their ids.
async fn create_people(api: &TestSim, names: &[&str]) -> Vec<String> {
    let mut ids = Vec::new();
    for name in names {
        let email = format!("{}@example.com", name.to_lowercase().replace(' ', "."));
        let created = api
            .create_person(
                &api.sim.admin().token,
                json!({ "emails": [email], "displayName": name }),
            )
            .await;
        assert_eq!(created.status, 200, "{}", created.body);
        ids.push(created.body["id"].as_str().expect("an id").to_owned());
    }
    ids
}

fn names(answer: &Answer) -> Vec<String> {
    answer.body["items"]
        .as_array()
        .expect("items")
        .iter()
        .filter_map(|person| person["displayName"].as_str())
        .map(str::to_owned)
        .collect()
}

#[tokio::test]
async fn people_are_listed_by_display_name_prefix_ignoring_case_and_by_ids() {
    let api = spawn_simulator().await;
    let admin = api.sim.admin();
    let ids = create_people(&api, &["Jane Doe", "jack Smith", "Ajax Jones", "Bob Ray"]).await;

    let by_prefix = api.get(&admin.token, "/people?displayName=JA").await;
    let by_ids = api
        .get(&admin.token, &format!("/people?id={},{}", ids[3], ids[0]))
        .await;
    let by_both = api
        .get(
            &admin.token,
            &format!("/people?displayName=Bob&id={},{}", ids[3], ids[0]),
        )
        .await;

    assert_eq!(by_prefix.status, 200, "{}", by_prefix.body);
    assert_eq!(names(&by_prefix), ["Jane Doe", "jack Smith"]);
    assert_eq!(names(&by_ids), ["Jane Doe", "Bob Ray"]);
    assert_eq!(names(&by_both), ["Bob Ray"]);
    // Listed by id, people come without the administrative fields, as Webex's spec says.
    assert!(by_ids.body["items"][0].get("licenses").is_none());
    assert!(by_prefix.body["items"][0]["licenses"].is_array());
}

#[tokio::test]
async fn listing_people_with_max_pages_through_the_link_header() {
    let api = spawn_simulator().await;
    let admin = api.sim.admin();
    create_people(&api, &["Ann One", "Ann Two", "Ann Three"]).await;

    let mut listed = Vec::new();
    let mut next = Some(api.url("/people?displayName=ann&max=2"));
    while let Some(url) = next.take() {
        let page = send(api.http.get(url).bearer_auth(&admin.token)).await;
        assert_eq!(page.status, 200, "{}", page.body);
        listed.extend(names(&page));
        next = next_page(&page);
        assert!(listed.len() <= 3, "paging does not end");
    }

    assert_eq!(listed, ["Ann One", "Ann Two", "Ann Three"]);
}

#[tokio::test]
async fn only_an_admin_may_list_people_without_an_email_name_or_id() {
    let api = spawn_simulator().await;
    let bot = api.sim.bot();
    let manager = api.sim.add_person("manager@example.com", "Maria Manager");

    let everyone_by_admin = api.get(&api.sim.admin().token, "/people").await;
    let everyone_by_bot = api.get(&bot.token, "/people").await;
    let by_name = api.get(&bot.token, "/people?displayName=maria").await;
    let by_id = api
        .get(&bot.token, &format!("/people?id={}", manager.id))
        .await;
    let by_role = api
        .get(&bot.token, "/people?displayName=maria&roles=some-role")
        .await;

    assert_eq!(everyone_by_admin.status, 200);
    assert_eq!(names(&everyone_by_admin).len(), 3);
    assert_eq!(everyone_by_bot.status, 400);
    assert!(everyone_by_bot.body["message"].is_string());
    assert_eq!(names(&by_name), ["Maria Manager"]);
    assert_eq!(names(&by_id), ["Maria Manager"]);
    assert!(by_name.body["items"][0].get("licenses").is_none());
    assert_eq!(by_role.status, 403);
}

#[tokio::test]
async fn a_field_create_a_person_does_not_take_is_refused_by_name() {
    let api = spawn_simulator().await;
    let admin = api.sim.admin();
    let person = |extra: Value| {
        let mut body = json!({ "emails": ["jane.doe@example.com"], "displayName": "Jane Doe" });
        if let (Some(body), Some(extra)) = (body.as_object_mut(), extra.as_object()) {
            body.extend(extra.clone());
        }
        body
    };

    let unknown = api
        .create_person(&admin.token, person(json!({ "costCenter": "R&D" })))
        .await;
    let wrong_type = api
        .create_person(&admin.token, person(json!({ "title": 42 })))
        .await;
    let null = api
        .create_person(&admin.token, person(json!({ "department": null })))
        .await;
    let two_emails = api
        .create_person(
            &admin.token,
            json!({ "emails": ["jane@example.com", "jd@example.com"], "displayName": "Jane" }),
        )
        .await;
    let other_org = api
        .create_person(&admin.token, person(json!({ "orgId": "another-org" })))
        .await;

    assert_eq!(unknown.status, 400);
    let message = unknown.body["message"].as_str().unwrap_or_default();
    assert!(message.contains("costCenter"), "{message}");
    assert_eq!(wrong_type.status, 400);
    assert!(
        wrong_type.body["message"]
            .as_str()
            .unwrap_or_default()
            .contains("title")
    );
    assert_eq!(null.status, 400);
    assert_eq!(two_emails.status, 400);
    assert_eq!(other_org.status, 403);
    assert!(api.sim.people_with_email("jane.doe@example.com").is_empty());
    assert!(api.sim.people_with_email("jane@example.com").is_empty());

    let every_field = api
        .create_person(
            &admin.token,
            person(json!({
                "firstName": "Jane", "lastName": "Doe", "avatar": "https://example.com/a.png",
                "department": "Sales", "manager": "Maria", "title": "GM",
                "addresses": [{ "type": "work", "country": "US" }],
                "siteUrls": ["mysite.webex.com#attendee"], "roles": [], "licenses": []
            })),
        )
        .await;
    assert_eq!(every_field.status, 200, "{}", every_field.body);
}

#[tokio::test]
async fn creates_beyond_the_rate_answer_429_with_retry_after_and_create_no_one() {
    let api = spawn_simulator().await;
    let admin = api.sim.admin();
    api.sim.limit_creates_per_second(2, 3);
    let create = |n: usize| json!({ "emails": [format!("hire{n}@example.com")], "displayName": format!("Hire {n}") });
    let started = std::time::Instant::now();

    let first = api.create_person(&admin.token, create(1)).await;
    // The simulator counted the first create before this moment.
    let first_counted = std::time::Instant::now();
    let second = api.create_person(&admin.token, create(2)).await;
    let third = api.create_person(&admin.token, create(3)).await;

    assert_eq!((first.status, second.status), (200, 200));
    assert!(
        started.elapsed() < Duration::from_secs(1),
        "the creates took too long to test"
    );
    assert_eq!(third.status, 429);
    assert_eq!(third.header("retry-after"), Some("3"));
    assert!(third.body["trackingId"].is_string());
    assert!(api.sim.people_with_email("hire3@example.com").is_empty());

    // A second after the first create, the first has left the window.
    tokio::time::sleep_until((first_counted + Duration::from_millis(1050)).into()).await;
    let after_a_second = api.create_person(&admin.token, create(3)).await;
    assert_eq!(after_a_second.status, 200, "{}", after_a_second.body);

    api.sim.limit_creates_per_second(0, 3);
    for n in 4..9 {
        assert_eq!(api.create_person(&admin.token, create(n)).await.status, 200);
    }
}
