//! webex-onboard: a Webex bot that onboards new hires from an Adaptive Card.
//!
//! A manager writes `onboard`; the bot answers with a form; the submitted form becomes a Webex
//! person, created once, whatever Webex or the network does in between.
//!
//! # Layout
//! Data flows one way: webhook → verify → record → acknowledge; worker → fetch → validate →
//! authorize → act → record → reply.
//! - [`http`]: the edge. Verifies `X-Spark-Signature` over the raw bytes, reads the envelope,
//!   records, acknowledges.
//! - [`domain`]: the types parsed where they enter: emails, new hires, choices, requests,
//!   cards, and `JobPayload`, the one enum a job is.
//! - [`store`]: SQLite or PostgreSQL with the same SQL: the durable job queue, the cards sent,
//!   the requests, the audit trail, and the migrations.
//! - [`worker`]: claims jobs with a lease and runs them through a `JobHandler`; retries.
//! - [`onboarding`]: the use cases, one file each; [`replies`]: every text the bot says.
//! - [`webex`]: the Webex REST client, one type per token, with typed ids.
//! - [`cards`]: the card contract both ways: fills the cards in `cards/`, reads submissions.
//! - [`auth`]: the admin token, static or renewed through OAuth and shared by the replicas.
//! - [`ops`]: what keeps it running unattended: alerts, webhooks mended, retention, the queue
//!   watched; [`metrics`] counts what happened for `GET /metrics`.
//! - [`report`]: `webex-onboard audit`, the audit trail for people and tools.
//! - [`cli`]: one file per subcommand; [`config`] declares every setting once.
//! - `sandbox`: the bot wired to the Webex simulator (the `webex-sim` crate) on loopback, and
//!   `demo`: the whole conversation against it. Both come with the default `demo` feature; a
//!   build without it carries no simulator.
//! - [`telemetry`], [`startup`]: logs, and the application's life.

pub mod auth;
pub mod cards;
pub mod cli;
pub mod config;
#[cfg(feature = "demo")]
pub mod demo;
pub mod domain;
pub mod http;
pub mod metrics;
pub mod onboarding;
pub mod ops;
pub mod replies;
pub mod report;
#[cfg(feature = "demo")]
pub mod sandbox;
pub mod startup;
pub mod store;
pub mod telemetry;
pub mod webex;
pub mod worker;
