//! The `webex-onboard` command: one file per subcommand.

mod audit;
mod check;
#[cfg(feature = "demo")]
mod demo;
mod healthcheck;
mod serve;

use std::process::ExitCode;

use clap::{Parser, Subcommand};

use crate::config::Settings;

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
    /// Run the bot, configured by the environment variables below.
    Serve {
        #[command(flatten)]
        settings: Box<Settings>,
    },
    /// Run the bot against the built-in Webex simulator and play a whole onboarding conversation.
    #[cfg(feature = "demo")]
    Demo,
    /// Print the audit trail of DATABASE_URL: who asked, who decided, what Webex was sent and said.
    Audit {
        /// One JSON object a line instead of a table.
        #[arg(long)]
        json: bool,
    },
    /// Check the configuration serve would use: tokens, scopes, webhooks, rooms, database.
    Check {
        /// One JSON object a line instead of text.
        #[arg(long)]
        json: bool,
        #[command(flatten)]
        settings: Box<Settings>,
    },
    /// Ask the bot on LISTEN_ADDR whether it is ready (for a container's HEALTHCHECK).
    Healthcheck {
        #[command(flatten)]
        settings: Box<Settings>,
    },
}

/// Parses the command line and runs the subcommand; the exit code says how it went.
pub async fn run() -> ExitCode {
    match Cli::parse().command {
        Command::Serve { settings } => serve::run(&settings).await,
        #[cfg(feature = "demo")]
        Command::Demo => demo::run().await,
        Command::Audit { json } => audit::run(json).await,
        Command::Check { json, settings } => check::run(&settings, json).await,
        Command::Healthcheck { settings } => healthcheck::run(&settings).await,
    }
}
