//! What the store's tests share: a store of their own and jobs to record.

use std::path::PathBuf;

use super::{NewJob, Store, now_ms};
use crate::domain::{JobPayload, MessageEvent};
use crate::webex::MessageId;

/// A new SQLite store in a folder of its own, which the caller removes.
pub(super) async fn temp_store(name: &str) -> (Store, PathBuf) {
    let dir = std::env::temp_dir().join(format!(
        "webex-onboard-{name}-{}-{}",
        std::process::id(),
        now_ms()
    ));
    std::fs::create_dir_all(&dir).expect("temp dir");
    let url = format!("sqlite://{}", dir.join("jobs.db").display());
    (Store::connect(&url).await.expect("store"), dir)
}

/// The job of a delivery of message `n`, keyed `messages/created/{n}`.
pub(super) fn job(n: usize) -> NewJob {
    let event = MessageEvent {
        id: MessageId::parse(&format!("M{n}")).expect("an id"),
        room_id: None,
        person_id: None,
        person_email: None,
    };
    NewJob::new(format!("messages/created/{n}"), &JobPayload::Message(event))
}
