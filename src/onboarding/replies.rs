//! Everything the bot says, in one place, so that the words stay consistent.

use crate::store::{RequestRecord, RequestState};

use super::domain::FieldError;

/// The help text, listing the commands.
pub const HELP: &str = "I onboard new hires into Webex. Commands:\n\
- **onboard**: I send you a form; fill it in and press *Create account*.\n\
- **help**: this list.\n\n\
In a group space, @mention me first.";

/// To someone who may not onboard people.
pub const NOT_ALLOWED: &str = "Sorry, you are not allowed to onboard people. \
Ask your Webex administrator to add you to the onboarding requesters.";

/// To a submission of a card the bot did not send.
pub const NOT_OUR_CARD: &str = "That form was not sent by me, so I did nothing with it. \
Write **onboard** to get a new form.";

/// To a submission whose inputs do not make a valid person.
pub fn invalid_form(errors: &[FieldError]) -> String {
    let mut text = String::from("I could not create the account, nothing was changed:\n");
    for error in errors {
        text.push_str(&format!("- {}\n", error.message));
    }
    text.push_str("\nCorrect the form and press *Create account* again.");
    text
}

/// The final answer to a request: success names the email and says `created`.
pub fn outcome(request: &RequestRecord) -> String {
    let email = &request.email;
    let person = request.person_id.as_deref().unwrap_or("unknown");
    let tracking = request.tracking_id.as_deref().unwrap_or("none");
    match request.state {
        RequestState::Created => {
            let mut text = format!("✅ **{email}** created. Person id: `{person}`.");
            if let Some(warning) = &request.outcome {
                text.push_str(&format!("\n\n⚠️ {warning}"));
            }
            text
        }
        RequestState::Exists => format!(
            "ℹ️ **{email}** already has a Webex account (person id `{person}`), so nothing was created."
        ),
        RequestState::Failed => format!(
            "❌ **{email}** was not created: {}. Webex tracking id: `{tracking}`.",
            request
                .outcome
                .as_deref()
                .unwrap_or("the reason was not recorded")
        ),
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
        request.email,
        outcome(request)
    )
}

/// When a message could not be read.
pub fn unread(reason: &str) -> String {
    format!("Sorry, I could not read your message: {reason}. Please write it again later.")
}

/// When Webex failed before the request could even be read.
pub fn gave_up(reason: &str) -> String {
    format!(
        "❌ I could not handle your form: {reason}. Nothing was created. Please submit it again later."
    )
}
