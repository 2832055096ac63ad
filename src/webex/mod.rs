//! The Webex REST API: one client per token, typed requests and answers, no business logic.
//!
//! [`BotApi`] holds the bot token and may only do what a bot does (messages, cards, webhooks);
//! [`AdminApi`] holds the admin token and may only read and create people. Keeping them apart in
//! the type system is what guarantees that the bot token never creates people and the admin token
//! never posts messages.

mod client;
mod error;
mod ids;
mod types;

pub use client::{AdminApi, BotApi, CALL_TIMEOUT};
pub use error::{Meaning, WebexError};
pub use ids::{ActionId, IdError, MessageId, PersonId, RoomId, WebexId, WebhookId};
pub use types::{
    AttachmentAction, License, Location, Membership, Message, NewMessage, NewWebhook, Person, Role,
    Webhook, WebhookUpdate,
};
