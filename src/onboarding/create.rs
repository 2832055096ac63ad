//! Create a Person, exactly once: look the email up before every create, save the request's
//! state before the call, and after every doubtful answer look again before anything is
//! retried. Then the request's final answer, to the requester and to the approvers.

use std::sync::Arc;

use super::{Onboarding, reply::replying};
use crate::domain::{OrgChoices, Reply, RequestState};
use crate::replies;
use crate::store::{AuditEntry, Completion, Job, RequestRecord, StoreError};
use crate::webex::Meaning;
use crate::worker::{JobError, tracking_id};

/// The actor of the bot's own audit entries.
const BOT_ACTOR: &str = "webex-onboard";

impl Onboarding {
    /// The Create a Person state machine.
    pub(super) async fn run_request(
        &self,
        job: &Job,
        mut request: RequestRecord,
    ) -> Result<Completion, JobError> {
        if request.state.is_final() {
            return Ok(self.finish(job, request).await?);
        }
        if request.state == RequestState::AwaitingApproval {
            // Resumed while it waits: nothing to do until an approver decides.
            return Ok(Completion::default());
        }
        let tracking = tracking_id(job);
        if self.settle_by_lookup(&mut request, &tracking).await? {
            return Ok(self.finish(job, request).await?);
        }
        // Recorded before the call, so that a crash during it is followed by a look-up.
        request.state = RequestState::Creating;
        request.create_calls += 1;
        self.store.save_request(job, &mut request).await?;
        let draft = &request.draft;
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
                return Ok(self.finish(job, request).await?);
            }
            Err(error) => error,
        };
        let did_nothing = matches!(
            error.meaning(),
            Meaning::Throttled | Meaning::Renewed | Meaning::Blocked
        );
        if !did_nothing {
            request.last_status = error.status().map(i64::from);
            request.tracking_id = Some(error.tracking_id().to_owned());
        }
        match error.meaning() {
            // Webex did nothing: the call does not count among those that may have created the
            // person, and the last answer that matters stays. Wait as asked, or for a renewed
            // or new token; the next run looks up first anyway.
            Meaning::Throttled | Meaning::Renewed | Meaning::Blocked => {
                request.create_calls -= 1;
                self.store.save_request(job, &mut request).await?;
                Err(error.into())
            }
            // Nothing was created and trying again cannot help.
            Meaning::Refused => Ok(self.fail(job, request, &replies::refusal(&error)).await?),
            // The person may exist now, whatever the answer said.
            Meaning::Rejected | Meaning::Unavailable | Meaning::Unreadable => {
                if self.settle_by_lookup(&mut request, &tracking).await? {
                    return Ok(self.finish(job, request).await?);
                }
                if error.meaning() == Meaning::Rejected {
                    return Ok(self.fail(job, request, &replies::refusal(&error)).await?);
                }
                self.store.save_request(job, &mut request).await?;
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
        let found = self
            .admin
            .find_person(request.email.as_str(), tracking)
            .await?;
        let Some(person) = found else {
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
                Some(status @ (400 | 409)) => Some(replies::created_despite(
                    status as u16,
                    request.tracking_id.as_deref(),
                )),
                _ => None,
            };
        }
        Ok(true)
    }

    /// The request failed, for this reason.
    pub(super) async fn fail(
        &self,
        job: &Job,
        mut request: RequestRecord,
        reason: &str,
    ) -> Result<Completion, StoreError> {
        request.state = RequestState::Failed;
        request.outcome = Some(reason.to_owned());
        self.finish(job, request).await
    }

    /// The request's final state, its audit entries and its replies, committed with the job:
    /// to the requester under their card, and to the approvers under the approval card.
    pub(super) async fn finish(
        &self,
        job: &Job,
        request: RequestRecord,
    ) -> Result<Completion, StoreError> {
        let mut text = replies::outcome(&request);
        if request.state == RequestState::Created && request.draft.is_calling() {
            // Names are nicer than ids, but an answer without them beats no answer.
            let choices = self
                .choices
                .get(&tracking_id(job))
                .await
                .unwrap_or_else(|error| {
                    tracing::warn!(%error, "the calling summary names ids: the choices cannot be read");
                    Arc::new(OrgChoices::default())
                });
            if let Some(calling) = replies::calling_summary(&request.draft, &choices) {
                text.push_str("\n\n");
                text.push_str(&calling);
            }
        }
        if matches!(request.state, RequestState::Created | RequestState::Exists)
            && let Some(at) = self.later_steps_at(&request)
        {
            text.push_str("\n\n");
            text.push_str(&replies::steps_scheduled(&self.rules.start.describe(at)));
        }
        // A batch's line answers in the batch's report, not a message of its own.
        let mut replies = Vec::new();
        if request.batch_id.is_none() {
            replies.push(Reply::text(
                request.room_id.clone(),
                Some(request.card_message_id.clone()),
                &text,
            ));
            if let Some(card) = self.store.approval_card(request.id).await? {
                replies.push(Reply::text(card.room_id, Some(card.message_id), &text));
            }
        }
        if !request.stored_state.is_final() {
            self.metrics.onboarding(outcome_of(&request));
        }
        let mut done = replying(job, replies);
        if matches!(request.state, RequestState::Created | RequestState::Exists) {
            done.followups.extend(self.steps_of(&request));
        }
        done.audit = audit_of(&request).into_iter().collect();
        done.request = Some(request);
        Ok(done)
    }
}

/// How a request ended, as the metrics count it.
fn outcome_of(request: &RequestRecord) -> &'static str {
    match request.state {
        RequestState::Created => "created",
        RequestState::Exists => "existed",
        RequestState::Rejected => "rejected",
        RequestState::Expired => "expired",
        // Webex refused the details or the token: a person must change something.
        _ if request.last_status.is_some_and(|s| (400..500).contains(&s)) => "refused",
        _ => "failed",
    }
}

/// What the bot did, or found, for the audit trail; a rejection was recorded with the decision.
fn audit_of(request: &RequestRecord) -> Option<AuditEntry> {
    let action = match request.state {
        RequestState::Rejected => return None,
        RequestState::Expired => "expired",
        _ if request.create_calls > 0 => "create-person",
        RequestState::Exists => "found-existing",
        _ => "not-created",
    };
    let person = request.person_id.as_ref().map_or("", |id| id.as_str());
    let result = match request.state {
        RequestState::Created => format!("created {person}"),
        RequestState::Exists => format!("exists already {person}"),
        RequestState::Failed => format!("failed: {}", request.outcome.as_deref().unwrap_or("")),
        other => other.as_str().to_owned(),
    };
    Some(AuditEntry {
        actor: BOT_ACTOR.to_owned(),
        action,
        request_id: Some(request.id),
        batch_id: request.batch_id,
        email: Some(request.email.to_string()),
        // Only what was sent: a request that made no call sent nothing.
        detail: (request.create_calls > 0).then(|| request.draft.body().to_string()),
        result: Some(result),
        tracking_id: request.tracking_id.clone(),
    })
}
