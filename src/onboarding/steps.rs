//! What follows the account, step by step: the licenses Create a Person left out, the
//! template's spaces and teams, and the welcome. Each step is a job of its own, keyed on the
//! request and what it does, so that a redelivery, a double click or a crash never makes it
//! twice; each one done is a line to the requester. A step that fails is retried, and one that
//! cannot succeed is reported: it never undoes the account.

use serde_json::{Map, Value, json};

use super::{Onboarding, reply::answering};
use crate::domain::{
    RequestState, Step, StepWhat, Template, WelcomeValues, fill_welcome, is_calling_license,
};
use crate::replies::{self, md};
use crate::store::{Completion, Job, NewJob, RequestRecord};
use crate::webex::{NewMessage, PersonId, WebexError};
use crate::worker::{JobError, tracking_id};

/// What a step's call came to: done, or the error to retry or give up on.
fn done_unless(result: Result<(), WebexError>) -> Result<(), JobError> {
    match result {
        Ok(()) => Ok(()),
        // A membership that exists already: what the step wanted.
        Err(error) if error.status() == Some(409) => Ok(()),
        Err(error) => Err(error.into()),
    }
}

impl Onboarding {
    /// The steps of a request whose person exists: a licence check right away after a create,
    /// and the template's spaces, teams and welcome at the start date's hour (or now).
    pub(super) fn steps_of(&self, request: &RequestRecord) -> Vec<NewJob> {
        let Some(person_id) = request.person_id.clone() else {
            return Vec::new();
        };
        let step = |what: StepWhat| Step {
            request_id: request.id,
            person_id: person_id.clone(),
            email: request.email.as_str().to_owned(),
            room_id: request.room_id.clone(),
            thread: request.thread.clone(),
            what,
        };
        let draft = &request.draft;
        let mut jobs = Vec::new();
        if request.state == RequestState::Created && !draft.licenses.is_empty() {
            jobs.push(step(StepWhat::Licenses {
                ids: draft.licenses.clone(),
                location_id: draft.location_id.clone(),
                phone_number: draft.phone_numbers.first().map(|p| p.value.clone()),
                extension: draft.extension.clone(),
            }));
        }
        let template = draft
            .template
            .as_deref()
            .and_then(|name| self.rules.templates.named(name));
        let Some(template) = template else {
            if let Some(name) = &draft.template {
                tracing::warn!(template = %name, "the request's template is no longer configured");
            }
            return jobs.into_iter().map(|s| job_of(&s, None)).collect();
        };
        let at = self.steps_at(request);
        for room_id in &template.rooms {
            let title = self.place_name(room_id.as_str());
            jobs.push(step(StepWhat::Room {
                room_id: room_id.clone(),
                title,
            }));
        }
        for team_id in &template.teams {
            let name = self.place_name(team_id.as_str());
            jobs.push(step(StepWhat::Team {
                team_id: team_id.clone(),
                name,
            }));
        }
        if let Some(welcome) = &template.welcome {
            jobs.push(step(StepWhat::Welcome {
                markdown: self.welcome(template, welcome, request),
            }));
        }
        jobs.into_iter()
            .map(|s| {
                let later = !matches!(s.what, StepWhat::Licenses { .. });
                job_of(&s, at.filter(|_| later))
            })
            .collect()
    }

    /// When the template's spaces, teams and welcome of a request run, when it has some and
    /// they wait for the start date.
    pub(super) fn later_steps_at(&self, request: &RequestRecord) -> Option<i64> {
        let template = request
            .draft
            .template
            .as_deref()
            .and_then(|name| self.rules.templates.named(name))?;
        if template.rooms.is_empty() && template.teams.is_empty() && template.welcome.is_none() {
            return None;
        }
        self.steps_at(request)
    }

    /// When the template's steps of a request run: the start date's hour, unless it passed.
    pub(super) fn steps_at(&self, request: &RequestRecord) -> Option<i64> {
        let date = request.draft.start_date.as_deref()?.parse().ok()?;
        self.rules.start.steps_at(date, self.store.now())
    }

    /// The title of a template's space or the name of its team, read at start.
    fn place_name(&self, id: &str) -> String {
        self.rules
            .places
            .get(id)
            .cloned()
            .unwrap_or_else(|| id.to_owned())
    }

    /// The template's welcome for this request; what people typed goes in escaped.
    fn welcome(&self, template: &Template, welcome: &str, request: &RequestRecord) -> String {
        let draft = &request.draft;
        let first_name = draft
            .first_name
            .clone()
            .or_else(|| draft.display_name.clone())
            .unwrap_or_default();
        let display_name = draft.display_name.clone().unwrap_or_else(|| {
            [draft.first_name.as_deref(), draft.last_name.as_deref()]
                .into_iter()
                .flatten()
                .collect::<Vec<_>>()
                .join(" ")
        });
        let manager = draft
            .manager_name
            .clone()
            .or_else(|| draft.manager_email.as_ref().map(|m| m.as_str().to_owned()))
            .unwrap_or_else(|| request.requester_email.clone());
        let start = draft
            .start_date
            .clone()
            .unwrap_or_else(|| self.rules.start.today(request.created_at).to_string());
        tracing::debug!(template = %template.name, "welcome filled in");
        // Stored as it is posted, so that a retry finds it word for word.
        let filled = fill_welcome(
            welcome,
            &WelcomeValues {
                first_name: &md(&first_name),
                display_name: &md(&display_name),
                manager_name: &md(&manager),
                start_date: &md(&start),
            },
        );
        replies::shorten(&filled, replies::MAX_MESSAGE_BYTES)
    }

    /// One step.
    pub(super) async fn run_step(&self, job: &Job, step: &Step) -> Result<Completion, JobError> {
        let tracking = tracking_id(job);
        let line = match &step.what {
            StepWhat::Licenses {
                ids,
                location_id,
                phone_number,
                extension,
            } => {
                let calling = phone_number.is_some() || extension.is_some();
                let person = self
                    .admin
                    .person(&step.person_id, calling, &tracking)
                    .await?;
                let missing: Vec<&String> = ids
                    .iter()
                    .filter(|id| !person.licenses.contains(id))
                    .collect();
                if missing.is_empty() {
                    // Nothing to say: the reply said what was granted.
                    return Ok(Completion::default());
                }
                let choices = self.choices.get(&tracking).await?;
                let licenses: Vec<Value> = missing
                    .iter()
                    .map(|id| {
                        let mut license = json!({"id": id, "operation": "add"});
                        let is_calling = choices
                            .all_licenses
                            .iter()
                            .any(|l| l.id == **id && is_calling_license(l));
                        if is_calling {
                            let mut properties = Map::new();
                            if let Some(location) = location_id {
                                properties.insert("locationId".into(), json!(location));
                            }
                            if let Some(number) = phone_number {
                                properties.insert("phoneNumber".into(), json!(number));
                            }
                            if let Some(extension) = extension {
                                properties.insert("extension".into(), json!(extension));
                            }
                            license["properties"] = Value::Object(properties);
                        }
                        license
                    })
                    .collect();
                let mut body = json!({"personId": step.person_id, "licenses": licenses});
                if let Some(org) = &person.org_id {
                    body["orgId"] = json!(org);
                }
                self.admin.assign_licenses(&body, &tracking).await?;
                let names: Vec<&str> = missing.iter().map(|id| choices.license_name(id)).collect();
                replies::licenses_repaired(&step.email, &names)
            }
            StepWhat::Room { room_id, .. } => {
                done_unless(
                    self.bot
                        .add_to_room(room_id, &step.person_id, &tracking)
                        .await,
                )?;
                replies::step_done(&step.email, &step.what)
            }
            StepWhat::Team { team_id, .. } => {
                done_unless(
                    self.bot
                        .add_to_team(team_id, &step.person_id, &tracking)
                        .await,
                )?;
                replies::step_done(&step.email, &step.what)
            }
            StepWhat::Welcome { markdown } => {
                // An earlier attempt may have posted it without an answer: look first.
                let sent = job.attempts > 1
                    && self
                        .welcome_sent(&step.person_id, markdown, &tracking)
                        .await?;
                if !sent {
                    let message = NewMessage {
                        room_id: None,
                        to_person_id: Some(step.person_id.clone()),
                        parent_id: None,
                        markdown: markdown.clone(),
                        attachments: Vec::new(),
                    };
                    self.bot.post_message(&message, &tracking).await?;
                }
                replies::step_done(&step.email, &step.what)
            }
        };
        Ok(answering(
            job,
            step.room_id.clone(),
            Some(step.thread.clone()),
            &line,
        ))
    }

    /// Whether the bot's 1:1 space with the person holds this welcome already.
    async fn welcome_sent(
        &self,
        person: &PersonId,
        markdown: &str,
        tracking: &str,
    ) -> Result<bool, JobError> {
        let messages = match self.bot.direct_messages(person, tracking).await {
            Ok(messages) => messages,
            // No 1:1 space yet: nothing was sent.
            Err(error) if error.status() == Some(404) => return Ok(false),
            Err(error) => return Err(error.into()),
        };
        Ok(messages.iter().any(|m| {
            m.person_id.as_ref() == Some(&self.me.id) && m.markdown.as_deref() == Some(markdown)
        }))
    }

    /// A step that cannot succeed: the requester is told; the account stays.
    pub(super) fn give_up_step(&self, job: &Job, step: &Step, reason: &str) -> Completion {
        answering(
            job,
            step.room_id.clone(),
            Some(step.thread.clone()),
            &replies::step_failed(&step.email, &step.what, reason),
        )
    }
}

/// The job of a step, to run at `at` (milliseconds since the epoch) or now.
fn job_of(step: &Step, at: Option<i64>) -> NewJob {
    let job = NewJob::new(
        step.dedupe_key(),
        &crate::domain::JobPayload::Step(step.clone()),
    );
    match at {
        Some(at) => job.at(at),
        None => job,
    }
}
