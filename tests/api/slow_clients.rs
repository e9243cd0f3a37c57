//! Slow clients: a client that sends half its request head, or its body slowly or
//! by half, loses its connection after a timeout instead of holding it for ever;
//! and shutdown ends at its deadline even while such a client holds a connection.

use std::time::{Duration, Instant};

use parley::config::HttpOptions;
use serde_json::json;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

use crate::common::{TestServer, parley, serve_demo};

/// A gateway whose clients get `header` for a request's head and `body` for its body.
async fn server_with(header: Duration, body: Duration) -> TestServer {
    let options = HttpOptions {
        header_read_timeout: header,
        body_read_timeout: body,
        ..HttpOptions::default()
    };
    TestServer::builder()
        .tenants(1)
        .conversations(2)
        .options(options)
        .start()
        .await
}

async fn connect(server: &TestServer) -> TcpStream {
    TcpStream::connect(server.url.trim_start_matches("http://"))
        .await
        .unwrap()
}

/// Everything the server sends until it closes the connection, and when it closed
/// it; None if it is still open after `wait`.
async fn until_closed(stream: &mut TcpStream, wait: Duration) -> Option<(String, Duration)> {
    let started = Instant::now();
    let mut received = Vec::new();
    let mut buffer = [0u8; 4096];
    loop {
        match tokio::time::timeout(wait, stream.read(&mut buffer)).await {
            Err(_) => return None,
            Ok(Ok(0)) | Ok(Err(_)) => break,
            Ok(Ok(n)) => received.extend_from_slice(&buffer[..n]),
        }
    }
    Some((
        String::from_utf8_lossy(&received).into_owned(),
        started.elapsed(),
    ))
}

/// The server still answers a normal query.
async fn assert_alive(server: &TestServer) {
    let token = server.token().await;
    let reply = server
        .post(Some(&token), "{ conversations { totalCount } }", json!({}))
        .await;
    assert_eq!(reply.data()["conversations"]["totalCount"], 2);
}

#[tokio::test(flavor = "multi_thread")]
async fn a_client_that_sends_half_its_headers_or_nothing_is_disconnected() {
    let server = server_with(Duration::from_secs(1), Duration::from_secs(60)).await;
    let mut half = connect(&server).await;
    half.write_all(b"POST /graphql HTTP/1.1\r\nHost: parley\r\nContent-Ty")
        .await
        .unwrap();
    let mut silent = connect(&server).await;
    for stream in [&mut half, &mut silent] {
        let (_, after) = until_closed(stream, Duration::from_secs(10))
            .await
            .expect("the server closes the connection");
        assert!(after < Duration::from_secs(5), "closed after {after:?}");
    }
    assert_alive(&server).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn a_client_that_sends_half_its_body_or_drips_it_gets_408() {
    let server = server_with(Duration::from_secs(60), Duration::from_secs(1)).await;
    let head = "POST /graphql HTTP/1.1\r\nHost: parley\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n";
    let mut half = connect(&server).await;
    half.write_all(head.as_bytes()).await.unwrap();
    half.write_all(br#"{"query": "{ __t"#).await.unwrap();
    let (answer, after) = until_closed(&mut half, Duration::from_secs(10))
        .await
        .expect("the server answers and closes the connection");
    assert!(answer.starts_with("HTTP/1.1 408"), "{answer}");
    assert!(answer.contains("BAD_USER_INPUT"), "{answer}");
    assert!(after < Duration::from_secs(5), "answered after {after:?}");

    // A byte every 200 ms: never a long pause, yet the body takes too long.
    let mut drip = connect(&server).await;
    drip.write_all(head.as_bytes()).await.unwrap();
    let dripping = async {
        for byte in [b' '; 100] {
            if drip.write_all(&[byte]).await.is_err() {
                break;
            }
            tokio::time::sleep(Duration::from_millis(200)).await;
        }
    };
    tokio::time::timeout(Duration::from_secs(3), dripping)
        .await
        .ok();
    let (answer, _) = until_closed(&mut drip, Duration::from_secs(10))
        .await
        .expect("the server answers and closes the connection");
    assert!(answer.starts_with("HTTP/1.1 408"), "{answer}");
    assert_alive(&server).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn shutdown_drops_a_stalled_client_at_its_deadline() {
    let dir = tempfile::tempdir().unwrap();
    let (running, url, _) = serve_demo(
        parley()
            .args(["serve", "--demo", "--bind", "127.0.0.1:0"])
            .args(["--header-read-timeout", "10m", "--body-read-timeout", "10m"])
            .args(["--shutdown-timeout", "2s"])
            .current_dir(dir.path()),
    );
    let mut stalled = TcpStream::connect(url.trim_start_matches("http://"))
        .await
        .unwrap();
    let head = "POST /graphql HTTP/1.1\r\nHost: parley\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{";
    stalled.write_all(head.as_bytes()).await.unwrap();
    tokio::time::sleep(Duration::from_millis(300)).await;
    let started = Instant::now();
    let status = tokio::time::timeout(Duration::from_secs(20), running.terminate())
        .await
        .expect("the server exits despite the stalled client");
    assert!(status.success(), "the server exits cleanly: {status}");
    let took = started.elapsed();
    assert!(
        took >= Duration::from_millis(1500) && took < Duration::from_secs(10),
        "waited for the request in flight until the deadline, then exited: {took:?}"
    );
}
