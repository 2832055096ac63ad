//! `webex-onboard demo` plays the whole conversation and tells it readably.

#[tokio::test]
async fn the_demo_onboards_jane_refuses_the_reused_card_and_the_bad_form() {
    let mut transcript = Vec::new();
    webex_onboard::demo::run(&mut transcript, None)
        .await
        .expect("the demo plays to the end");
    let text = String::from_utf8(transcript).expect("utf-8");
    for expected in [
        "Mia Manager › onboard",
        "[card] Onboard a new hire",
        "Work email* (email)",
        "went to the approvers",
        "Ana Approver ▸ submits the card: action=approve",
        "jane.doe@example.com** created",
        "was added to the space *Engineering*",
        "Welcome to the team, Jane! Mia Manager will meet you on",
        "already used",
        "this is not a valid email address",
        "came back with the values entered",
        "john.smith@example.com** created",
        "ana.approver@example.com rejected the request because \"Max's contract is not signed yet\"",
        "Result: 1 account for jane.doe@example.com and 1 for john.smith@example.com",
    ] {
        assert!(text.contains(expected), "missing {expected:?} in:\n{text}");
    }
}

#[tokio::test]
async fn demo_keep_db_leaves_a_database_that_audit_reads() {
    let dir = crate::helpers::TempDir::new();
    let db = dir.path().join("demo.db");
    let demo_into = |db: &std::path::Path| {
        tokio::process::Command::new(env!("CARGO_BIN_EXE_webex-onboard"))
            .args(["demo", "--keep-db"])
            .arg(db)
            .env_clear()
            .output()
    };
    let demo = demo_into(&db).await.expect("the demo runs");
    assert!(
        demo.status.success(),
        "{}",
        String::from_utf8_lossy(&demo.stderr)
    );
    assert!(db.exists(), "no database was left");
    let audit = tokio::process::Command::new(env!("CARGO_BIN_EXE_webex-onboard"))
        .arg("audit")
        .env_clear()
        .env("DATABASE_URL", format!("sqlite://{}", db.display()))
        .output()
        .await
        .expect("audit runs");
    let table = String::from_utf8_lossy(&audit.stdout);
    assert!(
        audit.status.success(),
        "{}",
        String::from_utf8_lossy(&audit.stderr)
    );
    for expected in ["jane.doe@example.com", "approve", "reject", "create-person"] {
        assert!(
            table.contains(expected),
            "missing {expected:?} in:\n{table}"
        );
    }
    // A second run does not overwrite it.
    let again = demo_into(&db).await.expect("the demo runs");
    assert!(!again.status.success());
}
