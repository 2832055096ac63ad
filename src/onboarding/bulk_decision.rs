//! A batch's decisions: its sender confirms or cancels it from the preview, an approver approves
//! or rejects it, and `cancel` written in its thread stops it. Each moves the batch once, on
//! any number of replicas; a confirmed (or approved) batch starts its lines, paced.

use super::approval::Verdict;
use super::{Onboarding, reply::answering, reply::replying};
use crate::cards::BatchChoice;
use crate::domain::{
    BatchLine, BatchState, BatchTick, CardToSend, Decision, JobPayload, Reply, RowOutcome,
};
use crate::replies::batch as say;
use crate::store::{BatchRecord, CardRecord, Completion, Job, Moved, NewJob};
use crate::webex::{AttachmentAction, Message, PersonId};
use crate::worker::JobError;

impl Onboarding {
    /// A click on a batch's preview: only its sender confirms or cancels it, once.
    pub(super) async fn handle_batch_choice(
        &self,
        job: &Job,
        action: &AttachmentAction,
        card: CardRecord,
        choice: BatchChoice,
    ) -> Result<Completion, JobError> {
        let answer = |text: &str| {
            answering(
                job,
                action.room_id.clone(),
                Some(card.message_id.clone()),
                text,
            )
        };
        let batch = self.batch_of(&card).await?;
        if action.person_id != batch.requester_id {
            return Ok(answer(say::ONLY_THE_SENDER));
        }
        match choice {
            BatchChoice::Cancel => {
                let by = batch.requester_email.clone();
                Ok(answer(&self.cancel(&batch, &by).await?))
            }
            BatchChoice::Confirm => {
                let approval = self.rules.approvers_room.is_some();
                let moved = self
                    .store
                    .confirm_batch(batch.id, &action.id, &card.message_id, approval)
                    .await?;
                match moved {
                    Moved::Now(batch) if batch.state == BatchState::AwaitingApproval => {
                        self.ask_approvers(job, &batch).await
                    }
                    Moved::Now(batch) if batch.state == BatchState::Running => {
                        let new = self.lines_to_create(&batch).await?;
                        let text = if new.is_empty() {
                            say::NOTHING_TO_CREATE.to_owned()
                        } else {
                            say::running(new.len(), self.rules.bulk.rate)
                        };
                        let mut done = answer(&text);
                        done.followups.extend(self.start(&batch, &new));
                        Ok(done)
                    }
                    // Cancelled or ended since this click confirmed it (a re-run of its job),
                    // or confirmed by another click.
                    Moved::Now(batch) | Moved::Already(batch) => Ok(answer(&say::already(&batch))),
                }
            }
        }
    }

    /// An approver's click on a batch's approval card, from the approvers' space: never on
    /// their own batch, and each batch once.
    pub(super) async fn decide_batch(
        &self,
        job: &Job,
        action: &AttachmentAction,
        card: CardRecord,
        verdict: Verdict,
        tracking: &str,
    ) -> Result<Completion, JobError> {
        let here =
            |text: &str| Reply::text(action.room_id.clone(), Some(card.message_id.clone()), text);
        let batch = self.batch_of(&card).await?;
        if batch.requester_id == action.person_id {
            return Ok(replying(job, vec![here(crate::replies::OWN_REQUEST)]));
        }
        let Verdict { decision, reason } = verdict;
        let by = self.approver(action, tracking).await?;
        let moved = self
            .store
            .decide_batch(batch.id, decision, &by, reason.as_deref(), &action.id)
            .await?;
        let batch = match moved {
            Moved::Now(batch)
                if matches!(batch.state, BatchState::Running | BatchState::Rejected) =>
            {
                batch
            }
            // Decided by another click, or moved on since this one decided it.
            Moved::Now(batch) | Moved::Already(batch) => {
                return Ok(replying(job, vec![here(&say::already(&batch))]));
            }
        };
        let to_sender =
            |text: &str| Reply::text(batch.room_id.clone(), batch.preview_id.clone(), text);
        match decision {
            Decision::Rejected => {
                let text = say::rejected(&by, reason.as_deref());
                Ok(replying(job, vec![to_sender(&text), here(&text)]))
            }
            Decision::Approved => {
                let new = self.lines_to_create(&batch).await?;
                let text = say::approved(&by, new.len(), self.rules.bulk.rate);
                let mut done = replying(job, vec![to_sender(&text), here(&text)]);
                done.followups.extend(self.start(&batch, &new));
                Ok(done)
            }
        }
    }

    /// `cancel` written in a batch's thread, by its sender or an approver.
    pub(super) async fn cancel_in_thread(
        &self,
        job: &Job,
        message: &Message,
        sender: (&PersonId, &str),
        tracking: &str,
    ) -> Result<Option<Completion>, JobError> {
        let Some(parent) = &message.parent_id else {
            return Ok(None);
        };
        let Some(batch_id) = self.store.batch_of_thread(parent).await? else {
            return Ok(None);
        };
        let Some(batch) = self.store.batch(batch_id).await? else {
            return Ok(None);
        };
        let (sender_id, sender_email) = sender;
        let answer =
            |text: &str| answering(job, message.room_id.clone(), Some(parent.clone()), text);
        if *sender_id != batch.requester_id && !self.approvers.contains(sender_id, tracking).await?
        {
            return Ok(Some(answer(say::ONLY_SENDER_OR_APPROVER)));
        }
        Ok(Some(answer(&self.cancel(&batch, sender_email).await?)))
    }

    /// Cancels a batch on `by`'s word, and says what that did.
    async fn cancel(&self, batch: &BatchRecord, by: &str) -> Result<String, JobError> {
        Ok(match self.store.cancel_batch(batch.id, by).await? {
            Some(now) if now.state == BatchState::Cancelling => say::cancelling(by),
            Some(_) => say::cancelled(by),
            None => say::already(&self.store.batch(batch.id).await?.unwrap_or(batch.clone())),
        })
    }

    /// The approvers are asked to decide a confirmed batch.
    async fn ask_approvers(&self, job: &Job, batch: &BatchRecord) -> Result<Completion, JobError> {
        let Some(approvers) = self.rules.approvers_room.clone() else {
            return Ok(Completion::default());
        };
        let rows = self.store.batch_rows(batch.id).await?;
        let new = rows.iter().filter(|r| r.outcome == RowOutcome::New).count();
        let to_sender = Reply::text(
            batch.room_id.clone(),
            batch.preview_id.clone(),
            say::SENT_FOR_APPROVAL,
        );
        let to_approvers = Reply {
            card: Some(CardToSend::BatchApproval { batch_id: batch.id }),
            ..Reply::text(
                approvers,
                None,
                &say::approval_fallback(&batch.file_name, &batch.requester_email, new),
            )
        };
        Ok(replying(job, vec![to_sender, to_approvers]))
    }

    /// The lines a running batch creates: not started yet, or started and not answered.
    async fn lines_to_create(&self, batch: &BatchRecord) -> Result<Vec<i64>, JobError> {
        Ok(self.store.batch_lines_to_create(batch.id).await?)
    }

    /// The jobs of a batch that starts: one per line, each due at its turn of the pace (a line
    /// that comes due too early waits for a later turn), and the first look at its progress.
    fn start(&self, batch: &BatchRecord, lines: &[i64]) -> Vec<NewJob> {
        let every = self.rules.bulk.every_ms();
        let now = self.store.now();
        let mut jobs: Vec<NewJob> = lines
            .iter()
            .enumerate()
            .map(|(n, &line)| {
                let due = now.saturating_add(every.saturating_mul(n as i64));
                NewJob::new(
                    format!("batch/{}/line/{line}", batch.id),
                    &JobPayload::BatchLine(BatchLine {
                        batch_id: batch.id,
                        line,
                    }),
                )
                .at(due)
            })
            .collect();
        jobs.push(NewJob::new(
            format!("batch/{}/progress/first", batch.id),
            &JobPayload::BatchProgress(BatchTick {
                batch_id: batch.id,
                n: 0,
            }),
        ));
        jobs
    }

    /// A batch whose approval card never reached the approvers would wait forever: it is
    /// cancelled, and its sender told why.
    pub(super) async fn give_up_batch_approval(
        &self,
        job: &Job,
        batch_id: i64,
        reason: &str,
    ) -> Result<Completion, crate::store::StoreError> {
        let Some(batch) = self.store.batch(batch_id).await? else {
            return Ok(Completion::default());
        };
        if batch.state != BatchState::AwaitingApproval
            || self
                .store
                .cancel_batch(batch.id, "webex-onboard")
                .await?
                .is_none()
        {
            return Ok(Completion::default());
        }
        Ok(answering(
            job,
            batch.room_id.clone(),
            batch.preview_id.clone(),
            &say::approvers_unreachable(reason),
        ))
    }

    /// The batch a preview or approval card is of.
    async fn batch_of(&self, card: &CardRecord) -> Result<BatchRecord, JobError> {
        let missing = || JobError::Permanent(say::BATCH_MISSING.to_owned());
        let id = card.batch_id.ok_or_else(missing)?;
        self.store.batch(id).await?.ok_or_else(missing)
    }
}
