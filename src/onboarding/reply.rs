//! Posting what the bot says. A reply is a job of its own, so that a failed post is retried,
//! not lost; a card is built when it is posted, with the choices of that moment.

use super::Onboarding;
use crate::cards;
use crate::domain::{CardKind, CardToSend, JobPayload, Reply, RequestState};
use crate::replies;
use crate::store::{CardRecord, Completion, Job, NewJob, StoreError};
use crate::webex::{Meaning, MessageId, NewMessage, RoomId};
use crate::worker::{JobError, tracking_id};

/// A job's replies, each deduplicated on the job and its place, so that each is posted once.
pub(super) fn replying(job: &Job, replies: Vec<Reply>) -> Completion {
    let followups = replies
        .into_iter()
        .enumerate()
        .map(|(n, reply)| NewJob::new(format!("reply/{}/{n}", job.id), &JobPayload::Reply(reply)))
        .collect();
    Completion {
        followups,
        ..Completion::default()
    }
}

/// A job's one reply: `text` in `room`, in the thread of `thread` when given.
pub(super) fn answering(
    job: &Job,
    room: RoomId,
    thread: Option<MessageId>,
    text: &str,
) -> Completion {
    replying(job, vec![Reply::text(room, thread, text)])
}

impl Onboarding {
    /// Posts a reply, building its card first; a card is recorded as the bot's once posted.
    pub(super) async fn send_reply(
        &self,
        job: &Job,
        reply: &Reply,
    ) -> Result<Completion, JobError> {
        let tracking = tracking_id(job);
        let (card, record) = match &reply.card {
            None => (None, None),
            Some(CardToSend::Onboarding {
                requested_by,
                values,
                errors,
                ..
            }) => {
                let choices = self.choices.get(&tracking).await?;
                let card = cards::onboarding_card(&choices, values, errors);
                (
                    Some(card),
                    Some((CardKind::Onboarding, None, None, requested_by.clone())),
                )
            }
            Some(CardToSend::Approval { request_id }) => {
                let Some(request) = self.store.request(*request_id).await? else {
                    return Err(JobError::Permanent(replies::request_missing(*request_id)));
                };
                let choices = self.choices.get(&tracking).await?;
                let summary = replies::approval_summary(&request, &choices);
                let asked_by = replies::asked_by(&request.requester_email);
                let card = cards::approval_card(request.id, &asked_by, &summary);
                let record = (
                    CardKind::Approval,
                    Some(request.id),
                    None,
                    request.requester_id,
                );
                (Some(card), Some(record))
            }
            Some(CardToSend::BatchPreview { batch_id }) => {
                let batch = self.batch_for_card(*batch_id).await?;
                let rows = self.store.batch_rows(batch.id).await?;
                let (counts, details) = Self::preview_of(&rows);
                let file = replies::batch::preview_file(&batch.file_name, &batch.requester_email);
                let card = cards::batch_preview_card(batch.id, &file, &counts, &details);
                let record = (
                    CardKind::BatchPreview,
                    None,
                    Some(batch.id),
                    batch.requester_id,
                );
                (Some(card), Some(record))
            }
            Some(CardToSend::BatchApproval { batch_id }) => {
                let batch = self.batch_for_card(*batch_id).await?;
                let rows = self.store.batch_rows(batch.id).await?;
                let summary = replies::batch::approval_summary(&batch, &rows);
                let asked_by = replies::asked_by(&batch.requester_email);
                let card = cards::batch_approval_card(batch.id, &asked_by, &summary);
                let record = (
                    CardKind::BatchApproval,
                    None,
                    Some(batch.id),
                    batch.requester_id,
                );
                (Some(card), Some(record))
            }
        };
        let message = NewMessage {
            room_id: reply.room_id.clone(),
            to_person_id: reply.to_person_id.clone(),
            parent_id: reply.parent_id.clone(),
            // Too long for Webex: shortened, so that the person is told something.
            markdown: replies::shorten(&reply.markdown, replies::MAX_MESSAGE_BYTES),
            attachments: card.map(cards::attachment).into_iter().collect(),
        };
        let posted = match self.bot.post_message(&message, &tracking).await {
            // The thread's first message is gone (a replaced form is deleted): say it unthreaded
            // rather than not at all.
            Err(error) if error.meaning() == Meaning::Rejected && message.parent_id.is_some() => {
                tracing::warn!(%error, "could not reply in the thread; replying in the space");
                let unthreaded = NewMessage {
                    parent_id: None,
                    ..message
                };
                self.bot.post_message(&unthreaded, &tracking).await?
            }
            result => result?,
        };
        if let Some(CardToSend::Onboarding {
            replaces: Some(old),
            ..
        }) = &reply.card
            && let Err(error) = self.bot.delete_message(old, &tracking).await
        {
            // It was retired when the form was refused, so a submission of it is refused.
            tracing::warn!(%error, "could not delete the form that a corrected one replaced");
        }
        Ok(Completion {
            card: record.map(|(kind, request_id, batch_id, requested_by)| CardRecord {
                message_id: posted.id,
                room_id: posted.room_id,
                requested_by,
                kind,
                request_id,
                batch_id,
                retired: false,
            }),
            ..Completion::default()
        })
    }

    /// The batch a card is built for.
    async fn batch_for_card(&self, batch_id: i64) -> Result<crate::store::BatchRecord, JobError> {
        self.store
            .batch(batch_id)
            .await?
            .ok_or_else(|| JobError::Permanent(replies::batch::BATCH_MISSING.to_owned()))
    }

    /// A reply that could not be posted. Most have nobody else to tell; but a request whose
    /// approval card never reached the approvers would wait forever, so it fails, and says why.
    pub(super) async fn give_up_reply(
        &self,
        job: &Job,
        reply: &Reply,
        reason: &str,
    ) -> Result<Completion, StoreError> {
        if let Some(CardToSend::BatchApproval { batch_id }) = reply.card {
            return self.give_up_batch_approval(job, batch_id, reason).await;
        }
        let Some(CardToSend::Approval { request_id }) = reply.card else {
            return Ok(Completion::default());
        };
        let request = match self.store.request(request_id).await {
            Ok(Some(request)) => request,
            Ok(None) | Err(StoreError::Corrupt(_)) => return Ok(Completion::default()),
            Err(error) => return Err(error),
        };
        if request.state != RequestState::AwaitingApproval {
            return Ok(Completion::default());
        }
        self.fail(job, request, &replies::approvers_unreachable(reason))
            .await
    }
}
