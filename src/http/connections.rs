//! Accepting connections and serving HTTP/1.1 on them, with a bound on how long a
//! client may take to send a request's head and a deadline for shutting down.
//!
//! `axum::serve` sets no header read timeout and waits for every connection at
//! shutdown, however long a client stalls; this is the same loop over hyper's
//! connection builder with both bounds. HTTP/1.1 only: the auto-detecting builder
//! reads a connection's first bytes to tell HTTP/2 from HTTP/1 with no timeout at
//! all, and a plaintext server is spoken to over HTTP/1.1 by load balancers.

use std::pin::pin;
use std::time::Duration;

use axum::Router;
use axum::serve::Listener;
use hyper::server::conn::http1;
use hyper_util::rt::{TokioIo, TokioTimer};
use hyper_util::service::TowerToHyperService;
use tokio::net::TcpListener;
use tokio::time::Instant;
use tokio_util::sync::CancellationToken;
use tokio_util::task::TaskTracker;

/// How long clients get to send requests and how long shutdown may take.
#[derive(Debug, Clone, Copy)]
pub struct Deadlines {
    /// For a request's head, from when the server starts waiting for it (so also
    /// how long an idle keep-alive connection stays open).
    pub header_read: Duration,
    /// From the shutdown signal until every connection still open is dropped.
    pub shutdown: Duration,
}

/// Serves `app` on `listener` until `shutdown` resolves; then stops accepting, lets
/// each connection finish the request it is serving (idle ones close at once) and
/// drops those still open at the shutdown deadline. Returns that deadline.
pub async fn serve(
    mut listener: TcpListener,
    app: Router,
    deadlines: Deadlines,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> Instant {
    let mut http = http1::Builder::new();
    http.timer(TokioTimer::new())
        .header_read_timeout(deadlines.header_read);
    let connections = TaskTracker::new();
    let (draining, dropping) = (CancellationToken::new(), CancellationToken::new());
    let mut shutdown = pin!(shutdown);
    loop {
        // `Listener::accept` retries failed accepts (pausing when out of descriptors).
        let (stream, _) = tokio::select! {
            accepted = Listener::accept(&mut listener) => accepted,
            () = &mut shutdown => break,
        };
        let service = TowerToHyperService::new(app.clone());
        let connection = http
            .serve_connection(TokioIo::new(stream), service)
            .with_upgrades();
        let (draining, dropping) = (draining.clone(), dropping.clone());
        connections.spawn(async move {
            let mut connection = pin!(connection);
            tokio::select! {
                _ = connection.as_mut() => return,
                () = draining.cancelled() => connection.as_mut().graceful_shutdown(),
            }
            tokio::select! {
                _ = connection => {}
                () = dropping.cancelled() => {}
            }
        });
    }
    let deadline = Instant::now() + deadlines.shutdown;
    drop(listener);
    draining.cancel();
    connections.close();
    if tokio::time::timeout_at(deadline, connections.wait())
        .await
        .is_err()
    {
        tracing::warn!(
            open = connections.len(),
            "connections still open at the shutdown deadline; dropping them"
        );
        dropping.cancel();
        connections.wait().await;
    }
    deadline
}
