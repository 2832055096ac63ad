//! Authentication, errors and tracking ids: what every call passes through.

use crate::helpers::*;

#[tokio::test]
async fn an_unknown_or_missing_token_gets_401_with_the_tracking_id_in_body_and_header() {
    let api = spawn_simulator().await;

    let unknown = api.get("not-a-token", "/people/me").await;
    let missing = send(api.http.get(api.url("/people/me"))).await;

    for answer in [&unknown, &missing] {
        assert_eq!(answer.status, 401);
        let tracking_id = answer.header("trackingid").expect("a TrackingID header");
        assert!(tracking_id.starts_with("ROUTER_"), "{tracking_id}");
        assert_eq!(answer.body["trackingId"], tracking_id);
        assert!(
            !answer.body["message"]
                .as_str()
                .unwrap_or_default()
                .is_empty()
        );
        assert!(answer.body["errors"][0]["description"].is_string());
    }
    let calls = api.sim.calls();
    assert_eq!(calls.len(), 2);
    assert!(
        calls
            .iter()
            .all(|call| call.identity == "anonymous" && call.status == 401)
    );
}

#[tokio::test]
async fn a_tracking_id_sent_by_the_client_names_the_error_and_is_recorded() {
    let api = spawn_simulator().await;
    let bot = api.sim.bot();

    let answer = send(
        api.http
            .get(api.url("/people/no-such-person"))
            .bearer_auth(&bot.token)
            .header("TrackingID", "onboard-test-1"),
    )
    .await;

    assert_eq!(answer.status, 404);
    assert_eq!(answer.header("trackingid"), Some("onboard-test-1"));
    assert_eq!(answer.body["trackingId"], "onboard-test-1");
    let call = api.sim.calls().pop().expect("the call is recorded");
    assert_eq!(call.method, "GET");
    assert_eq!(call.path, "/v1/people/no-such-person");
    assert_eq!(call.identity, bot.email);
    assert_eq!(call.status, 404);
    assert_eq!(call.tracking_id.as_deref(), Some("onboard-test-1"));
}

#[tokio::test]
async fn unknown_paths_and_methods_get_webex_error_bodies() {
    let api = spawn_simulator().await;
    let bot = api.sim.bot();

    let unknown_path = api.get(&bot.token, "/teams").await;
    let unknown_method = api.put(&bot.token, "/messages", json!({})).await;

    assert_eq!(unknown_path.status, 404);
    assert!(unknown_path.body["trackingId"].is_string());
    assert_eq!(unknown_method.status, 405);
    assert!(unknown_method.body["message"].is_string());
}

#[tokio::test]
async fn people_me_answers_as_the_tokens_owner() {
    let api = spawn_simulator().await;
    let bot = api.sim.bot();

    let me = api.get(&bot.token, "/people/me").await;

    assert_eq!(me.status, 200);
    assert_eq!(me.body["id"], bot.id.as_str());
    assert_eq!(me.body["displayName"], "Onboarding Bot");
    assert_eq!(me.body["emails"], json!(["onboard-bot@webex.bot"]));
    assert_eq!(me.body["type"], "bot");
}

#[tokio::test]
async fn the_simulator_serves_on_a_given_address() {
    let free = std::net::TcpListener::bind("127.0.0.1:0").expect("a free port");
    let address = free.local_addr().expect("an address");
    drop(free);

    let sim = Simulator::start_on(address)
        .await
        .expect("it binds the address");
    let anywhere = Simulator::start_on("0.0.0.0:0".parse().expect("an address"))
        .await
        .expect("it binds any address");

    assert_eq!(sim.api_url(), format!("http://{address}/v1"));
    assert!(
        anywhere.api_url().starts_with("http://127.0.0.1:"),
        "{}",
        anywhere.api_url()
    );
    let client = http_client(Duration::from_secs(5));
    for sim in [&sim, &anywhere] {
        let me = send(
            client
                .get(format!("{}/people/me", sim.api_url()))
                .bearer_auth(sim.bot().token),
        )
        .await;
        assert_eq!(me.status, 200);
    }
}
