//! Alerts posted, by cause, so that every replica together posts one cause at most once in a
//! quiet period.

use super::{BeginWrite, NewJob, Store, StoreError, queue_in, with_pool};

impl Store {
    /// Records that `cause` is alerted now and enqueues `post`, the message that says so, in one
    /// commit; unless the same cause was alerted less than `quiet_ms` ago, by this replica or
    /// another, in which case nothing changes. Returns whether it was posted.
    pub async fn raise_alert(
        &self,
        cause: &str,
        message: &str,
        post: &NewJob,
        quiet_ms: i64,
    ) -> Result<bool, StoreError> {
        let now = self.now();
        let raised = with_pool!(self, pool => {
            let mut tx = pool.begin_write().await?;
            let claimed: Option<(String,)> = sqlx::query_as(
                "INSERT INTO alerts (cause, posted_at, message) VALUES ($1, $2, $3) \
                 ON CONFLICT (cause) DO UPDATE SET posted_at = excluded.posted_at, \
                 message = excluded.message WHERE alerts.posted_at <= $4 RETURNING cause",
            )
            .bind(cause)
            .bind(now)
            .bind(message)
            .bind(now - quiet_ms)
            .fetch_optional(&mut *tx)
            .await?;
            if claimed.is_some() {
                queue_in!(tx, &post, now);
            }
            tx.commit().await?;
            claimed.is_some()
        });
        Ok(raised)
    }
}
