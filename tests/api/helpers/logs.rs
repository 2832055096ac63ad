//! Every log line of every bot in the test process, kept for tests to read.

use std::io::Write;
use std::sync::{Arc, Mutex, OnceLock};

use tracing_subscriber::fmt::MakeWriter;

/// Every log line written by any bot in this test process.
#[derive(Clone, Default)]
pub struct CapturedLogs(Arc<Mutex<Vec<u8>>>);

impl CapturedLogs {
    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.0.lock().expect("log buffer")).into_owned()
    }
}

impl Write for CapturedLogs {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().expect("log buffer").extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl<'a> MakeWriter<'a> for CapturedLogs {
    type Writer = Self;
    fn make_writer(&'a self) -> Self::Writer {
        self.clone()
    }
}

/// With `TEST_LOGS`, every line also goes to the running test's output, which the harness
/// shows when the test fails (and at once with `--nocapture`).
#[derive(Clone)]
struct Shown(CapturedLogs);

impl Write for Shown {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.write_all(buf)?;
        // `eprint!`, not a handle on stderr: the harness captures it per test.
        eprint!("{}", String::from_utf8_lossy(buf));
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl<'a> MakeWriter<'a> for Shown {
    type Writer = Self;
    fn make_writer(&'a self) -> Self::Writer {
        self.clone()
    }
}

/// Installs (once per process) a subscriber that keeps every line, and the TLS crypto provider
/// the test's own HTTP clients need. Each line names its thread: the test's own name, for the
/// tests that run the bot on the test's thread.
///
/// `TEST_LOGS=1` also shows the lines (at `info`) with each test's output; `TEST_LOGS=FILTER`
/// sets the filter, in `RUST_LOG`'s syntax.
pub fn logs() -> CapturedLogs {
    static LOGS: OnceLock<CapturedLogs> = OnceLock::new();
    LOGS.get_or_init(|| {
        let _ = rustls::crypto::ring::default_provider().install_default();
        let logs = CapturedLogs::default();
        let builder = tracing_subscriber::fmt()
            .with_ansi(false)
            .with_thread_names(true);
        let _ = match std::env::var("TEST_LOGS") {
            Ok(filter) => {
                let filter = if filter == "1" || filter.is_empty() {
                    "info,sqlx=warn".to_owned()
                } else {
                    filter
                };
                builder
                    .with_env_filter(filter)
                    .with_writer(Shown(logs.clone()))
                    .try_init()
            }
            Err(_) => builder
                .with_env_filter("trace")
                .with_writer(logs.clone())
                .try_init(),
        };
        logs
    })
    .clone()
}
