//! The file and its preview: what is read, what is refused, and what counts.

use super::*;

#[tokio::test]
async fn a_mixed_file_gets_a_true_preview_and_confirm_creates_exactly_the_valid_new_rows() {
    let app = spawn_app_with(fast()).await;
    app.sim.add_person("known@example.com", "Known Person");
    let preview = send_file(&app, "cohort.csv", MIXED).await;
    assert_eq!(preview.attachments.len(), 1, "{}", text_of(&preview));
    let facts = counts(&preview);
    assert_eq!(facts["Rows"], "6");
    assert_eq!(facts["Valid and new"], "2");
    assert_eq!(facts["Invalid"], "2");
    assert_eq!(facts["Repeated emails"], "1");
    assert_eq!(facts["Exist already"], "1");
    let lines = details(&preview);
    assert!(lines.contains("Line 3: not-an-email"), "{lines}");
    assert!(lines.contains("Line 5: ADA@example.com"), "{lines}");
    assert!(
        lines.contains("Line 6: known@example.com exists already"),
        "{lines}"
    );
    assert!(lines.contains("Line 7: linus@example.com"), "{lines}");
    // Nothing happens before Confirm.
    app.settle().await;
    assert_eq!(app.create_calls(), 0);

    app.sim.submit(&app.manager, &preview.id, json!({})).await;
    let rows = report(&app, &app.room.id).await;
    assert_eq!(rows["ada@example.com"][2], "created");
    assert_eq!(rows["grace@example.com"][2], "created");
    assert_eq!(rows["not-an-email"][2], "invalid");
    assert_eq!(rows["ADA@example.com"][2], "invalid");
    assert_eq!(rows["known@example.com"][2], "existed");
    assert_eq!(rows["linus@example.com"][2], "invalid");
    assert!(!rows["ada@example.com"][3].is_empty(), "a person id");
    assert_eq!(app.sim.people_with_email("ada@example.com").len(), 1);
    assert_eq!(app.sim.people_with_email("grace@example.com").len(), 1);
    assert_eq!(app.successful_create_calls(), 2);
    // The progress and the report are in the preview's thread.
    let thread: Vec<SimMessage> = app
        .sim
        .messages_in(&app.room.id)
        .into_iter()
        .filter(|m| m.parent_id.as_deref() == Some(preview.id.as_str()))
        .collect();
    assert!(
        thread.iter().any(|m| text_of(m).contains("**Progress**")),
        "{:?}",
        thread.iter().map(text_of).collect::<Vec<_>>()
    );
    // `status` names the batch and the line.
    let seen = app.sim.messages_in(&app.room.id);
    let seen: Vec<&SimMessage> = seen.iter().collect();
    app.sim
        .say(&app.manager, &app.room, "status grace@example.com")
        .await;
    let status = app.new_bot_message(&app.room, &seen).await;
    assert!(
        text_of(&status).contains("line 4: created"),
        "{}",
        text_of(&status)
    );
    // Every row is in the audit trail under the batch.
    let store = webex_onboard::store::Store::connect_read_only(&app.sandbox.database_url)
        .await
        .expect("the database");
    let trail = store.audit().await.expect("the trail");
    let in_batch: Vec<_> = trail.iter().filter(|e| e.batch_id.is_some()).collect();
    for email in [
        "ada@example.com",
        "grace@example.com",
        "not-an-email",
        "ADA@example.com",
        "known@example.com",
        "linus@example.com",
    ] {
        assert!(
            in_batch.iter().any(|e| e.email.as_deref() == Some(email)),
            "{email} is not in the trail"
        );
    }
}

#[tokio::test]
async fn control_hub_headers_a_bom_and_semicolons_are_read_and_a_file_too_long_is_refused() {
    let app = spawn_app_with(fast()).await;
    let file = "\u{FEFF}User ID/Email (Required);First Name;Last Name;Display Name;Caller ID\n\
                jane@example.com;Jane;Doe;Jane D.;x\n";
    let preview = send_file(&app, "export.csv", file).await;
    assert_eq!(
        counts(&preview)["Valid and new"],
        "1",
        "{}",
        text_of(&preview)
    );
    app.sim.submit(&app.manager, &preview.id, json!({})).await;
    let rows = report(&app, &app.room.id).await;
    assert_eq!(rows["jane@example.com"][2], "created");
    let person = &app.sim.people_with_email("jane@example.com")[0];
    assert_eq!(person["displayName"], "Jane D.");

    let many: String = std::iter::once("email\n".to_owned())
        .chain((0..6_000).map(|n| format!("p{n}@example.com\n")))
        .collect();
    let refused = send_file(&app, "many.csv", &many).await;
    assert!(
        text_of(&refused).contains("more than 5000 people"),
        "{}",
        text_of(&refused)
    );
    assert!(refused.attachments.is_empty());
}

#[tokio::test]
async fn a_file_over_2_mib_is_refused_unread() {
    let app = spawn_app_with(fast()).await;
    // Few people, each with a long note in a column the bot does not read.
    let file = |people: usize| -> String {
        std::iter::once("email,firstName,notes\n".to_owned())
            .chain((0..people).map(|n| format!("p{n}@example.com,P,{}\n", "x".repeat(20_000))))
            .collect()
    };
    let big = file(110);
    assert!(big.len() > 2 * 1024 * 1024);
    let answer = send_file(&app, "big.csv", &big).await;
    assert!(
        text_of(&answer).contains("larger than 2 MiB"),
        "{}",
        text_of(&answer)
    );
    assert!(answer.attachments.is_empty());
    let fits = file(100);
    assert!(fits.len() < 2 * 1024 * 1024);
    let preview = send_file(&app, "fits.csv", &fits).await;
    assert_eq!(preview.attachments.len(), 1, "{}", text_of(&preview));
    assert_eq!(counts(&preview)["Valid and new"], "100");
}

#[tokio::test]
async fn a_download_url_on_another_host_is_never_fetched() {
    let app = spawn_app_with(fast()).await;
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("a port");
    let address = listener.local_addr().expect("an address");
    let fetched = std::sync::Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let counter = fetched.clone();
    tokio::spawn(async move {
        while let Ok((mut stream, _)) = listener.accept().await {
            counter.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
            let _ = stream
                .write_all(b"HTTP/1.1 200 OK\r\ncontent-length: 6\r\n\r\nemail\n")
                .await;
        }
    });
    let url = format!("http://{address}/v1/contents/evil");
    app.sim
        .say_with_file_url(&app.manager, &app.room, "", &url)
        .await;
    let answer = app.new_bot_message(&app.room, &[]).await;
    assert!(
        text_of(&answer).contains("not stored on Webex"),
        "{}",
        text_of(&answer)
    );
    app.settle().await;
    assert_eq!(fetched.load(std::sync::atomic::Ordering::SeqCst), 0);
}

#[tokio::test]
async fn lines_beyond_a_licenses_free_units_are_invalid_in_the_preview() {
    let sim = Simulator::start().await.expect("simulator");
    sim.add_license("Webex Meetings", 1);
    let options = SandboxOptions {
        licenses: "Webex Meetings".into(),
        ..fast()
    };
    let app = spawn_app_on(sim, options).await;
    let file = "email,firstName,licenses\n\
                one@example.com,One,Webex Meetings\n\
                two@example.com,Two,webex meetings\n";
    let preview = send_file(&app, "units.csv", file).await;
    assert_eq!(
        counts(&preview)["Valid and new"],
        "1",
        "{}",
        details(&preview)
    );
    let lines = details(&preview);
    assert!(
        lines.contains("Line 3: two@example.com") && lines.contains("Webex Meetings"),
        "{lines}"
    );
}

#[test]
fn the_sample_file_in_the_docs_reads_as_three_people() {
    let sample = include_str!("../../../docs/cohort-sample.csv");
    let rows = webex_onboard::domain::batch_file::read(sample.as_bytes(), 100).expect("readable");
    assert_eq!(rows.len(), 3);
    assert_eq!(rows[2].inputs["firstName"], "Kim, Jr.");
    assert_eq!(
        rows[1].inputs["licenses"],
        "Webex Meetings,Webex Calling - Professional"
    );
}

#[tokio::test]
async fn a_file_counts_as_a_request_against_the_senders_limits() {
    let options = SandboxOptions {
        limits: webex_onboard::store::RequestLimits {
            open: 20,
            per_hour: 1,
        },
        ..fast()
    };
    let app = spawn_app_with(options).await;
    let preview = send_file(&app, "one.csv", "email,firstName\none@example.com,One\n").await;
    assert_eq!(preview.attachments.len(), 1, "{}", text_of(&preview));
    let refused = send_file(&app, "two.csv", "email,firstName\ntwo@example.com,Two\n").await;
    assert!(
        text_of(&refused).contains("you sent 1 requests or files in the last hour"),
        "{}",
        text_of(&refused)
    );
    assert!(refused.attachments.is_empty());
}
