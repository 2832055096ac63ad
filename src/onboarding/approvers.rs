//! Who the approvers are: the members of the approvers' space, read with the bot token and
//! kept for a while, so that telling a stranger from an approver costs no call per message.
//!
//! A decision on an approval card still asks Webex at the moment of the click; this list only
//! answers who may read `pending`, and who is more than a stranger.

use std::collections::HashSet;
use std::sync::Arc;
use std::time::{Duration, Instant};

use tokio::sync::Mutex;

use crate::webex::{BotApi, PersonId, RoomId, WebexError};

/// How long the list is trusted.
const FRESH: Duration = Duration::from_secs(60);

/// How soon the list is read again for someone it does not name: a person just added to the
/// space is known within seconds, and a flood of strangers reads it at most this often.
const RECHECK: Duration = Duration::from_secs(5);

/// The members of the approvers' space, cached.
pub struct Approvers {
    bot: BotApi,
    room: Option<RoomId>,
    cached: Mutex<Option<(Instant, Arc<HashSet<PersonId>>)>>,
}

impl Approvers {
    /// The members of `room`; nobody when no approvers' space is configured.
    pub fn new(bot: BotApi, room: Option<RoomId>) -> Self {
        Self {
            bot,
            room,
            cached: Mutex::new(None),
        }
    }

    /// Whether `person` is a member of the approvers' space.
    pub async fn contains(&self, person: &PersonId, tracking: &str) -> Result<bool, WebexError> {
        let Some(room) = &self.room else {
            return Ok(false);
        };
        let mut cached = self.cached.lock().await;
        if let Some((at, members)) = cached.as_ref() {
            let known = members.contains(person);
            if at.elapsed() < FRESH && (known || at.elapsed() < RECHECK) {
                return Ok(known);
            }
        }
        let members: HashSet<PersonId> = self
            .bot
            .members(room, tracking)
            .await?
            .into_iter()
            .collect();
        let known = members.contains(person);
        *cached = Some((Instant::now(), Arc::new(members)));
        Ok(known)
    }
}
