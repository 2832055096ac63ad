//! Why a command could not start, as one plain line on stderr and an exit code per class: what
//! is concerned (a path, a host, a URL), the reason once, and what to do.

use std::path::Path;
use std::process::ExitCode;

use crate::config::ConfigError;
use crate::startup::StartupError;
use crate::store::StoreError;
use crate::webex::WebexError;

/// The classes of failure, each with its exit code.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Class {
    /// Something else (1).
    Other = 1,
    /// The configuration is incomplete or invalid (2).
    Config = 2,
    /// The database cannot be opened, reached or used (3).
    Database = 3,
    /// A port cannot be listened on, or Webex cannot be reached (4).
    Network = 4,
    /// Webex answered, and refused (5).
    WebexRefused = 5,
}

/// A failure to start, ready to be said.
#[derive(Debug)]
pub struct Failure {
    pub class: Class,
    /// The one line, without the program's name.
    pub line: String,
}

impl Failure {
    pub fn new(class: Class, line: impl Into<String>) -> Self {
        Self {
            class,
            line: line.into(),
        }
    }

    /// Writes the line and gives the exit code.
    pub fn report(&self, command: &str) -> ExitCode {
        // One line, whatever the reasons held.
        let line = self.line.replace(['\n', '\r'], " ");
        eprintln!("webex-onboard {command}: {line}");
        ExitCode::from(self.class as u8)
    }
}

impl From<ConfigError> for Failure {
    fn from(error: ConfigError) -> Self {
        Self::new(Class::Config, error.to_string())
    }
}

/// Where `DATABASE_URL` points, without its password: a SQLite path, or a host and port.
pub fn database_place(url: &str) -> String {
    if let Some(path) = sqlite_path(url) {
        return format!("the SQLite database {}", path.display());
    }
    let rest = url.split_once("://").map_or(url, |(_, rest)| rest);
    let host = rest.rsplit_once('@').map_or(rest, |(_, host)| host);
    let host = host.split(['/', '?']).next().unwrap_or(host);
    format!("the PostgreSQL server at {host}")
}

/// The file a `sqlite://PATH` URL names.
pub fn sqlite_path(url: &str) -> Option<&Path> {
    let path = url
        .strip_prefix("sqlite://")
        .or_else(|| url.strip_prefix("sqlite:"))?;
    Some(Path::new(path.split('?').next().unwrap_or(path)))
}

/// The reason a database gave, once, in words.
fn database_reason(error: &sqlx::Error) -> String {
    match error {
        sqlx::Error::Database(e) => e.message().to_owned(),
        sqlx::Error::Io(e) => e.to_string(),
        sqlx::Error::PoolTimedOut => "no connection could be made within 10 s".to_owned(),
        sqlx::Error::Tls(e) => format!("TLS failed: {e}"),
        sqlx::Error::Configuration(e) => e.to_string(),
        other => other.to_string(),
    }
}

/// A database failure: what, why, and what to do.
pub fn database(url: &str, error: &StoreError) -> Failure {
    let place = database_place(url);
    let line = match error {
        StoreError::UnsupportedUrl(_) => return Failure::new(Class::Config, error.to_string()),
        StoreError::Database(sqlx::Error::Configuration(reason)) => {
            return Failure::new(Class::Config, format!("DATABASE_URL is invalid: {reason}"));
        }
        StoreError::Database(e) => {
            let reason = database_reason(e);
            match sqlite_path(url) {
                Some(path) => {
                    let folder = path
                        .parent()
                        .filter(|p| !p.as_os_str().is_empty())
                        .unwrap_or(Path::new("."));
                    if folder.is_dir() {
                        format!(
                            "cannot open {place}: {reason}; check that this user may write \
                             there, or set DATABASE_URL"
                        )
                    } else {
                        format!(
                            "cannot open {place}: the folder {} does not exist; create it, or \
                             set DATABASE_URL",
                            folder.display()
                        )
                    }
                }
                None => format!(
                    "cannot use {place}: {reason}; check that it runs and takes connections, \
                     and the user and password in DATABASE_URL"
                ),
            }
        }
        other => format!("cannot use {place}: {other}"),
    };
    Failure::new(Class::Database, line)
}

/// A failure to talk to Webex at `api_url`, in what `doing`.
fn webex(api_url: &str, doing: &str, what_to_do: &str, error: &WebexError) -> Failure {
    match error {
        WebexError::Api {
            status: status @ (401 | 403),
            message,
            ..
        } => Failure::new(
            Class::WebexRefused,
            format!("Webex at {api_url} refused {doing} ({status}: {message}); {what_to_do}"),
        ),
        WebexError::Api {
            status, message, ..
        } => Failure::new(
            Class::WebexRefused,
            format!("Webex at {api_url} answered {status} to {doing}: {message}; try again later"),
        ),
        WebexError::Credentials { reason } => Failure::new(
            Class::WebexRefused,
            format!("Webex at {api_url} refused {doing}: {reason}; {what_to_do}"),
        ),
        WebexError::Transport { reason, .. } => Failure::new(
            Class::Network,
            format!(
                "cannot reach Webex at {api_url}: {reason}; check WEBEX_API_URL and the network"
            ),
        ),
        WebexError::Timeout { timeout, .. } => Failure::new(
            Class::Network,
            format!(
                "Webex at {api_url} did not answer {doing} within {} s; check WEBEX_API_URL and \
                 the network",
                timeout.as_secs()
            ),
        ),
        other => Failure::new(Class::Other, format!("{doing} failed: {other}")),
    }
}

/// A failure of `serve` to start.
pub fn startup(error: &StartupError, database_url: &str, api_url: &str) -> Failure {
    match error {
        StartupError::Listen { addr, source } => Failure::new(
            Class::Network,
            format!(
                "cannot listen on {addr}: {source}; stop what uses that address, or set \
                 LISTEN_ADDR or METRICS_ADDR"
            ),
        ),
        StartupError::Store(e) => database(database_url, e),
        StartupError::Identity(e) => webex(
            api_url,
            "the bot token (GET /people/me)",
            "set WEBEX_BOT_TOKEN to the bot's access token",
            e,
        ),
        StartupError::Registration(e) => webex(
            api_url,
            "registering the webhooks",
            "check the bot token's scopes and WEBEX_PUBLIC_URL",
            e,
        ),
        StartupError::Client(e) => Failure::new(Class::Config, format!("{e}; check WEBEX_API_URL")),
        StartupError::Config(line) => Failure::new(Class::Config, line.clone()),
        StartupError::Template(line) => {
            Failure::new(Class::Config, format!("ONBOARD_TEMPLATES: {line}"))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_database_is_named_without_its_password() {
        assert_eq!(
            database_place("postgres://bot:hunter2@db.internal:5432/onboard?sslmode=require"),
            "the PostgreSQL server at db.internal:5432"
        );
        assert_eq!(
            database_place("sqlite:///var/lib/bot/bot.db?mode=rwc"),
            "the SQLite database /var/lib/bot/bot.db"
        );
    }

    #[test]
    fn a_report_is_one_line() {
        let failure = Failure::new(Class::Network, "one\ntwo");
        assert_eq!(failure.line.replace('\n', " "), "one two");
        assert_eq!(Class::WebexRefused as u8, 5);
    }
}
