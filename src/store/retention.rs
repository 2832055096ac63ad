//! Forgetting what is old: finished jobs, and audit rows when the operator asks, in small
//! batches so that acknowledgements never wait behind a long delete. A delivery's key outlives
//! its job in `seen_deliveries`, so that a redelivery is still recognised.

use super::{Store, StoreError, with_pool};

/// The prefixes of the keys of jobs that were webhook deliveries.
const DELIVERY_KEYS: [&str; 2] = ["messages/", "attachmentActions/"];

impl Store {
    /// Deletes at most `batch` finished jobs last touched before `before_ms`, keeping the keys
    /// of deliveries among them; returns how many were deleted.
    pub async fn prune_jobs(&self, before_ms: i64, batch: i64) -> Result<u64, StoreError> {
        let now = self.now();
        let deleted = with_pool!(self, pool => {
            let mut tx = pool.begin().await?;
            let old: Vec<(i64, String)> = sqlx::query_as(
                "SELECT id, dedupe_key FROM jobs WHERE state IN ('done', 'failed') AND updated_at < $1 \
                 ORDER BY updated_at LIMIT $2",
            )
            .bind(before_ms)
            .bind(batch)
            .fetch_all(&mut *tx)
            .await?;
            for (id, key) in &old {
                if DELIVERY_KEYS.iter().any(|prefix| key.starts_with(prefix)) {
                    sqlx::query(
                        "INSERT INTO seen_deliveries (dedupe_key, seen_at) VALUES ($1, $2) \
                         ON CONFLICT (dedupe_key) DO NOTHING",
                    )
                    .bind(key)
                    .bind(now)
                    .execute(&mut *tx)
                    .await?;
                }
                sqlx::query("DELETE FROM jobs WHERE id = $1")
                    .bind(id)
                    .execute(&mut *tx)
                    .await?;
            }
            tx.commit().await?;
            old.len() as u64
        });
        Ok(deleted)
    }

    /// Deletes at most `batch` audit rows older than `before_ms`; returns how many.
    pub async fn prune_audit(&self, before_ms: i64, batch: i64) -> Result<u64, StoreError> {
        self.prune_where(
            "DELETE FROM audit WHERE id IN (SELECT id FROM audit WHERE at < $1 ORDER BY id LIMIT $2)",
            before_ms,
            batch,
        )
        .await
    }

    /// Forgets at most `batch` delivery keys seen before `before_ms`; returns how many.
    pub async fn prune_seen_deliveries(
        &self,
        before_ms: i64,
        batch: i64,
    ) -> Result<u64, StoreError> {
        self.prune_where(
            "DELETE FROM seen_deliveries WHERE dedupe_key IN \
             (SELECT dedupe_key FROM seen_deliveries WHERE seen_at < $1 LIMIT $2)",
            before_ms,
            batch,
        )
        .await
    }

    async fn prune_where(
        &self,
        sql: &'static str,
        before_ms: i64,
        batch: i64,
    ) -> Result<u64, StoreError> {
        let deleted = with_pool!(self, pool => {
            sqlx::query(sql)
                .bind(before_ms)
                .bind(batch)
                .execute(pool)
                .await?
                .rows_affected()
        });
        Ok(deleted)
    }

    /// The jobs that could run now but wait for a worker: how many, and since when the oldest
    /// could (milliseconds since the epoch).
    pub async fn waiting_jobs(&self) -> Result<(i64, Option<i64>), StoreError> {
        let waiting: (i64, Option<i64>) = with_pool!(self, pool => {
            sqlx::query_as(
                "SELECT COUNT(*), MIN(run_after) FROM jobs WHERE state = 'queued' AND run_after <= $1",
            )
            .bind(self.now())
            .fetch_one(pool)
            .await?
        });
        Ok(waiting)
    }
}
