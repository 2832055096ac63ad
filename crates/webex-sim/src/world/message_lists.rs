//! Listing messages: a room's, newest first and paged as Webex pages them, and a
//! caller's 1:1 space with someone.

use serde_json::Value;

use super::SimMessage;
use super::World;
use super::rooms::{RoomKind, room_not_found};
use crate::error::ApiError;
use crate::gateway::Caller;
use crate::ids;

/// The most messages a page may hold when listing by mentions, per the spec.
const MAX_WITH_MENTIONS: usize = 100;

/// The filters of `GET /v1/messages`.
#[derive(Debug, Default)]
pub(crate) struct MessageFilter {
    pub(crate) room_id: Option<String>,
    pub(crate) parent_id: Option<String>,
    /// `me` or the caller's own id: only messages that mention the caller.
    pub(crate) mentioned_people: Option<String>,
    /// An RFC 3339 time: only messages created before it.
    pub(crate) before: Option<String>,
    /// A message id: only messages created before it.
    pub(crate) before_message: Option<String>,
    pub(crate) max: usize,
}

impl World {
    /// `GET /v1/messages?roomId=`: the room's messages the caller sees, newest first, at
    /// most `max`; with the id of the last one when more remain, for the next page's
    /// `beforeMessage`.
    ///
    /// # Errors
    /// 400 without a room or with a malformed filter, 404 for a room the caller is not
    /// in, 403 for a bot listing a group room without `mentionedPeople=me` (the spec:
    /// "Bots must include this parameter to list messages in group rooms").
    pub(crate) fn list_messages(
        &self,
        caller: &Caller,
        filter: &MessageFilter,
    ) -> Result<(Vec<Value>, Option<String>), ApiError> {
        let room_id = filter
            .room_id
            .as_deref()
            .ok_or_else(|| ApiError::bad_request("roomId is required."))?;
        let room = self
            .room(room_id)
            .filter(|room| room.has_member(&caller.id))
            .ok_or_else(room_not_found)?;
        let mentions_caller = match filter.mentioned_people.as_deref() {
            None => false,
            Some("me") => true,
            Some(id) if id == caller.id => true,
            Some(other) => {
                return Err(ApiError::bad_request(format!(
                    "mentionedPeople may only be me or your own person id, not {other:?}."
                )));
            }
        };
        if mentions_caller && filter.max > MAX_WITH_MENTIONS {
            return Err(ApiError::bad_request(format!(
                "max cannot exceed {MAX_WITH_MENTIONS} with mentionedPeople."
            )));
        }
        if caller.id == self.bot.id && room.kind == RoomKind::Group && !mentions_caller {
            return Err(ApiError::forbidden(
                "A bot must give mentionedPeople=me to list the messages of a group room.",
            ));
        }
        let before = filter
            .before
            .as_deref()
            .map(|text| {
                ids::parse_timestamp(text).ok_or_else(|| {
                    ApiError::bad_request(format!(
                        "before must be an RFC 3339 UTC time, not {text:?}."
                    ))
                })
            })
            .transpose()?;
        let before_index = filter
            .before_message
            .as_deref()
            .map(|id| {
                self.messages
                    .iter()
                    .position(|message| message.id == id && message.room_id == room_id)
                    .ok_or_else(|| {
                        ApiError::bad_request(format!(
                            "beforeMessage {id:?} is not a message of the room."
                        ))
                    })
            })
            .transpose()?;
        let mut matching = self
            .messages
            .iter()
            .take(before_index.unwrap_or(self.messages.len()))
            .rev()
            .filter(|message| message.room_id == room_id && self.sees(&caller.id, message))
            .filter(|message| {
                filter
                    .parent_id
                    .as_deref()
                    .is_none_or(|id| message.parent_id.as_deref() == Some(id))
            })
            .filter(|message| !mentions_caller || message.mentioned_people.contains(&caller.id))
            .filter(|message| {
                before.is_none_or(|before| {
                    ids::parse_timestamp(&message.created).is_some_and(|created| created < before)
                })
            });
        let page: Vec<&SimMessage> = matching.by_ref().take(filter.max).collect();
        let next = matching.next().and(page.last()).map(|last| last.id.clone());
        Ok((
            page.into_iter()
                .map(|message| self.message_json(message))
                .collect(),
            next,
        ))
    }

    /// `GET /v1/messages/direct`: the caller's messages with one person in their 1:1
    /// space, newest first, those of one thread only when `parent_id` is given; none when
    /// they have no such space yet.
    pub(crate) fn direct_messages_json(
        &self,
        caller: &Caller,
        person_id: Option<&str>,
        person_email: Option<&str>,
        parent_id: Option<&str>,
    ) -> Result<Vec<Value>, ApiError> {
        let person = self.person_named(person_id, person_email)?;
        let Some(room) = self.existing_direct_room(&caller.id, &person.id) else {
            return Ok(Vec::new());
        };
        Ok(self
            .messages
            .iter()
            .rev()
            .filter(|message| message.room_id == room.id)
            .filter(|message| parent_id.is_none_or(|id| message.parent_id.as_deref() == Some(id)))
            .map(|message| self.message_json(message))
            .collect())
    }

    /// The messages of the bot's 1:1 space with the person with this email, oldest first.
    pub(crate) fn direct_messages_with(&self, email: &str) -> Vec<SimMessage> {
        let Ok(person) = self.person_named(None, Some(email)) else {
            return Vec::new();
        };
        self.existing_direct_room(&self.bot.id, &person.id)
            .map(|room| self.messages_in(&room.id))
            .unwrap_or_default()
    }
}
