//! Batches: a cohort's file, its checked rows, and the pace every replica's creates share.
//!
//! A row becomes a request of its batch only when it is started, in the same transaction that
//! marks it started; a cancellation marks every row not started in one statement. The two take
//! the same row, so a row is either started or cancelled, never both.

mod moves;
mod pace;

use sqlx::Row;

use super::audit::INSERT_AUDIT;
use super::{BeginWrite, Store, StoreError, id_column, with_pool};
use crate::domain::{BatchState, PersonDraft, RequestState, RowOutcome};
use crate::webex::{MessageId, PersonId, RoomId};

/// A batch to record, with every line of its file checked.
#[derive(Debug, Clone)]
pub struct NewBatch {
    /// The message the file came with: a redelivery of it finds the same batch.
    pub message_id: MessageId,
    pub room_id: RoomId,
    pub requester_id: PersonId,
    pub requester_email: String,
    pub file_name: String,
    pub rows: Vec<NewBatchRow>,
}

/// One checked line.
#[derive(Debug, Clone)]
pub struct NewBatchRow {
    pub line: i64,
    /// As written, for the report; empty when the line had none.
    pub email: String,
    /// What Create a Person is sent, for a valid new person.
    pub draft: Option<PersonDraft>,
    /// New, invalid, repeated or existed.
    pub outcome: RowOutcome,
    pub error: Option<String>,
    /// The person found, for a row that existed.
    pub person_id: Option<PersonId>,
}

/// A stored batch.
#[derive(Debug, Clone)]
pub struct BatchRecord {
    pub id: i64,
    pub message_id: MessageId,
    pub room_id: RoomId,
    pub requester_id: PersonId,
    pub requester_email: String,
    pub file_name: String,
    pub state: BatchState,
    /// The preview card: the batch's thread, known once the batch is confirmed.
    pub preview_id: Option<MessageId>,
    /// The approver who decided, and why.
    pub decided_by: Option<String>,
    pub reason: Option<String>,
    /// The message showing its progress now, and how often it was edited.
    pub progress_id: Option<MessageId>,
    pub progress_edits: i64,
    /// When its progress was last looked at: a running batch not looked at for long has lost
    /// its looks, and gets them back.
    pub looked_at: Option<i64>,
    /// When its rows started, and when its last row ended (milliseconds since the epoch).
    pub started_at: Option<i64>,
    pub finished_at: Option<i64>,
    pub created_at: i64,
}

/// A line of a batch as it stands now.
#[derive(Debug, Clone)]
pub struct BatchRow {
    pub line: i64,
    pub email: String,
    pub outcome: RowOutcome,
    pub error: Option<String>,
    pub person_id: Option<String>,
    pub tracking_id: Option<String>,
}

/// The result of confirming, deciding or cancelling a batch.
#[derive(Debug)]
pub enum Moved {
    /// This click moved it (now, or on an earlier run of the same job).
    Now(BatchRecord),
    /// It had moved on before: the record says where it stands.
    Already(BatchRecord),
}

/// A turn to create, from the shared pace.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Turn {
    /// Taken: create at this time (milliseconds since the epoch).
    At(i64),
    /// The next free turn is further away than asked for: look again at this time.
    Later(i64),
}

/// `SELECT` of every batch column, followed by `$tail`.
macro_rules! select_batch {
    ($tail:literal) => {
        concat!(
            "SELECT id, message_id, room_id, requester_id, requester_email, file_name, state, ",
            "preview_id, decided_by, reason, progress_id, progress_edits, looked_at, started_at, finished_at, ",
            "created_at, confirm_action_id, decision_action_id FROM batches ",
            $tail
        )
    };
}
use select_batch;

impl BatchRecord {
    fn from_row<R: Row>(row: &R) -> Result<Self, StoreError>
    where
        for<'r> &'r str: sqlx::ColumnIndex<R>,
        for<'r> i64: sqlx::Decode<'r, R::Database> + sqlx::Type<R::Database>,
        for<'r> String: sqlx::Decode<'r, R::Database> + sqlx::Type<R::Database>,
        for<'r> Option<i64>: sqlx::Decode<'r, R::Database> + sqlx::Type<R::Database>,
        for<'r> Option<String>: sqlx::Decode<'r, R::Database> + sqlx::Type<R::Database>,
    {
        let id: i64 = row.try_get("id")?;
        let name = format!("batch {id}");
        let text = |column: &str| -> Result<String, StoreError> { Ok(row.try_get(column)?) };
        let optional_id = |column: &str| -> Result<Option<MessageId>, StoreError> {
            let value: Option<String> = row.try_get(column)?;
            value
                .as_deref()
                .map(|v| id_column(&name, column, v))
                .transpose()
        };
        Ok(Self {
            id,
            message_id: id_column(&name, "message_id", &text("message_id")?)?,
            room_id: id_column(&name, "room_id", &text("room_id")?)?,
            requester_id: id_column(&name, "requester_id", &text("requester_id")?)?,
            requester_email: text("requester_email")?,
            file_name: text("file_name")?,
            state: BatchState::parse(&text("state")?).map_err(|e| {
                StoreError::Corrupt(format!("{name}: its state is unreadable: {e}"))
            })?,
            preview_id: optional_id("preview_id")?,
            decided_by: row.try_get("decided_by")?,
            reason: row.try_get("reason")?,
            progress_id: optional_id("progress_id")?,
            progress_edits: row.try_get("progress_edits")?,
            looked_at: row.try_get("looked_at")?,
            started_at: row.try_get("started_at")?,
            finished_at: row.try_get("finished_at")?,
            created_at: row.try_get("created_at")?,
        })
    }
}

/// A row's outcome now: a started row's comes from its request.
fn live_outcome(stored: RowOutcome, request: Option<RequestState>) -> RowOutcome {
    match (stored, request) {
        (RowOutcome::Pending, Some(RequestState::Created)) => RowOutcome::Created,
        (RowOutcome::Pending, Some(RequestState::Exists)) => RowOutcome::Existed,
        (RowOutcome::Pending, Some(state)) if state.is_final() => RowOutcome::Failed,
        (stored, _) => stored,
    }
}

impl Store {
    /// Records a batch and its rows, once per message: a second recording of the same message
    /// returns the batch recorded first.
    pub async fn record_batch(&self, new: &NewBatch) -> Result<i64, StoreError> {
        let now = self.now();
        let id = with_pool!(self, pool => {
            let mut tx = pool.begin_write().await?;
            let inserted: Option<(i64,)> = sqlx::query_as(
                "INSERT INTO batches (message_id, room_id, requester_id, requester_email, file_name, \
                 state, created_at, updated_at) VALUES ($1, $2, $3, $4, $5, 'previewed', $6, $6) \
                 ON CONFLICT (message_id) DO NOTHING RETURNING id",
            )
            .bind(new.message_id.as_str())
            .bind(new.room_id.as_str())
            .bind(new.requester_id.as_str())
            .bind(&new.requester_email)
            .bind(&new.file_name)
            .bind(now)
            .fetch_optional(&mut *tx)
            .await?;
            let Some((id,)) = inserted else {
                let (id,): (i64,) = sqlx::query_as("SELECT id FROM batches WHERE message_id = $1")
                    .bind(new.message_id.as_str())
                    .fetch_one(&mut *tx)
                    .await?;
                return Ok(id);
            };
            for row in &new.rows {
                sqlx::query(
                    "INSERT INTO batch_rows (batch_id, line, email, draft, outcome, error, person_id) \
                     VALUES ($1, $2, $3, $4, $5, $6, $7)",
                )
                .bind(id)
                .bind(row.line)
                .bind(&row.email)
                .bind(row.draft.as_ref().map(PersonDraft::to_json))
                .bind(row.outcome.as_str())
                .bind(&row.error)
                .bind(row.person_id.as_ref().map(PersonId::as_str))
                .execute(&mut *tx)
                .await?;
            }
            sqlx::query(INSERT_AUDIT)
                .bind(now)
                .bind(&new.requester_email)
                .bind("batch-sent")
                .bind(None::<i64>)
                .bind(None::<String>)
                .bind(&new.file_name)
                .bind(format!("{} rows", new.rows.len()))
                .bind(None::<String>)
                .bind(id)
                .execute(&mut *tx)
                .await?;
            tx.commit().await?;
            id
        });
        Ok(id)
    }

    /// One batch by id.
    pub async fn batch(&self, id: i64) -> Result<Option<BatchRecord>, StoreError> {
        with_pool!(self, pool => {
            let row = sqlx::query(select_batch!("WHERE id = $1"))
                .bind(id)
                .fetch_optional(pool)
                .await?;
            row.as_ref().map(BatchRecord::from_row).transpose()
        })
    }

    /// The batches not finished yet, newest first: waiting for their sender, an approver, or
    /// their turn.
    pub async fn open_batches(&self) -> Result<Vec<BatchRecord>, StoreError> {
        with_pool!(self, pool => {
            sqlx::query(select_batch!(
                "WHERE state IN ('previewed', 'awaiting_approval', 'running', 'cancelling') ORDER BY id DESC LIMIT 50"
            ))
            .fetch_all(pool)
            .await?
            .iter()
            .map(BatchRecord::from_row)
            .collect()
        })
    }

    /// The batch whose preview card is this message, if any.
    pub async fn batch_of_thread(&self, message_id: &MessageId) -> Result<Option<i64>, StoreError> {
        let id: Option<Option<i64>> = with_pool!(self, pool => {
            sqlx::query_scalar("SELECT batch_id FROM cards WHERE message_id = $1")
                .bind(message_id.as_str())
                .fetch_optional(pool)
                .await?
        });
        Ok(id.flatten())
    }

    /// Every line of a batch as it stands now, in the file's order.
    pub async fn batch_rows(&self, batch_id: i64) -> Result<Vec<BatchRow>, StoreError> {
        let rows = with_pool!(self, pool => {
            sqlx::query(
                "SELECT b.line, b.email, b.outcome, b.error, b.person_id, r.state, \
                 r.person_id AS created_id, r.outcome AS reason, r.tracking_id \
                 FROM batch_rows b LEFT JOIN requests r ON r.id = b.request_id \
                 WHERE b.batch_id = $1 ORDER BY b.line",
            )
            .bind(batch_id)
            .fetch_all(pool)
            .await?
            .iter()
            .map(|row| -> Result<BatchRow, StoreError> {
                let stored: String = row.try_get("outcome")?;
                let stored = RowOutcome::parse(&stored).map_err(|e| {
                    StoreError::Corrupt(format!("batch {batch_id}: a row is unreadable: {e}"))
                })?;
                let state: Option<String> = row.try_get("state")?;
                let state = state
                    .as_deref()
                    .map(RequestState::parse)
                    .transpose()
                    .map_err(|e| {
                        StoreError::Corrupt(format!("batch {batch_id}: a row's request is unreadable: {e}"))
                    })?;
                let outcome = live_outcome(stored, state);
                let error: Option<String> = row.try_get("error")?;
                let reason: Option<String> = row.try_get("reason")?;
                let person_id: Option<String> = row.try_get("person_id")?;
                let created_id: Option<String> = row.try_get("created_id")?;
                Ok(BatchRow {
                    line: row.try_get("line")?,
                    email: row.try_get("email")?,
                    outcome,
                    error: error.or(reason),
                    person_id: person_id.or(created_id),
                    tracking_id: row.try_get("tracking_id")?,
                })
            })
            .collect::<Result<Vec<_>, _>>()?
        });
        Ok(rows)
    }

    /// The lines still to create (not started, or started and not answered), for the jobs
    /// that create them.
    pub async fn batch_lines_to_create(&self, batch_id: i64) -> Result<Vec<i64>, StoreError> {
        let lines = with_pool!(self, pool => {
            sqlx::query_scalar(
                "SELECT line FROM batch_rows WHERE batch_id = $1 AND outcome IN ('new', 'pending') \
                 ORDER BY line",
            )
            .bind(batch_id)
            .fetch_all(pool)
            .await?
        });
        Ok(lines)
    }

    /// How many lines of a batch are not answered yet: not started, or started and not final.
    pub async fn batch_lines_left(&self, batch_id: i64) -> Result<i64, StoreError> {
        let left = with_pool!(self, pool => {
            sqlx::query_scalar(
                "SELECT COUNT(*) FROM batch_rows b LEFT JOIN requests r ON r.id = b.request_id \
                 WHERE b.batch_id = $1 AND (b.outcome = 'new' OR (b.outcome = 'pending' \
                 AND (r.state IS NULL OR r.state NOT IN ('created', 'exists', 'failed', 'rejected', 'expired'))))",
            )
            .bind(batch_id)
            .fetch_one(pool)
            .await?
        });
        Ok(left)
    }

    /// The batches a line of which names this email, newest first, with that line as it stands.
    pub async fn batch_rows_for(&self, email: &str) -> Result<Vec<(i64, BatchRow)>, StoreError> {
        let ids: Vec<i64> = with_pool!(self, pool => {
            sqlx::query_scalar(
                "SELECT DISTINCT batch_id FROM batch_rows WHERE LOWER(email) = LOWER($1) \
                 ORDER BY batch_id DESC LIMIT 3",
            )
            .bind(email)
            .fetch_all(pool)
            .await?
        });
        let mut found = Vec::new();
        for id in ids {
            for row in self.batch_rows(id).await? {
                if row.email.eq_ignore_ascii_case(email) {
                    found.push((id, row));
                }
            }
        }
        Ok(found)
    }

    /// The batches waiting for their sender or an approver since before `before_ms`.
    pub async fn batches_waiting_since(
        &self,
        before_ms: i64,
    ) -> Result<Vec<BatchRecord>, StoreError> {
        with_pool!(self, pool => {
            sqlx::query(select_batch!(
                "WHERE state IN ('previewed', 'awaiting_approval') AND created_at < $1 ORDER BY id LIMIT 500"
            ))
            .bind(before_ms)
            .fetch_all(pool)
            .await?
            .iter()
            .map(BatchRecord::from_row)
            .collect()
        })
    }

    /// The running batches whose progress nobody looked at since before `before_ms`: their
    /// looks were lost.
    pub async fn batches_unlooked_since(&self, before_ms: i64) -> Result<Vec<i64>, StoreError> {
        let ids = with_pool!(self, pool => {
            sqlx::query_scalar(
                "SELECT id FROM batches WHERE state IN ('running', 'cancelling') \
                 AND COALESCE(looked_at, started_at, created_at) < $1 ORDER BY id LIMIT 500",
            )
            .bind(before_ms)
            .fetch_all(pool)
            .await?
        });
        Ok(ids)
    }

    /// Claims the look at a batch's progress, and holds it for `hold_ms` while it is shown,
    /// unless another look holds it or showed it less than `gap_ms` ago: then gives until when
    /// that is. Looks run on any replica, and this is what keeps two of them from showing the
    /// progress within the gap. [`Store::note_batch_look`] ends the hold once it is shown.
    pub async fn claim_batch_look(
        &self,
        id: i64,
        gap_ms: i64,
        hold_ms: i64,
    ) -> Result<Result<(), i64>, StoreError> {
        let now = self.now();
        let claimed = with_pool!(self, pool => {
            sqlx::query(
                "UPDATE batches SET looked_at = $1 + $4 WHERE id = $2 \
                 AND (looked_at IS NULL OR looked_at <= $1 - $3)",
            )
            .bind(now)
            .bind(id)
            .bind(gap_ms)
            .bind(hold_ms)
            .execute(pool)
            .await?
            .rows_affected()
        });
        if claimed > 0 {
            return Ok(Ok(()));
        }
        let at: Option<i64> = with_pool!(self, pool => {
            sqlx::query_scalar("SELECT looked_at FROM batches WHERE id = $1")
                .bind(id)
                .fetch_optional(pool)
                .await?
                .flatten()
        });
        Ok(Err(at.unwrap_or(now)))
    }

    /// Notes that a batch's progress was shown now: the next look's gap counts from here.
    pub async fn note_batch_look(&self, id: i64) -> Result<(), StoreError> {
        with_pool!(self, pool => {
            sqlx::query("UPDATE batches SET looked_at = $1 WHERE id = $2")
                .bind(self.now())
                .bind(id)
                .execute(pool)
                .await?;
        });
        Ok(())
    }

    /// How many batches this requester has open, and how many they sent since `since_ms`,
    /// besides the batch of the message `except` (a re-run of its job counts it no more).
    pub async fn batches_of(
        &self,
        requester_id: &PersonId,
        since_ms: i64,
        except: &MessageId,
    ) -> Result<(i64, i64), StoreError> {
        let counts = with_pool!(self, pool => {
            sqlx::query_as(
                "SELECT COALESCE(SUM(CASE WHEN state IN ('previewed', 'awaiting_approval', 'running', 'cancelling') \
                 THEN 1 ELSE 0 END), 0), COALESCE(SUM(CASE WHEN created_at >= $2 THEN 1 ELSE 0 END), 0) \
                 FROM batches WHERE requester_id = $1 AND message_id <> $3",
            )
            .bind(requester_id.as_str())
            .bind(since_ms)
            .bind(except.as_str())
            .fetch_one(pool)
            .await?
        });
        Ok(counts)
    }

    /// Records the message that shows a batch's progress, and how often it was edited.
    pub async fn set_batch_progress(
        &self,
        id: i64,
        message_id: &MessageId,
        edits: i64,
    ) -> Result<(), StoreError> {
        with_pool!(self, pool => {
            sqlx::query("UPDATE batches SET progress_id = $1, progress_edits = $2, updated_at = $3 WHERE id = $4")
                .bind(message_id.as_str())
                .bind(edits)
                .bind(self.now())
                .bind(id)
                .execute(pool)
                .await?;
        });
        Ok(())
    }
}
