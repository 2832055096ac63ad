//! `webex-onboard`: see `webex_onboard::cli` for the subcommands.

use std::process::ExitCode;

// A runtime thread per core (`TOKIO_WORKER_THREADS` sets another count). On one core the
// recorder commits on a blocking thread, so that the one runtime thread serves connections
// meanwhile.
#[tokio::main]
async fn main() -> ExitCode {
    webex_onboard::cli::run().await
}
