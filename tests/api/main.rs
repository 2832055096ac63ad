//! Integration tests: the real bot on port 0 against the Webex simulator, over real HTTP.
//! Compiled as one binary so that the crate links once.

mod helpers;

mod abuse;
mod approvals;
mod bulk;
mod check;
mod commands;
mod configuration;
mod demo;
mod edge_load;
mod faults;
mod helpdesk;
mod process;
mod properties;
mod registration;
mod sandbox;
mod schema;
mod soak;
mod startup;
mod store;
mod submissions;
mod templates;
mod tokens;
mod unattended;
mod webhook_edge;
