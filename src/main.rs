//! `webex-onboard`: see `webex_onboard::cli` for the subcommands.

use std::process::ExitCode;

fn main() -> ExitCode {
    // A thread per core (`TOKIO_WORKER_THREADS` sets another count). On one core the recorder
    // commits on a blocking thread, so that the one runtime thread serves connections meanwhile.
    let runtime = tokio::runtime::Builder::new_multi_thread()
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
