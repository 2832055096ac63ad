//! The domain's types, parsed once where they enter the bot, so that inner code cannot hold an
//! invalid one: emails, new hires, what may be granted, requests, cards and jobs.

mod batch;
pub mod batch_file;
mod card;
mod choices;
mod email;
mod job;
mod person;
mod request;
mod start;
mod template;
pub mod text;

pub use batch::{BatchState, BulkLimits, RowOutcome};
pub use card::CardKind;
pub use choices::{Choice, Grantable, OrgChoices, is_calling_license};
pub use email::Email;
pub use job::{
    ActionEvent, BatchLine, BatchRef, BatchTick, CardToSend, Expiry, JobKind, JobPayload,
    MessageEvent, Reply, Step, StepWhat,
};
pub use person::{FieldError, PersonDraft, PhoneNumber, input};
pub use request::{Decision, RequestState};
pub use start::{StartDateError, StartSchedule};
pub use template::{Template, TemplateError, Templates, WelcomeValues, fill_welcome};
