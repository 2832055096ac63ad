//! A card's submission, read once: the onboarding form's inputs, or an approver's decision.

use serde_json::{Map, Value};

use super::{CARD_CONTENT_TYPE, key};
use crate::domain::text::{MAX_REASON, clean};
use crate::domain::{CardKind, Decision};

/// What a submitted card says.
#[derive(Debug, Clone, PartialEq)]
pub enum Submission {
    /// The onboarding form: its inputs, without the button's own key.
    Form(Map<String, Value>),
    /// A click on an approval card, with the approver's reason when one was given.
    Decision {
        /// Approve or Reject.
        decision: Decision,
        /// What the approver wrote, one line of plain data, at most [`MAX_REASON`] characters
        /// (the card allows no more; a forged longer one is cut); none when blank.
        reason: Option<String>,
    },
    /// A click on a batch's preview.
    Batch(BatchChoice),
    /// A button the card does not have: the submission was forged or is from another card.
    Unknown,
}

/// What a batch's sender chose on its preview.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BatchChoice {
    Confirm,
    Cancel,
}

impl Submission {
    /// Reads the inputs of a submission of a card of this kind.
    pub fn parse(kind: CardKind, mut inputs: Map<String, Value>) -> Self {
        let action = inputs.remove(key::ACTION);
        let action = action.as_ref().and_then(Value::as_str);
        match (kind, action) {
            // Webex always merges the button's data in; a form without it is still the form.
            (CardKind::Onboarding, Some(key::ONBOARD) | None) => Self::Form(inputs),
            (CardKind::BatchPreview, Some(key::BATCH_CONFIRM)) => Self::Batch(BatchChoice::Confirm),
            (CardKind::BatchPreview, Some(key::BATCH_CANCEL)) => Self::Batch(BatchChoice::Cancel),
            (
                CardKind::Approval | CardKind::BatchApproval,
                Some(clicked @ (key::APPROVE | key::REJECT)),
            ) => {
                let reason = inputs
                    .get(key::REASON)
                    .and_then(Value::as_str)
                    .map(|reason| clean(reason).chars().take(MAX_REASON).collect::<String>())
                    .filter(|reason| !reason.is_empty());
                let decision = if clicked == key::APPROVE {
                    Decision::Approved
                } else {
                    Decision::Rejected
                };
                Self::Decision { decision, reason }
            }
            _ => Self::Unknown,
        }
    }
}

/// Which of the bot's cards a message carries, read from the card itself: its kind, and the
/// request or batch it is about. For a card the store has no record of yet.
pub fn identify(attachments: &[Value]) -> Option<(CardKind, Option<i64>)> {
    let card = attachments
        .iter()
        .find(|a| a["contentType"] == CARD_CONTENT_TYPE)?;
    let data = &card["content"]["actions"][0]["data"];
    let id = |key: &str| data[key].as_str().and_then(|id| id.parse().ok());
    match data[key::ACTION].as_str()? {
        key::ONBOARD => Some((CardKind::Onboarding, None)),
        key::APPROVE => match id(key::REQUEST_ID) {
            Some(request_id) => Some((CardKind::Approval, Some(request_id))),
            None => Some((CardKind::BatchApproval, Some(id(key::BATCH_ID)?))),
        },
        key::BATCH_CONFIRM => Some((CardKind::BatchPreview, Some(id(key::BATCH_ID)?))),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn inputs(value: Value) -> Map<String, Value> {
        value.as_object().cloned().unwrap_or_default()
    }

    #[test]
    fn a_form_and_a_decision_are_told_apart_by_their_button_and_card() {
        let form = Submission::parse(
            CardKind::Onboarding,
            inputs(json!({"action": "onboard", "email": "jane@example.com"})),
        );
        assert_eq!(
            form,
            Submission::Form(inputs(json!({"email": "jane@example.com"})))
        );
        let rejected = Submission::parse(
            CardKind::Approval,
            inputs(json!({"action": "reject", "requestId": "7", "reason": "  no budget "})),
        );
        assert_eq!(
            rejected,
            Submission::Decision {
                decision: Decision::Rejected,
                reason: Some("no budget".into())
            }
        );
        // A forged reason loses its hidden characters and is cut to the card's limit.
        let forged = Submission::parse(
            CardKind::Approval,
            inputs(
                json!({"action": "approve", "reason": format!("a\u{202E}\n{}", "b".repeat(900))}),
            ),
        );
        let Submission::Decision {
            reason: Some(reason),
            ..
        } = forged
        else {
            panic!("not a decision: {forged:?}");
        };
        assert_eq!(reason.chars().count(), 500);
        assert!(reason.starts_with("a b"));
        // An approval button on a form, or no button at all, is not trusted.
        assert_eq!(
            Submission::parse(
                CardKind::Onboarding,
                inputs(json!({"email": "x@example.com"}))
            ),
            Submission::Form(inputs(json!({"email": "x@example.com"})))
        );
        for (kind, value) in [
            (CardKind::Onboarding, json!({"action": "approve"})),
            (CardKind::Approval, json!({"action": "onboard"})),
            (CardKind::Approval, json!({"email": "x@example.com"})),
        ] {
            assert_eq!(Submission::parse(kind, inputs(value)), Submission::Unknown);
        }
    }

    #[test]
    fn the_bots_cards_are_identified_from_their_buttons() {
        let card = |data: Value| {
            vec![json!({"contentType": CARD_CONTENT_TYPE,
                        "content": {"type": "AdaptiveCard", "actions": [{"type": "Action.Submit", "data": data}]}})]
        };
        assert_eq!(
            identify(&card(json!({"action": "onboard"}))),
            Some((CardKind::Onboarding, None))
        );
        assert_eq!(
            identify(&card(json!({"action": "approve", "requestId": "12"}))),
            Some((CardKind::Approval, Some(12)))
        );
        assert_eq!(identify(&card(json!({"action": "approve"}))), None);
        assert_eq!(identify(&card(json!({"action": "other"}))), None);
        assert_eq!(identify(&[]), None);
    }
}
