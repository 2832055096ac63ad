//! Alerts where the helpdesk looks: `ONBOARD_ALERTS_ROOM`. One cause gives one alert, and the
//! same cause is posted at most once in the quiet period (an hour), by all replicas together.
//! Each alert says what to do; every one is also a log line.

use std::time::Duration;

use crate::domain::{JobPayload, Reply};
use crate::replies;
use crate::store::{NewJob, Store, now_ms};
use crate::webex::RoomId;

/// What was done to one webhook, for its alert.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mended {
    /// It was missing, and was created.
    Created,
    /// It was inactive, and was re-activated.
    Reactivated,
}

/// How long the same cause stays quiet after it was posted.
pub const QUIET: Duration = Duration::from_secs(3600);

/// What went wrong, as an alert says it.
#[derive(Debug, Clone)]
pub enum Alert {
    /// Webex refused the admin token, or its refresh token.
    AdminToken { reason: String },
    /// The admin refresh token expires within a week.
    RefreshTokenExpiring { days: i64 },
    /// A webhook of the bot's was found inactive or missing, and mended.
    Webhook {
        resource: &'static str,
        mended: Mended,
    },
    /// A job stopped trying.
    GaveUp {
        job: i64,
        kind: &'static str,
        reason: String,
        tracking_id: String,
    },
    /// The oldest job that could run has waited too long.
    Backlog { oldest_secs: u64, waiting: i64 },
}

impl Alert {
    /// What the alert is about: the same cause is not posted twice within the quiet period.
    fn cause(&self) -> String {
        match self {
            Self::AdminToken { .. } => "admin-token".to_owned(),
            // Once a day at most: a day later, the days left are news.
            Self::RefreshTokenExpiring { days } => format!("refresh-token-expiring/{days}"),
            Self::Webhook { resource, .. } => format!("webhook/{resource}"),
            // One alert per kind of job an hour: a burst of failures (Webex down for long) is one
            // alert, not hundreds; the log keeps each.
            Self::GaveUp { kind, .. } => format!("gave-up/{kind}"),
            Self::Backlog { .. } => "backlog".to_owned(),
        }
    }

    fn text(&self) -> String {
        match self {
            Self::AdminToken { reason } => replies::alert_admin_token(reason),
            Self::RefreshTokenExpiring { days } => replies::alert_refresh_token_expiring(*days),
            Self::Webhook { resource, mended } => {
                replies::alert_webhook(resource, *mended == Mended::Created)
            }
            Self::GaveUp {
                job,
                kind,
                reason,
                tracking_id,
            } => replies::alert_gave_up(*job, kind, reason, tracking_id),
            Self::Backlog {
                oldest_secs,
                waiting,
            } => replies::alert_backlog(*oldest_secs, *waiting),
        }
    }
}

/// Where alerts go; cheap to clone.
#[derive(Clone)]
pub struct Alerts {
    store: Store,
    /// `ONBOARD_ALERTS_ROOM`, or the approvers' room; without either, alerts are log lines only.
    room: Option<RoomId>,
    quiet: Duration,
}

impl Alerts {
    /// Alerts posted to `room`.
    pub fn new(store: Store, room: Option<RoomId>) -> Self {
        Self {
            store,
            room,
            quiet: QUIET,
        }
    }

    /// Logs the alert, and posts it unless its cause was posted within the quiet period. A
    /// failure to post is logged: an alert never stops what raised it.
    pub async fn raise(&self, alert: Alert) {
        let text = alert.text();
        tracing::error!(alert = %alert.cause(), "{text}");
        let Some(room) = &self.room else {
            return;
        };
        let cause = alert.cause();
        let post = NewJob::new(
            format!("alert/{cause}/{}", now_ms()),
            &JobPayload::Reply(Reply::text(room.clone(), None, &text)),
        );
        let quiet_ms = i64::try_from(self.quiet.as_millis()).unwrap_or(i64::MAX);
        match self.store.raise_alert(&cause, &text, &post, quiet_ms).await {
            Ok(true) => tracing::info!(alert = %cause, "alert posted"),
            Ok(false) => tracing::debug!(alert = %cause, "alerted within the hour already"),
            Err(error) => tracing::warn!(%error, alert = %cause, "could not post the alert"),
        }
    }
}
