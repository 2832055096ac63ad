//! What moves a request on: opening it within its requester's limits, saving each step of its
//! create call, and an approver's decision, each in one commit with its trail.

use sqlx::Row;

use super::{
    Decided, Limit, NewDecision, NewRequest, Opened, RequestLimits, RequestRecord,
    bind_request_update, request_moved, select_request, update_request,
};
use crate::domain::{Decision, RequestState};
use crate::store::audit::INSERT_AUDIT;
use crate::store::liveness::lock_key;
use crate::store::{BeginWrite, Job, Pool, Store, StoreError, with_pool};

impl Store {
    /// Claims the card for this submission, unless another submission has it already, or the
    /// requester is at one of `limits`.
    ///
    /// The unique card id decides between racing submissions, on any number of replicas; the
    /// limits are counted in the same transaction, one requester at a time (SQLite writes one
    /// at a time; PostgreSQL takes a lock on the requester for the transaction).
    pub async fn open_request(
        &self,
        new: &NewRequest,
        limits: RequestLimits,
    ) -> Result<Opened, StoreError> {
        let now = self.now();
        let draft = new.draft.to_json();
        let record = with_pool!(self, pool => {
            let mut tx = pool.begin_write().await?;
            if matches!(self.pool, Pool::Postgres(_)) {
                sqlx::query("SELECT pg_advisory_xact_lock($1)")
                    .bind(lock_key(&format!("requester/{}", new.requester_id)))
                    .execute(&mut *tx)
                    .await?;
            }
            // The card's row first, as a retirement does: whichever comes second sees the other.
            let card: Option<(Option<i64>,)> = sqlx::query_as(
                "UPDATE cards SET retired_at = retired_at WHERE message_id = $1 RETURNING retired_at",
            )
            .bind(new.card_message_id.as_str())
            .fetch_optional(&mut *tx)
            .await?;
            if matches!(card, Some((Some(_),))) {
                return Ok(Opened::Replaced);
            }
            let used: Option<(i64,)> =
                sqlx::query_as("SELECT id FROM requests WHERE card_message_id = $1")
                    .bind(new.card_message_id.as_str())
                    .fetch_optional(&mut *tx)
                    .await?;
            if used.is_none() {
                let (open, recent): (i64, i64) = sqlx::query_as(
                    "SELECT COALESCE(SUM(CASE WHEN state IN ('awaiting_approval', 'accepted', 'creating') \
                     THEN 1 ELSE 0 END), 0), COALESCE(SUM(CASE WHEN created_at >= $2 THEN 1 ELSE 0 END), 0) \
                     FROM requests WHERE requester_id = $1 AND batch_id IS NULL",
                )
                .bind(new.requester_id.as_str())
                .bind(now - 3_600_000)
                .fetch_one(&mut *tx)
                .await?;
                if open >= i64::from(limits.open) {
                    return Ok(Opened::Limited(Limit::Open(limits.open)));
                }
                if recent >= i64::from(limits.per_hour) {
                    return Ok(Opened::Limited(Limit::PerHour(limits.per_hour)));
                }
            }
            let inserted: Option<(i64,)> = sqlx::query_as(
                "INSERT INTO requests (card_message_id, action_id, room_id, requester_id, requester_email, \
                 email, draft, state, create_calls, created_at, updated_at) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7, 'accepted', 0, $8, $8) \
                 ON CONFLICT (card_message_id) DO NOTHING RETURNING id",
            )
            .bind(new.card_message_id.as_str())
            .bind(new.action_id.as_str())
            .bind(new.room_id.as_str())
            .bind(new.requester_id.as_str())
            .bind(&new.requester_email)
            .bind(new.draft.email().as_str())
            .bind(&draft)
            .bind(now)
            .fetch_optional(&mut *tx)
            .await?;
            // The trail says who asked in the same commit that opens the request.
            if let Some((id,)) = inserted {
                sqlx::query(INSERT_AUDIT)
                    .bind(now)
                    .bind(&new.requester_email)
                    .bind("requested")
                    .bind(id)
                    .bind(new.draft.email().as_str())
                    .bind(&draft)
                    .bind(None::<String>)
                    .bind(None::<String>)
                    .bind(None::<i64>)
                    .execute(&mut *tx)
                    .await?;
            }
            let row = sqlx::query(select_request!("WHERE card_message_id = $1"))
                .bind(new.card_message_id.as_str())
                .fetch_one(&mut *tx)
                .await?;
            tx.commit().await?;
            RequestRecord::from_row(&row)?
        });
        Ok(if record.action_id == new.action_id {
            Opened::Ours(record)
        } else {
            Opened::AlreadyUsed(record)
        })
    }

    /// Writes a request's progress before a step whose outcome must survive a crash.
    ///
    /// Only while `job` still holds its lease: a worker that lost its job must not overwrite
    /// what the worker that took it over wrote, nor go on to call Webex.
    pub async fn save_request(
        &self,
        job: &Job,
        request: &mut RequestRecord,
    ) -> Result<(), StoreError> {
        let now = self.now();
        let saved = with_pool!(self, pool => {
            bind_request_update!(
                request,
                now,
                " AND EXISTS (SELECT 1 FROM jobs WHERE id = $10 AND lease_owner = $11 \
                 AND state = 'running' AND lease_until > $7)"
            )
            .bind(job.id)
            .bind(&job.owner)
            .execute(pool)
            .await?
            .rows_affected()
        });
        if saved > 0 {
            request.stored_state = request.state;
            return Ok(());
        }
        match self.request(request.id).await? {
            Some(now) if now.state != request.stored_state => {
                Err(StoreError::Conflict(request_moved(request.id, now.state)))
            }
            _ => Err(StoreError::LeaseLost),
        }
    }

    /// Records an approver's decision, unless the request was decided already.
    ///
    /// The conditional update decides between racing clicks, on any number of replicas.
    pub async fn decide(
        &self,
        request_id: i64,
        decision: &NewDecision,
    ) -> Result<Decided, StoreError> {
        let next = match decision.decision {
            Decision::Approved => RequestState::Accepted,
            Decision::Rejected => RequestState::Rejected,
        };
        let now = self.now();
        let record = with_pool!(self, pool => {
            let mut tx = pool.begin_write().await?;
            let decided = sqlx::query(
                "UPDATE requests SET state = $1, decision = $2, decided_by = $3, decided_by_id = $4, \
                 decision_action_id = $5, reason = $6, updated_at = $7 \
                 WHERE id = $8 AND state = 'awaiting_approval'",
            )
            .bind(next.as_str())
            .bind(decision.decision.as_str())
            .bind(&decision.by)
            .bind(decision.by_id.as_str())
            .bind(decision.action_id.as_str())
            .bind(&decision.reason)
            .bind(now)
            .bind(request_id)
            .execute(&mut *tx)
            .await?
            .rows_affected();
            // The trail says who decided, and why, in the same commit as the decision.
            if decided > 0 {
                sqlx::query(
                    "INSERT INTO audit (at, actor, action, request_id, email, detail, result, tracking_id) \
                     SELECT $1, $2, $3, id, email, $4, NULL, NULL FROM requests WHERE id = $5",
                )
                .bind(now)
                .bind(&decision.by)
                .bind(decision.decision.as_str())
                .bind(&decision.reason)
                .bind(request_id)
                .execute(&mut *tx)
                .await?;
            }
            let row = sqlx::query(select_request!("WHERE id = $1"))
                .bind(request_id)
                .fetch_one(&mut *tx)
                .await?;
            tx.commit().await?;
            let decided_with: Option<String> = row.try_get("decision_action_id")?;
            (RequestRecord::from_row(&row)?, decided_with)
        });
        let (record, decided_with) = record;
        Ok(
            if decided_with.as_deref() == Some(decision.action_id.as_str()) {
                Decided::Now(record)
            } else {
                Decided::Already(record)
            },
        )
    }
}
