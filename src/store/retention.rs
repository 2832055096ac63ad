//! Forgetting what is old: finished jobs, and audit rows when the operator asks, in small
//! batches so that acknowledgements never wait behind a long delete. A delivery's key outlives
//! its job in `seen_deliveries`, so that a redelivery is still recognised.

use super::{BeginWrite, Store, StoreError, with_pool};

impl Store {
    /// Deletes at most `batch` finished jobs last touched before `before_ms`, keeping the keys
    /// of deliveries among them; returns how many were deleted.
    ///
    /// Two statements: the keys are kept first, and a delivery's job is deleted only once its
    /// key is kept, whichever replica prunes at the same time.
    pub async fn prune_jobs(&self, before_ms: i64, batch: i64) -> Result<u64, StoreError> {
        let deleted = with_pool!(self, pool => {
            let mut tx = pool.begin_write().await?;
            sqlx::query(
                "INSERT INTO seen_deliveries (dedupe_key, seen_at) \
                 SELECT dedupe_key, $1 FROM jobs WHERE state IN ('done', 'failed') AND updated_at < $2 \
                 AND (dedupe_key LIKE 'messages/%' OR dedupe_key LIKE 'attachmentActions/%') \
                 ORDER BY updated_at LIMIT $3 \
                 ON CONFLICT (dedupe_key) DO NOTHING",
            )
            .bind(self.now())
            .bind(before_ms)
            .bind(batch)
            .execute(&mut *tx)
            .await?;
            let deleted = sqlx::query(
                "DELETE FROM jobs WHERE id IN (SELECT id FROM jobs j \
                 WHERE state IN ('done', 'failed') AND updated_at < $1 \
                 AND (NOT (dedupe_key LIKE 'messages/%' OR dedupe_key LIKE 'attachmentActions/%') \
                 OR EXISTS (SELECT 1 FROM seen_deliveries s WHERE s.dedupe_key = j.dedupe_key)) \
                 ORDER BY updated_at LIMIT $2)",
            )
            .bind(before_ms)
            .bind(batch)
            .execute(&mut *tx)
            .await?
            .rows_affected();
            tx.commit().await?;
            deleted
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

    /// Forgets at most `batch` leases that ran out before `before_ms`; returns how many.
    pub async fn prune_leases(&self, before_ms: i64, batch: i64) -> Result<u64, StoreError> {
        self.prune_where(
            "DELETE FROM leases WHERE name IN \
             (SELECT name FROM leases WHERE until < $1 LIMIT $2)",
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
