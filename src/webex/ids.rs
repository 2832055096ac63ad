//! Webex's ids, one type each, checked when they enter the bot: an id only ever holds the
//! characters Webex ids are made of, so it is safe in a URL path and cannot name another route.

use std::fmt;

use serde::{Deserialize, Serialize};

/// The longest id the bot accepts; Webex's are about 80 characters.
const MAX_ID_LEN: usize = 256;

/// Why a text is not a Webex id.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{what} id {shown:?} is not a Webex id")]
pub struct IdError {
    what: &'static str,
    /// The start of the refused text, enough to recognise it in a log line.
    shown: String,
}

/// Whether `text` looks like a Webex id: base64 or UUID characters only.
fn is_webex_id(text: &str) -> bool {
    (1..=MAX_ID_LEN).contains(&text.len())
        && text
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'='))
}

/// What every Webex id type offers, so that code can read any of them.
pub trait WebexId: Sized {
    /// Checks that `text` is a Webex id of this kind.
    fn parse(text: &str) -> Result<Self, IdError>;
}

macro_rules! webex_id {
    ($(#[$doc:meta])* $name:ident, $what:literal) => {
        $(#[$doc])*
        #[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
        #[serde(try_from = "String", into = "String")]
        pub struct $name(String);

        impl $name {
            /// Checks that `text` is a Webex id.
            pub fn parse(text: &str) -> Result<Self, IdError> {
                if is_webex_id(text) {
                    Ok(Self(text.to_owned()))
                } else {
                    Err(IdError {
                        what: $what,
                        shown: text.chars().take(40).collect(),
                    })
                }
            }

            /// The id as Webex wrote it.
            pub fn as_str(&self) -> &str {
                &self.0
            }
        }

        impl WebexId for $name {
            fn parse(text: &str) -> Result<Self, IdError> {
                $name::parse(text)
            }
        }

        impl TryFrom<String> for $name {
            type Error = IdError;
            fn try_from(text: String) -> Result<Self, IdError> {
                Self::parse(&text)
            }
        }

        impl From<$name> for String {
            fn from(id: $name) -> Self {
                id.0
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(&self.0)
            }
        }
    };
}

webex_id!(
    /// A person's id (`personId`), the bot's own included.
    PersonId,
    "person"
);
webex_id!(
    /// A space's id (`roomId`).
    RoomId,
    "room"
);
webex_id!(
    /// A message's id; a card is a message.
    MessageId,
    "message"
);
webex_id!(
    /// A card submission's id (an attachment action).
    ActionId,
    "attachment action"
);
webex_id!(
    /// A team's id (`teamId`).
    TeamId,
    "team"
);

webex_id!(
    /// A webhook registration's id.
    WebhookId,
    "webhook"
);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn webex_ids_parse_and_paths_or_oddities_do_not() {
        let id = "Y2lzY29zcGFyazovL3VzL1BFT1BMRS9mZTBlZDFkOC1iMmIx";
        assert_eq!(PersonId::parse(id).expect("an id").as_str(), id);
        assert!(MessageId::parse("0b9a3c2e-1d4f-4c58-9a7e-2f1b3c4d5e6f").is_ok());
        for bad in [
            "",
            "../people/me",
            "a/b",
            "a?b=c",
            "a b",
            "%2e%2e",
            &"x".repeat(257),
        ] {
            assert!(RoomId::parse(bad).is_err(), "{bad:?}");
        }
        let error = ActionId::parse("../people/me").expect_err("a path");
        assert_eq!(
            error.to_string(),
            "attachment action id \"../people/me\" is not a Webex id"
        );
        let decoded: Result<PersonId, _> = serde_json::from_str("\"../me\"");
        assert!(decoded.is_err());
    }
}
