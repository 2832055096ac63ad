//! The onboarding form, submitted: who sent it, whether it was used, what it asks for. A valid
//! form opens the request; one with mistakes comes back, filled in, with each problem under its
//! field.

use serde_json::{Map, Value};

use super::{Onboarding, reply::replying};
use crate::domain::{CardKind, CardToSend, FieldError, PersonDraft, Reply, input};
use crate::replies;
use crate::store::{CardRecord, Completion, Job, NewRequest, Opened};
use crate::webex::AttachmentAction;
use crate::worker::JobError;

impl Onboarding {
    /// A submitted onboarding form: authorize, validate, and open the request.
    pub(super) async fn handle_form(
        &self,
        job: &Job,
        action: AttachmentAction,
        inputs: Map<String, Value>,
        tracking: &str,
    ) -> Result<Completion, JobError> {
        let thread = Some(action.message_id.clone());
        let answer = |text: &str| {
            replying(
                job,
                vec![Reply::text(action.room_id.clone(), thread.clone(), text)],
            )
        };
        let submitter = self.bot.person(&action.person_id, tracking).await?;
        let submitter_email = submitter.emails.first().cloned().unwrap_or_default();
        if !self.rules.requesters.allows(&submitter_email) {
            return Ok(answer(replies::NOT_ALLOWED));
        }
        // A used card answers with its result, whatever this submission holds.
        if let Some(request) = self.store.request_by_card(&action.message_id).await? {
            return Ok(answer(&replies::already_used(&request)));
        }
        let choices = self.choices.get(tracking).await?;
        let draft = match PersonDraft::from_inputs(&inputs, &choices) {
            Ok(draft) => self.resolve_manager(draft, tracking).await?,
            Err(errors) => Err(errors),
        };
        let draft = match draft {
            Ok(draft) => draft,
            Err(errors) => return Ok(form_again(job, action, inputs, errors)),
        };
        let new = NewRequest {
            card_message_id: action.message_id.clone(),
            action_id: action.id.clone(),
            room_id: action.room_id.clone(),
            requester_id: action.person_id.clone(),
            requester_email: submitter_email,
            draft,
        };
        match self.store.open_request(&new, self.rules.limits).await? {
            Opened::AlreadyUsed(request) => Ok(answer(&replies::already_used(&request))),
            Opened::Replaced => Ok(answer(replies::FORM_REPLACED)),
            Opened::Limited(limit) => Ok(answer(&replies::limited(limit))),
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
                input::MANAGER_EMAIL,
                replies::unknown_manager(manager.as_str()),
            )])),
        }
    }
}

/// The form again, with the person's values and the problems next to their inputs. The old
/// form is retired at once, so that one live form remains even before it is deleted.
fn form_again(
    job: &Job,
    action: AttachmentAction,
    values: Map<String, Value>,
    errors: Vec<FieldError>,
) -> Completion {
    let retired = CardRecord {
        message_id: action.message_id.clone(),
        room_id: action.room_id.clone(),
        requested_by: action.person_id.clone(),
        kind: CardKind::Onboarding,
        request_id: None,
        retired: true,
    };
    let reply = Reply {
        card: Some(CardToSend::Onboarding {
            requested_by: action.person_id,
            values,
            errors: errors.clone(),
            replaces: Some(action.message_id),
        }),
        ..Reply::text(action.room_id, None, &replies::invalid_form(&errors))
    };
    let mut done = replying(job, vec![reply]);
    done.retire_card = Some(retired);
    done
}
