//! `webex-onboard check`: one line per part of the configuration, ok, warn or fail.

use std::io::Write;
use std::process::ExitCode;

use crate::config::{Config, Settings};
use crate::ops::check::{self, Status};

/// Checks and prints; exits 1 when any check failed, 2 when the configuration cannot be read.
pub(super) async fn run(settings: &Settings, json: bool) -> ExitCode {
    let config = match Config::from_settings(settings) {
        Ok(config) => config,
        Err(error) => {
            eprintln!("webex-onboard check: {error}");
            return ExitCode::from(2);
        }
    };
    let lines = check::run(&config).await;
    let mut out = std::io::stdout().lock();
    for line in &lines {
        let written = if json {
            serde_json::to_string(line)
                .map_err(std::io::Error::other)
                .and_then(|text| writeln!(out, "{text}"))
        } else {
            let status = match line.status {
                Status::Ok => "ok",
                Status::Warn => "warn",
                Status::Fail => "fail",
            };
            writeln!(out, "{status:<4}  {}: {}", line.check, line.detail)
        };
        if written.is_err() {
            return ExitCode::FAILURE;
        }
    }
    if lines.iter().any(|line| line.status == Status::Fail) {
        ExitCode::FAILURE
    } else {
        ExitCode::SUCCESS
    }
}
