//! The baseline of `bench/run`: an axum server that reads each `POST /webhook` body and
//! answers 204, doing nothing else. What the bot achieves is compared with this, in the same run.
//!
//! `cargo run --release --example bare_server -- 127.0.0.1:8090`

use std::net::SocketAddr;

use axum::Router;
use axum::body::Bytes;
use axum::http::StatusCode;
use axum::routing::{get, post};

async fn webhook(body: Bytes) -> StatusCode {
    std::hint::black_box(body);
    StatusCode::NO_CONTENT
}

#[tokio::main]
async fn main() -> std::io::Result<()> {
    let addr: SocketAddr = std::env::args()
        .nth(1)
        .unwrap_or_else(|| "127.0.0.1:8090".to_owned())
        .parse()
        .map_err(|e| std::io::Error::new(std::io::ErrorKind::InvalidInput, e))?;
    let router = Router::new()
        .route("/webhook", post(webhook))
        .route("/healthz", get(|| async { "ok" }));
    let listener = tokio::net::TcpListener::bind(addr).await?;
    eprintln!("bare server listening on {}", listener.local_addr()?);
    axum::serve(listener, router).await
}
