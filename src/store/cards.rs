//! Cards the bot sent: only these may be submitted.

use super::{Store, StoreError, id_column, with_pool};
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
    /// The batch a batch's preview or approval card is of.
    pub batch_id: Option<i64>,
    /// Replaced by a corrected form: submitting it does nothing.
    pub retired: bool,
}

/// Records a card; a repeated insert of the same card changes nothing, a retirement included.
pub(super) const INSERT_CARD: &str = "INSERT INTO cards (message_id, room_id, requested_by, kind, request_id, created_at, batch_id) \
     VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT (message_id) DO NOTHING";

/// Retires a form: takes the card's row, which opening a request on the card takes first too,
/// so that a retirement and a request on the same card never interleave.
pub(super) const RETIRE_CARD: &str =
    "UPDATE cards SET retired_at = COALESCE(retired_at, $2) WHERE message_id = $1";

/// Whether a request was opened on the card: a used card is not retired.
pub(super) const CARD_USED: &str = "SELECT id FROM requests WHERE card_message_id = $1";

/// Binds a [`CardRecord`] to [`INSERT_CARD`].
macro_rules! bind_card {
    ($sql:expr, $card:expr, $now:expr) => {
        sqlx::query($sql)
            .bind($card.message_id.as_str())
            .bind($card.room_id.as_str())
            .bind($card.requested_by.as_str())
            .bind($card.kind.as_str())
            .bind($card.request_id)
            .bind($now)
            .bind($card.batch_id)
    };
}
pub(super) use bind_card;

type CardRow = (
    String,
    String,
    String,
    String,
    Option<i64>,
    Option<i64>,
    Option<i64>,
);

fn card_from(row: CardRow) -> Result<CardRecord, StoreError> {
    let (message_id, room_id, requested_by, kind, request_id, retired_at, batch_id) = row;
    let name = format!("card {message_id}");
    Ok(CardRecord {
        message_id: id_column(&name, "message_id", &message_id)?,
        room_id: id_column(&name, "room_id", &room_id)?,
        requested_by: id_column(&name, "requested_by", &requested_by)?,
        kind: CardKind::parse(&kind)
            .map_err(|e| StoreError::Corrupt(format!("{name}: its kind is unreadable: {e}")))?,
        request_id,
        batch_id,
        retired: retired_at.is_some(),
    })
}

/// `SELECT` of every card column, followed by `$tail`.
macro_rules! select_card {
    ($tail:literal) => {
        concat!(
            "SELECT message_id, room_id, requested_by, kind, request_id, retired_at, batch_id FROM cards ",
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
            bind_card!(INSERT_CARD, card, self.now()).execute(pool).await?;
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
