//! Markdown for what people typed: every character that could start markup is escaped, so
//! that no mention, link, heading, emphasis or code survives, while a reader sees the text as
//! it was typed. And a message too long for Webex is shortened, never refused.

/// The most bytes Webex takes in a message's `markdown` (or `text`).
pub const MAX_MESSAGE_BYTES: usize = 7439;

/// The characters that start or end markup wherever they are: escapes, code, emphasis,
/// strike-through, links and images, mentions and autolinks, headings, tables, entities.
const MARKUP: [char; 16] = [
    '\\', '`', '*', '~', '[', ']', '(', ')', '!', '<', '>', '{', '}', '#', '|', '&',
];

/// `text` as Markdown that reads as `text`, on one line: line breaks become spaces, hidden
/// characters go (see [`crate::domain::text::clean`]), and every ASCII character that can start
/// markup is escaped with a backslash. An underscore inside a word (`first_last`) is no markup
/// and stays as it is, so that addresses and ids read the same in the raw message.
pub fn escape(text: &str) -> String {
    let clean = crate::domain::text::clean(text);
    let chars: Vec<char> = clean.chars().collect();
    let mut escaped = String::with_capacity(clean.len() + clean.len() / 8);
    for (at, &c) in chars.iter().enumerate() {
        let word = |c: Option<&char>| c.is_some_and(|c| c.is_alphanumeric());
        let markup = match c {
            '_' => !(at > 0 && word(chars.get(at - 1)) && word(chars.get(at + 1))),
            // A list item, when the text starts a line.
            '-' | '+' => at == 0,
            '.' => at > 0 && chars[..at].iter().all(char::is_ascii_digit),
            c => MARKUP.contains(&c),
        };
        if markup {
            escaped.push('\\');
        }
        escaped.push(c);
    }
    escaped
}

/// `markdown` cut to at most `max` bytes when it is longer, on a character and never inside a
/// backslash escape, and marked as shortened.
pub fn shorten(markdown: &str, max: usize) -> String {
    const MARK: &str = " … (shortened)";
    if markdown.len() <= max {
        return markdown.to_owned();
    }
    let mut end = max.saturating_sub(MARK.len());
    while !markdown.is_char_boundary(end) {
        end -= 1;
    }
    let mut kept = &markdown[..end];
    // An odd run of backslashes at the end would escape the mark's first character.
    let trailing = kept.bytes().rev().take_while(|&b| b == b'\\').count();
    if trailing % 2 == 1 {
        kept = &kept[..kept.len() - 1];
    }
    format!("{kept}{MARK}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mentions_links_and_headings_are_escaped_and_read_as_typed() {
        assert_eq!(
            escape("<@all> [Approve here](https://evil.example/login)"),
            "\\<@all\\> \\[Approve here\\]\\(https://evil.example/login\\)"
        );
        assert_eq!(escape("# Boss"), "\\# Boss");
        assert_eq!(
            escape("**bold** `code` ~~x~~"),
            "\\*\\*bold\\*\\* \\`code\\` \\~\\~x\\~\\~"
        );
        assert_eq!(escape("first_last _em_"), "first_last \\_em\\_");
        assert_eq!(escape("a__b"), "a\\_\\_b");
        assert_eq!(escape("1. item"), "1\\. item");
        assert_eq!(escape("- item"), "\\- item");
        assert_eq!(escape("line\n# two"), "line \\# two");
        assert_eq!(escape("AT&T &lt;"), "AT\\&T \\&lt;");
        assert_eq!(escape("jane.doe@example.com"), "jane.doe@example.com");
    }

    #[test]
    fn a_long_message_is_cut_on_a_character_and_never_inside_an_escape() {
        let short = "x".repeat(10);
        assert_eq!(shorten(&short, 10), short);
        let long = "é".repeat(5000);
        let cut = shorten(&long, MAX_MESSAGE_BYTES);
        assert!(cut.len() <= MAX_MESSAGE_BYTES && cut.ends_with("(shortened)"));
        let escapes = "\\<".repeat(5000);
        let cut = shorten(&escapes, 101);
        assert!(cut.len() <= 101);
        let body = cut.trim_end_matches(" … (shortened)");
        assert_eq!(
            body.bytes().rev().take_while(|&b| b == b'\\').count() % 2,
            0
        );
    }
}
