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

/// Seconds since 1970 of an IMF-fixdate ("Sun, 06 Nov 1994 08:49:37 GMT").
fn parse_imf_fixdate(text: &str) -> Option<u64> {
    const MONTHS: [&str; 12] = [
        "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
    ];
    let rest = text.strip_suffix(" GMT")?;
    let (weekday, rest) = rest.split_once(", ")?;
    let mut fields = rest.split(' ');
    let day: u64 = fields.next()?.parse().ok()?;
    let month_name = fields.next()?;
    let month = MONTHS.iter().position(|m| *m == month_name)? as u64 + 1;
    let year: u64 = fields.next()?.parse().ok()?;
    let mut time = fields
        .next()?
        .split(':')
        .map(|part| part.parse::<u64>().ok());
    let (hour, minute, second) = (time.next()??, time.next()??, time.next()??);
    let (y, m) = if month <= 2 {
        (year - 1, month + 9)
    } else {
        (year, month - 3)
    };
    let era = y / 400;
    let year_of_era = y - era * 400;
    let day_of_year = (153 * m + 2) / 5 + day - 1;
    let day_of_era = year_of_era * 365 + year_of_era / 4 - year_of_era / 100 + day_of_year;
    let days = era * 146_097 + day_of_era - 719_468;
    let weekdays = ["Thu", "Fri", "Sat", "Sun", "Mon", "Tue", "Wed"];
    (weekdays[(days % 7) as usize] == weekday)
        .then_some(days * 86_400 + hour * 3600 + minute * 60 + second)
}

#[tokio::test]
async fn a_retry_at_fault_sends_retry_after_as_an_http_date() {
    let api = spawn_simulator().await;
    let bot = api.sim.bot();
    api.sim.inject(Fault {
        method: "GET".to_owned(),
        path_prefix: "/v1/people/me".to_owned(),
        kind: FaultKind::StatusRetryAt {
            status: 503,
            after: Duration::from_millis(90_500),
        },
        times: 1,
    });
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .expect("after 1970");

    let answer = api.get(&bot.token, "/people/me").await;

    assert_eq!(answer.status, 503);
    assert!(answer.body["trackingId"].is_string());
    let date = answer.header("retry-after").expect("a Retry-After header");
    let at = parse_imf_fixdate(date).unwrap_or_else(|| panic!("not an IMF-fixdate: {date}"));
    let wait = at.saturating_sub(now.as_secs());
    assert!((90..=93).contains(&wait), "{date} is {wait} s away");
    assert_eq!(api.get(&bot.token, "/people/me").await.status, 200);
}

#[tokio::test]
async fn the_call_log_keeps_the_first_64_kib_of_each_request_body() {
    let api = spawn_simulator().await;
    let bot = api.sim.bot();
    let manager = api.sim.add_person("manager@example.com", "Maria Manager");
    let small = json!({ "toPersonEmail": manager.email, "text": "hello" });
    let large = json!({ "toPersonEmail": manager.email, "text": "x".repeat(100_000) });

    api.post(&bot.token, "/messages", small.clone()).await;
    let refused = api.post(&bot.token, "/messages", large.clone()).await;

    let calls = api.sim.calls();
    assert_eq!(calls[0].body, serde_json::to_vec(&small).expect("JSON"));
    assert_eq!(refused.status, 400);
    let large_bytes = serde_json::to_vec(&large).expect("JSON");
    assert_eq!(calls[1].body, large_bytes[..64 * 1024]);
    assert!(api.get(&bot.token, "/people/me").await.status == 200);
    assert!(api.sim.calls()[2].body.is_empty());
}
