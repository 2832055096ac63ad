//! What the bot says of templates, licenses left, and the steps after a person is created.

use super::md;
use crate::domain::text::at_most;
use crate::domain::{StartSchedule, Step, StepWhat};
use crate::store::StepState;

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
