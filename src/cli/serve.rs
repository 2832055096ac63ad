//! `webex-onboard serve`: the bot.

use std::process::ExitCode;

use crate::config::{Config, Settings};
use crate::startup::{Application, shutdown_signal};
use crate::telemetry;

/// Runs the bot until SIGTERM or Ctrl-C.
pub(super) async fn run(settings: &Settings) -> ExitCode {
    let config = match Config::from_settings(settings) {
        Ok(config) => config,
        Err(error) => {
            eprintln!("webex-onboard: {error}");
            return ExitCode::from(2);
        }
    };
    telemetry::init(config.log_format, &config.log_filter);
    let result: anyhow::Result<()> = async {
        let app = Application::build(config).await?;
        tracing::info!(addr = %app.local_addr()?, "listening");
        app.run_until_stopped(shutdown_signal()).await?;
        Ok(())
    }
    .await;
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            tracing::error!("{error:#}");
            eprintln!("webex-onboard: {error:#}");
            ExitCode::FAILURE
        }
    }
}
