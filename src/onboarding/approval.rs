//! Approvals: a valid request waits in the approvers' space, where a member other than the
//! requester decides it, once.

use super::{Onboarding, reply::answering, reply::replying};
use crate::domain::{CardKind, CardToSend, Decision, Expiry, Reply, RequestState};
use crate::replies;
use crate::store::{CardRecord, Completion, Decided, Job, NewDecision, RequestRecord};
use crate::webex::AttachmentAction;
use crate::worker::JobError;

impl Onboarding {
    /// An open request goes to the approvers when they must decide, else on to Webex.
    pub(super) async fn proceed(
        &self,
        job: &Job,
        mut request: RequestRecord,
    ) -> Result<Completion, JobError> {
        let needs_decision = request.state == RequestState::Accepted
            && request.decision.is_none()
            && request.create_calls == 0;
        let approvers = self.rules.approvers_room.clone();
        let Some(approvers) = approvers.filter(|_| needs_decision) else {
            return self.run_request(job, request).await;
        };
        request.state = RequestState::AwaitingApproval;
        let to_requester = Reply::text(
            request.room_id.clone(),
            Some(request.card_message_id.clone()),
            &replies::awaiting_approval(request.email.as_str()),
        );
        let to_approvers = Reply {
            card: Some(CardToSend::Approval {
                request_id: request.id,
            }),
            ..Reply::text(
                approvers,
                None,
                &replies::approval_fallback(request.email.as_str(), &request.requester_email),
            )
        };
        let mut done = replying(job, vec![to_requester, to_approvers]);
        done.request = Some(request);
        Ok(done)
    }

    /// A click on an approval card, of a request or of a batch: only members of the approvers'
    /// space configured now decide, never on their own request, and each request once.
    pub(super) async fn handle_decision(
        &self,
        job: &Job,
        action: &AttachmentAction,
        card: CardRecord,
        decision: Decision,
        reason: Option<String>,
        tracking: &str,
    ) -> Result<Completion, JobError> {
        let here = |text: &str| {
            answering(
                job,
                action.room_id.clone(),
                Some(card.message_id.clone()),
                text,
            )
        };
        // A request's approval card names its request; a batch's, its batch.
        let request_id = match card.kind {
            CardKind::BatchApproval => None,
            _ => Some(card.request_id.ok_or_else(|| {
                JobError::Permanent(replies::APPROVAL_WITHOUT_REQUEST.to_owned())
            })?),
        };
        // Decisions count only in the approvers' space configured now: a card left in an
        // earlier one is history.
        if self.rules.approvers_room.as_ref() != Some(&card.room_id) {
            return Ok(here(replies::APPROVALS_MOVED));
        }
        if !self
            .bot
            .is_member(&card.room_id, &action.person_id, tracking)
            .await?
        {
            return Ok(here(replies::NOT_AN_APPROVER));
        }
        let Some(request_id) = request_id else {
            let verdict = Verdict { decision, reason };
            return self
                .decide_batch(job, action, card, verdict, tracking)
                .await;
        };
        let Some(request) = self.store.request(request_id).await? else {
            return Err(JobError::Permanent(replies::request_missing(request_id)));
        };
        if request.requester_id == action.person_id {
            return Ok(here(replies::OWN_REQUEST));
        }
        let by = self.approver(action, tracking).await?;
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
            Decided::Already(request) => return Ok(here(&replies::already_decided(&request))),
            Decided::Now(request) => request,
        };
        match decision {
            Decision::Rejected => {
                self.metrics.onboarding("rejected");
                Ok(self.finish(job, request).await?)
            }
            Decision::Approved => self.run_request(job, request).await,
        }
    }

    /// The deciding approver as the trail and the replies name them: their email, or their
    /// id when Webex gives none. Asked only once the click is known to count.
    pub(super) async fn approver(
        &self,
        action: &AttachmentAction,
        tracking: &str,
    ) -> Result<String, JobError> {
        let approver = self.bot.person(&action.person_id, tracking).await?;
        Ok(approver
            .emails
            .first()
            .cloned()
            .unwrap_or_else(|| action.person_id.to_string()))
    }

    /// A request nobody decided in time expires: the requester and the approvers are told,
    /// and a later click on its card says so. One decided meanwhile stays as it is.
    pub(super) async fn expire(&self, job: &Job, expiry: &Expiry) -> Result<Completion, JobError> {
        let Some(mut request) = self.store.request(expiry.request_id).await? else {
            return Ok(Completion::default());
        };
        if request.state != RequestState::AwaitingApproval {
            return Ok(Completion::default());
        }
        request.state = RequestState::Expired;
        request.outcome = Some(replies::expired(expiry.days));
        Ok(self.finish(job, request).await?)
    }
}

/// A decision from a member of the approvers' space.
pub(super) struct Verdict {
    pub(super) decision: Decision,
    /// What they wrote, if anything.
    pub(super) reason: Option<String>,
}
