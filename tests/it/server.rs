//! Issue 24: the server loop times out slow headers, idle keep-alive connections and stalled
//! bodies, and caps connections per client address.
use std::time::{Duration, Instant};

use reqwest::StatusCode;
use tokio::{
    io::{AsyncReadExt, AsyncWriteExt},
    net::TcpStream,
};

use crate::common::TestApp;

/// A gateway with short timeouts and a small per-address cap.
async fn strict(per_address: usize, header_ms: u64) -> TestApp {
    TestApp::with_settings(|s| {
        s.http_server.header_read_timeout_ms = header_ms;
        s.http_server.idle_timeout_ms = 1_000;
        s.http_server.max_connections_per_address = per_address;
    })
    .await
}

async fn connect(app: &TestApp) -> TcpStream {
    TcpStream::connect(app.base.trim_start_matches("http://")).await.unwrap()
}

/// Read until the server closes the connection; what it sent, and how long it took.
async fn read_until_closed(stream: &mut TcpStream, within: Duration) -> (String, Duration) {
    let started = Instant::now();
    let mut seen = Vec::new();
    let mut buf = [0u8; 4096];
    loop {
        match tokio::time::timeout(within, stream.read(&mut buf)).await {
            Err(_) => panic!("still open after {within:?}; got {:?}", String::from_utf8_lossy(&seen)),
            Ok(Ok(0) | Err(_)) => break,
            Ok(Ok(n)) => seen.extend_from_slice(&buf[..n]),
        }
    }
    (String::from_utf8_lossy(&seen).into_owned(), started.elapsed())
}

const GET: &str = "GET /api/v1/instance HTTP/1.1\r\nHost: localhost\r\n\r\n";

#[tokio::test]
async fn half_sent_headers_time_out() {
    let app = strict(16, 500).await;
    let mut stream = connect(&app).await;
    stream.write_all(b"GET /api/v1/instance HTTP/1.1\r\nHost: loc").await.unwrap();
    let (_, took) = read_until_closed(&mut stream, Duration::from_secs(5)).await;
    assert!(took >= Duration::from_millis(400), "closed after {took:?}");
    // A connection that sends nothing at all is closed too.
    let mut silent = connect(&app).await;
    read_until_closed(&mut silent, Duration::from_secs(5)).await;
}

#[tokio::test]
async fn idle_keep_alive_connections_are_closed() {
    let app = strict(16, 500).await;
    let mut stream = connect(&app).await;
    stream.write_all(GET.as_bytes()).await.unwrap();
    // The answer comes, then the idle connection is closed without another request.
    let (seen, took) = read_until_closed(&mut stream, Duration::from_secs(5)).await;
    assert!(seen.starts_with("HTTP/1.1 200"), "{seen}");
    assert!(took >= Duration::from_millis(400), "closed after {took:?}");
}

#[tokio::test]
async fn stalled_bodies_time_out() {
    let app = strict(16, 500).await;
    let mut stream = connect(&app).await;
    let head = "POST /api/v1/apps HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{\"client_name\":";
    stream.write_all(head.as_bytes()).await.unwrap();
    let (_, took) = read_until_closed(&mut stream, Duration::from_secs(6)).await;
    assert!(took >= Duration::from_millis(900), "closed after {took:?}");
}

#[tokio::test]
async fn connections_over_the_per_address_cap_are_refused() {
    let app = strict(4, 3_000).await;
    let mut held = Vec::new();
    for _ in 0..4 {
        let mut stream = connect(&app).await;
        // One request each, so the server has surely taken them (and still holds them).
        stream.write_all(b"GET /api/v1/instance HTTP/1.1\r\nHost: localhost\r\n").await.unwrap();
        held.push(stream);
    }
    // No wait: the server admits connections in the order it accepts them, so the four above
    // hold their slots before the fifth is looked at.
    // The fifth is closed at once, unanswered.
    let mut fifth = connect(&app).await;
    let _ = fifth.write_all(GET.as_bytes()).await;
    let (seen, took) = read_until_closed(&mut fifth, Duration::from_secs(2)).await;
    assert!(seen.is_empty() && took < Duration::from_millis(400), "{seen:?} after {took:?}");
    // A held connection is still served.
    held[0].write_all(b"\r\n").await.unwrap();
    let mut buf = [0u8; 12];
    held[0].read_exact(&mut buf).await.unwrap();
    assert_eq!(&buf, b"HTTP/1.1 200");
    // Once they are gone, new connections are served again.
    drop(held);
    tokio::time::sleep(Duration::from_millis(100)).await;
    let reply = app.client.get(format!("{}/api/v1/instance", app.base)).send().await.unwrap();
    assert_eq!(reply.status(), StatusCode::OK);
}

/// The default cap leaves room for the many connections a client (and these tests) open.
#[tokio::test]
async fn the_default_cap_serves_many_connections() {
    let app = TestApp::new().await;
    let mut held = Vec::new();
    for _ in 0..100 {
        held.push(connect(&app).await);
    }
    let reply = app.client.get(format!("{}/api/v1/instance", app.base)).send().await.unwrap();
    assert_eq!(reply.status(), StatusCode::OK);
}
