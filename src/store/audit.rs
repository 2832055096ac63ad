//! The audit trail: who asked, who decided, what Webex was sent and what it answered.

use sqlx::Row;

use super::{Store, StoreError, with_pool};

/// An entry to append, in the same transaction as what it describes.
#[derive(Debug, Clone)]
pub struct AuditEntry {
    /// The person who acted (an email), or `webex-onboard` for the bot's own calls.
    pub actor: String,
    /// `requested`, `approved`, `rejected` or `create-person`.
    pub action: &'static str,
    pub request_id: Option<i64>,
    /// The batch the entry is about, or whose row it is.
    pub batch_id: Option<i64>,
    /// The email of the person being onboarded.
    pub email: Option<String>,
    /// What was sent (the Create a Person body, never a token) or the approver's reason.
    pub detail: Option<String>,
    pub result: Option<String>,
    pub tracking_id: Option<String>,
}

/// A stored entry.
#[derive(Debug, Clone)]
pub struct AuditRecord {
    /// Milliseconds since the epoch.
    pub at: i64,
    pub actor: String,
    pub action: String,
    pub request_id: Option<i64>,
    pub batch_id: Option<i64>,
    pub email: Option<String>,
    pub detail: Option<String>,
    pub result: Option<String>,
    pub tracking_id: Option<String>,
}

pub(super) const INSERT_AUDIT: &str = "INSERT INTO audit (at, actor, action, request_id, email, detail, result, tracking_id, batch_id) \
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)";

impl Store {
    /// The whole trail, oldest first.
    pub async fn audit(&self) -> Result<Vec<AuditRecord>, StoreError> {
        with_pool!(self, pool => {
            sqlx::query(
                "SELECT at, actor, action, request_id, email, detail, result, tracking_id, batch_id FROM audit ORDER BY id",
            )
            .fetch_all(pool)
            .await?
            .iter()
            .map(|row| {
                Ok(AuditRecord {
                    at: row.try_get("at")?,
                    actor: row.try_get("actor")?,
                    action: row.try_get("action")?,
                    request_id: row.try_get("request_id")?,
                    batch_id: row.try_get("batch_id")?,
                    email: row.try_get("email")?,
                    detail: row.try_get("detail")?,
                    result: row.try_get("result")?,
                    tracking_id: row.try_get("tracking_id")?,
                })
            })
            .collect()
        })
    }
}
