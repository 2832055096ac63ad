//! Tokens over time: the OAuth token endpoint, expiring access tokens, rotating refresh
//! tokens, and the scopes admin tokens carry.

use crate::helpers::*;

/// `POST /v1/access_token` with this form.
async fn token_request(api: &TestSim, form: &[(&str, &str)]) -> Answer {
    let body = form
        .iter()
        .map(|(name, value)| format!("{name}={}", url_encode(value)))
        .collect::<Vec<_>>()
        .join("&");
    send(
        api.http
            .post(api.url("/access_token"))
            .header("content-type", "application/x-www-form-urlencoded")
            .body(body),
    )
    .await
}

/// Trades this refresh token with the integration's own credentials.
async fn refresh(api: &TestSim, refresh_token: &str) -> Answer {
    let app = api.sim.oauth_app();
    token_request(
        api,
        &[
            ("grant_type", "refresh_token"),
            ("client_id", &app.client_id),
            ("client_secret", &app.client_secret),
            ("refresh_token", refresh_token),
        ],
    )
    .await
}

fn token(answer: &Answer, field: &str) -> String {
    answer.body[field]
        .as_str()
        .unwrap_or_else(|| panic!("{field} in {}", answer.body))
        .to_owned()
}

#[tokio::test]
async fn a_refresh_token_buys_an_access_token_that_acts_as_the_admin() {
    let api = spawn_simulator().await;
    let granted = api.sim.grant_admin_refresh_token();

    let answer = refresh(&api, &granted).await;

    assert_eq!(answer.status, 200, "{}", answer.body);
    assert_eq!(answer.body["token_type"], "Bearer");
    assert_eq!(answer.body["expires_in"], 3600);
    assert_eq!(answer.body["refresh_token_expires_in"], 90 * 24 * 3600);
    let access = token(&answer, "access_token");
    let me = api.get(&access, "/people/me").await;
    assert_eq!(me.body["id"], api.sim.admin().id.as_str());
    let created = api
        .create_person(
            &access,
            json!({ "emails": ["jane.doe@example.com"], "displayName": "Jane Doe" }),
        )
        .await;
    assert_eq!(created.status, 200, "{}", created.body);
    let call = api.sim.calls().pop().expect("a call");
    assert_eq!(call.identity, api.sim.admin().email);
}

#[tokio::test]
async fn refresh_tokens_rotate_and_a_used_one_is_spent() {
    let api = spawn_simulator().await;
    let first = api.sim.grant_admin_refresh_token();

    let rotated = refresh(&api, &first).await;
    let second = token(&rotated, "refresh_token");
    let reused = refresh(&api, &first).await;
    let with_second = refresh(&api, &second).await;

    assert_ne!(first, second);
    assert_eq!(reused.status, 400);
    assert_eq!(reused.body["error"], "invalid_grant");
    assert!(reused.body["trackingId"].is_string());
    assert_eq!(with_second.status, 200, "{}", with_second.body);
    let refreshes: Vec<(String, u16)> = api
        .sim
        .refreshes()
        .into_iter()
        .map(|refresh| (refresh.refresh_token, refresh.status))
        .collect();
    assert_eq!(
        refreshes,
        [(first.clone(), 200), (first, 400), (second, 200)]
    );
    let times: Vec<_> = api
        .sim
        .refreshes()
        .iter()
        .map(|refresh| refresh.at)
        .collect();
    assert!(times.windows(2).all(|pair| pair[0] <= pair[1]));
}

#[tokio::test]
async fn a_wrong_client_is_refused_with_invalid_client() {
    let api = spawn_simulator().await;
    let granted = api.sim.grant_admin_refresh_token();
    let app = api.sim.oauth_app();

    let wrong_secret = token_request(
        &api,
        &[
            ("grant_type", "refresh_token"),
            ("client_id", &app.client_id),
            ("client_secret", "not-the-secret"),
            ("refresh_token", &granted),
        ],
    )
    .await;
    let wrong_id = token_request(
        &api,
        &[
            ("grant_type", "refresh_token"),
            ("client_id", "Cnot-the-client"),
            ("client_secret", &app.client_secret),
            ("refresh_token", &granted),
        ],
    )
    .await;

    for answer in [&wrong_secret, &wrong_id] {
        assert_eq!(answer.status, 401);
        assert_eq!(answer.body["error"], "invalid_client");
    }
    assert_eq!(refresh(&api, &granted).await.status, 200);
}

#[tokio::test]
async fn a_token_request_must_be_a_form_of_the_refresh_grant() {
    let api = spawn_simulator().await;
    let granted = api.sim.grant_admin_refresh_token();
    let app = api.sim.oauth_app();

    let as_json = send(
        api.http
            .post(api.url("/access_token"))
            .json(&json!({ "grant_type": "refresh_token", "refresh_token": granted })),
    )
    .await;
    let other_grant =
        token_request(&api, &[("grant_type", "authorization_code"), ("code", "x")]).await;
    let code_grant = token_request(&api, &[("grant_type", "client_credentials")]).await;
    let no_grant = token_request(
        &api,
        &[("client_id", &app.client_id), ("refresh_token", &granted)],
    )
    .await;

    assert_eq!(as_json.status, 415);
    assert_eq!(other_grant.status, 400);
    assert_eq!(other_grant.body["error"], "invalid_request");
    assert_eq!(code_grant.status, 400);
    assert_eq!(code_grant.body["error"], "unsupported_grant_type");
    assert_eq!(no_grant.status, 400);
    assert_eq!(no_grant.body["error"], "invalid_request");
    assert_eq!(refresh(&api, &granted).await.status, 200);
}

#[tokio::test]
async fn an_access_token_stops_working_at_its_expiry_to_the_millisecond() {
    let api = spawn_simulator().await;
    // Said as one whole second (`expires_in` is rounded down), and long enough past it that
    // the request at 1.1 s reaches the simulator in time on a loaded machine.
    api.sim
        .set_access_token_lifetime(Duration::from_millis(1900));
    let granted = api.sim.grant_admin_refresh_token();

    let answer = refresh(&api, &granted).await;
    // The simulator issued the token before this moment: by the time this sleeps out its
    // lifetime from here, the token has expired (counted from before the request, a slow
    // answer would leave it a few milliseconds to live).
    let issued = std::time::Instant::now();
    let access = token(&answer, "access_token");

    assert_eq!(answer.body["expires_in"], 1);
    tokio::time::sleep_until((issued + Duration::from_millis(1100)).into()).await;
    let past_the_whole_second = api.get(&access, "/people/me").await;
    assert_eq!(
        past_the_whole_second.status, 200,
        "{}",
        past_the_whole_second.body
    );
    tokio::time::sleep_until((issued + Duration::from_millis(1900)).into()).await;
    let expired = api.get(&access, "/people/me").await;
    assert_eq!(expired.status, 401);
    assert!(
        expired.body["message"]
            .as_str()
            .unwrap_or_default()
            .contains("expired")
    );
    assert_eq!(
        api.get(&api.sim.admin().token, "/people/me").await.status,
        200
    );
}

#[tokio::test]
async fn expiring_and_revoking_end_oauth_tokens_but_not_the_static_one() {
    let api = spawn_simulator().await;
    let first = api.sim.grant_admin_refresh_token();
    let second = api.sim.grant_admin_refresh_token();
    let access = token(&refresh(&api, &first).await, "access_token");
    assert_eq!(api.get(&access, "/people/me").await.status, 200);

    api.sim.expire_access_tokens();
    api.sim.revoke_refresh_tokens();

    assert_eq!(api.get(&access, "/people/me").await.status, 401);
    let revoked = refresh(&api, &second).await;
    assert_eq!(revoked.status, 400);
    assert_eq!(revoked.body["error"], "invalid_grant");
    assert_eq!(
        api.get(&api.sim.admin().token, "/people/me").await.status,
        200
    );
    let fresh = api.sim.grant_admin_refresh_token();
    assert_eq!(refresh(&api, &fresh).await.status, 200);
}

#[tokio::test]
async fn an_expired_refresh_token_is_refused() {
    let api = spawn_simulator().await;
    let lasting = api.sim.grant_admin_refresh_token();
    api.sim
        .set_refresh_token_lifetime(Duration::from_millis(200));
    let short_lived = api.sim.grant_admin_refresh_token();

    let answer = refresh(&api, &lasting).await;
    tokio::time::sleep(Duration::from_millis(250)).await;
    let expired = refresh(&api, &short_lived).await;

    assert_eq!(answer.status, 200, "{}", answer.body);
    assert_eq!(answer.body["refresh_token_expires_in"], 1);
    assert_eq!(expired.status, 400);
    assert_eq!(expired.body["error"], "invalid_grant");
}

#[tokio::test]
async fn a_removed_admin_scope_makes_the_calls_needing_it_answer_403_naming_it() {
    let calls: [(&str, &str, &str); 5] = [
        (
            "spark-admin:people_read",
            "GET",
            "/people?email=jane.doe%40example.com",
        ),
        ("spark-admin:people_write", "POST", "/people"),
        ("spark-admin:licenses_read", "GET", "/licenses"),
        ("spark-admin:locations_read", "GET", "/locations"),
        ("spark-admin:roles_read", "GET", "/roles"),
    ];
    for (scope, method, path) in calls {
        let api = spawn_simulator().await;
        let granted = api.sim.grant_admin_refresh_token();
        let before = token(&refresh(&api, &granted).await, "access_token");
        let call = |token: String| {
            let method = reqwest::Method::from_bytes(method.as_bytes()).expect("a method");
            let request = api.http.request(method, api.url(path)).bearer_auth(token);
            let body = json!({ "emails": ["jane.doe@example.com"], "displayName": "Jane" });
            send(if method_has_body(path) {
                request.json(&body)
            } else {
                request
            })
        };

        api.sim.remove_admin_scope(scope);
        let granted = api.sim.grant_admin_refresh_token();
        let after = token(&refresh(&api, &granted).await, "access_token");

        for token in [api.sim.admin().token, before.clone(), after] {
            let answer = call(token).await;
            assert_eq!(answer.status, 403, "{scope}: {}", answer.body);
            let message = answer.body["message"].as_str().unwrap_or_default();
            assert!(message.contains(scope), "{scope}: {message}");
        }
        for (other, method, path) in calls {
            if other != scope && method == "GET" {
                let answer = api.get(&api.sim.admin().token, path).await;
                assert_eq!(
                    answer.status, 200,
                    "{path} without {scope}: {}",
                    answer.body
                );
            }
        }
    }
}

fn method_has_body(path: &str) -> bool {
    path == "/people"
}
