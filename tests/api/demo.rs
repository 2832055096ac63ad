//! `webex-onboard demo` plays the whole conversation and tells it readably.

#[tokio::test]
async fn the_demo_onboards_jane_refuses_the_reused_card_and_the_bad_form() {
    let mut transcript = Vec::new();
    webex_onboard::demo::run(&mut transcript)
        .await
        .expect("the demo plays to the end");
    let text = String::from_utf8(transcript).expect("utf-8");
    for expected in [
        "Mia Manager › onboard",
        "[card] Onboard a new hire",
        "Work email* (email)",
        "jane.doe@example.com** created",
        "already used",
        "this is not a valid email address",
        "came back with the values entered",
        "john.smith@example.com** created",
        "Result: 1 account for jane.doe@example.com and 1 for john.smith@example.com",
    ] {
        assert!(text.contains(expected), "missing {expected:?} in:\n{text}");
    }
}
