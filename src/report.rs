//! `webex-onboard audit`: the audit trail as a table for people, or as JSON lines for tools.

use std::io::Write;

use serde_json::json;

use crate::store::AuditRecord;

/// Writes the trail as an aligned table, one entry a line.
pub fn table(entries: &[AuditRecord], out: &mut impl Write) -> std::io::Result<()> {
    let headers = [
        "time (UTC)",
        "actor",
        "action",
        "request",
        "batch",
        "email",
        "result",
        "tracking id",
        "reason",
    ];
    let rows: Vec<[String; 9]> = entries
        .iter()
        .map(|e| {
            let cells = [
                utc(e.at),
                e.actor.clone(),
                e.action.clone(),
                e.request_id.map(|id| id.to_string()).unwrap_or_default(),
                e.batch_id.map(|id| id.to_string()).unwrap_or_default(),
                e.email.clone().unwrap_or_default(),
                e.result.clone().unwrap_or_default(),
                e.tracking_id.clone().unwrap_or_default(),
                // A decision's detail is the approver's reason; other details are JSON for --json.
                match e.action.as_str() {
                    "approved" | "rejected" => e.detail.clone().unwrap_or_default(),
                    _ => String::new(),
                },
            ];
            cells.map(|cell| visible(&cell))
        })
        .collect();
    let mut widths = headers.map(str::len);
    for row in &rows {
        for (width, cell) in widths.iter_mut().zip(row) {
            *width = (*width).max(cell.chars().count());
        }
    }
    let line = |cells: &[&str]| {
        cells
            .iter()
            .zip(widths)
            .map(|(cell, width)| format!("{cell:<width$}"))
            .collect::<Vec<_>>()
            .join("  ")
            .trim_end()
            .to_owned()
    };
    writeln!(out, "{}", line(&headers))?;
    for row in &rows {
        let cells: Vec<&str> = row.iter().map(String::as_str).collect();
        writeln!(out, "{}", line(&cells))?;
    }
    if rows.is_empty() {
        writeln!(out, "(no entries)")?;
    }
    Ok(())
}

/// A cell as the terminal should show it: control and hidden characters written as escapes
/// (`\n`, `\u{202e}`), so that no cell can start a line, move the cursor or reorder text, and
/// a row cannot be forged.
fn visible(cell: &str) -> String {
    let mut shown = String::with_capacity(cell.len());
    for c in cell.chars() {
        match c {
            '\\' => shown.push_str("\\\\"),
            '\n' => shown.push_str("\\n"),
            '\r' => shown.push_str("\\r"),
            '\t' => shown.push_str("\\t"),
            c if crate::domain::text::is_hidden(c) => {
                shown.push_str(&format!("\\u{{{:x}}}", u32::from(c)));
            }
            c => shown.push(c),
        }
    }
    shown
}

/// Writes the trail as one JSON object a line, with what was sent to Webex.
pub fn json_lines(entries: &[AuditRecord], out: &mut impl Write) -> std::io::Result<()> {
    for e in entries {
        let sent = e
            .detail
            .as_deref()
            .map(|d| serde_json::from_str(d).unwrap_or_else(|_| json!(d)));
        let line = json!({
            "at": utc(e.at), "actor": e.actor, "action": e.action, "requestId": e.request_id,
            "batchId": e.batch_id, "email": e.email, "detail": sent, "result": e.result, "trackingId": e.tracking_id,
        });
        writeln!(out, "{line}")?;
    }
    Ok(())
}

/// Milliseconds since the epoch as `YYYY-MM-DD HH:MM:SS`, UTC.
fn utc(ms: i64) -> String {
    let seconds = ms.div_euclid(1000);
    let (days, second_of_day) = (seconds.div_euclid(86_400), seconds.rem_euclid(86_400));
    // Howard Hinnant's civil_from_days.
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    format!(
        "{year:04}-{month:02}-{day:02} {:02}:{:02}:{:02}",
        second_of_day / 3600,
        second_of_day / 60 % 60,
        second_of_day % 60
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry() -> AuditRecord {
        AuditRecord {
            at: 1_795_000_000_000,
            actor: "mia@example.com".into(),
            action: "requested".into(),
            request_id: Some(7),
            batch_id: None,
            email: Some("jane@example.com".into()),
            detail: Some(r#"{"emails":["jane@example.com"]}"#.into()),
            result: None,
            tracking_id: None,
        }
    }

    #[test]
    fn control_and_hidden_characters_are_shown_as_escapes() {
        assert_eq!(
            visible("a\nb\u{1b}[2J\u{202e}c\\"),
            "a\\nb\\u{1b}[2J\\u{202e}c\\\\"
        );
        let mut forged = entry();
        forged.detail = Some("ok\n2026-01-01 00:00:00  admin  approved".into());
        forged.action = "rejected".into();
        let mut out = Vec::new();
        table(&[forged], &mut out).expect("written");
        assert_eq!(String::from_utf8(out).expect("utf-8").lines().count(), 2);
    }

    #[test]
    fn times_are_utc_calendar_dates() {
        assert_eq!(utc(0), "1970-01-01 00:00:00");
        assert_eq!(utc(951_782_400_000), "2000-02-29 00:00:00");
        assert_eq!(utc(1_795_000_000_000), "2026-11-18 11:06:40");
    }

    #[test]
    fn the_table_aligns_columns_and_json_lines_keep_what_was_sent() {
        let mut table_out = Vec::new();
        table(&[entry()], &mut table_out).expect("writes");
        let text = String::from_utf8(table_out).expect("utf-8");
        let lines: Vec<&str> = text.lines().collect();
        assert!(lines[0].starts_with("time (UTC)           actor"), "{text}");
        assert!(lines[1].contains("mia@example.com  requested  7"), "{text}");
        let mut json_out = Vec::new();
        json_lines(&[entry()], &mut json_out).expect("writes");
        let line: serde_json::Value = serde_json::from_slice(&json_out).expect("json");
        assert_eq!(line["detail"]["emails"][0], "jane@example.com");
        assert_eq!(line["requestId"], 7);
    }
}
