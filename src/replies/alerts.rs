//! What operators are told: alerts in the operators' space, and why admin calls wait.

use super::{code, said};

/// An alert: the admin token cannot be used; `reason` says why and what to do.
pub fn alert_admin_token(reason: &str) -> String {
    format!(
        "🚨 **The admin token cannot be used**: {reason} Onboarding requests wait and are not lost."
    )
}

/// Why admin calls wait after Webex refused a static `WEBEX_ADMIN_TOKEN`, and what to do.
pub const ADMIN_TOKEN_REFUSED: &str = "Webex answered 401 to `WEBEX_ADMIN_TOKEN` (a personal \
     token lasts 12 hours). What to do: give the bot a new admin token and restart it.";

/// Why admin calls wait after a token renewed a moment ago was refused too.
pub const ADMIN_RENEWED_TOKEN_REFUSED: &str = "Webex refused a freshly renewed admin token \
     (401): the administrator who authorized the app may have lost the rights, or the grant was \
     revoked. What to do: check the administrator's roles in Control Hub; the bot tries again \
     every few minutes.";

/// Why admin calls wait after Webex refused the refresh token.
pub fn admin_refresh_token_refused(reason: &str) -> String {
    format!(
        "the admin refresh token cannot be used ({}). What to do: authorize the service \
         app again in Control Hub, set the new refresh token as `WEBEX_ADMIN_REFRESH_TOKEN` and \
         restart the bot.",
        said(reason)
    )
}

/// Why admin calls wait after Webex refused the client id or secret.
pub fn admin_client_refused(status: u16, message: &str) -> String {
    format!(
        "Webex refused `WEBEX_ADMIN_CLIENT_ID` or `WEBEX_ADMIN_CLIENT_SECRET` ({status}: \
         {}). What to do: copy both from the app's page in the developer portal and restart \
         the bot; the refresh token stays good.",
        said(message)
    )
}

/// An alert's reason: a refresh failed and the token held runs out soon.
pub fn admin_token_not_renewed(seconds_left: u64, error: &dyn std::fmt::Display) -> String {
    let left = if seconds_left == 0 {
        "has expired".to_owned()
    } else {
        format!("expires in {} minutes", seconds_left.div_ceil(60))
    };
    format!(
        "the admin token could not be renewed ({}) and {left}. What to do: check that the \
         bot reaches Webex and that the database answers; it keeps trying.",
        said(&error.to_string())
    )
}

/// An alert: the admin refresh token expires soon.
pub fn alert_refresh_token_expiring(days: i64) -> String {
    format!(
        "⚠️ **The admin refresh token expires {}.** What to do: authorize the service app again \
         in Control Hub, set the new refresh token as `WEBEX_ADMIN_REFRESH_TOKEN` and restart the \
         bot before then.",
        match days {
            ..=0 => "now".to_owned(),
            1 => "within a day".to_owned(),
            _ => format!("within {days} days"),
        }
    )
}

/// An alert: a webhook of the bot's was inactive (and re-activated) or missing (and created
/// again).
pub fn alert_webhook(resource: &str, was_missing: bool) -> String {
    let (found, done) = if was_missing {
        ("missing", "I created it again")
    } else {
        ("inactive", "I re-activated it")
    };
    format!(
        "⚠️ **The bot's `{resource}` webhook was {found}**; {done}. Events Webex did not deliver \
         meanwhile are lost: ask the people who wrote to the bot or submitted a card in that time \
         to do it again. If it happens again, check that `WEBEX_PUBLIC_URL` reaches the bot."
    )
}

/// An alert: a job stopped trying.
pub fn alert_gave_up(job: i64, kind: &str, reason: &str, tracking_id: &str) -> String {
    format!(
        "❌ **A {kind} job ({job}) gave up**: {}. The person concerned was told where possible. \
         What to do: look for {} in the bot's log, and check in Control Hub whether the account \
         exists before anyone tries again.",
        said(reason),
        code(tracking_id)
    )
}

/// An alert: jobs wait for a worker too long.
pub fn alert_backlog(oldest_secs: u64, waiting: i64) -> String {
    format!(
        "⚠️ **{waiting} jobs are waiting**, the oldest for {} minutes. What to do: check that the \
         bot's processes are running, that the database answers, and whether Webex throttles the \
         bot (its log says `will try again`).",
        oldest_secs / 60
    )
}
