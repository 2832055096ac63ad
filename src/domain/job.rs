//! What a job does. Its kind and its payload are one value, [`JobPayload`]; the kind column of
//! a stored job is derived from it, and a stored job decodes back into it when it is read.

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use super::person::FieldError;
use crate::webex::{ActionId, MessageId, PersonId, RoomId, TeamId};

/// The kinds of job, as the `kind` column names them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum JobKind {
    /// A `messages`/`created` webhook: read the message and answer a command.
    Message,
    /// An `attachmentActions`/`created` webhook: a submitted card.
    Submission,
    /// A message the bot posts; a job so that a failed reply is retried, not lost.
    Reply,
    /// A request nobody decided in time: it expires, and the requester is told.
    Expiry,
    /// One step of an onboarding after the account: a license, a space, a team, the welcome.
    Step,
    /// One line of a batch, created in its turn.
    BatchLine,
    /// A batch's progress, shown and looked at again until its last line ends.
    BatchProgress,
    /// A batch's report, with its file.
    BatchReport,
}

impl JobKind {
    const ALL: [Self; 8] = [
        Self::Message,
        Self::Submission,
        Self::Reply,
        Self::Expiry,
        Self::Step,
        Self::BatchLine,
        Self::BatchProgress,
        Self::BatchReport,
    ];

    /// The name stored in the `kind` column.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Message => "message",
            Self::Submission => "submission",
            Self::Reply => "reply",
            Self::Expiry => "expiry",
            Self::Step => "step",
            Self::BatchLine => "batch-line",
            Self::BatchProgress => "batch-progress",
            Self::BatchReport => "batch-report",
        }
    }

    /// The kind a `kind` column names.
    pub fn parse(name: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|kind| kind.as_str() == name)
    }
}

/// The `data` of a `messages` webhook: the text is not in it, so the job fetches the message.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct MessageEvent {
    pub id: MessageId,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub room_id: Option<RoomId>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub person_id: Option<PersonId>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub person_email: Option<String>,
}

/// The `data` of an `attachmentActions` webhook: the inputs are not in it, so the job fetches
/// the action.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ActionEvent {
    pub id: ActionId,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub room_id: Option<RoomId>,
}

/// A message the bot posts.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Reply {
    /// The space it goes to; none when it goes to a person directly.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub room_id: Option<RoomId>,
    /// The person it goes to in their 1:1 space with the bot, instead of a space.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub to_person_id: Option<PersonId>,
    /// The thread it answers in.
    pub parent_id: Option<MessageId>,
    pub markdown: String,
    /// A card to build when the reply is sent, so that it offers the choices of that moment.
    pub card: Option<CardToSend>,
}

impl Reply {
    /// A text reply, threaded under `parent_id` when given.
    pub fn text(room_id: RoomId, parent_id: Option<MessageId>, markdown: &str) -> Self {
        Self {
            room_id: Some(room_id),
            to_person_id: None,
            parent_id,
            markdown: markdown.to_owned(),
            card: None,
        }
    }

    /// A text to one person, in their 1:1 space with the bot.
    pub fn direct(person_id: PersonId, markdown: &str) -> Self {
        Self {
            room_id: None,
            to_person_id: Some(person_id),
            parent_id: None,
            markdown: markdown.to_owned(),
            card: None,
        }
    }
}

/// The card a reply carries.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "camelCase")]
pub enum CardToSend {
    /// The onboarding form, with earlier values and their problems when it is sent again.
    #[serde(rename_all = "camelCase")]
    Onboarding {
        requested_by: PersonId,
        values: Map<String, Value>,
        errors: Vec<FieldError>,
        /// The form this one corrects, retired already: it is deleted once this one is posted.
        replaces: Option<MessageId>,
    },
    /// The approval card of a request.
    #[serde(rename_all = "camelCase")]
    Approval { request_id: i64 },
    /// A batch's preview, with Confirm and Cancel.
    #[serde(rename_all = "camelCase")]
    BatchPreview { batch_id: i64 },
    /// The approval card of a batch.
    #[serde(rename_all = "camelCase")]
    BatchApproval { batch_id: i64 },
}

/// A request that waited for approval longer than it may.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Expiry {
    /// The request.
    pub request_id: i64,
    /// How many days a request may wait (`ONBOARD_REQUEST_TTL_DAYS`), for the reply.
    pub days: u32,
}

/// One step of an onboarding after the account exists. Each is a job of its own, keyed on the
/// request and what it does, so that a crash or a redelivery never makes it twice.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Step {
    /// The request it belongs to.
    pub request_id: i64,
    /// The new hire.
    pub person_id: PersonId,
    /// Their email, for the lines the requester reads.
    pub email: String,
    /// Where the requester reads those lines: the request's space, under its card.
    pub room_id: RoomId,
    pub thread: MessageId,
    /// What it does.
    pub what: StepWhat,
}

/// What a step does.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "camelCase")]
pub enum StepWhat {
    /// Read the person back and assign the licenses Create a Person left out.
    #[serde(rename_all = "camelCase")]
    Licenses {
        /// The license ids the request asked for.
        ids: Vec<String>,
        /// The calling user's location, number and extension, for a calling license.
        location_id: Option<String>,
        phone_number: Option<String>,
        extension: Option<String>,
    },
    /// Add the person to a space.
    #[serde(rename_all = "camelCase")]
    Room { room_id: RoomId, title: String },
    /// Add the person to a team.
    #[serde(rename_all = "camelCase")]
    Team { team_id: TeamId, name: String },
    /// Send the welcome, once, in a 1:1 space.
    Welcome { markdown: String },
}

impl Step {
    /// What makes a second job of the same step a duplicate: the request and what it does.
    pub fn dedupe_key(&self) -> String {
        let what = match &self.what {
            StepWhat::Licenses { .. } => "licenses".to_owned(),
            StepWhat::Room { room_id, .. } => format!("room/{room_id}"),
            StepWhat::Team { team_id, .. } => format!("team/{team_id}"),
            StepWhat::Welcome { .. } => "welcome".to_owned(),
        };
        format!("{}{what}", Self::key_prefix(self.request_id))
    }

    /// The start of the keys of a request's steps.
    pub fn key_prefix(request_id: i64) -> String {
        format!("step/{request_id}/")
    }
}

/// One line of a batch to create; its job is keyed on the batch and the line.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct BatchLine {
    pub batch_id: i64,
    pub line: i64,
}

/// A look at a batch's progress: the `n`th, so that each look is one job.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct BatchTick {
    pub batch_id: i64,
    pub n: u32,
}

impl BatchTick {
    /// The look the last line to end asks for: it never asks for another.
    pub const LAST: u32 = u32::MAX;

    /// The look after this one.
    #[must_use]
    pub fn next(self) -> Self {
        Self {
            batch_id: self.batch_id,
            n: self.n.saturating_add(1).min(Self::LAST - 1),
        }
    }

    /// The key of this look when it is due at `at` (milliseconds since the epoch): keyed on its
    /// time, so that a batch whose looks were lost can be given new ones.
    pub fn dedupe_key(&self, at: i64) -> String {
        format!("batch/{}/progress/at/{at}", self.batch_id)
    }
}

/// A batch, for a job about it as a whole.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct BatchRef {
    pub batch_id: i64,
}

/// A job's work, whole.
#[derive(Debug, Clone, PartialEq)]
pub enum JobPayload {
    /// Read a message to the bot, and answer it.
    Message(MessageEvent),
    /// Handle a submitted card.
    Submission(ActionEvent),
    /// Post something the bot says.
    Reply(Reply),
    /// Expire a request nobody decided.
    Expire(Expiry),
    /// Carry out one step after the account.
    Step(Step),
    /// Create one line of a batch.
    BatchLine(BatchLine),
    /// Show a batch's progress; at its end, send its report.
    BatchProgress(BatchTick),
    /// Send a batch's report.
    BatchReport(BatchRef),
}

impl JobPayload {
    /// The kind stored beside the payload.
    pub fn kind(&self) -> JobKind {
        match self {
            Self::Message(_) => JobKind::Message,
            Self::Submission(_) => JobKind::Submission,
            Self::Reply(_) => JobKind::Reply,
            Self::Expire(_) => JobKind::Expiry,
            Self::Step(_) => JobKind::Step,
            Self::BatchLine(_) => JobKind::BatchLine,
            Self::BatchProgress(_) => JobKind::BatchProgress,
            Self::BatchReport(_) => JobKind::BatchReport,
        }
    }

    /// The payload column: the JSON of what the kind holds.
    pub fn encode(&self) -> String {
        let json = match self {
            Self::Message(event) => serde_json::to_string(event),
            Self::Submission(event) => serde_json::to_string(event),
            Self::Reply(reply) => serde_json::to_string(reply),
            Self::Expire(expiry) => serde_json::to_string(expiry),
            Self::Step(step) => serde_json::to_string(step),
            Self::BatchLine(line) => serde_json::to_string(line),
            Self::BatchProgress(tick) => serde_json::to_string(tick),
            Self::BatchReport(report) => serde_json::to_string(report),
        };
        // These types hold strings, ids and JSON values only, which always serialize.
        json.unwrap_or_else(|e| unreachable!("a job payload serializes: {e}"))
    }

    /// A stored job's kind and payload, back as the value they were written from.
    pub fn decode(kind: &str, payload: &str) -> Result<Self, String> {
        let read = |e: serde_json::Error| format!("a {kind} job's payload is unreadable: {e}");
        Ok(match JobKind::parse(kind) {
            Some(JobKind::Message) => Self::Message(serde_json::from_str(payload).map_err(read)?),
            Some(JobKind::Submission) => {
                Self::Submission(serde_json::from_str(payload).map_err(read)?)
            }
            Some(JobKind::Reply) => Self::Reply(serde_json::from_str(payload).map_err(read)?),
            Some(JobKind::Expiry) => Self::Expire(serde_json::from_str(payload).map_err(read)?),
            Some(JobKind::Step) => Self::Step(serde_json::from_str(payload).map_err(read)?),
            Some(JobKind::BatchLine) => {
                Self::BatchLine(serde_json::from_str(payload).map_err(read)?)
            }
            Some(JobKind::BatchProgress) => {
                Self::BatchProgress(serde_json::from_str(payload).map_err(read)?)
            }
            Some(JobKind::BatchReport) => {
                Self::BatchReport(serde_json::from_str(payload).map_err(read)?)
            }
            None => return Err(format!("no job has the kind {kind:?}")),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn id<T: TryFrom<String>>(text: &str) -> T
    where
        T::Error: std::fmt::Debug,
    {
        T::try_from(text.to_owned()).expect("an id")
    }

    fn step(what: StepWhat) -> JobPayload {
        JobPayload::Step(Step {
            request_id: 7,
            person_id: id("P3"),
            email: "jane@example.com".into(),
            room_id: id("R1"),
            thread: id("M1"),
            what,
        })
    }

    #[test]
    fn every_payload_decodes_to_what_was_encoded_under_its_kind() {
        let payloads = [
            JobPayload::Message(MessageEvent {
                id: id("M1"),
                room_id: Some(id("R1")),
                person_id: None,
                person_email: Some("mia@example.com".into()),
            }),
            JobPayload::Submission(ActionEvent {
                id: id("A1"),
                room_id: None,
            }),
            JobPayload::Reply(Reply {
                card: Some(CardToSend::Onboarding {
                    requested_by: id("P1"),
                    values: Map::new(),
                    errors: vec![FieldError::new("email", "missing")],
                    replaces: Some(id("M0")),
                }),
                ..Reply::text(id("R1"), Some(id("M1")), "hello")
            }),
            JobPayload::Reply(Reply::direct(id("P2"), "only for you")),
            JobPayload::Expire(Expiry {
                request_id: 7,
                days: 14,
            }),
            step(StepWhat::Room {
                room_id: id("R2"),
                title: "Team".into(),
            }),
            JobPayload::BatchLine(BatchLine {
                batch_id: 3,
                line: 12,
            }),
            JobPayload::BatchProgress(BatchTick { batch_id: 3, n: 4 }),
            JobPayload::BatchReport(BatchRef { batch_id: 3 }),
            step(StepWhat::Licenses {
                ids: vec!["L1".into()],
                location_id: None,
                phone_number: None,
                extension: Some("4021".into()),
            }),
        ];
        for payload in payloads {
            let decoded = JobPayload::decode(payload.kind().as_str(), &payload.encode());
            assert_eq!(decoded, Ok(payload));
        }
    }

    #[test]
    fn a_webhooks_data_is_a_payload_and_a_bad_row_says_what_is_wrong() {
        let data = r#"{"id":"M1","roomId":"R1","roomType":"direct","personId":"P1","created":"x"}"#;
        assert!(matches!(
            JobPayload::decode("message", data),
            Ok(JobPayload::Message(_))
        ));
        let error = JobPayload::decode("message", r#"{"id":"../people/me"}"#).expect_err("bad");
        assert!(
            error.starts_with("a message job's payload is unreadable"),
            "{error}"
        );
        assert_eq!(
            JobPayload::decode("teleport", "{}"),
            Err("no job has the kind \"teleport\"".to_owned())
        );
    }
}
