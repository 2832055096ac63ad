//! A Webex webhook envelope, read once its signature is checked: only `resource`, `event` and
//! `data` matter, and `data` must be what that resource's event carries.

use std::borrow::Cow;

use serde::Deserialize;
use serde_json::value::RawValue;

use crate::domain::{ActionEvent, JobPayload, MessageEvent};

/// The parts of a Webex envelope the edge reads; every other field is optional. Strings borrow
/// from the body unless they hold an escape.
#[derive(Deserialize)]
struct Envelope<'a> {
    #[serde(borrow)]
    resource: Cow<'a, str>,
    #[serde(borrow)]
    event: Cow<'a, str>,
    #[serde(borrow)]
    data: &'a RawValue,
}

/// What a signed delivery asks of the bot.
#[derive(Debug, PartialEq)]
pub enum Delivery {
    /// An event to record as a job, deduplicated on `resource/event/data.id`.
    Event {
        /// `resource/event/data.id`: a redelivery has the same.
        dedupe_key: String,
        /// What the job does.
        payload: JobPayload,
    },
    /// A resource or event the bot does not handle.
    Ignored {
        /// The envelope's resource, as Webex named it.
        resource: String,
    },
}

/// Why a signed delivery cannot be read.
#[derive(Debug, PartialEq, Eq, thiserror::Error)]
pub enum EnvelopeError {
    /// The body is not JSON with `resource`, `event` and `data`.
    #[error("not a webhook envelope: {0}")]
    NotAnEnvelope(String),
    /// `data` is not what the resource's event carries (an id, above all).
    #[error("its data is not what a {0} event carries: {1}")]
    BadData(&'static str, String),
}

/// Reads a delivery's body.
pub fn parse(body: &[u8]) -> Result<Delivery, EnvelopeError> {
    let envelope: Envelope =
        serde_json::from_slice(body).map_err(|e| EnvelopeError::NotAnEnvelope(e.to_string()))?;
    let data = envelope.data.get();
    let (id, payload) = match (envelope.resource.as_ref(), envelope.event.as_ref()) {
        ("messages", "created") => {
            let event = serde_json::from_str::<MessageEvent>(data)
                .map_err(|e| EnvelopeError::BadData("messages", e.to_string()))?;
            (event.id.to_string(), JobPayload::Message(event))
        }
        ("attachmentActions", "created") => {
            let event = serde_json::from_str::<ActionEvent>(data)
                .map_err(|e| EnvelopeError::BadData("attachmentActions", e.to_string()))?;
            (event.id.to_string(), JobPayload::Submission(event))
        }
        _ => {
            return Ok(Delivery::Ignored {
                resource: envelope.resource.into_owned(),
            });
        }
    };
    Ok(Delivery::Event {
        dedupe_key: format!("{}/{}/{id}", envelope.resource, envelope.event),
        payload,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_message_event_becomes_a_job_keyed_on_its_data_id() {
        let body = br#"{"id":"WH","resource":"messages","event":"created","data":{"id":"M1","roomId":"R1","personEmail":"mia@example.com"}}"#;
        let Ok(Delivery::Event {
            dedupe_key,
            payload,
        }) = parse(body)
        else {
            panic!("an event");
        };
        assert_eq!(dedupe_key, "messages/created/M1");
        assert_eq!(payload.kind().as_str(), "message");
    }

    #[test]
    fn other_events_are_ignored_and_bad_ones_refused() {
        let ignored = br#"{"resource":"memberships","event":"created","data":{"id":"X"}}"#;
        assert_eq!(
            parse(ignored),
            Ok(Delivery::Ignored {
                resource: "memberships".into()
            })
        );
        assert!(matches!(parse(b"[]"), Err(EnvelopeError::NotAnEnvelope(_))));
        let no_id = br#"{"resource":"attachmentActions","event":"created","data":{}}"#;
        assert!(matches!(parse(no_id), Err(EnvelopeError::BadData(..))));
        let path = br#"{"resource":"messages","event":"created","data":{"id":"../people/me"}}"#;
        assert!(matches!(parse(path), Err(EnvelopeError::BadData(..))));
    }
}
