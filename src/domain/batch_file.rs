//! A cohort's spreadsheet, as helpdesk staff send it in chat: one person a line, read into the
//! same inputs the onboarding card gives, so that every row is checked by the card's rules.
//!
//! Two sets of headers are understood: the card's input ids (`email`, `firstName`, ...) and
//! Control Hub's user CSV headers (`User ID/Email (Required)`, `First Name`, ...). The file may
//! start with a byte order mark, and use commas or semicolons; several values in one cell are
//! separated by `;` or `|`.

use serde_json::{Map, Value};

use super::person::input;

/// The largest file read: 2 MiB.
pub const MAX_FILE_BYTES: usize = 2 * 1024 * 1024;

/// The most rows a file may hold unless `ONBOARD_BULK_MAX_ROWS` says otherwise.
pub const DEFAULT_MAX_ROWS: usize = 5_000;

/// The longest cell kept: longer ones are cut here, and the card's own caps refuse them.
const MAX_CELL: usize = 1_024;

/// One person's line of the file.
#[derive(Debug, Clone, PartialEq)]
pub struct FileRow {
    /// The line of the file it starts on, as a spreadsheet numbers it (the headers are line 1).
    pub line: u64,
    /// Its cells under the card's input ids; several values joined with commas, as a card's
    /// multi-select gives them.
    pub inputs: Map<String, Value>,
}

/// Why a file cannot be read at all.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum FileError {
    #[error("the file is not UTF-8 text: save it as \"CSV UTF-8\" and send it again")]
    NotUtf8,
    #[error("the file has no header line")]
    Empty,
    #[error(
        "the file has no email column: name it `email` or `User ID/Email (Required)` in the first line"
    )]
    NoEmailColumn,
    #[error("the file holds more than {max} people: split it into files of at most {max} rows")]
    TooManyRows { max: usize },
    #[error("the file cannot be read as CSV at line {line}: {reason}")]
    Unreadable { line: u64, reason: String },
}

/// The card input a header names, whichever of the two header sets it comes from.
fn column_of(header: &str) -> Option<&'static str> {
    let header = header.trim().trim_matches('"').trim();
    let card_ids = [
        input::EMAIL,
        input::FIRST_NAME,
        input::LAST_NAME,
        input::DISPLAY_NAME,
        input::DEPARTMENT,
        input::TITLE,
        input::MANAGER_EMAIL,
        input::LICENSES,
        input::LOCATION_ID,
        input::PHONE_NUMBERS,
        input::EXTENSION,
        input::TEMPLATE,
        input::START_DATE,
    ];
    if let Some(id) = card_ids.iter().find(|id| id.eq_ignore_ascii_case(header)) {
        return Some(id);
    }
    // Control Hub's headers; a location there is a name, which is looked up like an id.
    let control_hub = [
        ("User ID/Email (Required)", input::EMAIL),
        ("User ID/Email", input::EMAIL),
        ("First Name", input::FIRST_NAME),
        ("Last Name", input::LAST_NAME),
        ("Display Name", input::DISPLAY_NAME),
        ("Phone Number", input::PHONE_NUMBERS),
        ("Location", input::LOCATION_ID),
        ("Manager", input::MANAGER_EMAIL),
        ("Manager Email", input::MANAGER_EMAIL),
    ];
    control_hub
        .iter()
        .find(|(name, _)| name.eq_ignore_ascii_case(header))
        .map(|(_, id)| *id)
}

/// Whether a cell may hold several values.
fn is_multi(id: &str) -> bool {
    id == input::LICENSES || id == input::PHONE_NUMBERS
}

/// The delimiter of the header line: the one of `,` and `;` found more often outside quotes.
fn delimiter_of(text: &str) -> u8 {
    let (mut commas, mut semicolons, mut quoted) = (0, 0, false);
    for c in text.chars() {
        match c {
            '\n' | '\r' if !quoted => break,
            '"' => quoted = !quoted,
            ',' if !quoted => commas += 1,
            ';' if !quoted => semicolons += 1,
            _ => {}
        }
    }
    if semicolons > commas { b';' } else { b',' }
}

/// Reads a file of at most `max_rows` people. Blank lines are skipped; a row's unknown columns
/// are ignored, and a missing cell reads as empty.
pub fn read(bytes: &[u8], max_rows: usize) -> Result<Vec<FileRow>, FileError> {
    let text = std::str::from_utf8(bytes).map_err(|_| FileError::NotUtf8)?;
    let text = text.strip_prefix('\u{FEFF}').unwrap_or(text);
    let mut reader = csv::ReaderBuilder::new()
        .delimiter(delimiter_of(text))
        .flexible(true)
        .has_headers(true)
        .from_reader(text.as_bytes());
    let unreadable = |e: csv::Error| FileError::Unreadable {
        line: e.position().map_or(0, csv::Position::line),
        reason: match e.kind() {
            csv::ErrorKind::Utf8 { .. } => "it is not UTF-8".to_owned(),
            _ => e.to_string(),
        },
    };
    let headers = reader.headers().map_err(unreadable)?.clone();
    if headers.iter().all(|h| h.trim().is_empty()) {
        return Err(FileError::Empty);
    }
    let columns: Vec<Option<&'static str>> = headers.iter().map(column_of).collect();
    if !columns.contains(&Some(input::EMAIL)) {
        return Err(FileError::NoEmailColumn);
    }
    let mut rows = Vec::new();
    // Lines counted from byte offsets: the reader's own count leaves blank lines out.
    let (mut counted_to, mut line) = (0_usize, 1_u64);
    for record in reader.records() {
        let record = record.map_err(unreadable)?;
        if record.iter().all(|cell| cell.trim().is_empty()) {
            continue;
        }
        if rows.len() == max_rows {
            return Err(FileError::TooManyRows { max: max_rows });
        }
        let mut inputs = Map::new();
        for (cell, column) in record.iter().zip(&columns) {
            let Some(id) = column else { continue };
            let cell: String = cell.trim().chars().take(MAX_CELL).collect();
            if cell.is_empty() || inputs.contains_key(*id) {
                continue;
            }
            let value = if is_multi(id) {
                cell.split([';', '|', ','])
                    .map(str::trim)
                    .filter(|v| !v.is_empty())
                    .collect::<Vec<_>>()
                    .join(",")
            } else {
                cell
            };
            inputs.insert((*id).to_owned(), Value::from(value));
        }
        let at = record
            .position()
            .map_or(counted_to, |p| {
                usize::try_from(p.byte()).unwrap_or(usize::MAX)
            })
            .min(text.len());
        // The reader's position is where it began to look: before any blank line it skipped.
        let at = at
            + text.as_bytes()[at..]
                .iter()
                .take_while(|b| matches!(b, b'\n' | b'\r'))
                .count();
        let newlines = text.as_bytes()[counted_to.min(at)..at]
            .iter()
            .filter(|b| **b == b'\n')
            .count();
        line += u64::try_from(newlines).unwrap_or(0);
        counted_to = at;
        rows.push(FileRow { line, inputs });
    }
    Ok(rows)
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn inputs(rows: &[FileRow]) -> Vec<Value> {
        rows.iter()
            .map(|r| Value::Object(r.inputs.clone()))
            .collect()
    }

    #[test]
    fn the_cards_headers_give_the_cards_inputs_with_their_lines() {
        let file = "email,firstName,lastName,licenses\n\
                    jane@example.com,Jane,Doe,L1|L2\n\
                    \n\
                    \"kim@example.com\",\"Kim, Jr.\",Lee,\n";
        let rows = read(file.as_bytes(), 10).expect("a file");
        assert_eq!(
            inputs(&rows),
            vec![
                json!({"email": "jane@example.com", "firstName": "Jane", "lastName": "Doe", "licenses": "L1,L2"}),
                json!({"email": "kim@example.com", "firstName": "Kim, Jr.", "lastName": "Lee"}),
            ]
        );
        assert_eq!(rows.iter().map(|r| r.line).collect::<Vec<_>>(), [2, 4]);
    }

    #[test]
    fn control_hubs_headers_a_bom_and_semicolons_are_read() {
        let file = "\u{FEFF}User ID/Email (Required);First Name;Last Name;Display Name;Phone Number;Location;Caller ID\n\
                    jane@example.com;Jane;Doe;Jane D.;\"+14085550100|+14085550101\";HQ;x\n";
        let rows = read(file.as_bytes(), 10).expect("a file");
        assert_eq!(
            inputs(&rows),
            vec![json!({
                "email": "jane@example.com", "firstName": "Jane", "lastName": "Doe",
                "displayName": "Jane D.", "phoneNumbers": "+14085550100,+14085550101",
                "locationId": "HQ"
            })]
        );
    }

    #[test]
    fn a_file_that_cannot_be_a_cohort_says_why() {
        assert_eq!(read(b"", 10), Err(FileError::Empty));
        assert_eq!(
            read(b"name,title\nJane,Engineer\n", 10),
            Err(FileError::NoEmailColumn)
        );
        assert_eq!(read(b"email\n\xff\xfe\n", 10), Err(FileError::NotUtf8));
        let many: String = std::iter::once("email\n".to_owned())
            .chain((0..11).map(|n| format!("p{n}@example.com\n")))
            .collect();
        assert_eq!(
            read(many.as_bytes(), 10),
            Err(FileError::TooManyRows { max: 10 })
        );
        assert_eq!(read(many.as_bytes(), 11).map(|rows| rows.len()), Ok(11));
    }

    #[test]
    fn a_short_row_reads_its_missing_cells_as_empty_and_a_long_cell_is_capped() {
        let file = format!(
            "email,firstName,title\njane@example.com\nkim@example.com,Kim,{}\n",
            "t".repeat(5000)
        );
        let rows = read(file.as_bytes(), 10).expect("a file");
        assert_eq!(inputs(&rows)[0], json!({"email": "jane@example.com"}));
        assert_eq!(
            rows[1].inputs["title"].as_str().map(str::len),
            Some(MAX_CELL)
        );
    }
}
