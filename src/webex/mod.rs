//! The Webex REST API: one client per token, typed requests and answers, no business logic.
//!
//! [`BotApi`] holds the bot token and may only do what a bot does (messages, cards, webhooks);
//! [`AdminApi`] holds the admin token and may only read and create people. Keeping them apart in
//! the type system is what guarantees that the bot token never creates people and the admin token
//! never posts messages.

mod admin_api;
mod auth;
mod bot_api;
mod client;
mod error;
mod files;
mod ids;
mod paging;
mod types;

pub use admin_api::AdminApi;
pub use auth::{Bearer, BoxFuture, StaticToken, TokenSource};
pub use bot_api::BotApi;
pub use client::{CALL_TIMEOUT, http_client};
pub use error::{Meaning, WebexError};
pub use files::{Download, NotDownloaded};
pub use ids::{ActionId, IdError, MessageId, PersonId, RoomId, TeamId, WebexId, WebhookId};
pub use types::{
    AttachmentAction, License, Location, Membership, Message, NewMessage, NewWebhook, Person, Role,
    Room, Team, Webhook, WebhookUpdate,
};
