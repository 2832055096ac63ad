//! The steps after an account, as the jobs table holds them: for `pending` and `status`.

use super::{Store, StoreError, with_pool};
use crate::domain::{JobPayload, Step};

/// Where a step is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum StepState {
    /// Waiting for its time (milliseconds since the epoch).
    Scheduled(i64),
    /// Waiting to run now, running, or waiting to try again.
    UnderWay,
    /// Done.
    Done,
    /// Given up, with why.
    Failed(String),
}

/// The most steps `pending` lists.
const MAX_LISTED: i64 = 50;

/// A step job's payload, back as the step; an unreadable one is logged and skipped.
fn step_of(kind: &str, payload: &str) -> Option<Step> {
    match JobPayload::decode(kind, payload) {
        Ok(JobPayload::Step(step)) => Some(step),
        Ok(_) => None,
        Err(error) => {
            tracing::error!(%error, "a step is unreadable");
            None
        }
    }
}

impl Store {
    /// The steps waiting for a later start (never tried yet), soonest first, with when they
    /// run.
    pub async fn scheduled_steps(&self) -> Result<Vec<(i64, Step)>, StoreError> {
        let rows: Vec<(String, String, i64)> = with_pool!(self, pool => {
            sqlx::query_as(
                "SELECT kind, payload, run_after FROM jobs \
                 WHERE kind = 'step' AND state = 'queued' AND attempts = 0 AND run_after > $1 \
                 ORDER BY run_after, id LIMIT $2",
            )
            .bind(self.now())
            .bind(MAX_LISTED)
            .fetch_all(pool)
            .await?
        });
        Ok(rows
            .into_iter()
            .filter_map(|(kind, payload, at)| step_of(&kind, &payload).map(|step| (at, step)))
            .collect())
    }

    /// The steps of a request, in the order they were made, and where each is.
    pub async fn steps_of(&self, request_id: i64) -> Result<Vec<(Step, StepState)>, StoreError> {
        let prefix = format!("{}%", Step::key_prefix(request_id));
        let rows: Vec<(String, String, String, i64, i64, Option<String>)> = with_pool!(self, pool => {
            sqlx::query_as(
                "SELECT kind, payload, state, run_after, attempts, last_error FROM jobs \
                 WHERE kind = 'step' AND dedupe_key LIKE $1 ORDER BY id",
            )
            .bind(&prefix)
            .fetch_all(pool)
            .await?
        });
        let now = self.now();
        Ok(rows
            .into_iter()
            .filter_map(|(kind, payload, state, at, attempts, error)| {
                let state = match state.as_str() {
                    "done" => StepState::Done,
                    "failed" => StepState::Failed(error.unwrap_or_default()),
                    // Never tried and not due: waiting for its start date, not for a retry.
                    "queued" if at > now && attempts == 0 => StepState::Scheduled(at),
                    _ => StepState::UnderWay,
                };
                step_of(&kind, &payload).map(|step| (step, state))
            })
            .collect())
    }

    /// The newest request for this email (compared without regard to case), if any.
    pub async fn latest_request_for(&self, email: &str) -> Result<Option<i64>, StoreError> {
        let id: Option<i64> = with_pool!(self, pool => {
            sqlx::query_scalar("SELECT MAX(id) FROM requests WHERE LOWER(email) = LOWER($1)")
                .bind(email)
                .fetch_one(pool)
                .await?
        });
        Ok(id)
    }
}
