//! What a person can write to the bot.

/// A chat command, read from a message's text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Command {
    /// `onboard`: send the onboarding card.
    Onboard,
    /// `status EMAIL`: what Webex knows of that person.
    Status(String),
    /// `pending`: the requests waiting for an approver.
    Pending,
    /// `help`, or anything the bot does not know.
    Help,
}

impl Command {
    /// Reads the command from a message's text, once the bot's own mention is removed.
    pub fn parse(text: &str) -> Self {
        let mut words = text.split_whitespace();
        let first = words.next().unwrap_or("").to_lowercase();
        match (first.as_str(), words.next()) {
            ("onboard", _) => Self::Onboard,
            ("status", Some(email)) => Self::Status(email.trim_matches(['<', '>']).to_owned()),
            ("pending", _) => Self::Pending,
            _ => Self::Help,
        }
    }
}

/// Removes the bot's @mention from the start of a message.
///
/// In a group space Webex starts the text with the mention's display text: the bot's whole
/// display name, or only its first word when the person shortened the mention.
pub fn strip_mention<'a>(text: &'a str, bot_name: &str, mentioned: bool) -> &'a str {
    let text = text.trim_start();
    if !mentioned || bot_name.is_empty() {
        return text;
    }
    let first_word = bot_name.split_whitespace().next().unwrap_or(bot_name);
    for name in [bot_name, first_word] {
        if let Some(head) = text.get(..name.len())
            && head.eq_ignore_ascii_case(name)
        {
            return text[name.len()..].trim_start();
        }
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn onboard_is_recognised_in_any_case() {
        assert_eq!(Command::parse("  ONBOARD please"), Command::Onboard);
        assert_eq!(Command::parse("Onboard"), Command::Onboard);
        assert_eq!(Command::parse("onboarding"), Command::Help);
        assert_eq!(Command::parse(""), Command::Help);
        assert_eq!(
            Command::parse("Status jane@example.com"),
            Command::Status("jane@example.com".into())
        );
        assert_eq!(Command::parse("status"), Command::Help);
        assert_eq!(Command::parse("PENDING"), Command::Pending);
    }

    #[test]
    fn the_mention_is_stripped_by_full_or_first_name() {
        assert_eq!(
            strip_mention("Onboarding Bot onboard", "Onboarding Bot", true),
            "onboard"
        );
        assert_eq!(
            strip_mention("onboarding onboard", "Onboarding Bot", true),
            "onboard"
        );
        assert_eq!(
            strip_mention("Onboarding Bot onboard", "Onboarding Bot", false),
            "Onboarding Bot onboard"
        );
    }
}
