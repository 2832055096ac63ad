//! A message to the bot: read it, and answer the command it holds.

use serde_json::Map;

use super::{Onboarding, reply::replying};
use crate::domain::text::{MAX_COMMAND, clean};
use crate::domain::{CardToSend, Email, MessageEvent, Reply};
use crate::replies;
use crate::store::{Completion, Job};
use crate::webex::PersonId;
use crate::worker::{JobError, tracking_id};

/// How long a stranger is not told again that they may not use the bot: a day.
const STRANGER_QUIET_MS: i64 = 24 * 3600 * 1000;

/// A chat command, read from a message's text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Command {
    /// `onboard`: send the onboarding card.
    Onboard,
    /// `status EMAIL`: what Webex knows of that person.
    Status(String),
    /// `pending`: the requests waiting for an approver.
    Pending,
    /// `cancel`, in a batch's thread: stop the batch.
    Cancel,
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
            ("cancel", _) => Self::Cancel,
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
    /// A `messages` webhook. Who wrote it is in the signed envelope, so a stranger is turned
    /// away without a call to find out; everyone else's message is fetched (the text is not
    /// in the webhook), and answered in the room of the fetched message.
    pub(super) async fn handle_message(
        &self,
        job: &Job,
        event: &MessageEvent,
    ) -> Result<Completion, JobError> {
        if event.person_id.as_ref() == Some(&self.me.id) {
            return Ok(Completion::default());
        }
        let tracking = tracking_id(job);
        let mut fetched = None;
        let (sender_id, sender_email) = match (&event.person_id, &event.person_email) {
            (Some(id), Some(email)) => (id.clone(), email.clone()),
            // An envelope without them: the message says.
            _ => {
                let message = self.bot.message(&event.id, &tracking).await?;
                let (Some(id), Some(email)) =
                    (message.person_id.clone(), message.person_email.clone())
                else {
                    return Ok(Completion::default());
                };
                fetched = Some(message);
                (id, email)
            }
        };
        if sender_id == self.me.id {
            return Ok(Completion::default());
        }
        let requester = self.rules.requesters.allows(&sender_email);
        if !requester && !self.approvers.contains(&sender_id, &tracking).await? {
            return self.turn_away(job, &sender_id).await;
        }
        let message = match fetched {
            Some(message) => message,
            None => self.bot.message(&event.id, &tracking).await?,
        };
        if requester && !message.files.is_empty() {
            return self
                .handle_file(job, &message, (&sender_id, &sender_email), &tracking)
                .await;
        }
        let mentioned = message
            .mentioned_people
            .iter()
            .any(|id| id == self.me.id.as_str());
        let text = message.text.as_deref().unwrap_or("");
        // A command is a few words: the rest of a long message is not read.
        let text: String = text.chars().take(MAX_COMMAND).collect();
        let command = Command::parse(&clean(strip_mention(
            &text,
            &self.me.display_name,
            mentioned,
        )));
        let room_id = message.room_id.clone();
        let in_group = message.room_type.as_deref() == Some("group");
        // What `status` and `pending` say is for the asker alone: in a group space it goes
        // to them directly, and the space is told where it went.
        let privately = |text: &str| {
            if in_group {
                vec![
                    Reply::direct(sender_id.clone(), text),
                    Reply::text(room_id.clone(), None, replies::ANSWERED_DIRECTLY),
                ]
            } else {
                vec![Reply::text(room_id.clone(), None, text)]
            }
        };
        if command == Command::Cancel
            && let Some(done) = self
                .cancel_in_thread(job, &message, (&sender_id, &sender_email), &tracking)
                .await?
        {
            return Ok(done);
        }
        let answer = match command {
            Command::Onboard if requester => vec![Reply {
                card: Some(CardToSend::Onboarding {
                    requested_by: sender_id,
                    values: Map::new(),
                    errors: Vec::new(),
                    replaces: None,
                }),
                ..Reply::text(room_id, None, replies::ONBOARDING_FALLBACK)
            }],
            Command::Onboard => vec![Reply::text(room_id, None, replies::NOT_ALLOWED)],
            Command::Status(email) => privately(&self.status(&email, &tracking).await?),
            Command::Pending if self.approvers.contains(&sender_id, &tracking).await? => {
                let waiting = self.store.awaiting_approval().await?;
                let mut text = replies::pending(&waiting, self.store.now());
                let scheduled = self.store.scheduled_steps().await?;
                if !scheduled.is_empty() {
                    text.push_str("\n\n");
                    text.push_str(&replies::scheduled_steps(&scheduled, &self.rules.start));
                }
                let mut batches = Vec::new();
                for batch in self.store.open_batches().await? {
                    let rows = self.store.batch_rows(batch.id).await?;
                    batches.push((batch, replies::batch::Counts::of(&rows)));
                }
                if !batches.is_empty() {
                    text.push_str("\n\n");
                    text.push_str(&replies::batch::open_batches(&batches));
                }
                privately(&text)
            }
            Command::Pending => vec![Reply::text(room_id, None, replies::PENDING_FOR_APPROVERS)],
            Command::Help | Command::Cancel => vec![Reply::text(room_id, None, replies::HELP)],
        };
        Ok(replying(job, answer))
    }

    /// Someone who may neither onboard nor approve: told so at most once a day, directly, and
    /// at no other cost than that one message.
    async fn turn_away(&self, job: &Job, person: &PersonId) -> Result<Completion, JobError> {
        let first_today = self
            .store
            // Held in this job's name: a retry of this job still answers, any other message
            // of the day does not.
            .take_lease(
                &format!("stranger/{person}"),
                &format!("job {}", job.id),
                STRANGER_QUIET_MS,
            )
            .await?;
        if !first_today {
            tracing::info!("a stranger wrote again today; not answered");
            return Ok(Completion::default());
        }
        Ok(replying(
            job,
            vec![Reply::direct(person.clone(), replies::NOT_ALLOWED)],
        ))
    }

    /// `status EMAIL`: what Webex knows of that person.
    async fn status(&self, email: &str, tracking: &str) -> Result<String, JobError> {
        let Ok(email) = Email::parse(email) else {
            return Ok(replies::not_an_email(email));
        };
        let in_batches = self.store.batch_rows_for(email.as_str()).await?;
        let batch_lines = if in_batches.is_empty() {
            String::new()
        } else {
            format!("\n\n{}", replies::batch::status_lines(&in_batches))
        };
        let Some(person) = self.admin.find_person(email.as_str(), tracking).await? else {
            return Ok(replies::status_unknown(email.as_str()) + &batch_lines);
        };
        let choices = self.choices.get(tracking).await?;
        let mut text = replies::status(email.as_str(), &person, &choices);
        if let Some(request) = self.store.latest_request_for(email.as_str()).await? {
            let steps = self.store.steps_of(request).await?;
            if !steps.is_empty() {
                text.push_str("\n\n");
                text.push_str(&replies::steps_status(&steps, &self.rules.start));
            }
        }
        text.push_str(&batch_lines);
        Ok(text)
    }

    /// A message that could not be read: its sender is told why, directly (the message's
    /// room is not known, since it could not be fetched), unless it is the bot's own.
    pub(super) fn give_up_message(
        &self,
        job: &Job,
        event: &MessageEvent,
        reason: &str,
    ) -> Completion {
        match &event.person_id {
            Some(person) if *person != self.me.id => replying(
                job,
                vec![Reply::direct(person.clone(), &replies::unread(reason))],
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
        assert_eq!(Command::parse("Cancel"), Command::Cancel);
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
