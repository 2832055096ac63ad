//! The store's guarantees where jobs meet: a job never takes back what another job did to a
//! request, and a form is either retired or used, never both.

use serde_json::json;
use webex_onboard::domain::{
    CardKind, Decision, JobPayload, MessageEvent, OrgChoices, PersonDraft, RequestState,
};
use webex_onboard::store::{
    CardRecord, Completion, Job, NewBatch, NewDecision, NewJob, NewRequest, Opened, RequestLimits,
    Store, StoreError,
};
use webex_onboard::webex::{ActionId, MessageId, PersonId, RoomId};

use crate::helpers::{TempDir, fresh_database};

/// Limits no test here reaches.
const LIMITS: RequestLimits = RequestLimits {
    open: 20,
    per_hour: 60,
};

/// A store for one test, and its PostgreSQL database (dropped with it), if any.
async fn store(dir: &TempDir) -> (Store, Option<crate::helpers::TestDatabase>) {
    let database = fresh_database().await;
    let url = match &database {
        Some(db) => db.url(),
        None => format!("sqlite://{}", dir.path().join("store.db").display()),
    };
    (Store::connect(&url).await.expect("connects"), database)
}

fn id<T: TryFrom<String>>(text: &str) -> T
where
    T::Error: std::fmt::Debug,
{
    T::try_from(text.to_owned()).expect("an id")
}

/// A job of its own for each step, claimed, as a worker holds it.
async fn claimed_job(store: &Store, n: u32) -> Job {
    let event = MessageEvent {
        id: id(&format!("M{n}")),
        room_id: None,
        person_id: None,
        person_email: None,
    };
    let new = NewJob::new(format!("test/{n}"), &JobPayload::Message(event));
    store.insert_jobs(&[new]).await.expect("inserted");
    store
        .claim_job(&format!("worker-{n}"), 60_000)
        .await
        .expect("claims")
        .expect("a job")
}

fn card(retired: bool) -> CardRecord {
    CardRecord {
        message_id: id("CARD1"),
        room_id: id("ROOM1"),
        requested_by: id("MIA"),
        kind: CardKind::Onboarding,
        request_id: None,
        batch_id: None,
        retired,
    }
}

fn request_on_card() -> NewRequest {
    let inputs = json!({"email": "jane@example.com", "firstName": "Jane"});
    NewRequest {
        card_message_id: id::<MessageId>("CARD1"),
        action_id: id::<ActionId>("ACTION1"),
        room_id: id::<RoomId>("ROOM1"),
        requester_id: id::<PersonId>("MIA"),
        requester_email: "mia@example.com".into(),
        draft: PersonDraft::from_inputs(
            inputs.as_object().expect("object"),
            &OrgChoices::default(),
        )
        .expect("valid"),
    }
}

#[tokio::test]
async fn a_job_that_read_a_request_before_another_moved_it_cannot_take_it_back() {
    let dir = TempDir::new();
    let (store, _database) = store(&dir).await;
    store.record_card(&card(false)).await.expect("card");
    let Opened::Ours(mut request) = store
        .open_request(&request_on_card(), LIMITS)
        .await
        .expect("opens")
    else {
        panic!("the card was free");
    };
    // One job sends it for approval.
    request.state = RequestState::AwaitingApproval;
    let first = claimed_job(&store, 1).await;
    let done = Completion {
        request: Some(request.clone()),
        ..Completion::default()
    };
    assert!(
        store
            .complete_job(&first, done, None)
            .await
            .expect("commits")
    );
    let stale = store
        .request(request.id)
        .await
        .expect("reads")
        .expect("exists");
    // An approver approves it meanwhile.
    let decided = store
        .decide(
            stale.id,
            &NewDecision {
                decision: Decision::Approved,
                by: "ana@example.com".into(),
                by_id: id("ANA"),
                action_id: id("CLICK1"),
                reason: None,
            },
        )
        .await
        .expect("decides");
    assert!(matches!(decided, webex_onboard::store::Decided::Now(_)));
    // A job that read it waiting, and would fail it, finds it moved: nothing of it is written.
    let mut failing = stale;
    failing.state = RequestState::Failed;
    let second = claimed_job(&store, 2).await;
    let done = Completion {
        request: Some(failing),
        ..Completion::default()
    };
    let refused = store.complete_job(&second, done, None).await;
    assert!(
        matches!(refused, Err(StoreError::Conflict(_))),
        "{refused:?}"
    );
    let now = store
        .request(request.id)
        .await
        .expect("reads")
        .expect("exists");
    assert_eq!(now.state, RequestState::Accepted);
    store.close().await;
}

#[tokio::test]
async fn a_retired_form_opens_no_request_and_a_used_form_is_not_retired() {
    let dir = TempDir::new();
    let (store, _database) = store(&dir).await;
    // Retired first: the request is refused.
    let job = claimed_job(&store, 1).await;
    let done = Completion {
        retire_card: Some(card(true)),
        ..Completion::default()
    };
    assert!(store.complete_job(&job, done, None).await.expect("retires"));
    let opened = store
        .open_request(&request_on_card(), LIMITS)
        .await
        .expect("answers");
    assert!(matches!(opened, Opened::Replaced), "{opened:?}");

    // Used first: the retirement is refused, and the card stays live.
    let dir = TempDir::new();
    let (store, _database) = crate::store::store(&dir).await;
    store.record_card(&card(false)).await.expect("card");
    let opened = store
        .open_request(&request_on_card(), LIMITS)
        .await
        .expect("opens");
    assert!(matches!(opened, Opened::Ours(_)), "{opened:?}");
    let job = claimed_job(&store, 1).await;
    let done = Completion {
        retire_card: Some(card(true)),
        ..Completion::default()
    };
    let refused = store.complete_job(&job, done, None).await;
    assert!(
        matches!(refused, Err(StoreError::Conflict(_))),
        "{refused:?}"
    );
    let live = store
        .card(&id("CARD1"))
        .await
        .expect("reads")
        .expect("exists");
    assert!(!live.retired);
    store.close().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn of_looks_at_a_batch_at_the_same_moment_one_shows_it_and_the_others_learn_when() {
    let dir = TempDir::new();
    let (store, _database) = store(&dir).await;
    let batch = store
        .record_batch(&NewBatch {
            message_id: id("M-file"),
            room_id: id("R1"),
            requester_id: id("P1"),
            requester_email: "mia@example.com".into(),
            file_name: "cohort.csv".into(),
            rows: Vec::new(),
        })
        .await
        .expect("recorded");
    let mut looks = tokio::task::JoinSet::new();
    for _ in 0..8 {
        let store = store.clone();
        looks.spawn(async move {
            store
                .claim_batch_look(batch, 5_000, 30_000)
                .await
                .expect("claimed or not")
        });
    }
    let outcomes = looks.join_all().await;
    let shown = outcomes.iter().filter(|o| o.is_ok()).count();
    assert_eq!(shown, 1, "{outcomes:?}");
    // The others learn until when the look holds it: 30 s, while it is shown.
    let record = store.batch(batch).await.expect("read").expect("a batch");
    let held = record.looked_at.expect("looked at");
    assert!(held > store.now() + 25_000, "held until {held}");
    for outcome in &outcomes {
        if let Err(when) = outcome {
            assert_eq!(*when, held);
        }
    }
    // Once shown, the gap runs from then: not a look sooner, one as soon as the gap allows.
    store.note_batch_look(batch).await.expect("noted");
    assert!(matches!(
        store.claim_batch_look(batch, 5_000, 30_000).await,
        Ok(Err(at)) if at <= store.now()
    ));
    assert!(matches!(
        store.claim_batch_look(batch, 0, 30_000).await,
        Ok(Ok(()))
    ));
}
