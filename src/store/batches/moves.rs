//! What moves a batch or one of its lines on: confirming, deciding, cancelling, expiring,
//! starting a line and ending the batch, each in one commit with its trail.

use sqlx::Row;

use super::{BatchRecord, Moved, select_batch};
use crate::domain::{BatchState, Decision, PersonDraft};
use crate::store::jobs::NewJob;
use crate::store::requests::{RequestRecord, select_request};
use crate::store::{BeginWrite, Store, StoreError, queue_in, with_pool};
use crate::webex::{ActionId, MessageId};

/// Puts an entry of batch `$id`'s trail in the transaction `$tx` (see [`AUDIT_BATCH`]).
macro_rules! audit_batch {
    ($tx:ident, $now:expr, $actor:expr, $action:expr, $detail:expr, $result:expr, $id:expr) => {
        sqlx::query(AUDIT_BATCH)
            .bind($now)
            .bind($actor)
            .bind($action)
            .bind($detail)
            .bind($result)
            .bind($id)
            .execute(&mut *$tx)
            .await?
    };
}

/// Ends batch `$id` in the transaction `$tx`, as `$to`, if it is in either state `$from`:
/// the rows it changed.
macro_rules! close_batch {
    ($tx:ident, $now:expr, $id:expr, $to:literal, [$from_a:literal, $from_b:literal]) => {
        sqlx::query(
            "UPDATE batches SET state = $3, finished_at = $1, updated_at = $1 \
             WHERE id = $2 AND state IN ($4, $5)",
        )
        .bind($now)
        .bind($id)
        .bind($to)
        .bind($from_a)
        .bind($from_b)
        .execute(&mut *$tx)
        .await?
        .rows_affected()
    };
}

/// Reads batch `$id` again in the transaction `$tx`, commits, and gives the record with the
/// click kept in `$column`, the one that moved it.
macro_rules! commit_moved {
    ($tx:ident, $id:expr, $column:literal) => {{
        let row = sqlx::query(select_batch!("WHERE id = $1"))
            .bind($id)
            .fetch_one(&mut *$tx)
            .await?;
        let by: Option<String> = row.try_get($column)?;
        $tx.commit().await?;
        (BatchRecord::from_row(&row)?, by)
    }};
}

impl Store {
    /// The sender confirms the batch, once: it runs, or waits for an approver when `approval`.
    pub async fn confirm_batch(
        &self,
        id: i64,
        action_id: &ActionId,
        preview_id: &MessageId,
        approval: bool,
    ) -> Result<Moved, StoreError> {
        let next = if approval {
            BatchState::AwaitingApproval
        } else {
            BatchState::Running
        };
        let now = self.now();
        let started = (!approval).then_some(now);
        let (record, by) = with_pool!(self, pool => {
            let mut tx = pool.begin_write().await?;
            let moved = sqlx::query(
                "UPDATE batches SET state = $1, confirm_action_id = $2, preview_id = $3, \
                 started_at = $4, updated_at = $5 WHERE id = $6 AND state = 'previewed'",
            )
            .bind(next.as_str())
            .bind(action_id.as_str())
            .bind(preview_id.as_str())
            .bind(started)
            .bind(now)
            .bind(id)
            .execute(&mut *tx)
            .await?
            .rows_affected();
            if moved > 0 {
                audit_batch!(tx, now, None::<String>, "batch-confirmed", None::<String>, next.as_str(), id);
            }
            commit_moved!(tx, id, "confirm_action_id")
        });
        Ok(moved_by(record, by.as_deref(), action_id))
    }

    /// An approver decides a batch, once.
    pub async fn decide_batch(
        &self,
        id: i64,
        decision: Decision,
        by: &str,
        reason: Option<&str>,
        action_id: &ActionId,
    ) -> Result<Moved, StoreError> {
        let next = match decision {
            Decision::Approved => BatchState::Running,
            Decision::Rejected => BatchState::Rejected,
        };
        let now = self.now();
        let started = (next == BatchState::Running).then_some(now);
        let (record, decided_with) = with_pool!(self, pool => {
            let mut tx = pool.begin_write().await?;
            let moved = sqlx::query(
                "UPDATE batches SET state = $1, started_at = $2, updated_at = $3, decided_by = $5, \
                 reason = $6, decision_action_id = $7 WHERE id = $4 AND state = 'awaiting_approval'",
            )
            .bind(next.as_str())
            .bind(started)
            .bind(now)
            .bind(id)
            .bind(by)
            .bind(reason)
            .bind(action_id.as_str())
            .execute(&mut *tx)
            .await?
            .rows_affected();
            if moved > 0 {
                if next == BatchState::Rejected {
                    sqlx::query(CANCEL_ROWS).bind(id).execute(&mut *tx).await?;
                    sqlx::query(AUDIT_ROWS).bind(now).bind(id).execute(&mut *tx).await?;
                }
                audit_batch!(tx, now, by, decision.as_str(), reason, next.as_str(), id);
            }
            commit_moved!(tx, id, "decision_action_id")
        });
        Ok(moved_by(record, decided_with.as_deref(), action_id))
    }

    /// Cancels a batch on `by`'s word: one not running yet ends at once, a running one stops
    /// starting rows. Every row not started is cancelled in the same commit. None when the
    /// batch had ended already.
    pub async fn cancel_batch(&self, id: i64, by: &str) -> Result<Option<BatchRecord>, StoreError> {
        let now = self.now();
        with_pool!(self, pool => {
            let mut tx = pool.begin_write().await?;
            let moved = sqlx::query(
                "UPDATE batches SET state = CASE WHEN state = 'running' THEN 'cancelling' ELSE 'cancelled' END, \
                 finished_at = CASE WHEN state = 'running' THEN NULL ELSE $1 END, updated_at = $1 \
                 WHERE id = $2 AND state IN ('previewed', 'awaiting_approval', 'running')",
            )
            .bind(now)
            .bind(id)
            .execute(&mut *tx)
            .await?
            .rows_affected();
            if moved == 0 {
                return Ok(None);
            }
            sqlx::query(CANCEL_ROWS).bind(id).execute(&mut *tx).await?;
            let row = sqlx::query(select_batch!("WHERE id = $1"))
                .bind(id)
                .fetch_one(&mut *tx)
                .await?;
            let cancelled = BatchRecord::from_row(&row)?;
            // A batch that ends here has its rows in the trail now; a running one, at its end.
            if cancelled.state == BatchState::Cancelled {
                sqlx::query(AUDIT_ROWS).bind(now).bind(id).execute(&mut *tx).await?;
            }
            audit_batch!(tx, now, by, "batch-cancelled", None::<String>, None::<String>, id);
            tx.commit().await?;
            Ok(Some(cancelled))
        })
    }

    /// Expires a batch nobody confirmed or decided in time: it ends, its rows are cancelled and
    /// in the trail, and `told` (the jobs that tell people) is queued, all in one commit. False
    /// when it moved on first.
    pub async fn expire_batch(&self, id: i64, told: &[NewJob]) -> Result<bool, StoreError> {
        let now = self.now();
        with_pool!(self, pool => {
            let mut tx = pool.begin_write().await?;
            let moved = close_batch!(tx, now, id, "cancelled", ["previewed", "awaiting_approval"]);
            if moved == 0 {
                return Ok(false);
            }
            sqlx::query(CANCEL_ROWS).bind(id).execute(&mut *tx).await?;
            sqlx::query(AUDIT_ROWS).bind(now).bind(id).execute(&mut *tx).await?;
            audit_batch!(tx, now, BOT_ACTOR, "batch-expired", None::<String>, None::<String>, id);
            for job in told {
                queue_in!(tx, job, now);
            }
            tx.commit().await?;
            Ok(true)
        })
    }

    /// Starts a line of a running batch: its request is made and the line marked started in
    /// one commit, unless the line was cancelled (or is not a new person): then none. A line
    /// started before gives its request back.
    pub async fn start_row(
        &self,
        batch: &BatchRecord,
        line: i64,
    ) -> Result<Option<RequestRecord>, StoreError> {
        let now = self.now();
        let key = row_key(batch.id, line);
        let thread = batch.preview_id.as_ref().unwrap_or(&batch.message_id);
        with_pool!(self, pool => {
            let mut tx = pool.begin_write().await?;
            let draft: Option<Option<String>> = sqlx::query_scalar(
                "UPDATE batch_rows SET outcome = 'pending' WHERE batch_id = $1 AND line = $2 \
                 AND outcome = 'new' AND EXISTS (SELECT 1 FROM batches WHERE id = $1 AND state = 'running') \
                 RETURNING draft",
            )
            .bind(batch.id)
            .bind(line)
            .fetch_optional(&mut *tx)
            .await?;
            if let Some(draft) = draft {
                let draft = draft.ok_or_else(|| {
                    StoreError::Corrupt(format!("batch {}: line {line} has no draft", batch.id))
                })?;
                let parsed: PersonDraft = serde_json::from_str(&draft).map_err(|e| {
                    StoreError::Corrupt(format!("batch {}: line {line}'s draft is unreadable: {e}", batch.id))
                })?;
                let (request_id,): (i64,) = sqlx::query_as(
                    "INSERT INTO requests (card_message_id, action_id, room_id, requester_id, requester_email, \
                     email, draft, state, create_calls, created_at, updated_at, thread_id, batch_id) \
                     VALUES ($1, $1, $2, $3, $4, $5, $6, 'accepted', 0, $7, $7, $8, $9) RETURNING id",
                )
                .bind(&key)
                .bind(batch.room_id.as_str())
                .bind(batch.requester_id.as_str())
                .bind(&batch.requester_email)
                .bind(parsed.email().as_str())
                .bind(&draft)
                .bind(now)
                .bind(thread.as_str())
                .bind(batch.id)
                .fetch_one(&mut *tx)
                .await?;
                sqlx::query("UPDATE batch_rows SET request_id = $1 WHERE batch_id = $2 AND line = $3")
                    .bind(request_id)
                    .bind(batch.id)
                    .bind(line)
                    .execute(&mut *tx)
                    .await?;
            }
            let row = sqlx::query(select_request!("WHERE card_message_id = $1"))
            .bind(&key)
            .fetch_optional(&mut *tx)
            .await?;
            tx.commit().await?;
            row.as_ref().map(RequestRecord::from_row).transpose()
        })
    }

    /// Ends a batch whose every row has its outcome, and puts the rows no create recorded into
    /// the trail, in one commit: true when this call ended it.
    pub async fn end_batch(&self, id: i64) -> Result<bool, StoreError> {
        let now = self.now();
        let ended = with_pool!(self, pool => {
            let mut tx = pool.begin_write().await?;
            let ended = close_batch!(tx, now, id, "done", ["running", "cancelling"]);
            if ended > 0 {
                sqlx::query(AUDIT_ROWS).bind(now).bind(id).execute(&mut *tx).await?;
            }
            tx.commit().await?;
            ended
        });
        Ok(ended > 0)
    }
}

/// Cancels every line of a batch not started yet.
const CANCEL_ROWS: &str =
    "UPDATE batch_rows SET outcome = 'cancelled' WHERE batch_id = $1 AND outcome = 'new'";

/// An entry of a batch's trail: $1 at, $2 actor (none: the batch's sender), $3 action,
/// $4 detail, $5 result, $6 the batch.
const AUDIT_BATCH: &str = "INSERT INTO audit (at, actor, action, request_id, email, detail, result, tracking_id, batch_id) \
     SELECT $1, COALESCE($2, requester_email), $3, NULL, NULL, $4, $5, NULL, id FROM batches WHERE id = $6";

/// Puts every line of a batch that no request records into the trail, under the batch: $1 at,
/// $2 the batch. A started line is in the trail with its request's create.
const AUDIT_ROWS: &str = "INSERT INTO audit (at, actor, action, request_id, email, detail, result, tracking_id, batch_id) \
     SELECT $1, 'webex-onboard', 'batch-row', NULL, email, 'line ' || CAST(line AS TEXT), \
     (CASE WHEN outcome = 'repeated' THEN 'invalid' ELSE outcome END) || COALESCE(': ' || error, ''), \
     NULL, batch_id FROM batch_rows WHERE batch_id = $2 AND outcome IN ('invalid', 'repeated', 'existed', 'cancelled') \
     ORDER BY line";

/// The actor of the bot's own entries in the trail.
const BOT_ACTOR: &str = "webex-onboard";

/// Whether the click with `action_id` is the one that moved the batch.
fn moved_by(record: BatchRecord, by: Option<&str>, action_id: &ActionId) -> Moved {
    if by == Some(action_id.as_str()) {
        Moved::Now(record)
    } else {
        Moved::Already(record)
    }
}

/// The key of a started row's request: unique, so that a row starts one request only.
fn row_key(batch_id: i64, line: i64) -> String {
    format!("batch-{batch_id}-line-{line}")
}
