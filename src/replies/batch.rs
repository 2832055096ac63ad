//! What the bot says about a cohort's file: its preview, its decisions, its progress and its
//! report. What people typed is escaped where it goes into Markdown.

use super::markdown::escape as md;
use crate::domain::{BatchState, RowOutcome, batch_file::FileError};
use crate::store::{BatchRecord, BatchRow, Limit};

/// More than one file in one message.
pub const ONE_FILE_ONLY: &str = "Send me one `.csv` file at a time, please.";

/// A file on another host than the Webex API: never downloaded.
pub const FILE_NOT_ON_WEBEX: &str =
    "That file is not stored on Webex, so I did not download it. Attach the `.csv` file itself.";

/// A file over the size limit.
pub const FILE_TOO_LARGE: &str = "The file is larger than 2 MiB, so I did not read it. \
     Split it into smaller files and send them one at a time.";

/// Only the sender of a file may confirm or cancel its batch from the preview.
pub const ONLY_THE_SENDER: &str = "Only the person who sent the file may confirm or cancel it.";

/// `cancel` in a batch's thread from someone who is neither its sender nor an approver.
pub const ONLY_SENDER_OR_APPROVER: &str =
    "Only the person who sent the file, or an approver, may cancel it.";

/// A batch card whose batch is gone.
pub const BATCH_MISSING: &str = "the card's batch is not in the database";

/// A file over one of the requester's limits: a file counts as one request.
pub fn limited(limit: Limit) -> String {
    let why = match limit {
        Limit::Open(max) => {
            format!(
                "you have {max} requests or files waiting for an answer already, the most one person may have"
            )
        }
        Limit::PerHour(max) => {
            format!(
                "you sent {max} requests or files in the last hour, the most one person may send"
            )
        }
    };
    format!("I did not read this file: {why}. Nothing was changed. Send it again later.")
}

/// A file that is not a `.csv`.
pub fn not_csv(name: &str) -> String {
    format!(
        "**{}** is not a `.csv` file. Save the spreadsheet as \"CSV UTF-8\" and send that.",
        md(name)
    )
}

/// A file that cannot be read as a cohort.
pub fn unreadable_file(name: &str, error: &FileError) -> String {
    format!("I could not use **{}**: {error}.", md(name))
}

/// The preview's text, for clients that cannot show its card.
pub fn preview_fallback(name: &str, rows: usize, new: usize) -> String {
    format!(
        "**{}**: {rows} rows, {new} people to create. Your Webex client cannot show the preview \
         card; open this space in the Webex app to confirm.",
        md(name)
    )
}

/// The line under the preview's title: the file, and who sent it.
pub fn preview_file(name: &str, sender: &str) -> String {
    format!("{name}, sent by {sender}")
}

/// The preview card's facts: the rows, then how many are new, invalid, repeated and existing.
pub fn preview_facts(
    rows: usize,
    [new, invalid, repeated, existed]: [usize; 4],
) -> Vec<(&'static str, String)> {
    vec![
        ("Rows", rows.to_string()),
        ("Valid and new", new.to_string()),
        ("Invalid", invalid.to_string()),
        ("Repeated emails", repeated.to_string()),
        ("Exist already", existed.to_string()),
    ]
}

/// A line of the file that breaks a rule, for the preview (plain text).
pub fn invalid_line(line: i64, email: &str, reason: &str) -> String {
    let email = if email.is_empty() {
        "(no email)"
    } else {
        email
    };
    format!("Line {line}: {email}: {reason}")
}

/// A repeated email's error.
pub fn repeated(first_line: i64) -> String {
    format!("the email is on line {first_line} already")
}

/// A person who exists already, for the preview (plain text).
pub fn exists_line(line: i64, email: &str) -> String {
    format!("Line {line}: {email} exists already")
}

/// More problems than the preview shows.
pub fn and_more(more: usize) -> String {
    format!("… and {more} more, listed in the report")
}

/// The sender confirmed: the batch runs.
pub fn running(new: usize, rate: f64) -> String {
    format!(
        "Confirmed. I am creating {new} people, {rate} a second; the progress follows in this \
         thread. Write `cancel` here to stop the rows not started yet."
    )
}

/// The sender confirmed: the approvers decide first.
pub const SENT_FOR_APPROVAL: &str = "Confirmed. The batch waits for an approver; nobody is \
     created before one approves it.";

/// A batch whose rows had nothing to create.
pub const NOTHING_TO_CREATE: &str =
    "There is nobody to create in this file: every row is invalid, repeated or exists already.";

/// A batch that moved on before this click.
pub fn already(batch: &BatchRecord) -> String {
    let state = match batch.state {
        BatchState::Previewed => "waits for its sender",
        BatchState::AwaitingApproval => "waits for an approver",
        BatchState::Running => "is running",
        BatchState::Cancelling => "is being cancelled",
        BatchState::Done => "is done",
        BatchState::Cancelled => "was cancelled",
        BatchState::Rejected => "was rejected",
    };
    format!("This batch {state} already, so that click did nothing.")
}

/// A batch cancelled before anything was created.
pub fn cancelled(by: &str) -> String {
    format!("Cancelled by {}: nobody in this file is created.", md(by))
}

/// A running batch told to stop.
pub fn cancelling(by: &str) -> String {
    format!(
        "Cancelled by {}: the rows not started yet are not created. The report follows.",
        md(by)
    )
}

/// The approval card's text, for clients that cannot show it.
pub fn approval_fallback(name: &str, requester: &str, new: usize) -> String {
    format!(
        "**Cohort onboarding request** from {}: {new} people in **{}**. Open this space in the \
         Webex app to approve or reject it.",
        md(requester),
        md(name)
    )
}

/// The approval card's summary.
pub fn approval_summary(batch: &BatchRecord, rows: &[BatchRow]) -> Vec<(&'static str, String)> {
    let count = |outcome: RowOutcome| rows.iter().filter(|r| r.outcome == outcome).count();
    vec![
        ("File", batch.file_name.clone()),
        ("Rows", rows.len().to_string()),
        ("People to create", count(RowOutcome::New).to_string()),
        (
            "Left out",
            (count(RowOutcome::Invalid) + count(RowOutcome::Repeated) + count(RowOutcome::Existed))
                .to_string(),
        ),
    ]
}

/// A batch whose approval card could not be posted.
pub fn approvers_unreachable(reason: &str) -> String {
    format!(
        "I could not post the batch to the approvers' space ({}). Nobody in this file is \
         created: ask your Webex administrator to add me to that space, then send the file again.",
        md(reason)
    )
}

/// A batch nobody confirmed or decided within `ONBOARD_REQUEST_TTL_DAYS`.
pub fn expired(name: &str, days: u32) -> String {
    let unit = if days == 1 { "day" } else { "days" };
    format!(
        "**{}** waited {days} {unit} without being confirmed and approved, so it expired. Nobody \
         in it is created; send the file again to start over.",
        md(name)
    )
}

/// An approver rejected the batch.
pub fn rejected(by: &str, reason: Option<&str>) -> String {
    match reason {
        Some(reason) => format!(
            "Rejected by {}: {}. Nobody in this file is created.",
            md(by),
            md(reason)
        ),
        None => format!("Rejected by {}. Nobody in this file is created.", md(by)),
    }
}

/// An approver approved the batch.
pub fn approved(by: &str, new: usize, rate: f64) -> String {
    format!(
        "Approved by {}. I am creating {new} people, {rate} a second; the progress follows in \
         the thread of the preview.",
        md(by)
    )
}

/// How far a batch is.
pub fn progress(counts: &Counts, seconds_left: Option<u64>) -> String {
    let eta = match seconds_left {
        Some(s) if s >= 120 => format!(", about {} minutes left", s.div_ceil(60)),
        Some(s) => format!(", about {s} seconds left"),
        None => String::new(),
    };
    format!(
        "**Progress**: {} done ({} created, {} existed), {} failed, {} left{eta}.",
        counts.created + counts.existed,
        counts.created,
        counts.existed,
        counts.failed,
        counts.left
    )
}

/// A batch's last word, posted with its report.
pub fn report(batch: &BatchRecord, counts: &Counts) -> String {
    format!(
        "**Done: {}**. {} created, {} existed already, {} invalid, {} failed, {} cancelled. \
         The attached report has a line per row.",
        md(&batch.file_name),
        counts.created,
        counts.existed,
        counts.invalid,
        counts.failed,
        counts.cancelled
    )
}

/// What `status` says of a person's lines in batches.
pub fn status_lines(found: &[(i64, BatchRow)]) -> String {
    let lines: Vec<String> = found
        .iter()
        .map(|(batch, row)| {
            format!(
                "- batch {batch}, line {}: {}",
                row.line,
                report_outcome(row.outcome)
            )
        })
        .collect();
    format!("**In batches:**\n{}", lines.join("\n"))
}

/// What `pending` says of the batches not finished.
pub fn open_batches(batches: &[(BatchRecord, Counts)]) -> String {
    let lines: Vec<String> = batches
        .iter()
        .map(|(batch, counts)| {
            let state = match batch.state {
                BatchState::Previewed => "waits for its sender to confirm".to_owned(),
                BatchState::AwaitingApproval => "waits for an approver".to_owned(),
                _ => format!("{} done, {} left", counts.done(), counts.left),
            };
            format!(
                "- batch {} ({}, from {}): {state}",
                batch.id,
                md(&batch.file_name),
                md(&batch.requester_email)
            )
        })
        .collect();
    format!("**Batches:**\n{}", lines.join("\n"))
}

/// The outcome as the report writes it: a repeated email is an invalid row.
pub fn report_outcome(outcome: RowOutcome) -> &'static str {
    match outcome {
        RowOutcome::Repeated => "invalid",
        RowOutcome::New => "cancelled",
        other => other.as_str(),
    }
}

/// How many rows of a batch stand where.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Counts {
    pub created: usize,
    pub existed: usize,
    pub invalid: usize,
    pub failed: usize,
    pub cancelled: usize,
    /// Not started, or started and not answered.
    pub left: usize,
}

impl Counts {
    /// Counts rows as they stand.
    pub fn of(rows: &[BatchRow]) -> Self {
        let mut counts = Self::default();
        for row in rows {
            match row.outcome {
                RowOutcome::Created => counts.created += 1,
                RowOutcome::Existed => counts.existed += 1,
                RowOutcome::Invalid | RowOutcome::Repeated => counts.invalid += 1,
                RowOutcome::Failed => counts.failed += 1,
                RowOutcome::Cancelled => counts.cancelled += 1,
                RowOutcome::New | RowOutcome::Pending => counts.left += 1,
            }
        }
        counts
    }

    /// Rows the batch has finished with.
    pub fn done(&self) -> usize {
        self.created + self.existed + self.failed
    }
}
