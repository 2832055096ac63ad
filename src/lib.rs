//! webex-onboard: a Webex bot that onboards new hires from an Adaptive Card.
//!
//! A manager writes `onboard`; the bot answers with a form; the submitted form becomes a Webex
//! person, created once, whatever Webex or the network does in between.
//!
//! # Layout
//! - [`http`]: the edge. Verifies `X-Spark-Signature` over the raw bytes, records, acknowledges.
//! - [`store`]: SQLite or PostgreSQL. The durable job queue, the cards sent, the requests.
//! - [`worker`]: claims jobs with a lease and runs them through a `JobHandler`; retries.
//! - [`domain`]: the types parsed at the edge: emails, new hires, requests, cards, jobs.
//! - [`onboarding`]: the use cases, one file each, and every text the bot says.
//! - [`webex`]: the Webex REST client, one type per token.
//! - [`cards`]: the Adaptive Cards in `cards/`.
//! - [`registration`]: the bot's two webhooks.
//! - [`report`]: `webex-onboard audit`, the audit trail for people and tools.
//! - `sandbox`: the bot wired to the Webex simulator (the `webex-sim` crate) on loopback.
//! - `demo`: the whole conversation against the simulator. Both come with the default `demo`
//!   feature; a build without it carries no simulator.
//! - [`config`], [`telemetry`], [`startup`]: environment, logs, and the application's life.

pub mod cards;
pub mod cli;
pub mod config;
#[cfg(feature = "demo")]
pub mod demo;
pub mod domain;
pub mod http;
pub mod onboarding;
pub mod registration;
pub mod report;
#[cfg(feature = "demo")]
pub mod sandbox;
pub mod startup;
pub mod store;
pub mod telemetry;
pub mod webex;
pub mod worker;
