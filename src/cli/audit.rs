//! `webex-onboard audit`: the audit trail of `DATABASE_URL`. It only reads: a missing or
//! unmigrated database gets a line, never a new file or a migration.

use std::process::ExitCode;

use super::failure::{self, Class, Failure};
use crate::report;
use crate::store::{DEFAULT_DATABASE_URL, SchemaState, Store};

/// Prints the trail as a table, or as JSON lines.
pub(super) async fn run(json: bool) -> ExitCode {
    let url = std::env::var("DATABASE_URL")
        .ok()
        .filter(|u| !u.trim().is_empty())
        .unwrap_or_else(|| DEFAULT_DATABASE_URL.to_owned());
    match print(&url, json).await {
        Ok(()) => ExitCode::SUCCESS,
        Err(failure) => failure.report("audit"),
    }
}

async fn print(url: &str, json: bool) -> Result<(), Failure> {
    let place = failure::database_place(url);
    if let Some(path) = failure::sqlite_path(url)
        && !path.exists()
    {
        return Err(Failure::new(
            Class::Database,
            format!(
                "there is no database at {}: set DATABASE_URL to the bot's database",
                path.display()
            ),
        ));
    }
    let store = Store::connect_read_only(url)
        .await
        .map_err(|e| failure::database(url, &e))?;
    let schema = store
        .schema_state()
        .await
        .map_err(|e| failure::database(url, &e))?;
    match schema {
        SchemaState::Current => {}
        SchemaState::Empty => {
            return Err(Failure::new(
                Class::Database,
                format!(
                    "{place} holds none of the bot's tables: set DATABASE_URL to the bot's database"
                ),
            ));
        }
        SchemaState::Behind(_) => {
            return Err(Failure::new(
                Class::Database,
                format!(
                    "{place} was made by an older release: start this release's serve once to \
                     bring it up to date"
                ),
            ));
        }
    }
    let entries = store
        .audit()
        .await
        .map_err(|e| failure::database(url, &e))?;
    store.close().await;
    let mut out = std::io::stdout().lock();
    let written = if json {
        report::json_lines(&entries, &mut out)
    } else {
        report::table(&entries, &mut out)
    };
    written.map_err(|e| Failure::new(Class::Other, format!("cannot write the trail: {e}")))
}
