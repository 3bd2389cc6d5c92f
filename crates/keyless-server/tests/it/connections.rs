//! Connections are not held forever: an idle one is closed after the idle timeout, one
//! that trickles its headers (slowloris) after the header read timeout, and connections
//! over the cap are closed at once, while the server keeps answering.

use crate::common;

use common::{TestServer, wire};
use std::time::{Duration, Instant};
use tokio::io::AsyncWriteExt;

async fn server(header_read: u64, idle: u64, max: usize) -> TestServer {
    TestServer::start_with(|c| {
        c.header_read_timeout_secs = header_read;
        c.idle_timeout_secs = idle;
        c.max_connections = max;
    })
    .await
}

async fn healthy(s: &TestServer) {
    let a = wire::send(s, wire::head(s, "GET", "/healthz", &[]).as_bytes()).await;
    assert_eq!(a.status, 200);
}

#[tokio::test]
async fn idle_connections_are_closed() {
    let s = server(10, 1, 64).await;
    // Never a request, and one request then silence: both closed after about a second.
    let mut silent = wire::connect(&s).await;
    let mut kept = wire::connect(&s).await;
    kept.write_all(wire::head(&s, "GET", "/healthz", &[]).as_bytes())
        .await
        .unwrap();
    let a = wire::read_answer(&mut kept, Duration::from_secs(5))
        .await
        .unwrap();
    assert_eq!(a.status, 200);
    let started = Instant::now();
    assert!(wire::closed_within(&mut silent, Duration::from_secs(5)).await);
    assert!(wire::closed_within(&mut kept, Duration::from_secs(5)).await);
    assert!(started.elapsed() < Duration::from_secs(4));
    healthy(&s).await;
}

#[tokio::test]
async fn headers_sent_slowly_are_cut_off() {
    let s = server(1, 30, 64).await;
    let mut conn = wire::connect(&s).await;
    let started = Instant::now();
    conn.write_all(b"GET /healthz HTTP/1.1\r\n").await.unwrap();
    // A header line every 300 ms keeps bytes moving, so only the header read timeout can
    // end it.
    let mut cut = false;
    for i in 0..30 {
        tokio::time::sleep(Duration::from_millis(300)).await;
        if conn
            .write_all(format!("X-Slow-{i}: a\r\n").as_bytes())
            .await
            .is_err()
            || conn.flush().await.is_err()
        {
            cut = true;
            break;
        }
        if started.elapsed() > Duration::from_secs(3) {
            cut = wire::closed_within(&mut conn, Duration::from_millis(500)).await;
            break;
        }
    }
    assert!(cut, "the slow connection stayed open");
    assert!(started.elapsed() < Duration::from_secs(5));
    healthy(&s).await;
}

#[tokio::test]
async fn connections_over_the_cap_are_closed() {
    let s = server(10, 30, 3).await;
    let mut held = Vec::new();
    for _ in 0..3 {
        held.push(wire::connect(&s).await);
    }
    let over = wire::try_connect(&s).await;
    let refused = match over {
        Err(_) => true,
        Ok(mut c) => wire::closed_within(&mut c, Duration::from_secs(2)).await,
    };
    assert!(refused, "a fourth connection was served");
    held.pop();
    tokio::time::sleep(Duration::from_millis(200)).await;
    healthy(&s).await;
}
