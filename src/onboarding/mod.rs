//! The onboarding domain: validated requests, who may ask, what the bot says, and the workflow
//! that turns a recorded event into Webex calls and a reply.

pub mod choices;
pub mod commands;
pub mod domain;
pub mod policy;
pub mod replies;
mod workflow;

pub use workflow::{BotIdentity, JobError, Workflow, tracking_id};
