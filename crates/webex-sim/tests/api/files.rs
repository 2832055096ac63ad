//! Files posted with messages, and their downloads.

use crate::helpers::*;

const CSV: &[u8] = b"email,firstName,lastName\njane.doe@example.com,Jane,Doe\n";

#[tokio::test]
async fn a_posted_file_is_listed_by_url_and_downloaded_by_members_only() {
    let api = spawn_simulator().await;
    let (target_url, mut received) = spawn_receiver().await;
    let bot = api.sim.bot();
    api.register_webhook(&bot, "messages", &target_url).await;
    let manager = api.sim.add_person("manager@example.com", "Maria Manager");
    let stranger = api.sim.add_person("eve@example.com", "Eve Stranger");
    let room = api.sim.direct_room(&manager);

    let id = api
        .sim
        .say_with_file(
            &manager,
            &room,
            "new hires",
            "hires \"Q3\".csv",
            "text/csv",
            CSV.to_vec(),
        )
        .await;

    let envelope = next_delivery(&mut received).await.json();
    let message = api.get(&bot.token, &format!("/messages/{id}")).await;
    let url = message.body["files"][0]
        .as_str()
        .expect("a file URL")
        .to_owned();
    assert!(
        url.starts_with(&format!("{}/contents/", api.sim.api_url())),
        "{url}"
    );
    assert_eq!(message.body["files"].as_array().map(Vec::len), Some(1));
    assert_eq!(envelope["data"]["files"], json!([url]));
    assert_eq!(
        api.sim.message(&id).map(|message| message.files),
        Some(vec![url.clone()])
    );

    let download = api
        .http
        .get(&url)
        .bearer_auth(&bot.token)
        .send()
        .await
        .expect("an answer");
    assert_eq!(download.status(), 200);
    let header = |name: &str| {
        download
            .headers()
            .get(name)
            .and_then(|value| value.to_str().ok())
            .map(str::to_owned)
    };
    assert_eq!(header("content-type").as_deref(), Some("text/csv"));
    assert_eq!(
        header("content-disposition").as_deref(),
        Some("attachment; filename=\"hires \\\"Q3\\\".csv\"")
    );
    assert_eq!(download.bytes().await.expect("the bytes").as_ref(), CSV);

    let by_stranger = send(api.http.get(&url).bearer_auth(&stranger.token)).await;
    let unknown = api.get(&bot.token, "/contents/no-such-content").await;
    assert_eq!(by_stranger.status, 404);
    assert!(by_stranger.body["trackingId"].is_string());
    assert_eq!(unknown.status, 404);
    let file = api.sim.file(&url).expect("the simulator holds the file");
    assert_eq!(file.name, "hires \"Q3\".csv");
    assert_eq!(file.content_type, "text/csv");
    assert_eq!(file.bytes, CSV);
}

#[tokio::test]
async fn a_file_mentioning_the_bot_in_a_group_room_meets_a_has_files_filter() {
    let api = spawn_simulator().await;
    let (target_url, mut received) = spawn_receiver().await;
    let bot = api.sim.bot();
    let answer = api
        .post(
            &bot.token,
            "/webhooks",
            json!({
                "name": "files",
                "targetUrl": target_url,
                "resource": "messages",
                "event": "created",
                "filter": "hasFiles=true&mentionedPeople=me",
            }),
        )
        .await;
    assert_eq!(answer.status, 200, "{}", answer.body);
    let manager = api.sim.add_person("manager@example.com", "Maria Manager");
    let room = api.sim.group_room("Helpdesk", &[&manager]);

    api.sim.mention_bot(&manager, &room, "no file").await;
    let with_file = api
        .sim
        .mention_bot_with_file(
            &manager,
            &room,
            "hires",
            "hires.csv",
            "text/csv",
            CSV.to_vec(),
        )
        .await;

    let envelope = next_delivery(&mut received).await.json();
    assert_eq!(envelope["data"]["id"], with_file.as_str());
    assert_eq!(api.sim.deliveries().len(), 1);
    let message = api.sim.message(&with_file).expect("the message");
    assert_eq!(message.mentioned_people, [bot.id]);
    assert_eq!(message.text.as_deref(), Some("Onboarding Bot hires"));
}

#[tokio::test]
async fn a_foreign_file_url_is_kept_as_given() {
    let api = spawn_simulator().await;
    let manager = api.sim.add_person("manager@example.com", "Maria Manager");
    let room = api.sim.direct_room(&manager);
    let foreign = "https://attacker.example.org/contents/hires.csv";

    let id = api
        .sim
        .say_with_file_url(&manager, &room, "hires", foreign)
        .await;

    let message = api.sim.message(&id).expect("the message");
    assert_eq!(message.files, [foreign]);
    assert!(api.sim.file(foreign).is_none());
    assert!(api.sim.message("no-such-message").is_none());
}

const BOUNDARY: &str = "simulated-form-boundary";

/// A multipart part: a field, or a file with its name and type.
enum FormPart<'a> {
    Field(&'a str, &'a str),
    File(&'a str, &'a str, &'a str, &'a [u8]),
}

/// `POST /v1/messages` as `multipart/form-data` with these parts.
async fn post_form(api: &TestSim, token: &str, parts: &[FormPart<'_>]) -> Answer {
    let mut body = Vec::new();
    for part in parts {
        body.extend_from_slice(format!("--{BOUNDARY}\r\n").as_bytes());
        match part {
            FormPart::Field(name, value) => {
                body.extend_from_slice(
                    format!("Content-Disposition: form-data; name=\"{name}\"\r\n\r\n{value}")
                        .as_bytes(),
                );
            }
            FormPart::File(name, filename, content_type, bytes) => {
                body.extend_from_slice(
                    format!(
                        "Content-Disposition: form-data; name=\"{name}\"; filename=\"{filename}\"\r\n\
                         Content-Type: {content_type}\r\n\r\n"
                    )
                    .as_bytes(),
                );
                body.extend_from_slice(bytes);
            }
        }
        body.extend_from_slice(b"\r\n");
    }
    body.extend_from_slice(format!("--{BOUNDARY}--\r\n").as_bytes());
    send(
        api.http
            .post(api.url("/messages"))
            .bearer_auth(token)
            .header(
                "content-type",
                format!("multipart/form-data; boundary={BOUNDARY}"),
            )
            .body(body),
    )
    .await
}

#[tokio::test]
async fn a_message_uploaded_as_multipart_carries_its_file() {
    let api = spawn_simulator().await;
    let (target_url, mut received) = spawn_receiver().await;
    let manager = api.sim.add_person("manager@example.com", "Maria Manager");
    api.register_webhook(&manager, "messages", &target_url)
        .await;
    let bot = api.sim.bot();
    let room = api.sim.direct_room(&manager);
    let top = api.sim.say(&manager, &room, "the report please").await;

    let sent = post_form(
        &api,
        &bot.token,
        &[
            FormPart::Field("roomId", &room.id),
            FormPart::Field("markdown", "**Report** attached"),
            FormPart::Field("parentId", &top),
            FormPart::File("files", "report.csv", "text/csv", CSV),
        ],
    )
    .await;
    let by_email = post_form(
        &api,
        &bot.token,
        &[
            FormPart::Field("toPersonEmail", &manager.email),
            FormPart::File("files", "logo.png", "image/png", b"\x89PNG\r\n"),
        ],
    )
    .await;

    assert_eq!(sent.status, 200, "{}", sent.body);
    assert_eq!(sent.body["text"], "Report attached");
    assert_eq!(sent.body["parentId"], top.as_str());
    let url = sent.body["files"][0]
        .as_str()
        .expect("a file URL")
        .to_owned();
    let file = api.sim.file(&url).expect("the uploaded file");
    assert_eq!(
        (file.name.as_str(), file.content_type.as_str()),
        ("report.csv", "text/csv")
    );
    assert_eq!(file.bytes, CSV);
    let download = api
        .http
        .get(&url)
        .bearer_auth(&manager.token)
        .send()
        .await
        .expect("an answer");
    assert_eq!(download.bytes().await.expect("bytes").as_ref(), CSV);
    let id = sent.body["id"].as_str().expect("an id");
    assert_eq!(
        api.sim.message(id).map(|message| message.files),
        Some(vec![url.clone()])
    );
    next_delivery(&mut received).await;
    let envelope = next_delivery(&mut received).await.json();
    assert_eq!(envelope["data"]["files"], json!([url]));
    assert_eq!(by_email.status, 200, "{}", by_email.body);
    assert_eq!(by_email.body["roomId"], room.id.as_str());
    assert!(by_email.body.get("text").is_none());
}

#[tokio::test]
async fn a_multipart_message_takes_one_file_and_its_own_fields_only() {
    let api = spawn_simulator().await;
    let bot = api.sim.bot();
    let manager = api.sim.add_person("manager@example.com", "Maria Manager");
    let room = api.sim.direct_room(&manager);
    let file = FormPart::File("files", "a.csv", "text/csv", CSV);

    let two_files = post_form(
        &api,
        &bot.token,
        &[
            FormPart::Field("roomId", &room.id),
            file,
            FormPart::File("files", "b.csv", "text/csv", CSV),
        ],
    )
    .await;
    let unknown = post_form(
        &api,
        &bot.token,
        &[
            FormPart::Field("roomId", &room.id),
            FormPart::Field("colour", "red"),
            FormPart::File("files", "a.csv", "text/csv", CSV),
        ],
    )
    .await;
    let file_as_field = post_form(
        &api,
        &bot.token,
        &[
            FormPart::Field("roomId", &room.id),
            FormPart::Field("files", "https://example.com/a.csv"),
        ],
    )
    .await;
    let nothing = post_form(&api, &bot.token, &[FormPart::Field("roomId", &room.id)]).await;
    let plain_text = send(
        api.http
            .post(api.url("/messages"))
            .bearer_auth(&bot.token)
            .header("content-type", "text/plain")
            .body(format!("roomId={}", room.id)),
    )
    .await;
    let url_files = api
        .post(
            &bot.token,
            "/messages",
            json!({ "roomId": room.id, "text": "see", "files": ["https://example.com/a.csv"] }),
        )
        .await;

    assert_eq!(two_files.status, 400);
    assert_eq!(unknown.status, 400);
    assert!(
        unknown.body["message"]
            .as_str()
            .unwrap_or_default()
            .contains("colour")
    );
    assert_eq!(file_as_field.status, 400);
    assert_eq!(nothing.status, 400);
    assert_eq!(plain_text.status, 415);
    assert_eq!(url_files.status, 400);
    assert!(api.sim.messages_in(&room.id).is_empty());
}
