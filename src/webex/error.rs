use std::time::Duration;

/// What went wrong talking to Webex, in words a helpdesk person can act on.
///
/// An API error keeps Webex's status and tracking id, because Webex support asks for the id.
#[derive(Debug, thiserror::Error)]
pub enum WebexError {
    /// Webex answered with an error status.
    #[error("Webex answered {status}: {message} (tracking id {tracking_id})")]
    Api {
        status: u16,
        message: String,
        tracking_id: String,
        /// Webex's `Retry-After`, when it sent one.
        retry_after: Option<Duration>,
    },
    /// No answer arrived in time; the call may or may not have taken effect.
    #[error("Webex did not answer within {}s (tracking id {tracking_id})", .timeout.as_secs())]
    Timeout {
        timeout: Duration,
        tracking_id: String,
    },
    /// The connection failed or broke; the call may or may not have taken effect.
    #[error("could not reach Webex: {reason} (tracking id {tracking_id})")]
    Transport { reason: String, tracking_id: String },
    /// Webex answered 2xx with a body the bot cannot read.
    #[error("Webex sent an answer the bot could not read: {reason} (tracking id {tracking_id})")]
    Decode { reason: String, tracking_id: String },
}

impl WebexError {
    /// The HTTP status, when Webex answered at all.
    pub fn status(&self) -> Option<u16> {
        match self {
            Self::Api { status, .. } => Some(*status),
            _ => None,
        }
    }

    /// The tracking id to quote to a person or to Webex support.
    pub fn tracking_id(&self) -> &str {
        match self {
            Self::Api { tracking_id, .. }
            | Self::Timeout { tracking_id, .. }
            | Self::Transport { tracking_id, .. }
            | Self::Decode { tracking_id, .. } => tracking_id,
        }
    }

    /// How long Webex asked us to wait before trying again.
    pub fn retry_after(&self) -> Option<Duration> {
        match self {
            Self::Api { retry_after, .. } => *retry_after,
            _ => None,
        }
    }

    /// Webex's own message, or the failure in our words when it did not answer.
    pub fn webex_message(&self) -> String {
        match self {
            Self::Api { message, .. } => message.clone(),
            other => other.to_string(),
        }
    }

    /// Whether trying the same call later may succeed: throttling, server errors and lost answers.
    pub fn is_transient(&self) -> bool {
        match self {
            Self::Api { status, .. } => matches!(status, 423 | 429 | 500..=599),
            Self::Timeout { .. } | Self::Transport { .. } => true,
            Self::Decode { .. } => false,
        }
    }
}
