//! The edge under attack, on the real binary: idle connections, stalled uploads, and requests
//! framed to smuggle, from peers without the secret.

use std::time::{Duration, Instant};

use serde_json::json;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

use crate::process::world;

/// The process's resident memory, in bytes.
fn rss(pid: u32) -> u64 {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).expect("proc status");
    let kib: u64 = status
        .lines()
        .find_map(|line| line.strip_prefix("VmRSS:"))
        .and_then(|rest| rest.split_whitespace().next())
        .and_then(|n| n.parse().ok())
        .expect("VmRSS");
    kib * 1024
}

/// The first line of the answer to `request`, sent as raw bytes.
async fn raw_status(addr: std::net::SocketAddr, request: &[u8]) -> String {
    let mut stream = TcpStream::connect(addr).await.expect("connects");
    stream.write_all(request).await.expect("writes");
    let mut answer = vec![0; 512];
    let read = tokio::time::timeout(Duration::from_secs(5), stream.read(&mut answer))
        .await
        .expect("answered in time")
        .expect("reads");
    String::from_utf8_lossy(&answer[..read])
        .lines()
        .next()
        .unwrap_or_default()
        .to_owned()
}

/// A load test, run alone (as `.ci/run` does) so that the rest of the suite does not share
/// the machine with it: `cargo test --test api edge_load -- --ignored`.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "a load test: run alone"]
async fn idle_connections_and_stalled_uploads_leave_health_and_webhooks_answering_in_bounded_memory()
 {
    let world = world().await;
    let bot = world.bot().await;
    let addr = world.addr;
    let pid = bot.pid();
    let http = reqwest::Client::builder()
        .timeout(Duration::from_secs(5))
        .build()
        .expect("client");
    let before = rss(pid);
    let mut idle = Vec::new();
    for _ in 0..300 {
        idle.push(TcpStream::connect(addr).await.expect("idle connects"));
    }
    // Each upload claims a MiB and sends a KiB now and then.
    let head = format!(
        "POST /webhook HTTP/1.1\r\nHost: bot\r\nContent-Type: application/json\r\n\
         X-Spark-Signature: {}\r\nContent-Length: 1048576\r\n\r\n",
        "0".repeat(40)
    );
    let mut stalled = Vec::new();
    let started = std::sync::Arc::new(tokio::sync::Semaphore::new(0));
    for _ in 0..150 {
        let head = head.clone();
        let started = started.clone();
        stalled.push(tokio::spawn(async move {
            let connected = TcpStream::connect(addr).await;
            let Ok(mut stream) = connected else {
                started.add_permits(1);
                return;
            };
            let sent = stream.write_all(head.as_bytes()).await;
            started.add_permits(1);
            if sent.is_err() {
                return;
            }
            let chunk = vec![b' '; 1024];
            for _ in 0..60 {
                if stream.write_all(&chunk).await.is_err() {
                    return;
                }
                tokio::time::sleep(Duration::from_millis(200)).await;
            }
        }));
    }
    // Measured once the attack is in place: a burst of connections can overflow a small
    // listen backlog, and a dropped SYN costs a second in the kernel, before any server code.
    let _all = started.acquire_many(150).await.expect("uploads start");
    let mut peak = rss(pid);
    let mut slowest = Duration::ZERO;
    let mut message = 0;
    // Past the header deadline, while the uploads still trickle.
    let until = Instant::now() + Duration::from_secs(7);
    while Instant::now() < until {
        let started = Instant::now();
        let health = http
            .get(format!("http://{addr}/healthz"))
            .send()
            .await
            .expect("/healthz answers");
        assert_eq!(health.status(), 200);
        slowest = slowest.max(started.elapsed());
        message += 1;
        let body = json!({
            "id": "W1", "resource": "messages", "event": "created",
            "data": {"id": format!("LOADMSG{message}"), "roomId": "R1", "personId": "P1",
                     "personEmail": "someone@example.com"},
        })
        .to_string();
        let signature = webex_sim::sign_webhook_body(&world.secret, body.as_bytes());
        let started = Instant::now();
        let delivered = http
            .post(format!("http://{addr}/webhook"))
            .header("content-type", "application/json")
            .header("x-spark-signature", signature)
            .body(body)
            .send()
            .await
            .expect("the webhook answers");
        assert!(delivered.status().is_success(), "{}", delivered.status());
        slowest = slowest.max(started.elapsed());
        peak = peak.max(rss(pid));
        tokio::time::sleep(Duration::from_millis(250)).await;
    }
    eprintln!(
        "slowest answer {slowest:?}; memory {} MB before, {} MB at the peak",
        before / 1_000_000,
        peak / 1_000_000
    );
    assert!(
        slowest < Duration::from_secs(1),
        "an answer took {slowest:?} under load"
    );
    assert!(
        peak < 64 * 1024 * 1024,
        "memory grew from {} MB to {} MB",
        before / 1_000_000,
        peak / 1_000_000
    );
    for upload in stalled {
        upload.abort();
    }
    drop(idle);
    bot.kill_9().await;
}

#[tokio::test]
async fn a_request_framed_two_ways_or_signed_twice_is_refused() {
    let world = world().await;
    let bot = world.bot().await;
    let body = r#"{"resource":"messages","event":"created","data":{"id":"M1"}}"#;
    let signature = webex_sim::sign_webhook_body(&world.secret, body.as_bytes());
    let smuggled = format!(
        "POST /webhook HTTP/1.1\r\nHost: bot\r\nX-Spark-Signature: {signature}\r\n\
         Content-Length: {}\r\nTransfer-Encoding: chunked\r\n\r\n{:x}\r\n{body}\r\n0\r\n\r\n",
        body.len(),
        body.len()
    );
    let status = raw_status(world.addr, smuggled.as_bytes()).await;
    assert!(status.starts_with("HTTP/1.1 400"), "{status}");
    let twice = format!(
        "POST /webhook HTTP/1.1\r\nHost: bot\r\nX-Spark-Signature: {signature}\r\n\
         X-Spark-Signature: {signature}\r\nContent-Length: {}\r\n\r\n{body}",
        body.len()
    );
    let status = raw_status(world.addr, twice.as_bytes()).await;
    assert!(status.starts_with("HTTP/1.1 400"), "{status}");
    // The same delivery, framed once and signed once, is taken.
    let once = format!(
        "POST /webhook HTTP/1.1\r\nHost: bot\r\nX-Spark-Signature: {signature}\r\n\
         Content-Length: {}\r\n\r\n{body}",
        body.len()
    );
    let status = raw_status(world.addr, once.as_bytes()).await;
    assert!(status.starts_with("HTTP/1.1 200"), "{status}");
    bot.kill_9().await;
}
