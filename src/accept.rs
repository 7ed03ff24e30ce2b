//! The main port's accept loop, in place of `axum::serve`, for the bounds an open port needs
//! against clients that open connections and send little or nothing:
//!
//! - a connection must send a whole request head within `http.header_timeout_secs` (hyper's
//!   header-read timeout, which `axum::serve` leaves off), also between keep-alive requests;
//! - at most `http.max_connections` connections are in their HTTP phase at once (a WebSocket
//!   leaves it when upgraded); one more is closed as soon as it is accepted;
//! - on shutdown, connections get the grace period to finish their request; whatever is still
//!   open then is dropped, so a half-sent request cannot hold the process up.

use crate::metrics::{ConnectionError, Metrics};
use axum::extract::ConnectInfo;
use axum::serve::Listener;
use axum::Router;
use hyper::body::Incoming;
use hyper_util::rt::{TokioIo, TokioTimer};
use std::convert::Infallible;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::{watch, Semaphore};
use tokio_util::sync::CancellationToken;
use tower::Service;

/// The limits of [`serve`].
#[derive(Debug, Clone, Copy)]
pub struct HttpBounds {
    pub header_timeout: Duration,
    pub max_connections: usize,
    /// How long shutdown waits for open connections before dropping them.
    pub grace: Duration,
}

/// Accepts connections on `listener` and serves `router` on each until `shutdown` is cancelled;
/// then waits at most `bounds.grace` for the connections still in their HTTP phase.
pub async fn serve<L>(
    mut listener: L,
    router: Router,
    bounds: HttpBounds,
    shutdown: CancellationToken,
    metrics: Metrics,
) where
    L: Listener<Addr = SocketAddr>,
{
    let mut http1 = hyper::server::conn::http1::Builder::new();
    http1
        .timer(TokioTimer::new())
        .header_read_timeout(bounds.header_timeout);
    let open = Arc::new(Semaphore::new(bounds.max_connections));
    // Every connection task holds a receiver; `closed()` resolves when the last one is gone.
    let (all_closed, connection_open) = watch::channel(());
    loop {
        let (io, peer) = tokio::select! {
            accepted = listener.accept() => accepted,
            () = shutdown.cancelled() => break,
        };
        let Ok(permit) = open.clone().try_acquire_owned() else {
            metrics.connection_failed(ConnectionError::HttpLimit);
            continue;
        };
        let connection = http1
            .serve_connection(TokioIo::new(io), service(router.clone(), peer))
            .with_upgrades();
        let shutdown = shutdown.clone();
        let connection_open = connection_open.clone();
        let metrics = metrics.clone();
        metrics.http_connections.inc();
        tokio::spawn(async move {
            let mut connection = std::pin::pin!(connection);
            let served = tokio::select! {
                served = connection.as_mut() => served,
                () = shutdown.cancelled() => {
                    connection.as_mut().graceful_shutdown();
                    connection.await
                }
            };
            if served.is_err_and(|error| error.is_timeout()) {
                metrics.connection_failed(ConnectionError::HeaderTimeout);
            }
            metrics.http_connections.dec();
            drop(permit);
            drop(connection_open);
        });
    }
    drop(listener);
    drop(connection_open);
    let still_open = bounds.max_connections - open.available_permits();
    if tokio::time::timeout(bounds.grace, all_closed.closed())
        .await
        .is_err()
    {
        let left = bounds.max_connections - open.available_permits();
        tracing::warn!(
            left,
            "grace period over; dropping HTTP connections still open"
        );
    } else if still_open > 0 {
        tracing::info!(still_open, "HTTP connections finished");
    }
}

/// The router as a hyper service for one connection from `peer`, which handlers read as
/// `ConnectInfo<SocketAddr>` (client-IP rate limits, loopback checks).
fn service(
    router: Router,
    peer: SocketAddr,
) -> impl hyper::service::Service<
    hyper::Request<Incoming>,
    Response = axum::response::Response,
    Error = Infallible,
    Future = impl Send,
> + Clone {
    hyper::service::service_fn(move |mut request: hyper::Request<Incoming>| {
        request.extensions_mut().insert(ConnectInfo(peer));
        let mut router = router.clone();
        async move { router.call(request.map(axum::body::Body::new)).await }
    })
}
