//! Named leases: work that one replica at a time should do, decided by the database.

use super::{Store, StoreError, with_pool};

impl Store {
    /// Takes the lease `name` for `holder` for `lease_ms`, unless another holder has it and it
    /// has not run out; returns whether it was taken.
    pub async fn take_lease(
        &self,
        name: &str,
        holder: &str,
        lease_ms: i64,
    ) -> Result<bool, StoreError> {
        let now = self.now();
        let taken: Option<(String,)> = with_pool!(self, pool => {
            sqlx::query_as(
                "INSERT INTO leases (name, holder, until) VALUES ($1, $2, $3) \
                 ON CONFLICT (name) DO UPDATE SET holder = excluded.holder, until = excluded.until \
                 WHERE leases.until < $4 OR leases.holder = excluded.holder RETURNING holder",
            )
            .bind(name)
            .bind(holder)
            .bind(now + lease_ms)
            .bind(now)
            .fetch_optional(pool)
            .await?
        });
        Ok(taken.is_some())
    }

    /// Whether someone holds the lease `name` now.
    pub async fn lease_held(&self, name: &str) -> Result<bool, StoreError> {
        let held: Option<(String,)> = with_pool!(self, pool => {
            sqlx::query_as("SELECT holder FROM leases WHERE name = $1 AND until >= $2")
                .bind(name)
                .bind(self.now())
                .fetch_optional(pool)
                .await?
        });
        Ok(held.is_some())
    }

    /// Hands the lease `name` back, when `holder` holds it.
    pub async fn release_lease(&self, name: &str, holder: &str) -> Result<(), StoreError> {
        with_pool!(self, pool => {
            sqlx::query("DELETE FROM leases WHERE name = $1 AND holder = $2")
                .bind(name)
                .bind(holder)
                .execute(pool)
                .await?;
        });
        Ok(())
    }
}
