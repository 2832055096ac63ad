//! The onboarding form, submitted: who sent it, whether it was used, what it asks for. A valid
//! form opens the request; one with mistakes comes back, filled in, with each problem under its
//! field.

use serde_json::{Map, Value};

use super::{Onboarding, reply::answering, reply::replying};
use crate::domain::text::clean;
use crate::domain::{
    CardKind, CardToSend, Choice, FieldError, OrgChoices, PersonDraft, Reply, Template, input,
};
use crate::replies;
use crate::store::{CardRecord, Completion, Job, NewRequest, Opened};
use crate::webex::{AttachmentAction, Meaning};
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
        let answer = |text: &str| answering(job, action.room_id.clone(), thread.clone(), text);
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
        let mut inputs = inputs;
        let draft = self
            .check_inputs(
                &mut inputs,
                &choices,
                submitter.display_name.as_deref(),
                true,
                tracking,
            )
            .await?;
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

    /// Every check of a form's inputs, the card's or a file's line's: its template, the
    /// licenses, the draft, its start date, the manager, and with `units` the units left. The
    /// template's location fills an empty location input, so that the inputs show it.
    pub(super) async fn check_inputs(
        &self,
        inputs: &mut Map<String, Value>,
        choices: &OrgChoices,
        requester_name: Option<&str>,
        units: bool,
        tracking: &str,
    ) -> Result<Result<PersonDraft, Vec<FieldError>>, JobError> {
        let template = match self.template_of(inputs, choices) {
            Ok(template) => template,
            Err(errors) => return Ok(Err(errors)),
        };
        // The template's licenses are checked with the card's, by the same rules (a calling
        // license asks for a number and a location), though they need not be grantable.
        let draft = match with_template_licenses(inputs, choices, template.as_ref()) {
            Ok((checked, granted)) => PersonDraft::from_inputs(&checked, &granted)
                .and_then(|draft| self.plan(draft, inputs, template.as_ref())),
            Err(errors) => Err(errors),
        };
        let draft = draft.map(|mut draft| {
            // Without a manager named, the requester welcomes the new hire.
            if draft.manager_email.is_none() {
                draft.manager_name = requester_name.map(clean);
            }
            draft
        });
        let draft = match draft {
            Ok(draft) => self.resolve_manager(draft, tracking).await?,
            Err(errors) => Err(errors),
        };
        match draft {
            Ok(draft) if units => self.units_left(draft, tracking).await,
            other => Ok(other),
        }
    }

    /// The template of a form: the one it chose, or the one of its department. Its location
    /// fills an empty location input, so that the form's rules see it.
    fn template_of(
        &self,
        inputs: &mut Map<String, Value>,
        choices: &OrgChoices,
    ) -> Result<Option<Template>, Vec<FieldError>> {
        let text = |inputs: &Map<String, Value>, id: &str| {
            inputs
                .get(id)
                .and_then(Value::as_str)
                .map(clean)
                .filter(|v| !v.is_empty())
        };
        let chosen = text(inputs, input::TEMPLATE);
        let department = text(inputs, input::DEPARTMENT);
        let templates = &self.rules.templates;
        let Some(template) = templates.for_request(chosen.as_deref(), department.as_deref()) else {
            return match chosen {
                Some(_) => Err(vec![FieldError::new(
                    input::TEMPLATE,
                    replies::NO_SUCH_TEMPLATE,
                )]),
                None => Ok(None),
            };
        };
        if let Some(location) = &template.location
            && text(inputs, input::LOCATION_ID).is_none()
        {
            let Some(found) = find_choice(&choices.locations, location) else {
                return Err(vec![FieldError::new(
                    input::LOCATION_ID,
                    replies::template_location_unknown(&template.name, location),
                )]);
            };
            inputs.insert(input::LOCATION_ID.to_owned(), Value::from(found.id.clone()));
        }
        Ok(Some(template.clone()))
    }

    /// The template's name and the start date, on the draft.
    fn plan(
        &self,
        mut draft: PersonDraft,
        inputs: &Map<String, Value>,
        template: Option<&Template>,
    ) -> Result<PersonDraft, Vec<FieldError>> {
        draft.template = template.map(|t| t.name.clone());
        let start = inputs
            .get(input::START_DATE)
            .and_then(Value::as_str)
            .unwrap_or("");
        match self.rules.start.parse(start, self.store.now()) {
            Ok(date) => {
                draft.start_date = date.map(|d| d.to_string());
                Ok(draft)
            }
            Err(error) => Err(vec![FieldError::new(input::START_DATE, error.to_string())]),
        }
    }

    /// Each license asked for has a unit left, as `GET /licenses` counts them now.
    async fn units_left(
        &self,
        draft: PersonDraft,
        tracking: &str,
    ) -> Result<Result<PersonDraft, Vec<FieldError>>, JobError> {
        if draft.licenses.is_empty() {
            return Ok(Ok(draft));
        }
        let licenses = match self.admin.licenses(tracking).await {
            Ok(licenses) => licenses,
            // Without the right to read them, Webex says so at the create.
            Err(error) if error.meaning() == Meaning::Refused => return Ok(Ok(draft)),
            Err(error) => return Err(error.into()),
        };
        let errors: Vec<FieldError> = licenses
            .iter()
            .filter(|l| draft.licenses.contains(&l.id))
            .filter_map(|l| match (l.total_units, l.consumed_units) {
                (Some(total), Some(used)) if used >= total => Some(FieldError::new(
                    input::LICENSES,
                    replies::no_units_left(&l.name, used, total),
                )),
                _ => None,
            })
            .collect();
        if errors.is_empty() {
            Ok(Ok(draft))
        } else {
            Ok(Err(errors))
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
                draft.manager_name = Some(
                    person
                        .display_name
                        .map(|n| clean(&n))
                        .filter(|n| !n.is_empty())
                        .unwrap_or_else(|| manager.as_str().to_owned()),
                );
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
        batch_id: None,
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

/// The choice whose id is `wanted`, or else whose name is (case-insensitively).
pub(super) fn find_choice<'a>(choices: &'a [Choice], wanted: &str) -> Option<&'a Choice> {
    let wanted = wanted.trim();
    choices
        .iter()
        .find(|c| c.id == wanted)
        .or_else(|| choices.iter().find(|c| c.name.eq_ignore_ascii_case(wanted)))
}

/// The form's inputs with the template's licenses added, and the choices that let them be
/// granted: the template grants them whatever `ONBOARD_LICENSES` allows.
fn with_template_licenses(
    inputs: &Map<String, Value>,
    choices: &OrgChoices,
    template: Option<&Template>,
) -> Result<(Map<String, Value>, OrgChoices), Vec<FieldError>> {
    let (mut inputs, mut choices) = (inputs.clone(), choices.clone());
    let Some(template) = template else {
        return Ok((inputs, choices));
    };
    let mut chosen: Vec<String> = inputs
        .get(input::LICENSES)
        .and_then(Value::as_str)
        .unwrap_or("")
        .split(',')
        .map(str::trim)
        .filter(|v| !v.is_empty())
        .map(str::to_owned)
        .collect();
    let mut errors = Vec::new();
    for license in &template.licenses {
        let Some(found) = find_choice(&choices.all_licenses, license).cloned() else {
            errors.push(FieldError::new(
                input::LICENSES,
                replies::template_license_unknown(&template.name, license),
            ));
            continue;
        };
        if !chosen.contains(&found.id) {
            chosen.push(found.id.clone());
        }
        if !choices.licenses.iter().any(|l| l.id == found.id) {
            choices.licenses.push(found);
        }
    }
    if !errors.is_empty() {
        return Err(errors);
    }
    inputs.insert(input::LICENSES.to_owned(), Value::from(chosen.join(",")));
    Ok((inputs, choices))
}
