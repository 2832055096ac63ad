//! `webex-onboard audit`: the audit trail of `DATABASE_URL`.

use std::process::ExitCode;

use crate::report;
use crate::store::{DEFAULT_DATABASE_URL, SchemaState, Store};

/// Prints the trail as a table, or as JSON lines.
pub(super) async fn run(json: bool) -> ExitCode {
    let url = std::env::var("DATABASE_URL")
        .ok()
        .filter(|u| !u.trim().is_empty())
        .unwrap_or_else(|| DEFAULT_DATABASE_URL.to_owned());
    let result: anyhow::Result<()> = async {
        // Reading must not create an empty database where the real one was meant.
        if let Some(path) = url
            .strip_prefix("sqlite://")
            .or(url.strip_prefix("sqlite:"))
            && !std::path::Path::new(path.split('?').next().unwrap_or(path)).exists()
        {
            anyhow::bail!("there is no database at {path}: set DATABASE_URL to the bot's database");
        }
        let store = Store::connect_read_only(&url).await?;
        match store.schema_state().await? {
            SchemaState::Current => {}
            SchemaState::Empty => {
                anyhow::bail!("DATABASE_URL names a database without the bot's tables: set it to the bot's database")
            }
            SchemaState::Behind(_) => anyhow::bail!(
                "the database was made by an older release: start this release's serve once to bring it up to date"
            ),
        }
        let entries = store.audit().await?;
        store.close().await;
        let mut out = std::io::stdout().lock();
        if json {
            report::json_lines(&entries, &mut out)?;
        } else {
            report::table(&entries, &mut out)?;
        }
        Ok(())
    }
    .await;
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("webex-onboard audit: {error:#}");
            ExitCode::FAILURE
        }
    }
}
