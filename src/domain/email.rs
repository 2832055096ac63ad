//! An email address as Webex takes it.

use std::fmt;

use serde::{Deserialize, Serialize};

/// An email address that parsed, trimmed, as Webex would accept it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct Email(String);

impl TryFrom<String> for Email {
    type Error = String;
    fn try_from(raw: String) -> Result<Self, String> {
        Self::parse(&raw)
    }
}

impl From<Email> for String {
    fn from(email: Email) -> Self {
        email.0
    }
}

/// The longest address: what fits in SMTP's path.
pub const MAX_EMAIL: usize = 254;

/// The longest local part (before the `@`).
const MAX_LOCAL: usize = 64;

/// The longest domain label.
const MAX_LABEL: usize = 63;

/// Characters a local part may hold: letters, digits and `. _ + - '`. Stricter than the RFCs
/// on purpose: no quoted parts, no display name, and nothing that is markup in a message, so
/// that an address is shown as it is, everywhere.
fn is_local_char(b: u8) -> bool {
    b.is_ascii_alphanumeric() || matches!(b, b'.' | b'_' | b'+' | b'-' | b'\'')
}

impl Email {
    /// Parses an address, strictly: `local@domain` and nothing around it. The error says why
    /// it is not one, without repeating what was typed (that goes back in the form's field).
    pub fn parse(raw: &str) -> Result<Self, String> {
        let trimmed = raw.trim();
        if trimmed.is_empty() {
            return Err("the email is missing".to_owned());
        }
        if trimmed.chars().count() > MAX_EMAIL {
            return Err(format!(
                "an email address has at most {MAX_EMAIL} characters"
            ));
        }
        let invalid = |why: &str| Err(format!("this is not a valid email address: {why}"));
        let Some((local, domain)) = trimmed.split_once('@') else {
            return invalid("it has no @");
        };
        if domain.contains('@') {
            return invalid("it has more than one @ (write the address alone, without a name)");
        }
        if local.is_empty() || local.len() > MAX_LOCAL {
            return invalid("the part before the @ must have 1 to 64 characters");
        }
        if !local.bytes().all(is_local_char) {
            return invalid(
                "before the @, use only letters, digits and . _ + - ' (no spaces, quotes or brackets)",
            );
        }
        if local.starts_with('.') || local.ends_with('.') || local.contains("..") {
            return invalid("a dot cannot start or end the part before the @, or follow a dot");
        }
        let labels: Vec<&str> = domain.split('.').collect();
        if labels.len() < 2 {
            return invalid("the domain has no dot");
        }
        let label_ok = |label: &&str| {
            (1..=MAX_LABEL).contains(&label.len())
                && label
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b == b'-')
                && !label.starts_with('-')
                && !label.ends_with('-')
        };
        if !labels.iter().all(label_ok) {
            return invalid(
                "the domain must be names of letters, digits and hyphens, joined by dots",
            );
        }
        let top = labels.last().copied().unwrap_or_default();
        if top.len() < 2 || !top.bytes().all(|b| b.is_ascii_alphabetic()) {
            return invalid("the domain must end in a name of letters, such as .com");
        }
        Ok(Self(trimmed.to_owned()))
    }

    /// The address as entered.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The domain part, lower-cased.
    pub fn domain(&self) -> String {
        self.0
            .rsplit_once('@')
            .map(|(_, d)| d.to_ascii_lowercase())
            .unwrap_or_default()
    }
}

impl fmt::Display for Email {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn display_names_quotes_markup_and_overlong_addresses_are_refused() {
        for bad in [
            "<@all> [Approve here](https://evil.example/login) <hire2@example.com>",
            "Jane Doe <jane@example.com>",
            "\"jane doe\"@example.com",
            "jane@example.com>",
            "<jane@example.com>",
            "jane(comment)@example.com",
            "jane@[127.0.0.1]",
            "jane@exa_mple.com",
            "jane@-example.com",
            "jane@example.c0m",
            ".jane@example.com",
            "ja..ne@example.com",
            "jane@@example.com",
            "j*ne@example.com",
        ] {
            assert!(Email::parse(bad).is_err(), "{bad} was taken");
        }
        let long_local = format!("{}@example.com", "a".repeat(65));
        assert!(Email::parse(&long_local).is_err());
        let long = format!("a@{}.com", vec!["b".repeat(63); 4].join("."));
        assert!(long.len() > MAX_EMAIL && Email::parse(&long).is_err());
        for good in [
            "jane.doe@example.com",
            "o'brien+hr@mail.example.co.uk",
            "first_last-2@sub-domain.example.org",
        ] {
            assert_eq!(Email::parse(good).expect(good).as_str(), good);
        }
    }

    #[test]
    fn emails_need_a_dotted_domain() {
        assert!(Email::parse("jane@localhost").is_err());
        assert!(Email::parse("jane doe@example.com").is_err());
        assert_eq!(
            Email::parse("Jane@Example.COM").expect("valid").domain(),
            "example.com"
        );
    }
}
