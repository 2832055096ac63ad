//! Cards the bot sent: only these may be submitted.

use super::{Store, StoreError, with_pool};

/// A card message the bot posted.
#[derive(Debug, Clone)]
pub struct CardRecord {
    pub message_id: String,
    pub room_id: String,
    /// The person who asked for it.
    pub requested_by: String,
}

/// Records a card; a repeated insert of the same card is a no-op.
pub(super) const INSERT_CARD: &str = "INSERT INTO cards (message_id, room_id, requested_by, created_at) \
     VALUES ($1, $2, $3, $4) ON CONFLICT (message_id) DO NOTHING";

impl Store {
    /// The card with this message id, if the bot sent it.
    pub async fn card(&self, message_id: &str) -> Result<Option<CardRecord>, StoreError> {
        let row: Option<(String, String, String)> = with_pool!(self, pool => {
            sqlx::query_as("SELECT message_id, room_id, requested_by FROM cards WHERE message_id = $1")
                .bind(message_id)
                .fetch_optional(pool)
                .await?
        });
        Ok(row.map(|(message_id, room_id, requested_by)| CardRecord {
            message_id,
            room_id,
            requested_by,
        }))
    }
}
