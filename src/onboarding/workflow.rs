//! worker → fetch → validate → authorize → act → record → reply.
//!
//! Each job kind has one handler. A handler never writes a final state itself: it returns a
//! [`Completion`], which the worker commits together with marking the job done. The one place a
//! request's state moves is [`Workflow::run_request`].

use serde::{Deserialize, Serialize};

use super::commands::{Command, strip_mention};
use super::domain::PersonDraft;
use super::policy::Requesters;
use super::replies;
use crate::cards;
use crate::store::{
    CardRecord, Completion, Job, JobKind, NewJob, NewRequest, Opened, RequestRecord, RequestState,
    Store, StoreError,
};
use crate::webex::{AdminApi, BotApi, NewMessage, WebexError};

/// Who the bot is, from `GET /people/me` at start.
#[derive(Debug, Clone)]
pub struct BotIdentity {
    pub id: String,
    pub display_name: String,
}

/// Why a job did not finish this time.
#[derive(Debug, thiserror::Error)]
pub enum JobError {
    /// Webex failed in a way that may pass: the job runs again later.
    #[error(transparent)]
    Webex(#[from] WebexError),
    /// The database failed: the job runs again later.
    #[error(transparent)]
    Store(#[from] StoreError),
    /// The job can never succeed (e.g. its payload is unreadable).
    #[error("{0}")]
    Permanent(String),
}

impl JobError {
    /// Whether running the job again may succeed.
    pub fn is_transient(&self) -> bool {
        match self {
            Self::Webex(e) => e.is_transient(),
            Self::Store(_) => true,
            Self::Permanent(_) => false,
        }
    }
}

/// The `data` of a `messages` webhook (the text is not in it).
#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct MessageEvent {
    id: String,
    room_id: Option<String>,
    person_id: Option<String>,
    person_email: Option<String>,
}

/// The `data` of an `attachmentActions` webhook (the inputs are not in it).
#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct ActionEvent {
    id: String,
    room_id: Option<String>,
}

/// What a reply job posts.
#[derive(Debug, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
struct Reply {
    room_id: String,
    parent_id: Option<String>,
    markdown: String,
    /// When set, the message carries the onboarding card, asked for by this person.
    card_for: Option<String>,
}

/// Everything the handlers need; shared by all workers.
pub struct Workflow {
    pub store: Store,
    pub bot: BotApi,
    pub admin: AdminApi,
    pub me: BotIdentity,
    pub requesters: Requesters,
}

/// The `TrackingID` sent with every Webex call a job makes, so one request can be followed.
pub fn tracking_id(job: &Job) -> String {
    format!("webex-onboard_job{}_{}", job.id, job.attempts)
}

fn payload<T: for<'de> Deserialize<'de>>(job: &Job) -> Result<T, JobError> {
    serde_json::from_str(&job.payload)
        .map_err(|e| JobError::Permanent(format!("unreadable job payload: {e}")))
}

impl Workflow {
    /// Does one job's work and says what becomes true when it is done.
    pub async fn handle(&self, job: &Job) -> Result<Completion, JobError> {
        match job.kind {
            JobKind::Message => self.handle_message(job).await,
            JobKind::Submission => self.handle_submission(job).await,
            JobKind::Reply => self.handle_reply(job).await,
        }
    }

    /// What becomes true when the bot stops trying: the person is told why.
    pub async fn give_up(&self, job: &Job, reason: &str) -> Completion {
        match job.kind {
            JobKind::Submission => self.give_up_submission(job, reason).await,
            JobKind::Message => match payload::<MessageEvent>(job) {
                Ok(MessageEvent {
                    room_id: Some(room_id),
                    person_id,
                    ..
                }) if person_id.as_deref() != Some(self.me.id.as_str()) => {
                    reply_completion(job, text_reply(room_id, None, &replies::unread(reason)))
                }
                _ => Completion::default(),
            },
            // Nobody to tell: the reply itself is what failed.
            JobKind::Reply => Completion::default(),
        }
    }

    async fn handle_message(&self, job: &Job) -> Result<Completion, JobError> {
        let event: MessageEvent = payload(job)?;
        if event.person_id.as_deref() == Some(self.me.id.as_str()) {
            return Ok(Completion::default());
        }
        let message = self.bot.message(&event.id, &tracking_id(job)).await?;
        if message.person_id.as_deref() == Some(self.me.id.as_str()) {
            return Ok(Completion::default());
        }
        let mentioned = message.mentioned_people.contains(&self.me.id);
        let text = message.text.as_deref().unwrap_or("");
        let command = Command::parse(strip_mention(text, &self.me.display_name, mentioned));
        let sender_email = message
            .person_email
            .as_deref()
            .or(event.person_email.as_deref())
            .unwrap_or("");
        let sender_id = message
            .person_id
            .clone()
            .or(event.person_id)
            .unwrap_or_default();
        let room_id = event.room_id.unwrap_or(message.room_id);
        let reply = match command {
            Command::Onboard if self.requesters.allows(sender_email) => Reply {
                room_id,
                parent_id: None,
                markdown: cards::ONBOARDING_FALLBACK.to_owned(),
                card_for: Some(sender_id),
            },
            Command::Onboard => text_reply(room_id, None, replies::NOT_ALLOWED),
            Command::Help => text_reply(room_id, None, replies::HELP),
        };
        Ok(reply_completion(job, reply))
    }

    async fn handle_submission(&self, job: &Job) -> Result<Completion, JobError> {
        let event: ActionEvent = payload(job)?;
        let tracking = tracking_id(job);
        let action = self.bot.attachment_action(&event.id, &tracking).await?;
        let card_id = action.message_id.clone();
        let thread = Some(card_id.clone());
        if !self.is_our_card(&card_id, &tracking).await? {
            return Ok(reply_completion(
                job,
                text_reply(action.room_id, None, replies::NOT_OUR_CARD),
            ));
        }
        let submitter = self.bot.person(&action.person_id, &tracking).await?;
        let submitter_email = submitter.emails.first().cloned().unwrap_or_default();
        if !self.requesters.allows(&submitter_email) {
            return Ok(reply_completion(
                job,
                text_reply(action.room_id, thread, replies::NOT_ALLOWED),
            ));
        }
        let draft = match PersonDraft::from_inputs(&action.inputs) {
            Ok(draft) => draft,
            Err(errors) => {
                let text = replies::invalid_form(&errors);
                return Ok(reply_completion(
                    job,
                    text_reply(action.room_id, thread, &text),
                ));
            }
        };
        let new = NewRequest {
            card_message_id: card_id,
            action_id: action.id,
            room_id: action.room_id,
            requester_id: action.person_id,
            requester_email: submitter_email,
            email: draft.email().to_string(),
            draft: serde_json::to_string(&draft).map_err(|e| JobError::Permanent(e.to_string()))?,
        };
        match self.store.open_request(&new).await? {
            Opened::AlreadyUsed(request) => {
                let text = replies::already_used(&request);
                Ok(reply_completion(
                    job,
                    text_reply(new.room_id, thread, &text),
                ))
            }
            Opened::Ours(request) => self.run_request(job, request, &draft).await,
        }
    }

    /// Whether the bot sent this card. The store knows every card whose sending was committed;
    /// a card posted just before a crash, or submitted before its record was committed, is
    /// recognised by asking Webex who posted it.
    async fn is_our_card(&self, card_id: &str, tracking: &str) -> Result<bool, JobError> {
        if self.store.card(card_id).await?.is_some() {
            return Ok(true);
        }
        match self.bot.message(card_id, tracking).await {
            Ok(message) => Ok(message.person_id.as_deref() == Some(self.me.id.as_str())
                && message
                    .attachments
                    .iter()
                    .any(|a| a["contentType"] == cards::CARD_CONTENT_TYPE)),
            Err(error) if error.status() == Some(404) => Ok(false),
            Err(error) => Err(error.into()),
        }
    }

    /// The Create a Person state machine: look before every create, and after every ambiguous
    /// answer look again before anything is retried.
    async fn run_request(
        &self,
        job: &Job,
        mut request: RequestRecord,
        draft: &PersonDraft,
    ) -> Result<Completion, JobError> {
        if request.state.is_final() {
            return Ok(self.finish(job, request));
        }
        let tracking = tracking_id(job);
        if self.settle_by_lookup(&mut request, &tracking).await? {
            return Ok(self.finish(job, request));
        }
        // Recorded before the call, so that a crash during it is followed by a look-up.
        request.state = RequestState::Creating;
        request.create_calls += 1;
        self.store.save_request(&request).await?;
        let error = match self.admin.create_person(draft, &tracking).await {
            Ok(person) => {
                request.state = RequestState::Created;
                request.person_id = Some(person.id);
                request.outcome = None;
                return Ok(self.finish(job, request));
            }
            Err(error) => error,
        };
        request.last_status = error.status().map(i64::from);
        request.tracking_id = Some(error.tracking_id().to_owned());
        match error.status() {
            // Throttled: Webex did nothing. Wait as asked; the next run looks up first anyway.
            Some(423 | 429) => {
                self.store.save_request(&request).await?;
                Err(error.into())
            }
            // Refused outright: nothing was created and trying again cannot help.
            Some(401 | 403 | 404 | 405 | 410 | 413 | 415) => {
                Ok(self.fail(job, request, &refusal_reason(&error)))
            }
            // 400, 409, 5xx, a timeout or a broken connection: the person may exist now.
            _ => {
                if self.settle_by_lookup(&mut request, &tracking).await? {
                    return Ok(self.finish(job, request));
                }
                if matches!(error.status(), Some(400 | 409)) {
                    return Ok(self.fail(job, request, &refusal_reason(&error)));
                }
                self.store.save_request(&request).await?;
                Err(error.into())
            }
        }
    }

    /// Looks the email up; when the person exists, the request has its answer.
    async fn settle_by_lookup(
        &self,
        request: &mut RequestRecord,
        tracking: &str,
    ) -> Result<bool, JobError> {
        let Some(person) = self.admin.find_person(&request.email, tracking).await? else {
            return Ok(false);
        };
        request.person_id = Some(person.id);
        if request.create_calls == 0 {
            request.state = RequestState::Exists;
            request.outcome = None;
        } else {
            request.state = RequestState::Created;
            request.outcome = match request.last_status {
                Some(status @ (400 | 409)) => Some(format!(
                    "Webex answered {status} although it created the account (tracking id `{}`). \
                     Check the person's settings, calling data in particular, in Control Hub.",
                    request.tracking_id.as_deref().unwrap_or("none")
                )),
                _ => None,
            };
        }
        Ok(true)
    }

    fn fail(&self, job: &Job, mut request: RequestRecord, reason: &str) -> Completion {
        request.state = RequestState::Failed;
        request.outcome = Some(reason.to_owned());
        self.finish(job, request)
    }

    /// The request's final state and its reply, committed with the job.
    fn finish(&self, job: &Job, request: RequestRecord) -> Completion {
        let reply = text_reply(
            request.room_id.clone(),
            Some(request.card_message_id.clone()),
            &replies::outcome(&request),
        );
        let mut done = reply_completion(job, reply);
        done.request = Some(request);
        done
    }

    async fn give_up_submission(&self, job: &Job, reason: &str) -> Completion {
        let Ok(event) = payload::<ActionEvent>(job) else {
            return Completion::default();
        };
        let request = self.store.request_by_action(&event.id).await.ok().flatten();
        match request {
            Some(request) if !request.state.is_final() => {
                let reason = format!(
                    "Webex kept failing and I gave up ({reason}); check in Control Hub whether the \
                     account exists before you try again"
                );
                self.fail(job, request, &reason)
            }
            Some(request) => self.finish(job, request),
            None => match event.room_id {
                Some(room_id) => {
                    reply_completion(job, text_reply(room_id, None, &replies::gave_up(reason)))
                }
                None => Completion::default(),
            },
        }
    }

    async fn handle_reply(&self, job: &Job) -> Result<Completion, JobError> {
        let reply: Reply = payload(job)?;
        let message = NewMessage {
            room_id: reply.room_id.clone(),
            parent_id: reply.parent_id,
            markdown: reply.markdown,
            attachments: reply
                .card_for
                .as_ref()
                .map(|_| vec![cards::onboarding_attachment()])
                .unwrap_or_default(),
        };
        let posted = self.bot.post_message(&message, &tracking_id(job)).await?;
        Ok(Completion {
            card: reply.card_for.map(|requested_by| CardRecord {
                message_id: posted.id,
                room_id: reply.room_id,
                requested_by,
            }),
            ..Completion::default()
        })
    }
}

/// Why Webex refused, in words, with its own message.
fn refusal_reason(error: &WebexError) -> String {
    let why = match error.status() {
        Some(400) => "Webex refused the details",
        Some(401) => "the admin token is not valid (it may have expired)",
        Some(403) => "the admin token may not create people",
        Some(409) => "Webex says the email is taken, but no such person can be found",
        _ => "Webex refused the request",
    };
    format!("{why}: \"{}\"", error.webex_message())
}

fn text_reply(room_id: String, parent_id: Option<String>, markdown: &str) -> Reply {
    Reply {
        room_id,
        parent_id,
        markdown: markdown.to_owned(),
        card_for: None,
    }
}

/// A job's one reply, deduplicated on the job so that it is posted once per job.
fn reply_completion(job: &Job, reply: Reply) -> Completion {
    let payload = serde_json::to_string(&reply).unwrap_or_default();
    Completion {
        followups: vec![NewJob {
            kind: JobKind::Reply,
            dedupe_key: format!("reply/{}", job.id),
            payload,
        }],
        ..Completion::default()
    }
}
