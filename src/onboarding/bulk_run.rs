//! A running batch: each line creates its person in its turn of a pace every replica shares,
//! by the single request's rules (look up first, state saved before the call, a doubtful
//! answer looked up again); a 429 holds the whole pace back. Its progress is one message,
//! edited in place, and its end a report with a line per row.

use std::time::Duration;

use super::Onboarding;
use crate::domain::{BatchLine, BatchRef, BatchState, BatchTick, JobPayload};
use crate::replies::batch::{self as say, Counts};
use crate::store::{BatchRecord, BatchRow, Completion, Job, NewJob, StoreError, Turn};
use crate::webex::{Meaning, MessageId, NewMessage};
use crate::worker::{JobError, tracking_id};

/// The pace of creates, shared by every batch and replica.
const PACE: &str = "create-person";

/// A line waits in its job for a turn this close; for a later turn, it waits queued, so that
/// waiting lines do not hold the workers other jobs need.
const WAIT_WITHIN_MS: i64 = 1_000;

/// Webex allows this many edits of one message.
const MAX_EDITS: i64 = 10;

/// How often progress is shown, at most and at least.
const PROGRESS_AT_MOST_MS: i64 = 5_000;
const PROGRESS_AT_LEAST_MS: i64 = 60_000;

/// How long a look that shows the progress holds it: the edit and a fresh message, each within
/// the default call timeout, and a margin.
const SHOW_HOLD_MS: i64 = 30_000;

/// The look the last line asks for: it never asks for another.
const LAST_LOOK: u32 = BatchTick::LAST;

impl Onboarding {
    /// One line of a batch: its turn, then its request, created once.
    pub(super) async fn run_batch_line(
        &self,
        job: &Job,
        line: &BatchLine,
    ) -> Result<Completion, JobError> {
        let Some(batch) = self.store.batch(line.batch_id).await? else {
            return Ok(Completion::default());
        };
        // A line not started when the batch stopped is cancelled already; one started goes on,
        // in its turn too.
        if batch.state.creates() {
            self.wait_for_turn().await?;
        }
        let Some(request) = self.store.start_row(&batch, line.line).await? else {
            return Ok(Completion::default());
        };
        if !batch.state.creates() && !request.state.is_final() {
            self.wait_for_turn().await?;
        }
        match self.run_request(job, request).await {
            Ok(mut done) => {
                // The last line to end has the batch looked at at once, not at the next look.
                let ended = done.request.as_ref().is_some_and(|r| r.state.is_final());
                if ended && self.store.batch_lines_left(batch.id).await? <= 1 {
                    done.followups.push(NewJob::new(
                        format!("batch/{}/progress/last", batch.id),
                        &JobPayload::BatchProgress(BatchTick {
                            batch_id: batch.id,
                            n: LAST_LOOK,
                        }),
                    ));
                }
                Ok(done)
            }
            Err(JobError::Webex(error)) if error.meaning() == Meaning::Throttled => {
                let wait = error.retry_after().unwrap_or(Duration::from_secs(1));
                let until = self
                    .store
                    .now()
                    .saturating_add(i64::try_from(wait.as_millis()).unwrap_or(i64::MAX));
                self.store.hold_pace(PACE, until).await?;
                tracing::warn!(wait_ms = %wait.as_millis(), "Webex throttled a batch: the pace waits");
                Err(JobError::Paced(until))
            }
            other => other,
        }
    }

    /// Takes a turn of the shared pace and waits for it; a turn far off waits queued.
    async fn wait_for_turn(&self) -> Result<(), JobError> {
        let every = self.rules.bulk.every_ms();
        match self.store.take_turn(PACE, every, WAIT_WITHIN_MS).await? {
            Turn::At(at) => {
                let wait = at.saturating_sub(self.store.now()).max(0);
                tokio::time::sleep(Duration::from_millis(wait.unsigned_abs())).await;
                // Webex asked every create to wait after this turn was taken: it is void.
                let held = self.store.pace_held_until(PACE).await?;
                if held > at {
                    return Err(JobError::Paced(held));
                }
                Ok(())
            }
            Turn::Later(at) => Err(JobError::Paced(at)),
        }
    }

    /// A line the bot stopped trying: its request fails with the reason.
    pub(super) async fn give_up_batch_line(
        &self,
        job: &Job,
        line: &BatchLine,
        reason: &str,
    ) -> Result<Completion, StoreError> {
        let Some(batch) = self.store.batch(line.batch_id).await? else {
            return Ok(Completion::default());
        };
        match self.store.start_row(&batch, line.line).await? {
            Some(request) if !request.state.is_final() => {
                self.fail(job, request, &crate::replies::stopped_trying(reason))
                    .await
            }
            _ => Ok(Completion::default()),
        }
    }

    /// A look at a batch's progress: shown, then looked at again, until its last line ends and
    /// its report is sent.
    pub(super) async fn batch_progress(
        &self,
        job: &Job,
        tick: &BatchTick,
    ) -> Result<Completion, JobError> {
        let Some(batch) = self.store.batch(tick.batch_id).await? else {
            return Ok(Completion::default());
        };
        let report = || Completion {
            followups: vec![NewJob::new(
                format!("batch/{}/report", batch.id),
                &JobPayload::BatchReport(BatchRef { batch_id: batch.id }),
            )],
            ..Completion::default()
        };
        match batch.state {
            BatchState::Running | BatchState::Cancelling => {}
            // Ended by an earlier run of this look, whose report may not have been queued.
            BatchState::Done => return Ok(report()),
            _ => return Ok(Completion::default()),
        }
        if tick.n == LAST_LOOK && self.store.batch_lines_left(batch.id).await? > 0 {
            // Another line ended at the same time: the regular looks go on.
            return Ok(Completion::default());
        }
        // Progress changes at most every 5 seconds, whichever look (of whichever replica) shows
        // it. The last look, come sooner, comes back when it may show the end. Any other look
        // that comes sooner is a second chain of looks (a lost look given a new one, or a look
        // run again after a crash): it stands by, and comes back only if the batch has not been
        // looked at for a minute, in case the chain that showed it is gone.
        // The claim holds while the progress is shown (an edit, then perhaps a fresh message).
        if let Err(at) = self
            .store
            .claim_batch_look(batch.id, PROGRESS_AT_MOST_MS, SHOW_HOLD_MS)
            .await?
        {
            let (n, gap) = if tick.n == LAST_LOOK {
                (0, PROGRESS_AT_MOST_MS)
            } else {
                (tick.n, PROGRESS_AT_LEAST_MS)
            };
            let again = BatchTick {
                batch_id: batch.id,
                n,
            };
            return Ok(Completion {
                followups: vec![next_look(again, at.saturating_add(gap))],
                ..Completion::default()
            });
        }
        // Read once the look is this one's: what another look showed meanwhile is in them, and
        // a batch another look ended is not shown again.
        let Some(batch) = self.store.batch(batch.id).await? else {
            return Ok(Completion::default());
        };
        if batch.state == BatchState::Done {
            return Ok(report());
        }
        let rows = self.store.batch_rows(batch.id).await?;
        let counts = Counts::of(&rows);
        let tracking = tracking_id(job);
        let every = self.rules.bulk.every_ms();
        let left_ms = i64::try_from(counts.left)
            .unwrap_or(i64::MAX)
            .saturating_mul(every);
        let seconds_left = (counts.left > 0)
            .then(|| u64::try_from(left_ms / 1000).ok())
            .flatten();
        self.show_progress(&batch, &say::progress(&counts, seconds_left), &tracking)
            .await;
        self.store.note_batch_look(batch.id).await?;
        if counts.left == 0 {
            self.store.end_batch(batch.id).await?;
            return Ok(report());
        }
        // The edits of one message are spread over the batch; a message used up gets a fresh one.
        // The gap counts from when it was shown.
        let next = (left_ms / MAX_EDITS).clamp(PROGRESS_AT_MOST_MS, PROGRESS_AT_LEAST_MS);
        Ok(Completion {
            followups: vec![next_look(*tick, self.store.now().saturating_add(next))],
            ..Completion::default()
        })
    }

    /// A look at a batch's progress that could not be done: the next one is made for later,
    /// so that the batch still ends and sends its report.
    pub(super) fn give_up_batch_progress(&self, tick: &BatchTick) -> Completion {
        if tick.n == LAST_LOOK {
            return Completion::default();
        }
        let later = self.store.now().saturating_add(PROGRESS_AT_LEAST_MS);
        Completion {
            followups: vec![next_look(*tick, later)],
            ..Completion::default()
        }
    }

    /// Shows the progress; what it says is only news, so a failure to say it is logged and the
    /// batch goes on to its end and its report.
    async fn show_progress(&self, batch: &BatchRecord, text: &str, tracking: &str) {
        if let Err(error) = self.edit_or_post_progress(batch, text, tracking).await {
            tracing::warn!(%error, batch = batch.id, "could not show a batch's progress");
        }
    }

    /// Edits the batch's progress message, or posts a fresh one in its thread when there is
    /// none or it cannot be edited again.
    async fn edit_or_post_progress(
        &self,
        batch: &BatchRecord,
        text: &str,
        tracking: &str,
    ) -> Result<(), JobError> {
        if let Some(id) = &batch.progress_id
            && batch.progress_edits < MAX_EDITS
        {
            match self
                .bot
                .edit_message(id, &batch.room_id, text, tracking)
                .await
            {
                Ok(_) => {
                    self.store
                        .set_batch_progress(batch.id, id, batch.progress_edits + 1)
                        .await?;
                    return Ok(());
                }
                Err(error) if error.meaning() == Meaning::Rejected => {
                    tracing::info!(%error, "the progress message cannot be edited again; posting a fresh one");
                }
                Err(error) => return Err(error.into()),
            }
        }
        let message = NewMessage {
            room_id: Some(batch.room_id.clone()),
            to_person_id: None,
            parent_id: batch.preview_id.clone(),
            markdown: text.to_owned(),
            attachments: Vec::new(),
        };
        let posted = self.bot.post_message(&message, tracking).await?;
        self.store
            .set_batch_progress(batch.id, &posted.id, 0)
            .await?;
        Ok(())
    }

    /// The batch's report: its summary, with a CSV file of a line per row, in its thread. A
    /// run after a doubtful answer looks for the report in the thread before it posts again.
    pub(super) async fn send_batch_report(
        &self,
        job: &Job,
        report: &BatchRef,
    ) -> Result<Completion, JobError> {
        let Some(batch) = self.store.batch(report.batch_id).await? else {
            return Ok(Completion::default());
        };
        let tracking = tracking_id(job);
        if job.attempts > 1
            && let Some(thread) = &batch.preview_id
            && self.report_posted(&batch, thread, &tracking).await?
        {
            return Ok(Completion::default());
        }
        let rows = self.store.batch_rows(batch.id).await?;
        let counts = Counts::of(&rows);
        let file = report_csv(&rows)
            .map_err(|e| JobError::Permanent(format!("the report cannot be written: {e}")))?;
        let text = crate::replies::shorten(
            &say::report(&batch, &counts),
            crate::replies::MAX_MESSAGE_BYTES,
        );
        let name = format!("onboarding-report-batch-{}.csv", batch.id);
        let threaded = self
            .bot
            .post_file(
                &batch.room_id,
                batch.preview_id.as_ref(),
                &text,
                &name,
                file.clone(),
                &tracking,
            )
            .await;
        match threaded {
            // The preview is gone: the report goes into the space rather than nowhere.
            Err(error) if error.meaning() == Meaning::Rejected && batch.preview_id.is_some() => {
                tracing::warn!(%error, "could not post the report in the batch's thread; posting it in the space");
                self.bot
                    .post_file(&batch.room_id, None, &text, &name, file, &tracking)
                    .await?;
            }
            other => {
                other?;
            }
        }
        Ok(Completion::default())
    }

    /// Whether the bot's report is in the batch's thread already. Where Webex does not let the
    /// bot read the thread (a group space), it is not known, and the report is posted: twice
    /// rather than never.
    async fn report_posted(
        &self,
        batch: &BatchRecord,
        thread: &MessageId,
        tracking: &str,
    ) -> Result<bool, JobError> {
        match self
            .bot
            .thread_messages(&batch.room_id, thread, tracking)
            .await
        {
            Ok(messages) => Ok(messages
                .iter()
                .any(|m| m.person_id.as_ref() == Some(&self.me.id) && !m.files.is_empty())),
            Err(error) if error.meaning() == Meaning::Refused => {
                tracing::info!(%error, "cannot read the batch's thread to look for its report");
                Ok(false)
            }
            Err(error) => Err(error.into()),
        }
    }
}

/// The look after `tick`, due at `at`.
fn next_look(tick: BatchTick, at: i64) -> NewJob {
    let next = tick.next();
    NewJob::new(next.dedupe_key(at), &JobPayload::BatchProgress(next)).at(at)
}

/// The report's file: a line per row. A cell that a spreadsheet would run as a formula is
/// quoted with a leading `'`.
fn report_csv(rows: &[BatchRow]) -> Result<Vec<u8>, csv::Error> {
    let mut out = csv::Writer::from_writer(Vec::new());
    out.write_record([
        "row",
        "email",
        "outcome",
        "person id",
        "error",
        "tracking id",
    ])?;
    for row in rows {
        out.write_record([
            row.line.to_string(),
            inert(&row.email),
            say::report_outcome(row.outcome).to_owned(),
            inert(row.person_id.as_deref().unwrap_or("")),
            inert(row.error.as_deref().unwrap_or("")),
            inert(row.tracking_id.as_deref().unwrap_or("")),
        ])?;
    }
    out.into_inner()
        .map_err(|e| csv::Error::from(std::io::Error::other(e.to_string())))
}

/// A cell a spreadsheet shows as text, never runs.
fn inert(cell: &str) -> String {
    if cell.starts_with(['=', '+', '-', '@', '\t', '\r']) {
        format!("'{cell}")
    } else {
        cell.to_owned()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::RowOutcome;

    #[test]
    fn the_report_has_a_line_per_row_and_no_formula_runs() {
        let row = |line, email: &str, outcome, error: Option<&str>| BatchRow {
            line,
            email: email.into(),
            outcome,
            error: error.map(str::to_owned),
            person_id: None,
            tracking_id: None,
        };
        let rows = [
            row(2, "jane@example.com", RowOutcome::Created, None),
            row(
                3,
                "=HYPERLINK(\"https://evil.example\")",
                RowOutcome::Invalid,
                Some("not an email"),
            ),
            row(
                4,
                "kim@example.com",
                RowOutcome::Repeated,
                Some("the email is on line 2 already"),
            ),
        ];
        let text = String::from_utf8(report_csv(&rows).expect("written")).expect("UTF-8");
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(lines[0], "row,email,outcome,person id,error,tracking id");
        assert_eq!(lines[1], "2,jane@example.com,created,,,");
        assert!(lines[2].starts_with("3,\"'=HYPERLINK"), "{}", lines[2]);
        assert_eq!(
            lines[3],
            "4,kim@example.com,invalid,,the email is on line 2 already,"
        );
    }
}
