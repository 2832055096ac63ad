//! worker → fetch → validate → authorize → act → record → reply.
//!
//! Each job kind has one handler. A handler never writes a final state itself: it returns a
//! [`Completion`], which the worker commits together with marking the job done. A request's
//! state moves only here: [`Workflow::proceed`] sends it for approval or on to
//! [`Workflow::run_request`], the Create a Person state machine.

use std::sync::Arc;

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use super::choices::{ChoiceCache, OrgChoices};
use super::commands::{Command, strip_mention};
use super::domain::{FieldError, PersonDraft};
use super::policy::Requesters;
use super::replies;
use crate::cards;
use crate::store::{
    AuditEntry, CardKind, CardRecord, Completion, Decided, Decision, Job, JobKind, NewDecision,
    NewJob, NewRequest, Opened, RequestRecord, RequestState, Store, StoreError, now_ms,
};
use crate::webex::{AdminApi, AttachmentAction, BotApi, NewMessage, WebexError};

/// Who the bot is, from `GET /people/me` at start.
#[derive(Debug, Clone)]
pub struct BotIdentity {
    /// Its person id: messages from it are its own.
    pub id: String,
    /// Its display name: the text of an @mention of it.
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
    /// A card to build when the reply is sent, so that it offers the choices of that moment.
    card: Option<CardToSend>,
}

/// The card a reply carries.
#[derive(Debug, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "camelCase")]
enum CardToSend {
    /// The onboarding form, with earlier values and their problems when it is sent again.
    #[serde(rename_all = "camelCase")]
    Onboarding {
        requested_by: String,
        values: Map<String, Value>,
        errors: Vec<FieldError>,
        /// The form this one corrects, retired already: it is deleted once this one is posted.
        replaces: Option<String>,
    },
    /// The approval card of a request.
    #[serde(rename_all = "camelCase")]
    Approval { request_id: i64 },
}

/// Everything the handlers need; shared by all workers.
pub struct Workflow {
    pub store: Store,
    pub bot: BotApi,
    pub admin: AdminApi,
    pub me: BotIdentity,
    pub requesters: Requesters,
    /// `ONBOARD_APPROVERS_ROOM`: when set, requests wait there for a decision.
    pub approvers_room: Option<String>,
    /// What may be granted, cached.
    pub choices: ChoiceCache,
}

/// The `TrackingID` sent with every Webex call a job makes, so one request can be followed.
pub fn tracking_id(job: &Job) -> String {
    format!("webex-onboard_job{}_{}", job.id, job.attempts)
}

fn payload<T: for<'de> Deserialize<'de>>(job: &Job) -> Result<T, JobError> {
    serde_json::from_str(&job.payload)
        .map_err(|e| JobError::Permanent(format!("unreadable job payload: {e}")))
}

/// The actor of the bot's own audit entries.
const BOT_ACTOR: &str = "webex-onboard";

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
    pub async fn give_up(&self, job: &Job, reason: &str) -> Result<Completion, StoreError> {
        Ok(match job.kind {
            JobKind::Submission => self.give_up_submission(job, reason).await?,
            JobKind::Message => match payload::<MessageEvent>(job) {
                Ok(MessageEvent {
                    room_id: Some(room_id),
                    person_id,
                    ..
                }) if person_id.as_deref() != Some(self.me.id.as_str()) => replying(
                    job,
                    vec![text_reply(room_id, None, &replies::unread(reason))],
                ),
                _ => Completion::default(),
            },
            JobKind::Reply => self.give_up_reply(job, reason).await?,
        })
    }

    /// A reply that could not be posted. Most have nobody else to tell; but a request whose
    /// approval card never reached the approvers would wait forever, so it fails, and says why.
    async fn give_up_reply(&self, job: &Job, reason: &str) -> Result<Completion, StoreError> {
        let Ok(Reply {
            card: Some(CardToSend::Approval { request_id }),
            ..
        }) = payload::<Reply>(job)
        else {
            return Ok(Completion::default());
        };
        let Some(request) = self.store.request(request_id).await? else {
            return Ok(Completion::default());
        };
        if request.state != RequestState::AwaitingApproval {
            return Ok(Completion::default());
        }
        let reason = format!(
            "I could not post it to the approvers' space ({reason}); ask your Webex administrator \
             to add me to that space, then send the form again"
        );
        Ok(self.fail(job, request, &reason).await)
    }

    async fn handle_message(&self, job: &Job) -> Result<Completion, JobError> {
        let event: MessageEvent = payload(job)?;
        if event.person_id.as_deref() == Some(self.me.id.as_str()) {
            return Ok(Completion::default());
        }
        let tracking = tracking_id(job);
        let message = self.bot.message(&event.id, &tracking).await?;
        if message.person_id.as_deref() == Some(self.me.id.as_str()) {
            return Ok(Completion::default());
        }
        let mentioned = message.mentioned_people.contains(&self.me.id);
        let text = message.text.as_deref().unwrap_or("");
        let command = Command::parse(strip_mention(text, &self.me.display_name, mentioned));
        let sender_email = message
            .person_email
            .or(event.person_email)
            .unwrap_or_default();
        let sender_id = message.person_id.or(event.person_id).unwrap_or_default();
        let room_id = event.room_id.unwrap_or(message.room_id);
        let requester = self.requesters.allows(&sender_email);
        if !requester && !self.is_approver(&sender_id, &tracking).await? {
            return Ok(replying(
                job,
                vec![text_reply(room_id, None, replies::NOT_ALLOWED)],
            ));
        }
        let reply = match command {
            Command::Onboard if requester => Reply {
                room_id,
                parent_id: None,
                markdown: cards::ONBOARDING_FALLBACK.to_owned(),
                card: Some(CardToSend::Onboarding {
                    requested_by: sender_id,
                    values: Map::new(),
                    errors: Vec::new(),
                    replaces: None,
                }),
            },
            Command::Onboard => text_reply(room_id, None, replies::NOT_ALLOWED),
            Command::Status(email) => {
                let text = self.status(&email, &tracking).await?;
                text_reply(room_id, None, &text)
            }
            Command::Pending => {
                let waiting = self.store.awaiting_approval().await?;
                text_reply(room_id, None, &replies::pending(&waiting, now_ms()))
            }
            Command::Help => text_reply(room_id, None, replies::HELP),
        };
        Ok(replying(job, vec![reply]))
    }

    /// Whether the person is a member of the approvers' space, asked of Webex.
    async fn is_approver(&self, person_id: &str, tracking: &str) -> Result<bool, JobError> {
        let Some(room) = &self.approvers_room else {
            return Ok(false);
        };
        Ok(self.bot.is_member(room, person_id, tracking).await?)
    }

    async fn status(&self, email: &str, tracking: &str) -> Result<String, JobError> {
        let Ok(email) = super::domain::Email::parse(email) else {
            return Ok(format!("\"{email}\" is not an email address."));
        };
        let Some(person) = self.admin.find_person(email.as_str(), tracking).await? else {
            return Ok(replies::status_unknown(email.as_str()));
        };
        let choices = self.choices.get(tracking).await?;
        Ok(replies::status(email.as_str(), &person, &choices))
    }

    async fn handle_submission(&self, job: &Job) -> Result<Completion, JobError> {
        let event: ActionEvent = payload(job)?;
        // A re-run of a submission that already opened (or decided) its request resumes it as it
        // stands: its checks were passed, and a create call may be under way.
        if let Some(request) = self.store.request_by_action(&event.id).await? {
            return self.proceed(job, request).await;
        }
        let tracking = tracking_id(job);
        let action = self.bot.attachment_action(&event.id, &tracking).await?;
        let Some(card) = self.our_card(&action, &tracking).await? else {
            return Ok(replying(
                job,
                vec![text_reply(action.room_id, None, replies::NOT_OUR_CARD)],
            ));
        };
        if card.retired {
            return Ok(replying(
                job,
                vec![text_reply(action.room_id, None, replies::FORM_REPLACED)],
            ));
        }
        match card.kind {
            CardKind::Onboarding => self.handle_form(job, action, &tracking).await,
            CardKind::Approval => self.handle_decision(job, action, card, &tracking).await,
        }
    }

    /// The card this submission is of, if the bot sent it. The store knows every card whose
    /// sending was committed; a card posted just before a crash, or submitted before its record
    /// was committed, is recognised by asking Webex who posted it and reading what it carries.
    async fn our_card(
        &self,
        action: &AttachmentAction,
        tracking: &str,
    ) -> Result<Option<CardRecord>, JobError> {
        if let Some(card) = self.store.card(&action.message_id).await? {
            return Ok(Some(card));
        }
        let message = match self.bot.message(&action.message_id, tracking).await {
            Ok(message) => message,
            Err(error) if error.status() == Some(404) => return Ok(None),
            Err(error) => return Err(error.into()),
        };
        if message.person_id.as_deref() != Some(self.me.id.as_str()) {
            return Ok(None);
        }
        let Some(data) = message
            .attachments
            .iter()
            .find(|a| a["contentType"] == cards::CARD_CONTENT_TYPE)
            .map(|a| &a["content"]["actions"][0]["data"])
        else {
            return Ok(None);
        };
        let (kind, request_id) = match data["action"].as_str() {
            Some("onboard") => (CardKind::Onboarding, None),
            Some("approve") => (
                CardKind::Approval,
                data["requestId"].as_str().and_then(|id| id.parse().ok()),
            ),
            _ => return Ok(None),
        };
        Ok(Some(CardRecord {
            message_id: message.id,
            room_id: message.room_id,
            requested_by: action.person_id.clone(),
            kind,
            request_id,
            retired: false,
        }))
    }

    /// A submitted onboarding form: authorize, validate, and open the request.
    async fn handle_form(
        &self,
        job: &Job,
        action: AttachmentAction,
        tracking: &str,
    ) -> Result<Completion, JobError> {
        let thread = Some(action.message_id.clone());
        let submitter = self.bot.person(&action.person_id, tracking).await?;
        let submitter_email = submitter.emails.first().cloned().unwrap_or_default();
        if !self.requesters.allows(&submitter_email) {
            return Ok(replying(
                job,
                vec![text_reply(action.room_id, thread, replies::NOT_ALLOWED)],
            ));
        }
        // A used card answers with its result, whatever this submission holds.
        if let Some(request) = self.store.request_by_card(&action.message_id).await? {
            let text = replies::already_used(&request);
            return Ok(replying(
                job,
                vec![text_reply(action.room_id, thread, &text)],
            ));
        }
        let choices = self.choices.get(tracking).await?;
        let draft = match PersonDraft::from_inputs(&action.inputs, &choices) {
            Ok(draft) => self.resolve_manager(draft, tracking).await?,
            Err(errors) => Err(errors),
        };
        let draft = match draft {
            Ok(draft) => draft,
            Err(errors) => return Ok(form_again(job, action, &errors)),
        };
        let new = NewRequest {
            card_message_id: action.message_id,
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
                Ok(replying(job, vec![text_reply(new.room_id, thread, &text)]))
            }
            Opened::Ours(request) => self.proceed(job, request).await,
        }
    }

    /// `managerEmail` becomes `managerId`, or a problem shown next to it.
    async fn resolve_manager(
        &self,
        mut draft: PersonDraft,
        tracking: &str,
    ) -> Result<Result<PersonDraft, Vec<FieldError>>, JobError> {
        let Some(manager) = &draft.manager_email else {
            return Ok(Ok(draft));
        };
        match self.admin.find_person(manager.as_str(), tracking).await? {
            Some(person) => {
                draft.manager_id = Some(person.id);
                Ok(Ok(draft))
            }
            None => Ok(Err(vec![FieldError::new(
                "managerEmail",
                format!("no Webex user has the email {manager}"),
            )])),
        }
    }

    /// An open request goes to the approvers when they must decide, else on to Webex.
    async fn proceed(&self, job: &Job, mut request: RequestRecord) -> Result<Completion, JobError> {
        let needs_decision = request.state == RequestState::Accepted
            && request.decision.is_none()
            && request.create_calls == 0;
        let Some(approvers) = self.approvers_room.clone().filter(|_| needs_decision) else {
            return self.run_request(job, request).await;
        };
        request.state = RequestState::AwaitingApproval;
        let to_requester = text_reply(
            request.room_id.clone(),
            Some(request.card_message_id.clone()),
            &replies::awaiting_approval(&request.email),
        );
        let to_approvers = Reply {
            room_id: approvers,
            parent_id: None,
            markdown: format!(
                "**Onboarding request** for {} from {}: open this space in a Webex app to approve or reject it.",
                request.email, request.requester_email
            ),
            card: Some(CardToSend::Approval {
                request_id: request.id,
            }),
        };
        let mut done = replying(job, vec![to_requester, to_approvers]);
        done.request = Some(request);
        Ok(done)
    }

    /// A click on an approval card: only members of the approvers' space decide, never on
    /// their own request, and each request once.
    async fn handle_decision(
        &self,
        job: &Job,
        action: AttachmentAction,
        card: CardRecord,
        tracking: &str,
    ) -> Result<Completion, JobError> {
        let thread = Some(card.message_id.clone());
        let answer = |text: &str| {
            replying(
                job,
                vec![text_reply(action.room_id.clone(), thread.clone(), text)],
            )
        };
        let request_id = card.request_id.ok_or_else(|| {
            JobError::Permanent("an approval card without its request".to_owned())
        })?;
        let decision = match action.inputs.get("action").and_then(Value::as_str) {
            Some("approve") => Decision::Approved,
            Some("reject") => Decision::Rejected,
            _ => {
                return Ok(answer(
                    "That click was neither Approve nor Reject, so I did nothing.",
                ));
            }
        };
        // The card's own space is the approvers' space it was posted to.
        if !self
            .bot
            .is_member(&card.room_id, &action.person_id, tracking)
            .await?
        {
            return Ok(answer(replies::NOT_AN_APPROVER));
        }
        let Some(request) = self.store.request(request_id).await? else {
            return Err(JobError::Permanent(format!(
                "request {request_id} is missing"
            )));
        };
        if request.requester_id == action.person_id {
            return Ok(answer(replies::OWN_REQUEST));
        }
        let approver = self.bot.person(&action.person_id, tracking).await?;
        let by = approver
            .emails
            .first()
            .cloned()
            .unwrap_or(action.person_id.clone());
        let reason = action
            .inputs
            .get("reason")
            .and_then(Value::as_str)
            .map(str::trim)
            .filter(|r| !r.is_empty())
            .map(str::to_owned);
        let decided = self
            .store
            .decide(
                request_id,
                &NewDecision {
                    decision,
                    by,
                    by_id: action.person_id.clone(),
                    action_id: action.id.clone(),
                    reason,
                },
            )
            .await?;
        let request = match decided {
            Decided::Already(request) => return Ok(answer(&replies::already_decided(&request))),
            Decided::Now(request) => request,
        };
        match decision {
            Decision::Rejected => Ok(self.finish(job, request).await),
            Decision::Approved => self.run_request(job, request).await,
        }
    }

    /// The Create a Person state machine: look before every create, and after every ambiguous
    /// answer look again before anything is retried.
    async fn run_request(
        &self,
        job: &Job,
        mut request: RequestRecord,
    ) -> Result<Completion, JobError> {
        if request.state.is_final() {
            return Ok(self.finish(job, request).await);
        }
        if request.state == RequestState::AwaitingApproval {
            // Resumed while it waits: nothing to do until an approver decides.
            return Ok(Completion::default());
        }
        let draft: PersonDraft = serde_json::from_str(&request.draft)
            .map_err(|e| JobError::Permanent(format!("unreadable stored request: {e}")))?;
        let tracking = tracking_id(job);
        if self.settle_by_lookup(&mut request, &tracking).await? {
            return Ok(self.finish(job, request).await);
        }
        // Recorded before the call, so that a crash during it is followed by a look-up.
        request.state = RequestState::Creating;
        request.create_calls += 1;
        self.store.save_request(job, &request).await?;
        let error = match self
            .admin
            .create_person(&draft.body(), draft.is_calling(), &tracking)
            .await
        {
            Ok(person) => {
                request.state = RequestState::Created;
                request.person_id = Some(person.id);
                request.outcome = None;
                request.tracking_id = Some(tracking);
                return Ok(self.finish(job, request).await);
            }
            Err(error) => error,
        };
        request.last_status = error.status().map(i64::from);
        request.tracking_id = Some(error.tracking_id().to_owned());
        match error.status() {
            // Throttled: Webex did nothing. Wait as asked; the next run looks up first anyway.
            Some(423 | 429) => {
                self.store.save_request(job, &request).await?;
                Err(error.into())
            }
            // Refused outright: nothing was created and trying again cannot help.
            Some(401 | 403 | 404 | 405 | 410 | 413 | 415) => {
                Ok(self.fail(job, request, &refusal_reason(&error)).await)
            }
            // 400, 409, 5xx, a timeout or a broken connection: the person may exist now.
            _ => {
                if self.settle_by_lookup(&mut request, &tracking).await? {
                    return Ok(self.finish(job, request).await);
                }
                if matches!(error.status(), Some(400 | 409)) {
                    return Ok(self.fail(job, request, &refusal_reason(&error)).await);
                }
                self.store.save_request(job, &request).await?;
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
        // Not found before the one create call, and that call said the email is taken: someone
        // else created the person meanwhile.
        let taken_meanwhile = request.create_calls == 1 && request.last_status == Some(409);
        if request.create_calls == 0 || taken_meanwhile {
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

    async fn fail(&self, job: &Job, mut request: RequestRecord, reason: &str) -> Completion {
        request.state = RequestState::Failed;
        request.outcome = Some(reason.to_owned());
        self.finish(job, request).await
    }

    /// The request's final state, its audit entries and its replies, committed with the job:
    /// to the requester under their card, and to the approvers under the approval card.
    async fn finish(&self, job: &Job, request: RequestRecord) -> Completion {
        let draft: Option<PersonDraft> = serde_json::from_str(&request.draft).ok();
        let mut text = replies::outcome(&request);
        if request.state == RequestState::Created
            && let Some(draft) = &draft
            && draft.is_calling()
        {
            let choices = self
                .choices
                .get(&tracking_id(job))
                .await
                .unwrap_or_else(|_| Arc::new(OrgChoices::default()));
            if let Some(calling) = replies::calling_summary(draft, &choices) {
                text.push_str("\n\n");
                text.push_str(&calling);
            }
        }
        // What the bot did, or found; a rejection was recorded with the decision.
        let action = match request.state {
            RequestState::Rejected => None,
            _ if request.create_calls > 0 => Some("create-person"),
            RequestState::Exists => Some("found-existing"),
            _ => Some("not-created"),
        };
        let audit = action.map(|action| AuditEntry {
            actor: BOT_ACTOR.to_owned(),
            action,
            request_id: Some(request.id),
            email: Some(request.email.clone()),
            // Only what was sent: a request that made no call sent nothing.
            detail: draft
                .filter(|_| request.create_calls > 0)
                .map(|d| d.body().to_string()),
            result: Some(result_of(&request)),
            tracking_id: request.tracking_id.clone(),
        });
        let mut replies = vec![text_reply(
            request.room_id.clone(),
            Some(request.card_message_id.clone()),
            &text,
        )];
        // Without the approval card the approvers' copy is skipped, not the requester's answer.
        if let Ok(Some(card)) = self.store.approval_card(request.id).await {
            replies.push(text_reply(card.room_id, Some(card.message_id), &text));
        }
        let mut done = replying(job, replies);
        done.request = Some(request);
        done.audit = audit.into_iter().collect();
        done
    }

    async fn give_up_submission(&self, job: &Job, reason: &str) -> Result<Completion, StoreError> {
        let Ok(event) = payload::<ActionEvent>(job) else {
            return Ok(Completion::default());
        };
        let request = self.store.request_by_action(&event.id).await?;
        Ok(match request {
            Some(request) if !request.state.is_final() => {
                let reason = format!(
                    "I stopped trying ({reason}); check in Control Hub whether the account exists \
                     before you try again"
                );
                self.fail(job, request, &reason).await
            }
            Some(request) => self.finish(job, request).await,
            None => match event.room_id {
                Some(room_id) => replying(
                    job,
                    vec![text_reply(room_id, None, &replies::gave_up(reason))],
                ),
                None => Completion::default(),
            },
        })
    }

    async fn handle_reply(&self, job: &Job) -> Result<Completion, JobError> {
        let reply: Reply = payload(job)?;
        let tracking = tracking_id(job);
        let (attachments, card, replaces) = match reply.card {
            None => (Vec::new(), None, None),
            Some(CardToSend::Onboarding {
                requested_by,
                values,
                errors,
                replaces,
            }) => {
                let choices = self.choices.get(&tracking).await?;
                let card = cards::onboarding_card(&choices, &values, &errors);
                let record = (CardKind::Onboarding, None, requested_by);
                (vec![cards::attachment(card)], Some(record), replaces)
            }
            Some(CardToSend::Approval { request_id }) => {
                let Some(request) = self.store.request(request_id).await? else {
                    return Err(JobError::Permanent(format!(
                        "request {request_id} is missing"
                    )));
                };
                let choices = self.choices.get(&tracking).await?;
                let card = self.approval_card(&request, &choices)?;
                let record = (CardKind::Approval, Some(request_id), request.requester_id);
                (vec![cards::attachment(card)], Some(record), None)
            }
        };
        let message = NewMessage {
            room_id: reply.room_id.clone(),
            parent_id: reply.parent_id,
            markdown: reply.markdown,
            attachments,
        };
        let posted = match self.bot.post_message(&message, &tracking).await {
            // The thread's first message is gone (a replaced form is deleted): say it unthreaded
            // rather than not at all.
            Err(error) if error.status() == Some(400) && message.parent_id.is_some() => {
                tracing::warn!(%error, "could not reply in the thread; replying in the space");
                let unthreaded = NewMessage {
                    parent_id: None,
                    ..message
                };
                self.bot.post_message(&unthreaded, &tracking).await?
            }
            result => result?,
        };
        if let Some(old) = &replaces
            && let Err(error) = self.bot.delete_message(old, &tracking).await
        {
            // It was retired when the form was refused, so a submission of it is refused.
            tracing::warn!(%error, "could not delete the form that a corrected one replaced");
        }
        Ok(Completion {
            card: card.map(|(kind, request_id, requested_by)| CardRecord {
                message_id: posted.id,
                room_id: reply.room_id,
                requested_by,
                kind,
                request_id,
                retired: false,
            }),
            ..Completion::default()
        })
    }

    fn approval_card(
        &self,
        request: &RequestRecord,
        choices: &OrgChoices,
    ) -> Result<Value, JobError> {
        let draft: PersonDraft = serde_json::from_str(&request.draft)
            .map_err(|e| JobError::Permanent(format!("unreadable stored request: {e}")))?;
        let names = [&draft.first_name, &draft.last_name]
            .into_iter()
            .flatten()
            .cloned()
            .collect::<Vec<_>>()
            .join(" ");
        let mut summary: Vec<(&str, String)> = vec![("Email", request.email.clone())];
        let optional = [
            ("Name", Some(names).filter(|n| !n.is_empty())),
            ("Display name", draft.display_name.clone()),
            ("Department", draft.department.clone()),
            ("Title", draft.title.clone()),
            (
                "Manager",
                draft.manager_email.as_ref().map(ToString::to_string),
            ),
            (
                "Licenses",
                list(draft.licenses.iter().map(|id| choices.license_name(id))),
            ),
            (
                "Location",
                draft
                    .location_id
                    .as_deref()
                    .map(|id| choices.location_name(id).to_owned()),
            ),
            (
                "Roles",
                list(draft.roles.iter().map(|id| choices.role_name(id))),
            ),
            (
                "Phone",
                draft.phone_numbers.first().map(|p| p.value.clone()),
            ),
            ("Extension", draft.extension.clone()),
        ];
        summary.extend(
            optional
                .into_iter()
                .filter_map(|(title, value)| Some((title, value?))),
        );
        Ok(cards::approval_card(
            request.id,
            &request.requester_email,
            &summary,
        ))
    }
}

/// A comma-separated list, or nothing when empty.
fn list<'a>(items: impl Iterator<Item = &'a str>) -> Option<String> {
    let items: Vec<&str> = items.collect();
    (!items.is_empty()).then(|| items.join(", "))
}

/// The audit's one-line result of a request.
fn result_of(request: &RequestRecord) -> String {
    let person = request.person_id.as_deref().unwrap_or("");
    match request.state {
        RequestState::Created => format!("created {person}"),
        RequestState::Exists => format!("exists already {person}"),
        RequestState::Failed => format!("failed: {}", request.outcome.as_deref().unwrap_or("")),
        other => format!("{other:?}").to_lowercase(),
    }
}

/// The form again, with the person's values and the problems next to their inputs. The old
/// form is retired at once, so that one live form remains even before it is deleted.
fn form_again(job: &Job, action: AttachmentAction, errors: &[FieldError]) -> Completion {
    let mut values = action.inputs;
    values.remove("action");
    let retired = action.message_id.clone();
    let reply = Reply {
        room_id: action.room_id,
        parent_id: None,
        markdown: replies::invalid_form(errors),
        card: Some(CardToSend::Onboarding {
            requested_by: action.person_id,
            values,
            errors: errors.to_vec(),
            replaces: Some(action.message_id),
        }),
    };
    let mut done = replying(job, vec![reply]);
    done.retire_card = Some(retired);
    done
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
        card: None,
    }
}

/// A job's replies, each deduplicated on the job and its place, so that each is posted once.
fn replying(job: &Job, replies: Vec<Reply>) -> Completion {
    let followups = replies
        .iter()
        .enumerate()
        .filter_map(|(n, reply)| {
            let payload = serde_json::to_string(reply).ok()?;
            Some(NewJob {
                kind: JobKind::Reply,
                dedupe_key: format!("reply/{}/{n}", job.id),
                payload,
            })
        })
        .collect();
    Completion {
        followups,
        ..Completion::default()
    }
}
