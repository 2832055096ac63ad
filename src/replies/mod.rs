//! Everything the bot says, in one place, so that the words stay consistent. Whatever a person
//! typed, or Webex answered, goes in through [`md`]: it is shown, never obeyed.

mod alerts;
pub mod batch;
mod helpdesk;
pub mod markdown;
mod steps;

pub use alerts::*;
pub use helpdesk::*;
pub use markdown::{MAX_MESSAGE_BYTES, escape as md, shorten};
pub use steps::*;

use crate::domain::text::at_most;
use crate::domain::{Decision, FieldError, OrgChoices, PersonDraft, RequestState};
use crate::store::{Limit, RequestRecord};
use crate::webex::WebexError;

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
