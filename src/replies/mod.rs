//! Everything the bot says, in one place, so that the words stay consistent. Whatever a person
//! typed, or Webex answered, goes in through [`md`]: it is shown, never obeyed.

pub mod batch;
pub mod markdown;

pub use markdown::{MAX_MESSAGE_BYTES, escape as md, shorten};

use crate::domain::text::at_most;
use crate::domain::{
    Decision, FieldError, OrgChoices, PersonDraft, RequestState, StartSchedule, Step, StepWhat,
};
use crate::store::{Limit, RequestRecord, StepState};
use crate::webex::{Person, WebexError};

/// The text of the onboarding form, for clients that cannot show the card.
pub const ONBOARDING_FALLBACK: &str = "**Onboard a new hire.** Your Webex client cannot show the form: \
     open this space in the Webex app (desktop, web or mobile) to fill it in.";

/// Who asked, on an approval card (plain text: the card shows it as it is).
pub fn asked_by(email: &str) -> String {
    format!("Asked by {email}")
}

/// An id or a tracking id as code: only the characters ids are made of are kept, so that
/// nothing can close the code span.
pub fn code(id: &str) -> String {
    let kept: String = id
        .chars()
        .filter(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.' | ':' | '=' | '/'))
        .take(200)
        .collect();
    format!("`{}`", if kept.is_empty() { "none" } else { &kept })
}

/// What Webex or an error said, for a message: at most 300 characters, escaped.
fn said(text: &str) -> String {
    md(&at_most(text, 300))
}

/// The help text, listing the commands.
pub const HELP: &str = "I onboard new hires into Webex. Commands:\n\
- **onboard**: I send you a form; fill it in and press *Create account*.\n\
- **status** *email*: whether that person has a Webex account, and its state.\n\
- **pending**: the requests waiting for an approver.\n\
- **help**: this list.\n\n\
In a group space, @mention me first.";

/// To someone who may not onboard people.
pub const NOT_ALLOWED: &str = "Sorry, you are not allowed to onboard people. \
Ask your Webex administrator to add you to the onboarding requesters.";

/// In a group space, where `status` or `pending` was asked: the answer went to the asker.
pub const ANSWERED_DIRECTLY: &str = "I sent you the answer in a direct message.";

/// To a requester who asks for `pending`.
pub const PENDING_FOR_APPROVERS: &str =
    "Only members of the approvers' space can list the requests waiting for approval.";

/// To a submission of a card the bot did not send.
pub const NOT_OUR_CARD: &str = "That form was not sent by me, so I did nothing with it. \
Write **onboard** to get a new form.";

/// To a submission of a form that a corrected one replaced.
pub const FORM_REPLACED: &str = "That form was replaced by a corrected one, so I did nothing with it. \
Use the newest form.";

/// To a click on an approval card by someone outside the approvers' space.
pub const NOT_AN_APPROVER: &str =
    "Only members of the approvers' space may approve or reject requests.";

/// To a click on an approval card outside the approvers' space configured now.
pub const APPROVALS_MOVED: &str = "This approval card is not in the approvers' space I use now, \
so I did nothing with it.";

/// To a requester who clicks on the approval card of their own request.
pub const OWN_REQUEST: &str = "You cannot decide your own request: another approver must.";

/// To a click on an approval card that is not one of its buttons.
pub const UNKNOWN_BUTTON: &str = "That click was neither Approve nor Reject, so I did nothing.";

/// Why a job about an approval card cannot go on (an approval card names its request).
pub const APPROVAL_WITHOUT_REQUEST: &str = "the approval card does not name its request";

/// Why a job cannot go on when its request is gone from the database.
pub fn request_missing(request_id: i64) -> String {
    format!("request {request_id} is missing from the database")
}

/// `status` with something that is not an email.
pub fn not_an_email(text: &str) -> String {
    format!("\"{}\" is not an email address.", md(&at_most(text, 100)))
}

/// Under the manager's input, when no Webex user has that email.
pub fn unknown_manager(email: &str) -> String {
    format!("no Webex user has the email {email}")
}

/// The text of an approval card, for clients that cannot show the card.
pub fn approval_fallback(email: &str, requested_by: &str) -> String {
    format!(
        "**Onboarding request** for {} from {}: open this space in a Webex app to approve or \
         reject it.",
        md(email),
        md(requested_by)
    )
}

/// The approval card's summary of a request: a title and a value per line, names for ids; plain
/// text, which the card shows without reading markup in it.
pub fn approval_summary(
    request: &RequestRecord,
    choices: &OrgChoices,
) -> Vec<(&'static str, String)> {
    let draft = &request.draft;
    let names = [&draft.first_name, &draft.last_name]
        .into_iter()
        .flatten()
        .cloned()
        .collect::<Vec<_>>()
        .join(" ");
    let optional = [
        ("Name", Some(names).filter(|n| !n.is_empty())),
        ("Display name", draft.display_name.clone()),
        ("Department", draft.department.clone()),
        ("Title", draft.title.clone()),
        (
            "Manager",
            draft.manager_email.as_ref().map(ToString::to_string),
        ),
        (
            "Licenses",
            list(draft.licenses.iter().map(|id| choices.license_name(id))),
        ),
        (
            "Location",
            draft
                .location_id
                .as_deref()
                .map(|id| choices.location_name(id).to_owned()),
        ),
        (
            "Roles",
            list(draft.roles.iter().map(|id| choices.role_name(id))),
        ),
        (
            "Phone",
            draft.phone_numbers.first().map(|p| p.value.clone()),
        ),
        ("Extension", draft.extension.clone()),
        // What follows the account: the template's spaces, teams and welcome, and when.
        ("Template", draft.template.clone()),
        ("Start date", draft.start_date.clone()),
    ];
    let mut summary = vec![("Email", request.email.to_string())];
    summary.extend(
        optional
            .into_iter()
            .filter_map(|(title, value)| Some((title, value?))),
    );
    summary
}

/// A comma-separated list, or nothing when empty.
fn list<'a>(items: impl Iterator<Item = &'a str>) -> Option<String> {
    let items: Vec<&str> = items.collect();
    (!items.is_empty()).then(|| items.join(", "))
}

/// Why Webex refused, in words, with its own message.
pub fn refusal(error: &WebexError) -> String {
    let why = match error.status() {
        Some(400) => "Webex refused the details",
        Some(401) => "the admin token is not valid (it may have expired)",
        Some(403) => "the admin token may not create people",
        Some(409) => "Webex says the email is taken, but no such person can be found",
        _ => "Webex refused the request",
    };
    format!("{why}: \"{}\"", said(&error.webex_message()))
}

/// The warning of a success that Webex answered with an error.
pub fn created_despite(status: u16, tracking_id: Option<&str>) -> String {
    format!(
        "Webex answered {status} although it created the account (tracking id {}). \
         Check the person's settings, calling data in particular, in Control Hub.",
        code(tracking_id.unwrap_or("none"))
    )
}

/// Why a request failed after the bot stopped retrying.
pub fn stopped_trying(reason: &str) -> String {
    format!(
        "I stopped trying ({}); check in Control Hub whether the account exists before you try \
         again",
        said(reason)
    )
}

/// Why a request failed when its approval card could not be posted.
pub fn approvers_unreachable(reason: &str) -> String {
    format!(
        "I could not post it to the approvers' space ({}); ask your Webex administrator to add \
         me to that space, then send the form again",
        said(reason)
    )
}

/// To the requester, while the request waits for an approver.
pub fn awaiting_approval(email: &str) -> String {
    format!(
        "⏳ The request for **{}** went to the approvers. I will answer here once it is decided.",
        md(email)
    )
}

/// To a requester at one of the limits on requests; the form stays usable.
pub fn limited(limit: Limit) -> String {
    let why = match limit {
        Limit::Open(max) => format!(
            "you have {max} requests waiting for an answer already, the most one person may have"
        ),
        Limit::PerHour(max) => {
            format!("you made {max} requests in the last hour, the most one person may make")
        }
    };
    format!(
        "I did not send this request: {why}. Nothing was changed. Submit this form again once \
         some are answered, or later."
    )
}

/// Under the template input: the card chose a template that is not configured (any more).
pub const NO_SUCH_TEMPLATE: &str = "there is no such template: choose one from the list";

/// Under the location: a template's default location is not one of the organization's.
pub fn template_location_unknown(template: &str, location: &str) -> String {
    format!(
        "the template \"{}\" names the location \"{}\", which the organization does not \
         have: choose a location, and ask the bot's operator to fix the template",
        at_most(template, 64),
        at_most(location, 64)
    )
}

/// Under the licenses: a template's license is not one of the organization's.
pub fn template_license_unknown(template: &str, license: &str) -> String {
    format!(
        "the template \"{}\" grants the license \"{}\", which the organization does not have: \
         ask the bot's operator to fix the template",
        at_most(template, 64),
        at_most(license, 64)
    )
}

/// Under the licenses: one has no unit left.
pub fn no_units_left(license: &str, used: u64, total: u64) -> String {
    format!(
        "{} has no units left ({used} of {total} used): choose another, or ask for more units",
        at_most(license, 100)
    )
}

/// The line under a created or found person when spaces, teams or a welcome wait for the start.
pub fn steps_scheduled(when: &str) -> String {
    format!("Spaces, teams and the welcome follow on {}.", md(when))
}

/// One line to the requester per step done.
pub fn step_done(email: &str, step: &StepWhat) -> String {
    let email = md(email);
    match step {
        StepWhat::Licenses { .. } => format!("✅ **{email}**: every license is assigned."),
        StepWhat::Room { title, .. } => {
            format!("✅ **{email}** was added to the space *{}*.", md(title))
        }
        StepWhat::Team { name, .. } => {
            format!("✅ **{email}** was added to the team *{}*.", md(name))
        }
        StepWhat::Welcome { .. } => format!("✅ **{email}** got the welcome message."),
    }
}

/// The line to the requester when Create a Person left licenses out and the bot assigned them.
pub fn licenses_repaired(email: &str, names: &[&str]) -> String {
    let names: Vec<String> = names.iter().map(|n| format!("*{}*", md(n))).collect();
    format!(
        "🔧 **{}**: Webex left {} unassigned at the create; I assigned {} now.",
        md(email),
        names.join(", "),
        if names.len() == 1 { "it" } else { "them" }
    )
}

/// The line to the requester when a step failed for good.
pub fn step_failed(email: &str, step: &StepWhat, reason: &str) -> String {
    let what = match step {
        StepWhat::Licenses { .. } => "assigning the missing licenses".to_owned(),
        StepWhat::Room { title, .. } => format!("adding them to the space *{}*", md(title)),
        StepWhat::Team { name, .. } => format!("adding them to the team *{}*", md(name)),
        StepWhat::Welcome { .. } => "sending the welcome".to_owned(),
    };
    format!(
        "❌ **{}**: {what} failed: {}. The account stays as it is; add what is missing by hand.",
        md(email),
        md(&at_most(reason, 300))
    )
}

/// A step, for `status` and `pending`.
pub fn step_name(step: &StepWhat) -> String {
    match step {
        StepWhat::Licenses { .. } => "licenses checked".to_owned(),
        StepWhat::Room { title, .. } => format!("space *{}*", md(title)),
        StepWhat::Team { name, .. } => format!("team *{}*", md(name)),
        StepWhat::Welcome { .. } => "welcome message".to_owned(),
    }
}

/// `pending`, after the requests: the steps that wait for a start date.
pub fn scheduled_steps(steps: &[(i64, Step)], schedule: &StartSchedule) -> String {
    let mut text = String::from("**Waiting for a start date:**");
    for (at, step) in steps {
        text.push_str(&format!(
            "\n- {}: **{}**, {}",
            md(&schedule.describe(*at)),
            md(&step.email),
            step_name(&step.what)
        ));
    }
    text
}

/// `status EMAIL`, after the account: each step of the newest onboarding, and where it is.
pub fn steps_status(steps: &[(Step, StepState)], schedule: &StartSchedule) -> String {
    let mut text = String::from("**Onboarding steps:**");
    for (step, state) in steps {
        let state = match state {
            StepState::Done => "done".to_owned(),
            StepState::UnderWay => "under way".to_owned(),
            StepState::Scheduled(at) => format!("waiting until {}", md(&schedule.describe(*at))),
            StepState::Failed(why) => format!("failed: {}", md(&at_most(why, 200))),
        };
        text.push_str(&format!("\n- {}: {state}", step_name(&step.what)));
    }
    text
}

/// Why a request expired: nobody decided it in time (the request's outcome).
pub fn expired(days: u32) -> String {
    let days = if days == 1 {
        "a day".to_owned()
    } else {
        format!("{days} days")
    };
    format!("nobody decided the request within {days}, so it expired")
}

/// To a click on an approval card whose request was decided before.
pub fn already_decided(request: &RequestRecord) -> String {
    let by = md(request.decided_by.as_deref().unwrap_or("someone"));
    let email = md(request.email.as_str());
    match request.decision {
        Some(Decision::Approved) => {
            format!("This request for **{email}** was already approved by {by}.")
        }
        Some(Decision::Rejected) => {
            format!("This request for **{email}** was already rejected by {by}.")
        }
        None if request.state == RequestState::Expired => {
            format!("This request for **{email}** expired before anyone decided it.")
        }
        None => format!("This request for **{email}** is no longer waiting for approval."),
    }
}

/// `status EMAIL` for someone without an account.
pub fn status_unknown(email: &str) -> String {
    format!("**{}** has no Webex account.", md(email))
}

/// `status EMAIL` for someone with an account.
pub fn status(email: &str, person: &Person, choices: &OrgChoices) -> String {
    let flag = |v: &Option<serde_json::Value>| match v {
        Some(serde_json::Value::Bool(b)) => {
            if *b {
                "yes"
            } else {
                "no"
            }
        }
        Some(serde_json::Value::String(s)) if s == "true" => "yes",
        Some(serde_json::Value::String(s)) if s == "false" => "no",
        _ => "unknown",
    };
    let licenses: Vec<String> = person
        .licenses
        .iter()
        .map(|id| md(choices.license_name(id)))
        .collect();
    format!(
        "**{}** has a Webex account (person id {}).\n\
- invitation pending: {}\n- login enabled: {}\n- licenses: {}\n- created: {}",
        md(email),
        code(person.id.as_str()),
        flag(&person.invite_pending),
        flag(&person.login_enabled),
        if licenses.is_empty() {
            "none".to_owned()
        } else {
            licenses.join(", ")
        },
        said(person.created.as_deref().unwrap_or("unknown")),
    )
}

/// `pending`: the requests waiting for an approver, with their age.
pub fn pending(requests: &[RequestRecord], now_ms: i64) -> String {
    if requests.is_empty() {
        return "No request is waiting for approval.".to_owned();
    }
    let mut text = format!("{} waiting for approval:\n", requests.len());
    for request in requests.iter().take(PENDING_SHOWN) {
        text.push_str(&format!(
            "- **{}**, asked by {} {} ago\n",
            md(request.email.as_str()),
            md(&request.requester_email),
            age(now_ms - request.created_at)
        ));
    }
    if requests.len() > PENDING_SHOWN {
        text.push_str(&format!("- and {} more\n", requests.len() - PENDING_SHOWN));
    }
    text
}

/// How many waiting requests `pending` lists, so that its answer stays within Webex's limit.
const PENDING_SHOWN: usize = 25;

fn age(ms: i64) -> String {
    let minutes = ms.max(0) / 60_000;
    match minutes {
        0 => "less than a minute".to_owned(),
        1 => "1 minute".to_owned(),
        2..=119 => format!("{minutes} minutes"),
        _ if minutes < 48 * 60 => format!("{} hours", minutes / 60),
        _ => format!("{} days", minutes / (24 * 60)),
    }
}

/// What a Webex Calling user was given, for the success reply.
pub fn calling_summary(draft: &PersonDraft, choices: &OrgChoices) -> Option<String> {
    if !draft.is_calling() {
        return None;
    }
    let mut parts = Vec::new();
    if let Some(phone) = draft.phone_numbers.first() {
        parts.push(format!("phone number {}", phone.value));
    }
    if let Some(extension) = &draft.extension {
        parts.push(format!("extension {extension}"));
    }
    if let Some(location) = &draft.location_id {
        parts.push(format!("location {}", md(choices.location_name(location))));
    }
    let calling: Vec<String> = draft
        .licenses
        .iter()
        .map(|id| md(choices.license_name(id)))
        .collect();
    if !calling.is_empty() {
        parts.push(format!("licenses {}", calling.join(", ")));
    }
    Some(format!("📞 Webex Calling set up: {}.", parts.join(", ")))
}

/// To a submission whose inputs do not make a valid person.
pub fn invalid_form(errors: &[FieldError]) -> String {
    let mut text = String::from("I could not create the account, nothing was changed:\n");
    for error in errors {
        text.push_str(&format!("- {}\n", md(&error.message)));
    }
    text.push_str(
        "\nHere is the form again with your values: correct it and press *Create account*.",
    );
    text
}

/// The final answer to a request: success names the email and says `created`. The request's
/// `outcome` is Markdown made by this module.
pub fn outcome(request: &RequestRecord) -> String {
    let email = md(request.email.as_str());
    let person = code(
        request
            .person_id
            .as_ref()
            .map_or("unknown", |id| id.as_str()),
    );
    let tracking = code(request.tracking_id.as_deref().unwrap_or("none"));
    match request.state {
        RequestState::Created => {
            let mut text = format!("✅ **{email}** created. Person id: {person}.");
            if let Some(warning) = &request.outcome {
                text.push_str(&format!("\n\n⚠️ {warning}"));
            }
            text
        }
        RequestState::Exists => format!(
            "ℹ️ **{email}** already has a Webex account (person id {person}), so nothing was created."
        ),
        RequestState::Failed => format!(
            "❌ **{email}** was not created: {}. Webex tracking id: {tracking}.",
            request
                .outcome
                .as_deref()
                .unwrap_or("the reason was not recorded")
        ),
        RequestState::Rejected => format!(
            "🚫 **{email}** was not created: {} rejected the request{}.",
            md(request.decided_by.as_deref().unwrap_or("an approver")),
            request
                .reason
                .as_deref()
                .map(|r| format!(" because \"{}\"", md(r)))
                .unwrap_or_default()
        ),
        RequestState::Expired => format!(
            "⌛ **{email}** was not created: {}. Write **onboard** to ask again.",
            request.outcome.as_deref().unwrap_or("the request expired")
        ),
        RequestState::AwaitingApproval => {
            format!(
                "⏳ The request for **{email}** is waiting for an approver; I will answer here."
            )
        }
        RequestState::Accepted | RequestState::Creating => {
            format!("⏳ The account for **{email}** is being created; I will answer here.")
        }
    }
}

/// To a second submission of a card that was already used.
pub fn already_used(request: &RequestRecord) -> String {
    format!(
        "This form was already used for **{}**, so I did nothing with this submission. \
Write **onboard** for a new form.\n\nIts result: {}",
        md(request.email.as_str()),
        outcome(request)
    )
}

/// When a message could not be read.
pub fn unread(reason: &str) -> String {
    format!(
        "Sorry, I could not read your message: {}. Please write it again later.",
        said(reason)
    )
}

/// When Webex failed before the request could even be read.
pub fn gave_up(reason: &str) -> String {
    format!(
        "❌ I could not handle your form: {}. Nothing was created. Please submit it again later.",
        said(reason)
    )
}

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
            0 => "within a day".to_owned(),
            1 => "in 1 day".to_owned(),
            _ => format!("in {days} days"),
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::webex::{ActionId, MessageId, PersonId, RoomId};

    fn waiting(n: i64) -> RequestRecord {
        let email = format!("hire{n}@example.com");
        let inputs = serde_json::json!({"email": email, "firstName": "Hire"});
        let draft = PersonDraft::from_inputs(
            inputs.as_object().expect("an object"),
            &OrgChoices::default(),
        )
        .expect("a valid draft");
        RequestRecord {
            id: n,
            card_message_id: MessageId::parse(&format!("card{n}")).expect("an id"),
            thread: MessageId::parse(&format!("card{n}")).expect("an id"),
            batch_id: None,
            action_id: ActionId::parse(&format!("action{n}")).expect("an id"),
            room_id: RoomId::parse("room").expect("an id"),
            requester_id: PersonId::parse("mia").expect("an id"),
            requester_email: "mia@example.com".into(),
            email: draft.email().clone(),
            draft,
            state: RequestState::AwaitingApproval,
            stored_state: RequestState::AwaitingApproval,
            create_calls: 0,
            last_status: None,
            person_id: None,
            outcome: None,
            tracking_id: None,
            decision: None,
            decided_by: None,
            reason: None,
            created_at: 0,
        }
    }

    #[test]
    fn pending_lists_ages_and_stays_short_with_a_backlog() {
        let requests: Vec<_> = (0..30).map(waiting).collect();
        let text = pending(&requests, 3 * 60 * 60 * 1000);
        assert!(text.starts_with("30 waiting for approval"), "{text}");
        assert!(
            text.contains("hire0@example.com**, asked by mia@example.com 3 hours ago"),
            "{text}"
        );
        assert!(
            !text.contains("hire25@example.com") && text.ends_with("- and 5 more\n"),
            "{text}"
        );
        assert!(text.len() < 7439);
        assert_eq!(pending(&[], 0), "No request is waiting for approval.");
    }
}
