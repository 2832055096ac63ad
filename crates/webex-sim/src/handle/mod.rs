//! What tests do with a [`Simulator`](crate::Simulator), one file per concern; each adds
//! its methods to the one handle.

mod faults;
mod files;
mod messages;
mod people;
mod rooms;
mod tokens;
mod webhooks;
