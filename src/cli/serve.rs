//! `webex-onboard serve`: the bot.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use super::failure::{self, Class, Failure};
use crate::config::{Config, Settings};
use crate::startup::{Application, shutdown_signal};
use crate::telemetry;

/// Runs the bot until SIGTERM or Ctrl-C.
pub(super) async fn run(settings: &Settings) -> ExitCode {
    let config = match Config::from_settings(settings) {
        Ok(config) => config,
        Err(error) => return Failure::from(error).report("serve"),
    };
    telemetry::init(config.log_format, &config.log_filter);
    let (database_url, api_url) = (config.database_url.clone(), config.api_url.clone());
    // A start that fails leaves nothing behind: a SQLite file it made is removed.
    let made = failure::sqlite_path(&database_url)
        .filter(|path| !path.exists())
        .map(Path::to_path_buf);
    let app = match Application::build(config).await {
        Ok(app) => app,
        Err(error) => {
            if let Some(path) = &made {
                remove_database(path);
            }
            return failure::startup(&error, &database_url, &api_url).report("serve");
        }
    };
    match app.local_addr() {
        Ok(addr) => tracing::info!(%addr, "listening"),
        Err(error) => tracing::warn!(%error, "the listening address is unknown"),
    }
    match app.run_until_stopped(shutdown_signal()).await {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            Failure::new(Class::Network, format!("the server stopped: {error}")).report("serve")
        }
    }
}

/// Removes a SQLite database this start made, with its log, shared memory and lock folder,
/// unless another process started on it meanwhile and holds its lock of life there.
fn remove_database(path: &Path) {
    let with = |suffix: &str| {
        let mut name = path.as_os_str().to_owned();
        name.push(suffix);
        PathBuf::from(name)
    };
    if held_by_another(&with(".life")) {
        tracing::info!("another process uses the new database; it stays");
        return;
    }
    for file in [
        path.to_path_buf(),
        with("-wal"),
        with("-shm"),
        with("-journal"),
    ] {
        let _ = std::fs::remove_file(file);
    }
    let _ = std::fs::remove_dir_all(with(".life"));
}

/// Whether a living process holds one of the locks of life in `folder` (this one's went with
/// its failed start).
fn held_by_another(folder: &Path) -> bool {
    let Ok(entries) = std::fs::read_dir(folder) else {
        return false;
    };
    entries.filter_map(Result::ok).any(|entry| {
        std::fs::File::open(entry.path())
            .is_ok_and(|file| matches!(file.try_lock(), Err(std::fs::TryLockError::WouldBlock)))
    })
}
