//! What people type, made into data: characters that hide or reorder text removed, line breaks
//! made spaces, and every value capped. What is kept is shown as typed, escaped where it goes
//! into Markdown (see `crate::replies::markdown`).

/// The longest name, department or title kept; Webex takes no more.
pub const MAX_NAME: usize = 128;

/// The longest reason an approver may give.
pub const MAX_REASON: usize = 500;

/// The longest message text the bot reads commands from.
pub const MAX_COMMAND: usize = 1_000;

/// Whether `c` hides text or changes how the text around it reads: control characters (line
/// breaks and tabs too), bidirectional marks and overrides, and zero-width and other invisible
/// format characters.
pub fn is_hidden(c: char) -> bool {
    c.is_control()
        || matches!(c,
            '\u{00AD}'                    // soft hyphen
            | '\u{034F}'                  // combining grapheme joiner
            | '\u{061C}'                  // Arabic letter mark
            | '\u{115F}' | '\u{1160}'     // Hangul fillers
            | '\u{17B4}' | '\u{17B5}'     // Khmer inherent vowels
            | '\u{180B}'..='\u{180F}'     // Mongolian variation selectors and vowel separator
            | '\u{200B}'..='\u{200F}'     // zero-width space, joiners, LRM, RLM
            | '\u{2028}' | '\u{2029}'     // line and paragraph separators
            | '\u{202A}'..='\u{202E}'     // bidirectional embeddings and overrides
            | '\u{2060}'..='\u{206F}'     // word joiner, invisible operators, bidi isolates
            | '\u{3164}'                  // Hangul filler
            | '\u{FE00}'..='\u{FE0F}'     // variation selectors
            | '\u{FEFF}'                  // zero-width no-break space
            | '\u{FFA0}'                  // halfwidth Hangul filler
            | '\u{FFF9}'..='\u{FFFB}'     // interlinear annotations
            | '\u{1D173}'..='\u{1D17A}'   // musical format characters
            | '\u{E0000}'..='\u{E007F}'   // tags
            | '\u{E0100}'..='\u{E01EF}' // variation selectors supplement
        )
}

/// `raw` as one line of plain data: line breaks and tabs become spaces, hidden characters go,
/// and the ends are trimmed.
pub fn clean(raw: &str) -> String {
    let spaced = raw.chars().filter_map(|c| match c {
        '\n' | '\r' | '\t' | '\u{2028}' | '\u{2029}' => Some(' '),
        c if is_hidden(c) => None,
        c => Some(c),
    });
    spaced.collect::<String>().trim().to_owned()
}

/// `text` cut to at most `max` characters, for showing only: what is stored is checked
/// against its cap instead, so that nothing a person typed is cut silently.
pub fn at_most(text: &str, max: usize) -> String {
    match text.char_indices().nth(max) {
        Some((end, _)) => format!("{}…", &text[..end]),
        None => text.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hidden_and_reordering_characters_go_and_line_breaks_become_spaces() {
        assert_eq!(clean("  Jane\u{200B} Doe\n"), "Jane Doe");
        assert_eq!(clean("a\u{202E}cba\u{202C}"), "acba");
        assert_eq!(clean("line\r\nnext\tcol"), "line  next col");
        assert_eq!(clean("\u{0007}bell\u{FEFF}"), "bell");
        assert_eq!(clean("Zoë Ñúñez 山田"), "Zoë Ñúñez 山田");
    }

    #[test]
    fn shown_text_is_cut_on_a_character() {
        assert_eq!(at_most("abcdef", 3), "abc…");
        assert_eq!(at_most("abc", 3), "abc");
        assert_eq!(at_most("ééé", 2), "éé…");
    }
}
