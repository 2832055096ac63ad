//! What keeps the bot running unattended: alerts where the helpdesk looks ([`alerts`]), the
//! webhooks checked and mended ([`webhooks`]), retention of old rows ([`retention`]), requests
//! nobody decided expiring ([`expiry`]), and the queue watched for `/metrics` and for a backlog
//! ([`watch`]).

pub mod alerts;
pub mod check;
pub mod expiry;
pub mod retention;
pub mod watch;
pub mod webhooks;
