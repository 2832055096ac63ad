//! The pace every replica's creates share: one turn every so often, held back when Webex asks.

use super::Turn;
use crate::store::{Store, StoreError, with_pool};

impl Store {
    /// Takes the next turn to create under the pace `name`, one every `every_ms`, unless the
    /// next free turn is more than `within_ms` away. Every replica shares the pace.
    pub async fn take_turn(
        &self,
        name: &str,
        every_ms: i64,
        within_ms: i64,
    ) -> Result<Turn, StoreError> {
        let now = self.now();
        let taken: Option<i64> = with_pool!(self, pool => {
            sqlx::query(
                "INSERT INTO pace (name, next_at) VALUES ($1, 0) ON CONFLICT (name) DO NOTHING",
            )
            .bind(name)
            .execute(pool)
            .await?;
            sqlx::query_scalar(
                "UPDATE pace SET next_at = (CASE WHEN next_at > $2 THEN next_at ELSE $2 END) + $3 \
                 WHERE name = $1 AND next_at <= $2 + $4 RETURNING next_at - $3",
            )
            .bind(name)
            .bind(now)
            .bind(every_ms)
            .bind(within_ms)
            .fetch_optional(pool)
            .await?
        });
        if let Some(at) = taken {
            return Ok(Turn::At(at));
        }
        let next: i64 = with_pool!(self, pool => {
            sqlx::query_scalar("SELECT next_at FROM pace WHERE name = $1")
                .bind(name)
                .fetch_one(pool)
                .await?
        });
        Ok(Turn::Later(next - within_ms / 2))
    }

    /// Until when the pace `name` is held: a turn taken for earlier than that is void.
    pub async fn pace_held_until(&self, name: &str) -> Result<i64, StoreError> {
        let held: Option<i64> = with_pool!(self, pool => {
            sqlx::query_scalar("SELECT held_until FROM pace WHERE name = $1")
                .bind(name)
                .fetch_optional(pool)
                .await?
        });
        Ok(held.unwrap_or(0))
    }

    /// Holds every turn of the pace `name` back until `until` (milliseconds since the epoch):
    /// Webex asked for a pause.
    pub async fn hold_pace(&self, name: &str, until: i64) -> Result<(), StoreError> {
        with_pool!(self, pool => {
            sqlx::query(
                "UPDATE pace SET next_at = CASE WHEN next_at > $2 THEN next_at ELSE $2 END, \
                 held_until = CASE WHEN held_until > $2 THEN held_until ELSE $2 END WHERE name = $1",
            )
            .bind(name)
            .bind(until)
            .execute(pool)
            .await?;
        });
        Ok(())
    }
}
