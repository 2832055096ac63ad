//! Who may onboard people.

use crate::domain::Email;

/// `ONBOARD_REQUESTERS`: exact emails and `@domain` entries. Empty means nobody.
#[derive(Debug, Clone, Default)]
pub struct Requesters {
    emails: Vec<String>,
    domains: Vec<String>,
}

impl Requesters {
    /// Parses the comma-separated list; the error names the entry that is neither form.
    pub fn parse(list: &str) -> Result<Self, String> {
        let mut requesters = Self::default();
        for entry in list.split(',').map(str::trim).filter(|e| !e.is_empty()) {
            if let Some(domain) = entry.strip_prefix('@') {
                if domain.is_empty() || domain.contains('@') {
                    return Err(format!("\"{entry}\" is not an @domain entry"));
                }
                requesters.domains.push(domain.to_ascii_lowercase());
            } else {
                let email = Email::parse(entry)?;
                requesters.emails.push(email.as_str().to_ascii_lowercase());
            }
        }
        Ok(requesters)
    }

    /// Whether this person may onboard people.
    pub fn allows(&self, email: &str) -> bool {
        let Ok(email) = Email::parse(email) else {
            return false;
        };
        let lower = email.as_str().to_ascii_lowercase();
        self.emails.contains(&lower) || self.domains.contains(&email.domain())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn emails_and_domains_are_matched_without_case() {
        let r = Requesters::parse("boss@example.com, @HR.example.com").expect("valid");
        assert!(r.allows("Boss@example.com"));
        assert!(r.allows("anyone@hr.example.com"));
        assert!(!r.allows("other@example.com"));
        assert!(!r.allows("evil@hr.example.com.evil.org"));
    }

    #[test]
    fn an_empty_list_allows_nobody() {
        let r = Requesters::parse(" ").expect("valid");
        assert!(!r.allows("boss@example.com"));
    }

    #[test]
    fn a_malformed_entry_is_refused() {
        assert!(Requesters::parse("boss@example.com, nonsense").is_err());
        assert!(Requesters::parse("@").is_err());
    }
}
