//! Runs the built-in Webex simulator on loopback, for `bench/run` and manual trials: it prints
//! the `export` lines the bot needs (`eval` them), then serves until killed.
//!
//! `cargo run -p webex-sim --release --example simulator`

use std::io::Write;

use webex_sim::Simulator;

#[tokio::main]
async fn main() -> std::io::Result<()> {
    // reqwest is built without a default TLS provider.
    let _ = rustls::crypto::ring::default_provider().install_default();
    let sim = Simulator::start().await?;
    let mut out = std::io::stdout().lock();
    writeln!(out, "export WEBEX_API_URL='{}'", sim.api_url())?;
    writeln!(out, "export WEBEX_BOT_TOKEN='{}'", sim.bot().token)?;
    writeln!(out, "export WEBEX_ADMIN_TOKEN='{}'", sim.admin().token)?;
    out.flush()?;
    drop(out);
    std::future::pending::<()>().await;
    Ok(())
}
