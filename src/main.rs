//! `webex-onboard`: see `webex_onboard::cli` for the subcommands.

use std::process::ExitCode;

#[tokio::main]
async fn main() -> ExitCode {
    webex_onboard::cli::run().await
}
