//! Injected and random faults.

use crate::helpers::*;

#[tokio::test]
async fn an_injected_429_carries_retry_after_and_applies_only_as_often_as_asked() {
    let api = spawn_simulator().await;
    let bot = api.sim.bot();
    let manager = api.sim.add_person("manager@example.com", "Maria Manager");
    api.sim.inject(Fault {
        method: "POST".to_owned(),
        path_prefix: "/v1/messages".to_owned(),
        kind: FaultKind::Status {
            status: 429,
            retry_after: Some(7),
        },
        times: 1,
    });
    let body = json!({ "toPersonEmail": manager.email, "text": "hello" });

    let limited = api.post(&bot.token, "/messages", body.clone()).await;
    assert_eq!(limited.status, 429);
    assert_eq!(limited.header("retry-after"), Some("7"));
    assert_eq!(
        limited.body["trackingId"],
        limited.header("trackingid").unwrap_or_default()
    );
    assert!(
        api.sim
            .messages_in(&api.sim.direct_room(&manager).id)
            .is_empty()
    );

    let retried = api.post(&bot.token, "/messages", body).await;
    assert_eq!(retried.status, 200);
}

#[tokio::test]
async fn do_then_status_400_creates_the_person_yet_answers_400() {
    let api = spawn_simulator().await;
    api.sim.inject(Fault {
        method: "POST".to_owned(),
        path_prefix: "/v1/people".to_owned(),
        kind: FaultKind::DoThenStatus { status: 400 },
        times: 1,
    });

    let answer = api
        .create_person(
            &api.sim.admin().token,
            json!({ "emails": ["jane.doe@example.com"], "displayName": "Jane Doe" }),
        )
        .await;

    assert_eq!(answer.status, 400);
    assert!(answer.body["trackingId"].is_string());
    let people = api.sim.people_with_email("jane.doe@example.com");
    assert_eq!(people.len(), 1);
    assert_eq!(people[0]["displayName"], "Jane Doe");
}

#[tokio::test]
async fn do_then_hang_creates_the_person_and_leaves_the_client_to_time_out() {
    let api = spawn_simulator().await;
    api.sim.inject(Fault {
        method: "POST".to_owned(),
        path_prefix: "/v1/people".to_owned(),
        kind: FaultKind::DoThenHang,
        times: 1,
    });
    let impatient = http_client(Duration::from_millis(300));

    let outcome = impatient
        .post(api.url("/people"))
        .bearer_auth(&api.sim.admin().token)
        .json(&json!({ "emails": ["jane.doe@example.com"], "displayName": "Jane Doe" }))
        .send()
        .await;

    assert!(outcome.is_err_and(|error| error.is_timeout()));
    assert_eq!(api.sim.people_with_email("jane.doe@example.com").len(), 1);
    let call = api.sim.calls().pop().expect("the call is recorded");
    assert_eq!((call.path.as_str(), call.status), ("/v1/people", 0));
}

#[tokio::test]
async fn a_delay_fault_does_the_work_and_answers_late() {
    let api = spawn_simulator().await;
    api.sim.inject(Fault {
        method: "GET".to_owned(),
        path_prefix: "/v1/people/me".to_owned(),
        kind: FaultKind::Delay(Duration::from_millis(200)),
        times: 1,
    });
    let started = std::time::Instant::now();

    let answer = api.get(&api.sim.bot().token, "/people/me").await;

    assert_eq!(answer.status, 200);
    assert!(started.elapsed() >= Duration::from_millis(200));
}

#[tokio::test]
async fn random_failures_fail_calls_with_retryable_errors_until_turned_off() {
    let api = spawn_simulator().await;
    let bot = api.sim.bot();

    api.sim.set_random_failure_rate(1.0);
    for _ in 0..10 {
        let answer = api.get(&bot.token, "/people/me").await;
        assert!(
            [500, 502, 503].contains(&answer.status),
            "{}",
            answer.status
        );
        if answer.status == 503 {
            assert_eq!(answer.header("retry-after"), Some("1"));
        }
    }
    api.sim.set_random_failure_rate(0.0);

    assert_eq!(api.get(&bot.token, "/people/me").await.status, 200);
}
