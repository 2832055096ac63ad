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
