//! Cards the bot sent: only these may be submitted.

use super::{Store, StoreError, with_pool};

/// Which card a message carries.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CardKind {
    /// The onboarding form.
    Onboarding,
    /// An approval card in the approvers' room.
    Approval,
}

impl CardKind {
    pub(super) fn as_str(self) -> &'static str {
        match self {
            Self::Onboarding => "onboarding",
            Self::Approval => "approval",
        }
    }

    fn parse(s: &str) -> Result<Self, StoreError> {
        match s {
            "onboarding" => Ok(Self::Onboarding),
            "approval" => Ok(Self::Approval),
            other => Err(StoreError::Corrupt(format!("card kind {other}"))),
        }
    }
}

/// A card message the bot posted.
#[derive(Debug, Clone)]
pub struct CardRecord {
    pub message_id: String,
    pub room_id: String,
    /// The person who asked for it (for an approval card, the requester).
    pub requested_by: String,
    pub kind: CardKind,
    /// The request an approval card decides.
    pub request_id: Option<i64>,
    /// Replaced by a corrected form: submitting it does nothing.
    pub retired: bool,
}

/// Records a card; a repeated insert of the same card is a no-op.
pub(super) const INSERT_CARD: &str = "INSERT INTO cards (message_id, room_id, requested_by, kind, request_id, created_at) \
     VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (message_id) DO NOTHING";

/// Retires a form that a corrected one replaced.
pub(super) const RETIRE_CARD: &str =
    "UPDATE cards SET retired_at = $1 WHERE message_id = $2 AND retired_at IS NULL";

type CardRow = (String, String, String, String, Option<i64>, Option<i64>);

fn card_from(row: CardRow) -> Result<CardRecord, StoreError> {
    let (message_id, room_id, requested_by, kind, request_id, retired_at) = row;
    Ok(CardRecord {
        message_id,
        room_id,
        requested_by,
        kind: CardKind::parse(&kind)?,
        request_id,
        retired: retired_at.is_some(),
    })
}

impl Store {
    /// The card with this message id, if the bot sent it.
    pub async fn card(&self, message_id: &str) -> Result<Option<CardRecord>, StoreError> {
        let row: Option<CardRow> = with_pool!(self, pool => {
            sqlx::query_as(
                "SELECT message_id, room_id, requested_by, kind, request_id, retired_at FROM cards \
                 WHERE message_id = $1",
            )
            .bind(message_id)
            .fetch_optional(pool)
            .await?
        });
        row.map(card_from).transpose()
    }

    /// The approval card posted for a request, if any.
    pub async fn approval_card(&self, request_id: i64) -> Result<Option<CardRecord>, StoreError> {
        let row: Option<CardRow> = with_pool!(self, pool => {
            sqlx::query_as(
                "SELECT message_id, room_id, requested_by, kind, request_id, retired_at FROM cards \
                 WHERE request_id = $1 AND kind = 'approval' ORDER BY created_at LIMIT 1",
            )
            .bind(request_id)
            .fetch_optional(pool)
            .await?
        });
        row.map(card_from).transpose()
    }
}
