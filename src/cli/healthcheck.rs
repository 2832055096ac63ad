//! `webex-onboard healthcheck`: whether the bot on `LISTEN_ADDR` is ready, for a container's
//! `HEALTHCHECK`, which has no shell or curl to ask with.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};
use std::process::ExitCode;
use std::time::Duration;

use crate::config::Settings;

/// How long the bot has to answer.
const TIMEOUT: Duration = Duration::from_secs(3);

/// Asks `GET /readyz` of the bot over loopback; exits 0 when it answers 200.
pub(super) async fn run(settings: &Settings) -> ExitCode {
    let addr = match settings
        .listen_addr
        .as_deref()
        .filter(|a| !a.trim().is_empty())
    {
        None => crate::config::DEFAULT_LISTEN_ADDR.parse::<SocketAddr>(),
        Some(addr) => addr.trim().parse(),
    };
    let Ok(mut addr) = addr else {
        // 1, not 2: a container engine keeps 2 for itself.
        eprintln!("webex-onboard healthcheck: LISTEN_ADDR is not an IP:port");
        return ExitCode::FAILURE;
    };
    // A bot listening on every address is asked on loopback.
    if addr.ip().is_unspecified() {
        let loopback = match addr.ip() {
            IpAddr::V4(_) => IpAddr::V4(Ipv4Addr::LOCALHOST),
            IpAddr::V6(_) => IpAddr::V6(Ipv6Addr::LOCALHOST),
        };
        addr.set_ip(loopback);
    }
    let client = match crate::webex::http_client(TIMEOUT) {
        Ok(client) => client,
        Err(error) => {
            eprintln!("webex-onboard healthcheck: {error}");
            return ExitCode::FAILURE;
        }
    };
    match client.get(format!("http://{addr}/readyz")).send().await {
        Ok(response) if response.status().is_success() => {
            println!("ready: http://{addr}/readyz answered {}", response.status());
            ExitCode::SUCCESS
        }
        Ok(response) => {
            println!(
                "not ready: http://{addr}/readyz answered {}",
                response.status()
            );
            ExitCode::FAILURE
        }
        Err(error) => {
            println!("not ready: http://{addr}/readyz: {}", error.without_url());
            ExitCode::FAILURE
        }
    }
}
