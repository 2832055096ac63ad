use std::time::Duration;

/// What a failed call means for whoever made it: whether Webex did anything, and whether trying
/// again can help.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Meaning {
    /// 423 or 429: Webex did nothing and asks to wait (`Retry-After`).
    Throttled,
    /// 5xx, 408, a timeout, a broken connection or an unexpected status: the call may have
    /// taken effect, and a later one may succeed.
    Unavailable,
    /// 400, 409 and the other client errors not named below: Webex refused the details; a
    /// create may have happened all the same.
    Rejected,
    /// 401, 403, 404, 405, 410, 413 or 415: refused outright, nothing happened, and trying
    /// again cannot help.
    Refused,
    /// A 2xx whose body could not be read: the call took effect, its answer is lost.
    Unreadable,
    /// Webex refused the token, which is renewed now, or the token could not be renewed just
    /// now: nothing happened, and the call can be made again.
    Renewed,
    /// The token was refused and cannot be renewed: nothing can be done until an operator
    /// configures a new one, so the work waits.
    Blocked,
}

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
    /// Webex refused the token (401), which is renewed now: the call can be made again, after a
    /// look-up where it creates something.
    #[error("Webex refused the token, which is renewed now (tracking id {tracking_id})")]
    Renewed { tracking_id: String },
    /// The token was refused and cannot be renewed: calls wait until an operator gives a new one.
    #[error("{reason}")]
    Credentials { reason: String },
    /// The token could not be renewed just now (the token endpoint or the database did not
    /// answer): nothing was called, and a later try may work.
    #[error("the admin token cannot be renewed now: {reason}")]
    Token { reason: String },
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
            | Self::Renewed { tracking_id }
            | Self::Decode { tracking_id, .. } => tracking_id,
            Self::Credentials { .. } | Self::Token { .. } => "none",
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

    /// What the failure means: the one place a status is interpreted.
    pub fn meaning(&self) -> Meaning {
        match self {
            Self::Api { status, .. } => match status {
                423 | 429 => Meaning::Throttled,
                401 | 403 | 404 | 405 | 410 | 413 | 415 => Meaning::Refused,
                408 | 500..=599 => Meaning::Unavailable,
                400..=499 => Meaning::Rejected,
                _ => Meaning::Unavailable,
            },
            Self::Timeout { .. } | Self::Transport { .. } => Meaning::Unavailable,
            Self::Decode { .. } => Meaning::Unreadable,
            Self::Renewed { .. } | Self::Token { .. } => Meaning::Renewed,
            Self::Credentials { .. } => Meaning::Blocked,
        }
    }

    /// Whether trying the same call later may succeed: throttling, server errors and lost answers.
    pub fn is_transient(&self) -> bool {
        matches!(
            self.meaning(),
            Meaning::Throttled | Meaning::Unavailable | Meaning::Renewed
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn api(status: u16) -> WebexError {
        WebexError::Api {
            status,
            message: String::new(),
            tracking_id: String::new(),
            retry_after: None,
        }
    }

    #[test]
    fn each_status_has_one_meaning() {
        let cases = [
            (429, Meaning::Throttled),
            (423, Meaning::Throttled),
            (400, Meaning::Rejected),
            (409, Meaning::Rejected),
            (422, Meaning::Rejected),
            (401, Meaning::Refused),
            (403, Meaning::Refused),
            (404, Meaning::Refused),
            (415, Meaning::Refused),
            (408, Meaning::Unavailable),
            (500, Meaning::Unavailable),
            (503, Meaning::Unavailable),
            (302, Meaning::Unavailable),
        ];
        for (status, meaning) in cases {
            assert_eq!(api(status).meaning(), meaning, "{status}");
        }
        let lost = WebexError::Timeout {
            timeout: Duration::from_secs(1),
            tracking_id: String::new(),
        };
        assert!(lost.is_transient() && !api(400).is_transient() && api(429).is_transient());
    }
}
