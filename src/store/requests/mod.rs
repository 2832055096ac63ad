//! Onboarding requests: one per card, with the state of its Create a Person call.

mod moves;

use sqlx::Row;

use super::{Store, StoreError, id_column, with_pool};
use crate::domain::{Decision, Email, PersonDraft, RequestState};
use crate::webex::{ActionId, MessageId, PersonId, RoomId};

/// An approver's click on an approval card.
#[derive(Debug, Clone)]
pub struct NewDecision {
    pub decision: Decision,
    /// The approver's email, as people read it.
    pub by: String,
    pub by_id: PersonId,
    /// The attachment action of the click, so that a re-run of its job recognises its own decision.
    pub action_id: ActionId,
    pub reason: Option<String>,
}

/// The result of deciding a request.
#[derive(Debug)]
pub enum Decided {
    /// This click decided it (now, or on an earlier run of the same job).
    Now(RequestRecord),
    /// Someone decided before: the record says who and how.
    Already(RequestRecord),
}

/// A request to insert.
#[derive(Debug, Clone)]
pub struct NewRequest {
    pub card_message_id: MessageId,
    pub action_id: ActionId,
    pub room_id: RoomId,
    pub requester_id: PersonId,
    pub requester_email: String,
    pub draft: PersonDraft,
}

/// A stored request.
#[derive(Debug, Clone)]
pub struct RequestRecord {
    pub id: i64,
    pub card_message_id: MessageId,
    /// The submission that claimed the card.
    pub action_id: ActionId,
    pub room_id: RoomId,
    pub requester_id: PersonId,
    pub requester_email: String,
    pub email: Email,
    /// What Create a Person is sent.
    pub draft: PersonDraft,
    pub state: RequestState,
    /// The state the database held when this record was read or last saved: writing the
    /// record succeeds only while the database still holds it.
    pub(crate) stored_state: RequestState,
    /// How many `POST /people` calls were started: above zero, a found person is ours.
    pub create_calls: i64,
    /// The status of the last create call that answered an error, if any.
    pub last_status: Option<i64>,
    pub person_id: Option<PersonId>,
    /// The final answer's reason in words, or a warning on success.
    pub outcome: Option<String>,
    /// Webex's tracking id of the call that decided the outcome.
    pub tracking_id: Option<String>,
    /// The approver's decision, when approval is required.
    pub decision: Option<Decision>,
    /// Who decided (email).
    pub decided_by: Option<String>,
    /// The approver's reason, shown to the requester on a rejection.
    pub reason: Option<String>,
    /// When the request was made (milliseconds since the epoch).
    pub created_at: i64,
    /// The thread its later lines go to: its card's, or its batch's preview.
    pub thread: MessageId,
    /// The batch it is a row of: its answer goes into the batch's report, not under a card.
    pub batch_id: Option<i64>,
}

/// The result of claiming a card for a request.
#[derive(Debug)]
pub enum Opened {
    /// This submission owns the card (now, or from an earlier run of the same job).
    Ours(RequestRecord),
    /// Another submission already used the card.
    AlreadyUsed(RequestRecord),
    /// A corrected form replaced the card first.
    Replaced,
    /// The requester reached a limit: nothing was opened, and the card stays usable.
    Limited(Limit),
}

/// A limit on one requester's requests.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Limit {
    /// This many requests are open (not answered yet) already.
    Open(u32),
    /// This many requests were made in the last hour already.
    PerHour(u32),
}

/// How many requests one requester may have open, and make in an hour.
#[derive(Debug, Clone, Copy)]
pub struct RequestLimits {
    /// `ONBOARD_MAX_OPEN_REQUESTS`.
    pub open: u32,
    /// `ONBOARD_MAX_REQUESTS_PER_HOUR`.
    pub per_hour: u32,
}

/// `SELECT` of every request column, followed by `$tail`.
macro_rules! select_request {
    ($tail:literal) => {
        concat!(
            "SELECT id, card_message_id, action_id, room_id, requester_id, requester_email, email, ",
            "draft, state, create_calls, last_status, person_id, outcome, tracking_id, decision, decided_by, ",
            "reason, created_at, decision_action_id, thread_id, batch_id FROM requests ",
            $tail
        )
    };
}

/// The one statement that writes a request's state, followed by `$tail`. It writes only while
/// the request is still in the state it was read in: a job that read it before another job
/// moved it must not take it back.
macro_rules! update_request {
    ($tail:literal) => {
        concat!(
            "UPDATE requests SET state = $1, create_calls = $2, last_status = $3, person_id = $4, ",
            "outcome = $5, tracking_id = $6, updated_at = $7 WHERE id = $8 AND state = $9",
            $tail
        )
    };
}

/// Binds a [`RequestRecord`] to [`update_request!`], followed by `$tail`.
macro_rules! bind_request_update {
    ($request:expr, $now:expr) => {
        bind_request_update!($request, $now, "")
    };
    ($request:expr, $now:expr, $tail:literal) => {
        sqlx::query(update_request!($tail))
            .bind($request.state.as_str())
            .bind($request.create_calls)
            .bind($request.last_status)
            .bind(
                $request
                    .person_id
                    .as_ref()
                    .map($crate::webex::PersonId::as_str),
            )
            .bind(&$request.outcome)
            .bind(&$request.tracking_id)
            .bind($now)
            .bind($request.id)
            .bind($request.stored_state.as_str())
    };
}
pub(super) use {bind_request_update, select_request, update_request};

impl RequestRecord {
    pub(super) fn from_row<R: Row>(row: &R) -> Result<Self, StoreError>
    where
        for<'r> &'r str: sqlx::ColumnIndex<R>,
        for<'r> i64: sqlx::Decode<'r, R::Database> + sqlx::Type<R::Database>,
        for<'r> String: sqlx::Decode<'r, R::Database> + sqlx::Type<R::Database>,
        for<'r> Option<i64>: sqlx::Decode<'r, R::Database> + sqlx::Type<R::Database>,
        for<'r> Option<String>: sqlx::Decode<'r, R::Database> + sqlx::Type<R::Database>,
    {
        let id: i64 = row.try_get("id")?;
        let name = format!("request {id}");
        let unreadable = |column: &str, reason: String| {
            StoreError::Corrupt(format!("{name}: its {column} is unreadable: {reason}"))
        };
        let text = |column: &str| -> Result<String, StoreError> { Ok(row.try_get(column)?) };
        let draft: PersonDraft = serde_json::from_str(&text("draft")?)
            .map_err(|e| unreadable("draft", e.to_string()))?;
        let person_id: Option<String> = row.try_get("person_id")?;
        let state = RequestState::parse(&text("state")?).map_err(|e| unreadable("state", e))?;
        let decision: Option<String> = row.try_get("decision")?;
        let card_message_id: MessageId =
            id_column(&name, "card_message_id", &text("card_message_id")?)?;
        let thread_id: Option<String> = row.try_get("thread_id")?;
        let thread = match thread_id {
            Some(thread) => id_column(&name, "thread_id", &thread)?,
            None => card_message_id.clone(),
        };
        Ok(Self {
            id,
            card_message_id,
            action_id: id_column(&name, "action_id", &text("action_id")?)?,
            room_id: id_column(&name, "room_id", &text("room_id")?)?,
            requester_id: id_column(&name, "requester_id", &text("requester_id")?)?,
            requester_email: text("requester_email")?,
            email: Email::parse(&text("email")?).map_err(|e| unreadable("email", e))?,
            draft,
            state,
            stored_state: state,
            create_calls: row.try_get("create_calls")?,
            last_status: row.try_get("last_status")?,
            person_id: person_id
                .as_deref()
                .map(|value| id_column(&name, "person_id", value))
                .transpose()?,
            outcome: row.try_get("outcome")?,
            tracking_id: row.try_get("tracking_id")?,
            decision: decision
                .as_deref()
                .map(Decision::parse)
                .transpose()
                .map_err(|e| unreadable("decision", e))?,
            decided_by: row.try_get("decided_by")?,
            reason: row.try_get("reason")?,
            created_at: row.try_get("created_at")?,
            thread,
            batch_id: row.try_get("batch_id")?,
        })
    }
}

/// Why a write of a request was refused: another job moved it first.
pub(super) fn request_moved(id: i64, to: RequestState) -> String {
    format!("request {id} became {} meanwhile", to.as_str())
}

impl Store {
    /// One request by id.
    pub async fn request(&self, id: i64) -> Result<Option<RequestRecord>, StoreError> {
        with_pool!(self, pool => {
            sqlx::query(select_request!("WHERE id = $1"))
                .bind(id)
                .fetch_optional(pool)
                .await?
                .as_ref()
                .map(RequestRecord::from_row)
                .transpose()
        })
    }

    /// The requests waiting for an approver, oldest first.
    ///
    /// A row that does not decode is left out, with a log line, rather than hide all the others.
    pub async fn awaiting_approval(&self) -> Result<Vec<RequestRecord>, StoreError> {
        let rows = with_pool!(self, pool => {
            sqlx::query(select_request!("WHERE state = 'awaiting_approval' ORDER BY id"))
                .fetch_all(pool)
                .await?
                .iter()
                .map(RequestRecord::from_row)
                .collect::<Vec<_>>()
        });
        Ok(rows
            .into_iter()
            .filter_map(|row| {
                row.map_err(|error| tracing::error!(%error, "a waiting request is unreadable"))
                    .ok()
            })
            .collect())
    }

    /// The ids of the requests waiting for approval since before `before_ms`.
    pub async fn waiting_since(&self, before_ms: i64) -> Result<Vec<i64>, StoreError> {
        let ids = with_pool!(self, pool => {
            sqlx::query_scalar(
                "SELECT id FROM requests WHERE state = 'awaiting_approval' AND created_at < $1 \
                 ORDER BY id LIMIT 500",
            )
            .bind(before_ms)
            .fetch_all(pool)
            .await?
        });
        Ok(ids)
    }

    /// The request that used this card, if any.
    pub async fn request_by_card(
        &self,
        card_message_id: &MessageId,
    ) -> Result<Option<RequestRecord>, StoreError> {
        self.request_where(
            select_request!("WHERE card_message_id = $1"),
            card_message_id.as_str(),
        )
        .await
    }

    /// The request a submission opened or decided, if it got that far.
    pub async fn request_by_action(
        &self,
        action_id: &ActionId,
    ) -> Result<Option<RequestRecord>, StoreError> {
        let sql = select_request!("WHERE action_id = $1 OR decision_action_id = $1");
        self.request_where(sql, action_id.as_str()).await
    }

    /// The one request that `sql` (with one text parameter) selects, if any.
    async fn request_where(
        &self,
        sql: &'static str,
        key: &str,
    ) -> Result<Option<RequestRecord>, StoreError> {
        with_pool!(self, pool => {
            sqlx::query(sql)
                .bind(key)
                .fetch_optional(pool)
                .await?
                .as_ref()
                .map(RequestRecord::from_row)
                .transpose()
        })
    }
}
