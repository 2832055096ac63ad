//! A cohort's file sent to the bot: download it from Webex only, read it, check every line by
//! the card's rules, look up who exists already, record the batch, and post its preview.

use std::collections::HashMap;
use std::time::Duration;

use serde_json::Value;
use tokio::task::JoinSet;

use super::{Onboarding, form::find_choice, reply::answering, reply::replying};
use crate::domain::batch_file::{self, FileRow, MAX_FILE_BYTES};
use crate::domain::text::at_most;
use crate::domain::{CardToSend, Email, FieldError, OrgChoices, Reply, RowOutcome, input};
use crate::replies::batch as say;
use crate::store::{Completion, Job, Limit, NewBatch, NewBatchRow};
use crate::webex::{AdminApi, Meaning, Message, NotDownloaded, Person, PersonId, WebexError};
use crate::worker::JobError;

/// How many look-ups of existing people run at once.
const LOOKUPS_AT_ONCE: usize = 8;

impl Onboarding {
    /// A message with files from someone who may onboard people.
    pub(super) async fn handle_file(
        &self,
        job: &Job,
        message: &Message,
        sender: (&PersonId, &str),
        tracking: &str,
    ) -> Result<Completion, JobError> {
        let (sender_id, sender_email) = sender;
        let answer = |text: &str| answering(job, message.room_id.clone(), None, text);
        let [url] = message.files.as_slice() else {
            return Ok(answer(say::ONE_FILE_ONLY));
        };
        // A file is a request, under the same limits: so many open, so many an hour.
        let hour_ago = self.store.now().saturating_sub(3_600_000);
        let (open, recent) = self
            .store
            .batches_of(sender_id, hour_ago, &message.id)
            .await?;
        let limits = self.rules.limits;
        if open >= i64::from(limits.open) {
            return Ok(answer(&say::limited(Limit::Open(limits.open))));
        }
        if recent >= i64::from(limits.per_hour) {
            return Ok(answer(&say::limited(Limit::PerHour(limits.per_hour))));
        }
        let file = match self.bot.download(url, MAX_FILE_BYTES, tracking).await? {
            Ok(file) => file,
            Err(NotDownloaded::Foreign) => {
                tracing::warn!("a file URL not on the Webex API was not fetched");
                return Ok(answer(say::FILE_NOT_ON_WEBEX));
            }
            Err(NotDownloaded::TooLarge) => return Ok(answer(say::FILE_TOO_LARGE)),
        };
        let name = file.name.unwrap_or_else(|| "the file".to_owned());
        let name = at_most(&crate::domain::text::clean(&name), MAX_FILE_NAME);
        if !name.to_ascii_lowercase().ends_with(".csv") {
            return Ok(answer(&say::not_csv(&name)));
        }
        let lines = match batch_file::read(&file.bytes, self.rules.bulk.max_rows) {
            Ok(lines) => lines,
            Err(error) => return Ok(answer(&say::unreadable_file(&name, &error))),
        };
        let sender_name = self
            .bot
            .person(sender_id, tracking)
            .await?
            .display_name
            .map(|n| crate::domain::text::clean(&n));
        let rows = self
            .check_lines(lines, sender_name.as_deref(), tracking)
            .await?;
        let new = NewBatch {
            message_id: message.id.clone(),
            room_id: message.room_id.clone(),
            requester_id: sender_id.clone(),
            requester_email: sender_email.to_owned(),
            file_name: name.clone(),
            rows,
        };
        let batch_id = self.store.record_batch(&new).await?;
        let to_create = new
            .rows
            .iter()
            .filter(|r| r.outcome == RowOutcome::New)
            .count();
        let preview = Reply {
            card: Some(CardToSend::BatchPreview { batch_id }),
            ..Reply::text(
                message.room_id.clone(),
                None,
                &say::preview_fallback(&name, new.rows.len(), to_create),
            )
        };
        Ok(replying(job, vec![preview]))
    }

    /// Checks every line by the card's rules, marks repeated emails, and looks up the people
    /// of the valid lines.
    async fn check_lines(
        &self,
        lines: Vec<FileRow>,
        sender_name: Option<&str>,
        tracking: &str,
    ) -> Result<Vec<NewBatchRow>, JobError> {
        let choices = self.choices.get(tracking).await?;
        let mut first_line: HashMap<String, i64> = HashMap::new();
        let mut rows = Vec::with_capacity(lines.len());
        for FileRow { line, mut inputs } in lines {
            let line = i64::try_from(line).unwrap_or(i64::MAX);
            let email = inputs
                .get(input::EMAIL)
                .and_then(Value::as_str)
                .map(crate::domain::text::clean)
                .unwrap_or_default();
            let key = Email::parse(&email)
                .map_or_else(|_| email.to_lowercase(), |e| e.to_string().to_lowercase());
            if let Some(first) = first_line.get(&key).filter(|_| !key.is_empty()) {
                rows.push(NewBatchRow {
                    line,
                    email,
                    draft: None,
                    outcome: RowOutcome::Repeated,
                    error: Some(say::repeated(*first)),
                    person_id: None,
                });
                continue;
            }
            first_line.insert(key, line);
            names_to_ids(&mut inputs, &choices);
            let checked = self
                .check_inputs(&mut inputs, &choices, sender_name, false, tracking)
                .await?;
            rows.push(match checked {
                Ok(draft) => NewBatchRow {
                    line,
                    email: draft.email().to_string(),
                    draft: Some(draft),
                    outcome: RowOutcome::New,
                    error: None,
                    person_id: None,
                },
                Err(errors) => NewBatchRow {
                    line,
                    email,
                    draft: None,
                    outcome: RowOutcome::Invalid,
                    error: Some(reasons(&errors)),
                    person_id: None,
                },
            });
        }
        self.mark_existing(&mut rows, tracking).await?;
        self.mark_beyond_units(&mut rows, tracking).await?;
        Ok(rows)
    }

    /// Counts the units each license has left against the new people who ask for it, in the
    /// file's order: a line beyond them is invalid, as a card would be.
    async fn mark_beyond_units(
        &self,
        rows: &mut [NewBatchRow],
        tracking: &str,
    ) -> Result<(), JobError> {
        if !rows
            .iter()
            .any(|r| r.draft.as_ref().is_some_and(|d| !d.licenses.is_empty()))
        {
            return Ok(());
        }
        let licenses = match self.admin.licenses(tracking).await {
            Ok(licenses) => licenses,
            // Without the right to read them, Webex says so at each create.
            Err(error) if error.meaning() == Meaning::Refused => return Ok(()),
            Err(error) => return Err(error.into()),
        };
        let mut left: HashMap<&str, (u64, u64, u64)> = licenses
            .iter()
            .filter_map(|l| match (l.total_units, l.consumed_units) {
                (Some(total), Some(used)) => {
                    Some((l.id.as_str(), (total.saturating_sub(used), used, total)))
                }
                _ => None,
            })
            .collect();
        let names: HashMap<&str, &str> = licenses
            .iter()
            .map(|l| (l.id.as_str(), l.name.as_str()))
            .collect();
        for row in rows.iter_mut().filter(|r| r.outcome == RowOutcome::New) {
            let Some(draft) = &row.draft else { continue };
            let short = draft
                .licenses
                .iter()
                .find(|id| left.get(id.as_str()).is_some_and(|(n, ..)| *n == 0));
            if let Some(id) = short {
                let (_, used, total) = left[id.as_str()];
                let name = names.get(id.as_str()).copied().unwrap_or(id);
                row.outcome = RowOutcome::Invalid;
                row.error = Some(format!(
                    "licenses: {}",
                    crate::replies::no_units_left(name, used, total)
                ));
                row.draft = None;
                continue;
            }
            for id in &draft.licenses {
                if let Some((n, used, _)) = left.get_mut(id.as_str()) {
                    *n -= 1;
                    *used += 1;
                }
            }
        }
        Ok(())
    }

    /// Looks up the person of every valid line, a few at once: one who exists is not created.
    async fn mark_existing(
        &self,
        rows: &mut [NewBatchRow],
        tracking: &str,
    ) -> Result<(), JobError> {
        let valid: Vec<usize> = (0..rows.len())
            .filter(|&i| rows[i].outcome == RowOutcome::New)
            .collect();
        for chunk in valid.chunks(LOOKUPS_AT_ONCE) {
            let mut lookups = JoinSet::new();
            for &i in chunk {
                let admin = self.admin.clone();
                let email = rows[i].email.clone();
                let tracking = tracking.to_owned();
                lookups.spawn(async move { (i, look_up(&admin, &email, &tracking).await) });
            }
            while let Some(done) = lookups.join_next().await {
                let (i, found) = done.map_err(|e| JobError::Permanent(e.to_string()))?;
                if let Some(person) = found? {
                    rows[i].outcome = RowOutcome::Existed;
                    rows[i].person_id = Some(person.id);
                    rows[i].draft = None;
                }
            }
        }
        Ok(())
    }

    /// The preview card's counts and its lines of problems, from the rows as recorded.
    pub(super) fn preview_of(
        rows: &[crate::store::BatchRow],
    ) -> (Vec<(&'static str, String)>, Vec<String>) {
        let count = |outcome: RowOutcome| rows.iter().filter(|r| r.outcome == outcome).count();
        let counts = say::preview_facts(
            rows.len(),
            [
                count(RowOutcome::New),
                count(RowOutcome::Invalid),
                count(RowOutcome::Repeated),
                count(RowOutcome::Existed),
            ],
        );
        let mut details: Vec<String> = Vec::new();
        let mut shown = 0;
        let problems = rows.iter().filter(|r| {
            matches!(
                r.outcome,
                RowOutcome::Invalid | RowOutcome::Repeated | RowOutcome::Existed
            )
        });
        let total = problems.clone().count();
        for row in problems.take(PREVIEW_LINES) {
            shown += 1;
            let line = match row.outcome {
                RowOutcome::Existed => say::exists_line(row.line, &row.email),
                _ => say::invalid_line(row.line, &row.email, row.error.as_deref().unwrap_or("")),
            };
            details.push(at_most(&line, PREVIEW_LINE_CHARS));
        }
        if total > shown {
            details.push(say::and_more(total - shown));
        }
        (counts, details)
    }
}

/// The longest file name kept.
const MAX_FILE_NAME: usize = 120;

/// How often a look-up Webex throttles is tried again before the whole file is.
const LOOKUP_TRIES: u32 = 5;

/// Looks a person up, waiting as Webex asks when it throttles: one throttled look-up among
/// thousands should not make the file's job start over.
async fn look_up(
    admin: &AdminApi,
    email: &str,
    tracking: &str,
) -> Result<Option<Person>, WebexError> {
    let mut tries = 0;
    loop {
        match admin.find_person(email, tracking).await {
            Err(error) if error.meaning() == Meaning::Throttled && tries < LOOKUP_TRIES => {
                tries += 1;
                let wait = error.retry_after().unwrap_or(Duration::from_secs(1));
                tokio::time::sleep(wait.min(Duration::from_secs(60))).await;
            }
            other => return other,
        }
    }
}

/// How many lines of problems a preview shows.
const PREVIEW_LINES: usize = 20;

/// The longest line of a problem a preview shows: the report has it whole.
const PREVIEW_LINE_CHARS: usize = 200;

/// A file names licenses and locations as people read them: each becomes its id, when the
/// organization has one of that name (an id stays as it is).
fn names_to_ids(inputs: &mut serde_json::Map<String, Value>, choices: &OrgChoices) {
    if let Some(Value::String(licenses)) = inputs.get_mut(input::LICENSES) {
        *licenses = licenses
            .split(',')
            .map(|wanted| {
                find_choice(&choices.all_licenses, wanted)
                    .or_else(|| find_choice(&choices.licenses, wanted))
                    .map_or_else(|| wanted.trim().to_owned(), |c| c.id.clone())
            })
            .collect::<Vec<_>>()
            .join(",");
    }
    if let Some(Value::String(location)) = inputs.get_mut(input::LOCATION_ID)
        && let Some(found) = find_choice(&choices.locations, location)
    {
        *location = found.id.clone();
    }
}

/// A line's problems, in one sentence.
fn reasons(errors: &[FieldError]) -> String {
    errors
        .iter()
        .map(|e| format!("{}: {}", e.field, e.message))
        .collect::<Vec<_>>()
        .join("; ")
}
