//! Cards the bot sent: only these may be submitted.

use super::{Store, StoreError, now_ms, with_pool};
use crate::domain::CardKind;
use crate::webex::{MessageId, PersonId, RoomId};

/// A card message the bot posted.
#[derive(Debug, Clone)]
pub struct CardRecord {
    pub message_id: MessageId,
    pub room_id: RoomId,
    /// The person who asked for it (for an approval card, the requester).
    pub requested_by: PersonId,
    pub kind: CardKind,
    /// The request an approval card decides.
    pub request_id: Option<i64>,
    /// Replaced by a corrected form: submitting it does nothing.
    pub retired: bool,
}

/// Records a card; a repeated insert of the same card changes nothing, a retirement included.
pub(super) const INSERT_CARD: &str = "INSERT INTO cards (message_id, room_id, requested_by, kind, request_id, created_at) \
     VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (message_id) DO NOTHING";

/// Retires a form that a corrected one replaced, whether or not the job that posted it has
/// recorded it yet: the row is made when missing, and that job's insert then changes nothing.
pub(super) const RETIRE_CARD: &str = "INSERT INTO cards (message_id, room_id, requested_by, kind, request_id, created_at, retired_at) \
     VALUES ($1, $2, $3, $4, $5, $6, $6) \
     ON CONFLICT (message_id) DO UPDATE SET retired_at = COALESCE(cards.retired_at, excluded.retired_at)";

/// Binds a [`CardRecord`] to [`INSERT_CARD`] or [`RETIRE_CARD`].
macro_rules! bind_card {
    ($sql:expr, $card:expr, $now:expr) => {
        sqlx::query($sql)
            .bind($card.message_id.as_str())
            .bind($card.room_id.as_str())
            .bind($card.requested_by.as_str())
            .bind($card.kind.as_str())
            .bind($card.request_id)
            .bind($now)
    };
}
pub(super) use bind_card;

type CardRow = (String, String, String, String, Option<i64>, Option<i64>);

fn card_from(row: CardRow) -> Result<CardRecord, StoreError> {
    let (message_id, room_id, requested_by, kind, request_id, retired_at) = row;
    let unreadable =
        |reason: String| StoreError::Corrupt(format!("card {message_id} is unreadable: {reason}"));
    Ok(CardRecord {
        message_id: MessageId::parse(&message_id).map_err(|e| unreadable(e.to_string()))?,
        room_id: RoomId::parse(&room_id).map_err(|e| unreadable(e.to_string()))?,
        requested_by: PersonId::parse(&requested_by).map_err(|e| unreadable(e.to_string()))?,
        kind: CardKind::parse(&kind).map_err(unreadable)?,
        request_id,
        retired: retired_at.is_some(),
    })
}

/// `SELECT` of every card column, followed by `$tail`.
macro_rules! select_card {
    ($tail:literal) => {
        concat!(
            "SELECT message_id, room_id, requested_by, kind, request_id, retired_at FROM cards ",
            $tail
        )
    };
}

impl Store {
    /// The card with this message id, if the bot sent it.
    pub async fn card(&self, message_id: &MessageId) -> Result<Option<CardRecord>, StoreError> {
        let row: Option<CardRow> = with_pool!(self, pool => {
            sqlx::query_as(select_card!("WHERE message_id = $1"))
                .bind(message_id.as_str())
                .fetch_optional(pool)
                .await?
        });
        row.map(card_from).transpose()
    }

    /// Records a card the bot recognised as its own through Webex, before the job that posted
    /// it did: later questions about it then find it.
    pub async fn record_card(&self, card: &CardRecord) -> Result<(), StoreError> {
        with_pool!(self, pool => {
            bind_card!(INSERT_CARD, card, now_ms()).execute(pool).await?;
        });
        Ok(())
    }

    /// The approval card posted for a request, if any.
    pub async fn approval_card(&self, request_id: i64) -> Result<Option<CardRecord>, StoreError> {
        let row: Option<CardRow> = with_pool!(self, pool => {
            sqlx::query_as(select_card!(
                "WHERE request_id = $1 AND kind = 'approval' ORDER BY created_at LIMIT 1"
            ))
                .bind(request_id)
                .fetch_optional(pool)
                .await?
        });
        row.map(card_from).transpose()
    }
}
