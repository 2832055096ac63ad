//! A message to the bot: read it, and answer the command it holds.

use serde_json::Map;

use super::{Onboarding, reply::replying};
use crate::domain::{CardToSend, Email, MessageEvent, Reply};
use crate::replies;
use crate::store::{Completion, Job};
use crate::webex::PersonId;
use crate::worker::{JobError, tracking_id};

/// A chat command, read from a message's text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Command {
    /// `onboard`: send the onboarding card.
    Onboard,
    /// `status EMAIL`: what Webex knows of that person.
    Status(String),
    /// `pending`: the requests waiting for an approver.
    Pending,
    /// `help`, or anything the bot does not know.
    Help,
}

impl Command {
    /// Reads the command from a message's text, once the bot's own mention is removed.
    pub fn parse(text: &str) -> Self {
        let mut words = text.split_whitespace();
        let first = words.next().unwrap_or("").to_lowercase();
        match (first.as_str(), words.next()) {
            ("onboard", _) => Self::Onboard,
            ("status", Some(email)) => Self::Status(email.trim_matches(['<', '>']).to_owned()),
            ("pending", _) => Self::Pending,
            _ => Self::Help,
        }
    }
}

/// Removes the bot's @mention from the start of a message.
///
/// In a group space Webex starts the text with the mention's display text: the bot's whole
/// display name, or only its first word when the person shortened the mention.
pub fn strip_mention<'a>(text: &'a str, bot_name: &str, mentioned: bool) -> &'a str {
    let text = text.trim_start();
    if !mentioned || bot_name.is_empty() {
        return text;
    }
    let first_word = bot_name.split_whitespace().next().unwrap_or(bot_name);
    for name in [bot_name, first_word] {
        if let Some(head) = text.get(..name.len())
            && head.eq_ignore_ascii_case(name)
        {
            return text[name.len()..].trim_start();
        }
    }
    text
}

impl Onboarding {
    /// A `messages` webhook: fetch the message (the text is not in the webhook), and answer
    /// in the room Webex says it is in.
    pub(super) async fn handle_message(
        &self,
        job: &Job,
        event: &MessageEvent,
    ) -> Result<Completion, JobError> {
        if event.person_id.as_ref() == Some(&self.me.id) {
            return Ok(Completion::default());
        }
        let tracking = tracking_id(job);
        let message = self.bot.message(&event.id, &tracking).await?;
        let Some(sender_id) = message
            .person_id
            .clone()
            .or_else(|| event.person_id.clone())
        else {
            return Ok(Completion::default());
        };
        if sender_id == self.me.id {
            return Ok(Completion::default());
        }
        let mentioned = message
            .mentioned_people
            .iter()
            .any(|id| id == self.me.id.as_str());
        let text = message.text.as_deref().unwrap_or("");
        let command = Command::parse(strip_mention(text, &self.me.display_name, mentioned));
        let sender_email = message
            .person_email
            .or_else(|| event.person_email.clone())
            .unwrap_or_default();
        let room_id = message.room_id;
        let requester = self.rules.requesters.allows(&sender_email);
        if !requester && !self.is_approver(&sender_id, &tracking).await? {
            return Ok(replying(
                job,
                vec![Reply::text(room_id, None, replies::NOT_ALLOWED)],
            ));
        }
        let reply = match command {
            Command::Onboard if requester => Reply {
                card: Some(CardToSend::Onboarding {
                    requested_by: sender_id,
                    values: Map::new(),
                    errors: Vec::new(),
                    replaces: None,
                }),
                ..Reply::text(room_id, None, replies::ONBOARDING_FALLBACK)
            },
            Command::Onboard => Reply::text(room_id, None, replies::NOT_ALLOWED),
            Command::Status(email) => {
                let text = self.status(&email, &tracking).await?;
                Reply::text(room_id, None, &text)
            }
            Command::Pending => {
                let waiting = self.store.awaiting_approval().await?;
                Reply::text(room_id, None, &replies::pending(&waiting, self.store.now()))
            }
            Command::Help => Reply::text(room_id, None, replies::HELP),
        };
        Ok(replying(job, vec![reply]))
    }

    /// Whether the person is a member of the approvers' space, asked of Webex.
    pub(super) async fn is_approver(
        &self,
        person_id: &PersonId,
        tracking: &str,
    ) -> Result<bool, JobError> {
        let Some(room) = &self.rules.approvers_room else {
            return Ok(false);
        };
        Ok(self.bot.is_member(room, person_id, tracking).await?)
    }

    /// `status EMAIL`: what Webex knows of that person.
    async fn status(&self, email: &str, tracking: &str) -> Result<String, JobError> {
        let Ok(email) = Email::parse(email) else {
            return Ok(replies::not_an_email(email));
        };
        let Some(person) = self.admin.find_person(email.as_str(), tracking).await? else {
            return Ok(replies::status_unknown(email.as_str()));
        };
        let choices = self.choices.get(tracking).await?;
        Ok(replies::status(email.as_str(), &person, &choices))
    }

    /// A message that could not be read: its sender is told why, unless it is the bot's own.
    pub(super) fn give_up_message(
        &self,
        job: &Job,
        event: &MessageEvent,
        reason: &str,
    ) -> Completion {
        match &event.room_id {
            Some(room_id) if event.person_id.as_ref() != Some(&self.me.id) => replying(
                job,
                vec![Reply::text(room_id.clone(), None, &replies::unread(reason))],
            ),
            _ => Completion::default(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn onboard_is_recognised_in_any_case() {
        assert_eq!(Command::parse("  ONBOARD please"), Command::Onboard);
        assert_eq!(Command::parse("Onboard"), Command::Onboard);
        assert_eq!(Command::parse("onboarding"), Command::Help);
        assert_eq!(Command::parse(""), Command::Help);
        assert_eq!(
            Command::parse("Status jane@example.com"),
            Command::Status("jane@example.com".into())
        );
        assert_eq!(Command::parse("status"), Command::Help);
        assert_eq!(Command::parse("PENDING"), Command::Pending);
    }

    #[test]
    fn the_mention_is_stripped_by_full_or_first_name() {
        assert_eq!(
            strip_mention("Onboarding Bot onboard", "Onboarding Bot", true),
            "onboard"
        );
        assert_eq!(
            strip_mention("onboarding onboard", "Onboarding Bot", true),
            "onboard"
        );
        assert_eq!(
            strip_mention("Onboarding Bot onboard", "Onboarding Bot", false),
            "Onboarding Bot onboard"
        );
    }
}
