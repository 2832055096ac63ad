//! The onboarding use cases, one file each: worker → fetch → validate → authorize → act →
//! record → reply.
//!
//! - `commands`: a message to the bot (`onboard`, `status`, `pending`, `help`).
//! - `submission`: a submitted card: is it the bot's, still live, a form or a decision.
//! - `form`: the onboarding form: validate, open the request, or send the form back.
//! - `approval`: send a request to the approvers, and their decision.
//! - `create`: the Create a Person state machine, and the request's final answer.
//! - `reply`: posting what the bot says, cards included.
//! - `steps`: what follows the account: licenses read back, spaces, teams, the welcome.
//! - `bulk_preview`: a cohort's file: downloaded, read, every line checked, a preview posted.
//! - `bulk_decision`: a batch confirmed, approved, rejected or cancelled.
//! - `bulk_run`: a batch's lines created at a shared pace, its progress, its report.
//!
//! Around them: [`policy`] who may ask, [`choices`] what may be granted; every text the bot
//! says is in [`crate::replies`]. A handler never writes a final state itself: it returns a
//! [`Completion`], which the worker commits together with the job's end.

mod approval;
pub mod approvers;
mod bulk_decision;
mod bulk_preview;
mod bulk_run;
pub mod choices;
mod commands;
mod create;
mod form;
pub mod policy;
mod reply;
mod steps;
mod submission;

use crate::domain::{BulkLimits, JobPayload, StartSchedule, Templates};
use crate::metrics::Metrics;
use crate::store::{Completion, Job, RequestLimits, Store, StoreError};
use crate::webex::{AdminApi, BotApi, PersonId, RoomId};
use crate::worker::{JobError, JobHandler};

use self::approvers::Approvers;
use self::choices::ChoiceCache;
use self::policy::Requesters;

/// Who the bot is, from `GET /people/me` at start.
#[derive(Debug, Clone)]
pub struct BotIdentity {
    /// Its person id: messages from it are its own.
    pub id: PersonId,
    /// Its display name: the text of an @mention of it.
    pub display_name: String,
}

/// The rules the operator set for onboarding.
pub struct Rules {
    /// `ONBOARD_REQUESTERS`: who may onboard people.
    pub requesters: Requesters,
    /// `ONBOARD_APPROVERS_ROOM`: when set, requests wait there for a decision.
    pub approvers_room: Option<RoomId>,
    /// `ONBOARD_MAX_OPEN_REQUESTS` and `ONBOARD_MAX_REQUESTS_PER_HOUR`: how many requests one
    /// requester may have open at once, and make in an hour.
    pub limits: RequestLimits,
    /// `ONBOARD_TEMPLATES`: what a department's new hires get besides their account.
    pub templates: Templates,
    /// `ONBOARD_START_HOUR` and `ONBOARD_TIMEZONE`: when the steps of a later start run.
    pub start: StartSchedule,
    /// The titles of the templates' spaces and the names of their teams, by id, read at start.
    pub places: Places,
    /// `ONBOARD_BULK_RATE` and `ONBOARD_BULK_MAX_ROWS`.
    pub bulk: BulkLimits,
}

/// Names of spaces and teams by id.
pub type Places = std::collections::HashMap<String, String>;

/// The onboarding use cases, shared by all workers.
pub struct Onboarding {
    store: Store,
    /// Messages, cards and who is who: the bot token.
    bot: BotApi,
    /// People and the organization's choices: the admin token.
    admin: AdminApi,
    me: BotIdentity,
    rules: Rules,
    /// What may be granted, cached.
    choices: ChoiceCache,
    /// Who the approvers are, cached.
    approvers: Approvers,
    /// Counts the requests' outcomes.
    metrics: Metrics,
}

impl Onboarding {
    /// The use cases, acting as `me` with these clients.
    pub fn new(
        store: Store,
        bot: BotApi,
        admin: AdminApi,
        me: BotIdentity,
        rules: Rules,
        choices: ChoiceCache,
        metrics: Metrics,
    ) -> Self {
        let approvers = Approvers::new(bot.clone(), rules.approvers_room.clone());
        Self {
            store,
            bot,
            admin,
            me,
            rules,
            choices,
            approvers,
            metrics,
        }
    }
}

impl JobHandler for Onboarding {
    async fn handle(&self, job: &Job) -> Result<Completion, JobError> {
        match &job.payload {
            JobPayload::Message(event) => self.handle_message(job, event).await,
            JobPayload::Submission(event) => self.handle_submission(job, event).await,
            JobPayload::Reply(reply) => self.send_reply(job, reply).await,
            JobPayload::Expire(expiry) => self.expire(job, expiry).await,
            JobPayload::Step(step) => self.run_step(job, step).await,
            JobPayload::BatchLine(line) => self.run_batch_line(job, line).await,
            JobPayload::BatchProgress(tick) => self.batch_progress(job, tick).await,
            JobPayload::BatchReport(report) => self.send_batch_report(job, report).await,
        }
    }

    async fn give_up(&self, job: &Job, reason: &str) -> Result<Completion, StoreError> {
        match &job.payload {
            JobPayload::Message(event) => Ok(self.give_up_message(job, event, reason)),
            JobPayload::Submission(event) => self.give_up_submission(job, event, reason).await,
            JobPayload::Reply(reply) => self.give_up_reply(job, reply, reason).await,
            // Nobody waits on it: the next sweep makes it again.
            JobPayload::Expire(_) => Ok(Completion::default()),
            JobPayload::Step(step) => Ok(self.give_up_step(job, step, reason)),
            JobPayload::BatchLine(line) => self.give_up_batch_line(job, line, reason).await,
            JobPayload::BatchProgress(tick) => Ok(self.give_up_batch_progress(tick)),
            // Nobody else to tell: the alert says why.
            JobPayload::BatchReport(_) => Ok(Completion::default()),
        }
    }
}
