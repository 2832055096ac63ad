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

impl Email {
    /// Parses an address; the error says why it is not one.
    pub fn parse(raw: &str) -> Result<Self, String> {
        let trimmed = raw.trim();
        if trimmed.is_empty() {
            return Err("the email is missing".to_owned());
        }
        let parsed: email_address::EmailAddress = trimmed
            .parse()
            .map_err(|_| format!("\"{trimmed}\" is not a valid email address"))?;
        if !parsed.domain().contains('.') {
            return Err(format!(
                "\"{trimmed}\" is not a valid email address: the domain has no dot"
            ));
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
    fn emails_need_a_dotted_domain() {
        assert!(Email::parse("jane@localhost").is_err());
        assert!(Email::parse("jane doe@example.com").is_err());
        assert_eq!(
            Email::parse("Jane@Example.COM").expect("valid").domain(),
            "example.com"
        );
    }
}
