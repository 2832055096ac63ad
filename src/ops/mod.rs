//! What keeps the bot running unattended: alerts where the helpdesk looks ([`alerts`]), the
//! webhooks checked and mended ([`webhooks`]), retention of old rows ([`retention`]), and the
//! queue watched for `/metrics` and for a backlog ([`watch`]).

pub mod alerts;
pub mod check;
pub mod retention;
pub mod watch;
pub mod webhooks;
