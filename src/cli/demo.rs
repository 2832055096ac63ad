//! `webex-onboard demo`: a whole conversation against the built-in simulator.

use std::process::ExitCode;

use crate::config::LogFormat;
use crate::{demo, telemetry};

/// Plays the demo and prints its transcript.
pub(super) async fn run(keep_db: Option<&std::path::Path>) -> ExitCode {
    let filter = std::env::var("RUST_LOG").unwrap_or_else(|_| "warn".to_owned());
    telemetry::init(LogFormat::Text, &filter);
    let mut out = std::io::stdout();
    match demo::run(&mut out, keep_db).await {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("webex-onboard demo: {error}");
            ExitCode::FAILURE
        }
    }
}
