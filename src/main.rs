//! The `webex-onboard` command: `serve` runs the bot, `demo` plays a conversation against the
//! built-in Webex simulator.

use std::process::ExitCode;

use clap::{Parser, Subcommand};
use webex_onboard::config::{Config, LogFormat};
use webex_onboard::startup::{Application, shutdown_signal};
use webex_onboard::{demo, telemetry};

#[derive(Parser)]
#[command(
    version,
    about = "A Webex bot that onboards new hires from an Adaptive Card."
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Run the bot (configured by environment variables; see the README).
    Serve,
    /// Run the bot against the built-in Webex simulator and play a whole onboarding conversation.
    Demo,
}

#[tokio::main]
async fn main() -> ExitCode {
    match Cli::parse().command {
        Command::Serve => serve().await,
        Command::Demo => run_demo().await,
    }
}

async fn serve() -> ExitCode {
    let config = match Config::from_env() {
        Ok(config) => config,
        Err(error) => {
            eprintln!("webex-onboard: {error}");
            return ExitCode::from(2);
        }
    };
    telemetry::init(config.log_format, "info,sqlx=warn");
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

async fn run_demo() -> ExitCode {
    telemetry::init(LogFormat::Text, "warn");
    let mut out = std::io::stdout();
    match demo::run(&mut out).await {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("webex-onboard demo: {error}");
            ExitCode::FAILURE
        }
    }
}
