//! The plain `text` Webex derives from a message sent with `markdown` only: the markup
//! removed, links and mentions written out as a reader sees them.

/// The plain text of a Markdown message: emphasis (`**`, `__`, `*`, `_`), code backticks
/// and heading marks removed, `[label](url)` written `label (url)`, `<url>` written `url`,
/// and a mention `<@personEmail:x|Name>` (or `personId`) written as the name it shows.
///
/// Webex's exact rendering is unverified; this is what its clients show of such markup.
pub fn plain_text(markdown: &str) -> String {
    markdown
        .lines()
        .map(|line| inline(without_heading(line)))
        .collect::<Vec<_>>()
        .join("\n")
}

/// A line less its `#` heading mark, when it has one.
fn without_heading(line: &str) -> &str {
    let trimmed = line.trim_start();
    let level = trimmed.chars().take_while(|&c| c == '#').count();
    if !(1..=6).contains(&level) {
        return line;
    }
    let rest = &trimmed[level..];
    if rest.is_empty() {
        return rest;
    }
    match rest.strip_prefix([' ', '\t']) {
        Some(title) => title.trim_start(),
        None => line,
    }
}

/// A line's inline markup, removed or written out.
fn inline(text: &str) -> String {
    let chars: Vec<char> = text.chars().collect();
    let mut plain = String::with_capacity(text.len());
    let mut index = 0;
    while let Some(&c) = chars.get(index) {
        let previous = index.checked_sub(1).and_then(|at| chars.get(at)).copied();
        let next = chars.get(index + 1).copied();
        match c {
            '\\' if next.is_some_and(|next| next.is_ascii_punctuation()) => {
                plain.extend(next);
                index += 2;
                continue;
            }
            '`' => {}
            '*' | '_' if next == Some(c) => index += 1,
            '*' | '_' if is_emphasis(c, previous, next) => {}
            '<' => {
                if let Some((written, length)) = angle(&chars[index..]) {
                    plain.push_str(&written);
                    index += length;
                    continue;
                }
                plain.push(c);
            }
            '[' => {
                if let Some((written, length)) = link(&chars[index..]) {
                    plain.push_str(&written);
                    index += length;
                    continue;
                }
                plain.push(c);
            }
            _ => plain.push(c),
        }
        index += 1;
    }
    plain
}

/// Whether a single `*` or `_` opens or closes emphasis: it touches text on one side only.
/// An underscore inside a word (`snake_case`, `jane_doe@example.com`) is no markup.
fn is_emphasis(marker: char, previous: Option<char>, next: Option<char>) -> bool {
    let is_text = |c: Option<char>| c.is_some_and(|c| !c.is_whitespace());
    let is_word = |c: Option<char>| c.is_some_and(char::is_alphanumeric);
    if marker == '_' && is_word(previous) && is_word(next) {
        return false;
    }
    is_text(previous) != is_text(next) || (is_text(previous) && marker == '*')
}

/// `<...>` at the start of `chars`: a mention or an autolink, written out, with the number
/// of characters it spans.
fn angle(chars: &[char]) -> Option<(String, usize)> {
    let end = chars.iter().position(|&c| c == '>')?;
    let inner: String = chars[1..end].iter().collect();
    let written = if let Some(mention) = inner.strip_prefix('@') {
        match mention.split_once('|') {
            Some((_, name)) => name.to_owned(),
            None => mention
                .split_once(':')
                .map_or(mention, |(_, target)| target)
                .to_owned(),
        }
    } else if ["http://", "https://", "mailto:"]
        .iter()
        .any(|scheme| inner.starts_with(scheme))
    {
        inner
    } else {
        return None;
    };
    Some((written, end + 1))
}

/// `[label](url)` at the start of `chars`, written `label (url)`, with the number of
/// characters it spans.
fn link(chars: &[char]) -> Option<(String, usize)> {
    let close = chars.iter().position(|&c| c == ']')?;
    if chars.get(close + 1) != Some(&'(') {
        return None;
    }
    let end = close + 1 + chars[close + 1..].iter().position(|&c| c == ')')?;
    let label: String = chars[1..close].iter().collect();
    let url: String = chars[close + 2..end].iter().collect();
    Some((format!("{} ({url})", inline(&label)), end + 1))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn emphasis_code_and_headings_are_removed() {
        assert_eq!(plain_text("**Hello** _world_"), "Hello world");
        assert_eq!(plain_text("__Bold__ and *italic*"), "Bold and italic");
        assert_eq!(
            plain_text("# Title\n## Sub title\ntext"),
            "Title\nSub title\ntext"
        );
        assert_eq!(plain_text("Run `cargo test` now"), "Run cargo test now");
        assert_eq!(plain_text("```\ncode\n```"), "\ncode\n");
        assert_eq!(plain_text("#hashtag"), "#hashtag");
    }

    #[test]
    fn links_and_mentions_are_written_as_a_reader_sees_them() {
        assert_eq!(
            plain_text("See [the docs](https://example.com/d) or <https://example.com>"),
            "See the docs (https://example.com/d) or https://example.com"
        );
        assert_eq!(
            plain_text("Hi <@personEmail:jane@example.com|Jane Doe>, meet <@personId:abc|Ann>"),
            "Hi Jane Doe, meet Ann"
        );
        assert_eq!(
            plain_text("cc <@personEmail:jane@example.com>"),
            "cc jane@example.com"
        );
        assert_eq!(plain_text("[**bold** label](u)"), "bold label (u)");
    }

    #[test]
    fn what_is_not_markup_stays() {
        assert_eq!(
            plain_text("jane_doe@example.com uses snake_case"),
            "jane_doe@example.com uses snake_case"
        );
        assert_eq!(plain_text("2 * 3 = 6 and a < b"), "2 * 3 = 6 and a < b");
        assert_eq!(plain_text("an \\*escaped\\* star"), "an *escaped* star");
        assert_eq!(plain_text("[not a link] (x)"), "[not a link] (x)");
    }
}
