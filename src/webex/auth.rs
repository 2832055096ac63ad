//! Where a client gets its bearer token, and what happens when Webex refuses it.
//!
//! The bot token is configured once. The admin token may be configured once too, or renewed
//! through OAuth while the bot runs: `crate::auth` provides that source, which shares its
//! tokens with the other replicas through the database.

use std::future::Future;
use std::pin::Pin;
use std::sync::atomic::{AtomicBool, Ordering};

use secrecy::SecretString;

use super::WebexError;

/// A future a [`TokenSource`] returns: boxed, so that a client can hold any source.
pub type BoxFuture<'a, T> = Pin<Box<dyn Future<Output = T> + Send + 'a>>;

/// A token to call with, and which one it is.
pub struct Bearer {
    /// What goes after `Bearer` in the `Authorization` header.
    pub token: SecretString,
    /// Grows each time the token is renewed, so that a refusal names the token refused.
    pub generation: i64,
}

/// A client's token, which may change while the bot runs.
pub trait TokenSource: Send + Sync {
    /// The token to call with now.
    fn bearer(&self) -> BoxFuture<'_, Result<Bearer, WebexError>>;

    /// Webex answered 401 to the token of `generation`. Renews it when that can be done (once,
    /// whoever asks first), so that a newer token is there to call with; when it cannot be
    /// renewed, the error says why ([`WebexError::Credentials`]). `again` says that the token
    /// refused was a renewed one: renewing once more would not help.
    fn refused(&self, generation: i64, again: bool) -> BoxFuture<'_, Result<(), WebexError>>;
}

/// A token configured once, such as `WEBEX_BOT_TOKEN`: once Webex refuses it, the refusal
/// stands until an operator configures another and restarts the bot. No call is made with it
/// meanwhile, so that nothing a refused token asked for can happen later by surprise.
pub struct StaticToken {
    token: SecretString,
    /// The variable it comes from, for the error a refusal gives.
    variable: &'static str,
    refused: AtomicBool,
}

impl StaticToken {
    /// The token, named by its variable (`WEBEX_BOT_TOKEN`, `WEBEX_ADMIN_TOKEN`).
    pub fn new(token: SecretString, variable: &'static str) -> Self {
        Self {
            token,
            variable,
            refused: AtomicBool::new(false),
        }
    }

    fn refusal(&self) -> WebexError {
        WebexError::Credentials {
            reason: format!(
                "Webex refused {} (401): configure a valid one and restart the bot",
                self.variable
            ),
        }
    }
}

impl TokenSource for StaticToken {
    fn bearer(&self) -> BoxFuture<'_, Result<Bearer, WebexError>> {
        Box::pin(async {
            if self.refused.load(Ordering::Relaxed) {
                return Err(self.refusal());
            }
            Ok(Bearer {
                token: self.token.clone(),
                generation: 0,
            })
        })
    }

    fn refused(&self, _generation: i64, _again: bool) -> BoxFuture<'_, Result<(), WebexError>> {
        Box::pin(async {
            self.refused.store(true, Ordering::Relaxed);
            Err(self.refusal())
        })
    }
}
