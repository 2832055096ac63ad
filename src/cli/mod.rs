//! The `webex-onboard` command: one file per subcommand.

mod audit;
mod check;
#[cfg(feature = "demo")]
mod demo;
mod failure;
mod healthcheck;
#[cfg(feature = "demo")]
mod say;
mod serve;
#[cfg(feature = "demo")]
mod simulate;

use std::process::ExitCode;

use clap::{Parser, Subcommand};

use crate::config::Settings;

/// `--version`: the release and the commit it was built from.
const VERSION: &str = concat!(
    env!("CARGO_PKG_VERSION"),
    " (",
    env!("WEBEX_ONBOARD_COMMIT"),
    ")"
);

#[derive(Parser)]
#[command(
    version = VERSION,
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
    Demo {
        /// Write the bot's database to this new SQLite file and leave it, for `audit`.
        #[arg(long, value_name = "PATH")]
        keep_db: Option<std::path::PathBuf>,
    },
    /// Run the built-in Webex simulator, with people to act as, and print the variables that
    /// point `serve` and `say` at it.
    #[cfg(feature = "demo")]
    Simulate {
        /// Where the simulator listens.
        #[arg(long, default_value = "127.0.0.1:9999")]
        listen: std::net::SocketAddr,
        /// Where `serve` will listen, for the variables printed.
        #[arg(long, default_value = "127.0.0.1:8080")]
        bot: std::net::SocketAddr,
    },
    /// Act as a person of the simulated Webex at WEBEX_API_URL: write to the bot, or submit one
    /// of its cards, and print what it answers. Without words, print what it said.
    #[cfg(feature = "demo")]
    Say {
        /// The person's token, as `simulate` printed it.
        #[arg(long = "as", value_name = "TOKEN")]
        token: String,
        /// The bot's email.
        #[arg(long, default_value = "onboard-bot@webex.bot")]
        to: String,
        /// Submit this card (its message id); the words are its inputs, as id=value.
        #[arg(long, value_name = "CARD_ID")]
        submit: Option<String>,
        /// How long to wait for the answers, in seconds.
        #[arg(long, default_value_t = 10)]
        wait: u64,
        /// The message, or the card's inputs.
        words: Vec<String>,
    },
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
        Command::Demo { keep_db } => demo::run(keep_db.as_deref()).await,
        #[cfg(feature = "demo")]
        Command::Simulate { listen, bot } => simulate::run(listen, bot).await,
        #[cfg(feature = "demo")]
        Command::Say {
            token,
            to,
            submit,
            wait,
            words,
        } => {
            say::run(say::Say {
                token,
                to,
                submit,
                words,
                wait: std::time::Duration::from_secs(wait),
            })
            .await
        }
        Command::Audit { json } => audit::run(json).await,
        Command::Check { json, settings } => check::run(&settings, json).await,
        Command::Healthcheck { settings } => healthcheck::run(&settings).await,
    }
}
