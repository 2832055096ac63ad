//! The Webex simulator itself, over real HTTP: the bot's tests are only as good as it is.
//!
//! One binary, one module per concern; `helpers` holds what they share.

mod cards;
mod edits;
mod faults;
mod files;
mod gateway;
mod helpers;
mod licenses;
mod lists;
mod messages;
mod org;
mod people;
mod query;
mod rooms;
mod teams;
mod tokens;
mod webhook_filters;
mod webhooks;
