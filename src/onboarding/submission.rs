//! A submitted card: whether the bot sent it, whether it is still live, and whether it is the
//! onboarding form or an approver's decision.

use super::{Onboarding, reply::answering};
use crate::cards::{self, Submission};
use crate::domain::{ActionEvent, CardKind};
use crate::replies;
use crate::store::{CardRecord, Completion, Job, StoreError};
use crate::webex::AttachmentAction;
use crate::worker::{JobError, tracking_id};

impl Onboarding {
    /// An `attachmentActions` webhook: fetch the submission (the inputs are not in the
    /// webhook), check the card, and hand it to the form or the approval.
    pub(super) async fn handle_submission(
        &self,
        job: &Job,
        event: &ActionEvent,
    ) -> Result<Completion, JobError> {
        // A re-run of a submission that already opened (or decided) its request resumes it as it
        // stands: its checks were passed, and a create call may be under way.
        if let Some(request) = self.store.request_by_action(&event.id).await? {
            return self.proceed(job, request).await;
        }
        let tracking = tracking_id(job);
        let action = self.bot.attachment_action(&event.id, &tracking).await?;
        let answer = |text: &str| answering(job, action.room_id.clone(), None, text);
        let Some(card) = self.our_card(&action, &tracking).await? else {
            return Ok(answer(replies::NOT_OUR_CARD));
        };
        if card.retired {
            return Ok(answer(replies::FORM_REPLACED));
        }
        let mut action = action;
        let inputs = std::mem::take(&mut action.inputs);
        match Submission::parse(card.kind, inputs) {
            Submission::Form(inputs) => self.handle_form(job, action, inputs, &tracking).await,
            Submission::Decision { decision, reason } => {
                self.handle_decision(job, &action, card, decision, reason, &tracking)
                    .await
            }
            Submission::Batch(choice) => self.handle_batch_choice(job, &action, card, choice).await,
            Submission::Unknown => Ok(answering(
                job,
                action.room_id,
                Some(card.message_id),
                replies::UNKNOWN_BUTTON,
            )),
        }
    }

    /// The card this submission is of, if the bot sent it. The store knows every card whose
    /// sending was committed; a card posted just before a crash, or submitted before its record
    /// was committed, is recognised by asking Webex who posted it and reading what it carries,
    /// and recorded at once, so that every later question about it finds it, whatever order the
    /// jobs finish in.
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
            // Gone, or never a message Webex would show the bot: not one of its cards.
            Err(error) if error.status() == Some(404) => return Ok(None),
            Err(error) => return Err(error.into()),
        };
        if message.person_id.as_ref() != Some(&self.me.id) {
            return Ok(None);
        }
        let Some((kind, about)) = cards::identify(&message.attachments) else {
            return Ok(None);
        };
        let is_batch = matches!(kind, CardKind::BatchPreview | CardKind::BatchApproval);
        let (request_id, batch_id) = if is_batch {
            (None, about)
        } else {
            (about, None)
        };
        let requested_by = match (request_id, batch_id) {
            (Some(id), _) => self.store.request(id).await?.map(|r| r.requester_id),
            (_, Some(id)) => self.store.batch(id).await?.map(|b| b.requester_id),
            _ => None,
        };
        let card = CardRecord {
            message_id: message.id,
            room_id: message.room_id,
            requested_by: requested_by.unwrap_or_else(|| action.person_id.clone()),
            kind,
            request_id,
            batch_id,
            retired: false,
        };
        self.store.record_card(&card).await?;
        // Recorded now, or by the job that posted it in the meantime (retired, perhaps).
        Ok(self.store.card(&card.message_id).await?.or(Some(card)))
    }

    /// A submission the bot could not handle: its request fails with the reason, or, when it
    /// opened none, the submitter is told.
    pub(super) async fn give_up_submission(
        &self,
        job: &Job,
        event: &ActionEvent,
        reason: &str,
    ) -> Result<Completion, StoreError> {
        let request = match self.store.request_by_action(&event.id).await {
            Ok(request) => request,
            // Its request cannot be read: the submitter is still told.
            Err(StoreError::Corrupt(error)) => {
                tracing::error!(%error, "the request of a submission is unreadable");
                None
            }
            Err(error) => return Err(error),
        };
        Ok(match request {
            Some(request) if !request.state.is_final() => {
                self.fail(job, request, &replies::stopped_trying(reason))
                    .await?
            }
            Some(request) => self.finish(job, request).await?,
            None => match &event.room_id {
                Some(room_id) => answering(job, room_id.clone(), None, &replies::gave_up(reason)),
                None => Completion::default(),
            },
        })
    }
}
