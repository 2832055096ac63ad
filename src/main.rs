//! `webex-onboard`: see `webex_onboard::cli` for the subcommands.

use std::process::ExitCode;

fn main() -> ExitCode {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(webex_onboard::startup::runtime_threads())
        .enable_all()
        .build();
    match runtime {
        Ok(runtime) => runtime.block_on(webex_onboard::cli::run()),
        Err(error) => {
            eprintln!("error: could not start the async runtime: {error}");
            ExitCode::FAILURE
        }
    }
}
