//! The `webex-onboard` command: `serve` runs the bot, `demo` plays a conversation against the
//! built-in Webex simulator.

use std::process::ExitCode;

use clap::{Parser, Subcommand};
use webex_onboard::config::Config;
#[cfg(feature = "demo")]
use webex_onboard::config::LogFormat;
#[cfg(feature = "demo")]
use webex_onboard::demo;
use webex_onboard::startup::{Application, shutdown_signal};
use webex_onboard::store::{DEFAULT_DATABASE_URL, Store};
use webex_onboard::{report, telemetry};

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
    #[cfg(feature = "demo")]
    Demo,
    /// Print the audit trail of DATABASE_URL: who asked, who decided, what Webex was sent and said.
    Audit {
        /// One JSON object a line instead of a table.
        #[arg(long)]
        json: bool,
    },
}

#[tokio::main]
async fn main() -> ExitCode {
    match Cli::parse().command {
        Command::Serve => serve().await,
        #[cfg(feature = "demo")]
        Command::Demo => run_demo().await,
        Command::Audit { json } => audit(json).await,
    }
}

async fn audit(json: bool) -> ExitCode {
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
        let store = Store::connect(&url).await?;
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

#[cfg(feature = "demo")]
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
