//! Wiring: bind the handlers to listeners and run until the shutdown future resolves, then shut
//! down gracefully: stop accepting, close every socket with 4200, wait up to the grace period.

use crate::http;
use crate::state::State;
use axum::routing::get;
use axum::Router;
use std::future::Future;
use std::sync::Arc;
use std::time::Duration;
use tokio::net::TcpListener;

/// How often expired cache-channel entries are purged.
const CACHE_PURGE_INTERVAL: Duration = Duration::from_secs(60);

/// Serves the WebSocket + HTTP API on `listener` and Prometheus metrics on `metrics_listener`
/// until `shutdown` resolves. Takes bound listeners so tests can bind port 0.
pub async fn run(
    state: Arc<State>,
    listener: TcpListener,
    metrics_listener: Option<TcpListener>,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    let token = state.shutdown.clone();
    tokio::spawn(async move {
        shutdown.await;
        token.cancel();
    });
    if let Some(metrics_listener) = metrics_listener {
        let app = metrics_router(state.clone());
        let token = state.shutdown.clone();
        tokio::spawn(async move {
            let served = axum::serve(metrics_listener, app)
                .with_graceful_shutdown(async move { token.cancelled().await })
                .await;
            if let Err(error) = served {
                tracing::error!(%error, "metrics listener failed");
            }
        });
    }
    tokio::spawn(purge_caches(state.clone()));

    let token = state.shutdown.clone();
    axum::serve(
        listener,
        http::router(state.clone()).into_make_service_with_connect_info::<std::net::SocketAddr>(),
    )
    .with_graceful_shutdown(async move { token.cancelled().await })
    .await?;
    drain(&state).await;
    Ok(())
}

/// Waits for sockets (told to close by the cancelled token) to finish, up to the grace period.
async fn drain(state: &State) {
    let grace = Duration::from_secs(state.config.shutdown_grace_period);
    let deadline = tokio::time::Instant::now() + grace;
    while state.registry.socket_count() > 0 && tokio::time::Instant::now() < deadline {
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let left = state.registry.socket_count();
    if left > 0 {
        tracing::warn!(left, "grace period over; exiting with sockets still open");
    } else {
        tracing::info!("all sockets closed");
    }
}

fn metrics_router(state: Arc<State>) -> Router {
    Router::new().route(
        "/metrics",
        get(move || {
            let state = state.clone();
            async move { state.metrics.render(state.registry.socket_count()) }
        }),
    )
}

async fn purge_caches(state: Arc<State>) {
    let mut interval = tokio::time::interval(CACHE_PURGE_INTERVAL);
    loop {
        tokio::select! {
            _ = interval.tick() => {}
            _ = state.shutdown.cancelled() => return,
        }
        for (_, namespace) in state.registry.all() {
            if let Some(cache) = &namespace.cache {
                cache.purge_expired();
            }
        }
    }
}
