//! The helpdesk's questions in chat: `status EMAIL` and `pending`.

use super::{code, md, said};
use crate::domain::OrgChoices;
use crate::store::RequestRecord;
use crate::webex::Person;

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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::{PersonDraft, RequestState};
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
