//! Wiring: bind the handlers to listeners and run until the shutdown future resolves, then shut
//! down gracefully: stop accepting, close every socket with 4200, wait up to the grace period.

use crate::accept::{self, HttpBounds};
use crate::adapter::bus::{Bus, BusError, NatsAuth, NatsBus, RedisBus, RedisClusterBus};
use crate::adapter::{BusKey, Cluster, Health, Link, Local};
use crate::app::migrations::{self, Dialect};
use crate::channels::{Registry, SharedCache};

use crate::app::{self, AppStore, LayeredStore, MemoryAppStore};
use crate::config::{self, AdapterDriver, CacheDriver, Config, QueueDriver, RateLimiterDriver};
use crate::console;
use crate::http;
use crate::http::stats;
use crate::metrics::Metrics;
use crate::net;
use crate::protocol::CloseCode;
use crate::publish::Here;
use crate::ratelimit::{ClientLimit, CounterStore, RateLimits};
use crate::state::{self, Parts, State};
use crate::tls::{self, Tls, TlsListener};
use axum::extract::State as Extract;
use axum::serve::ListenerExt;

use crate::webhooks;
use axum::routing::get;
use axum::Router;
use std::future::Future;
use std::sync::Arc;
use std::time::Duration;
use tokio::net::TcpListener;
use tokio_util::sync::CancellationToken;

/// Why the server could not start.
#[derive(Debug, thiserror::Error)]
pub enum StartError {
    #[error("{0}")]
    Config(String),
    #[error(transparent)]
    Store(#[from] app::StoreError),
    #[error(transparent)]
    Webhooks(#[from] webhooks::QueueError),
    #[error("cannot join the cluster: {0}")]
    Adapter(#[from] BusError),
    #[error("the {dialect} app store's schema is behind ({pending} migration(s) pending): run `sockudo migrate`")]
    SchemaBehind {
        dialect: &'static str,
        pending: usize,
    },
}

/// Opens the app store and builds the shared state: the store must answer and its schema be
/// current (a brand-new embedded SQLite file is initialised here, so the first `serve` just works);
/// static apps must not clash with stored ones; with no app anywhere, the development app serves.
pub async fn prepare(config: Config) -> Result<State, StartError> {
    let settings = config.database_settings().map_err(StartError::Config)?;
    tracing::info!(store = %settings.describe(), "opening app store");
    let database = app::open(&settings).await?;
    if let Some(schema) = &database.schema {
        let applied = schema.applied().await?;
        let pending = migrations::pending(schema.as_ref()).await?;
        if !pending.is_empty() {
            if schema.dialect() == Dialect::Sqlite && applied.is_empty() {
                migrations::migrate(schema.as_ref()).await?;
                tracing::info!("initialised a new SQLite app store");
            } else {
                return Err(StartError::SchemaBehind {
                    dialect: schema.dialect().name(),
                    pending: pending.len(),
                });
            }
        }
    }
    let stored = database.apps.all().await?;
    let mut statics = config.app_manager.array.apps.clone();
    let everything = statics
        .iter()
        .cloned()
        .chain(stored.iter().map(|a| (**a).clone()));
    MemoryAppStore::new(everything).map_err(|clash| {
        StartError::Config(format!(
            "a configured app clashes with a stored one: {clash}"
        ))
    })?;
    let development_app = statics.is_empty() && stored.is_empty();
    if development_app {
        tracing::warn!(
            "no app configured: serving the development app app-id / app-key / app-secret; do not use it in production"
        );
        statics.push(config::development_app());
    }
    let statics = MemoryAppStore::new(statics).map_err(|e| StartError::Config(e.to_string()))?;
    let ttl = if config.app_manager.cache.enabled {
        Duration::from_secs(config.app_manager.cache.ttl)
    } else {
        Duration::ZERO
    };
    let apps: Arc<dyn AppStore> = Arc::new(LayeredStore::new(statics, database.apps, ttl));
    let metrics = Metrics::new(&config.metrics.prometheus.prefix);
    let registry = Arc::new(state::registry(&config));
    let shutdown = CancellationToken::new();
    let webhooks = webhooks::start(&config, metrics.clone(), shutdown.clone()).await?;
    let local = Local {
        registry: registry.clone(),
        deliver: Arc::new(Here {
            registry: registry.clone(),
            metrics: metrics.clone(),
        }),
        metrics: metrics.clone(),
        apps: apps.clone(),
        webhooks: webhooks.clone(),
    };
    let cluster = join_cluster(&config, local, shutdown.clone()).await?;
    let shared_cache = open_shared_cache(&config, &registry).await?;
    let rate_limits = rate_limits(&config, metrics.clone()).await?;
    Ok(State::new(Parts {
        config,
        apps,
        development_app,
        metrics,
        registry,
        shutdown,
        webhooks,
        cluster,
        shared_cache,
        rate_limits,
    }))
}

/// The rate limits of `rate_limiter`, with their counters where `rate_limiter.driver` says.
async fn rate_limits(config: &Config, metrics: Metrics) -> Result<RateLimits, StartError> {
    let limiter = &config.rate_limiter;
    let prefix = limiter
        .redis
        .prefix
        .clone()
        .unwrap_or_else(|| format!("{}ratelimit:", config.database.redis.key_prefix));
    let cluster = limiter.driver == RateLimiterDriver::RedisCluster || limiter.redis.cluster_mode;
    let store = match limiter.driver {
        RateLimiterDriver::Redis | RateLimiterDriver::RedisCluster if cluster => {
            CounterStore::redis_cluster(&config.adapter.cluster.nodes, &prefix).await
        }
        RateLimiterDriver::Redis => {
            CounterStore::redis(&config.database.redis.connection_url(), &prefix).await
        }
        _ => Ok(CounterStore::memory()),
    }
    .map_err(|e| StartError::Config(format!("rate_limiter.driver {}: {e}", limiter.driver)))?;
    let enabled = |limit: &crate::config::RateLimitConfig| {
        let quota = limiter.enabled.then(|| limit.quota()).flatten()?;
        Some(ClientLimit {
            quota,
            trust_hops: limit.trust_hops,
            identifier: limit.identifier.clone(),
        })
    };
    Ok(RateLimits::new(
        store,
        enabled(&limiter.api_rate_limit),
        enabled(&limiter.websocket_rate_limit),
        metrics,
    ))
}

/// With `cache.driver` redis or redis-cluster: connects, and loads the cache channels' values.
async fn open_shared_cache(
    config: &Config,
    registry: &Registry,
) -> Result<Option<SharedCache>, StartError> {
    let Some(cache) = connect_shared_cache(config).await? else {
        return Ok(None);
    };
    let loaded = cache
        .load(registry)
        .await
        .map_err(|e| StartError::Config(format!("cache.driver {}: {e}", config.cache.driver)))?;
    tracing::info!(loaded, "cache channel values loaded from Redis");
    Ok(Some(cache))
}

/// Connects the Redis of `cache.driver` redis / redis-cluster; `None` for the other drivers.
pub async fn connect_shared_cache(config: &Config) -> Result<Option<SharedCache>, StartError> {
    let ttl = Duration::from_secs(config.channel_limits.cache_ttl);
    let prefix = &config.database.redis.key_prefix;
    let connected = match config.cache.driver {
        CacheDriver::Redis => {
            SharedCache::connect_single(&config.database.redis.connection_url(), prefix, ttl).await
        }
        CacheDriver::RedisCluster => {
            SharedCache::connect_cluster(&config.adapter.cluster.nodes, prefix, ttl).await
        }
        _ => return Ok(None),
    };
    connected
        .map(Some)
        .map_err(|e| StartError::Config(format!("cache.driver {}: {e}", config.cache.driver)))
}

/// Connects the bus of `adapter.driver`; `None` for the local adapter.
pub async fn connect_bus(config: &Config) -> Result<Option<Arc<dyn Bus>>, BusError> {
    let prefix = config.adapter.bus_prefix(&config.database.redis.key_prefix);
    let channel = format!("{prefix}cluster");
    let bus: Arc<dyn Bus> = match config.adapter.driver {
        AdapterDriver::Redis => {
            Arc::new(RedisBus::connect(&config.database.redis.connection_url(), channel).await?)
        }
        AdapterDriver::RedisCluster => {
            Arc::new(RedisClusterBus::connect(&config.adapter.cluster.nodes, channel).await?)
        }
        AdapterDriver::Nats => {
            let nats = &config.adapter.nats;
            let auth = NatsAuth {
                username: nats.username.clone(),
                password: nats.password.clone(),
                token: nats.token.clone(),
            };
            Arc::new(NatsBus::connect(&nats.servers, &auth, channel).await?)
        }
        _ => return Ok(None),
    };
    Ok(Some(bus))
}

/// Connects the configured adapter's bus and joins the cluster (nothing for `local`).
/// `local` is this node: where the other nodes' events and state changes land.
async fn join_cluster(
    config: &Config,
    local: Local,
    shutdown: CancellationToken,
) -> Result<Arc<Cluster>, StartError> {
    let Some(bus) = connect_bus(config).await? else {
        return Ok(Cluster::local());
    };
    let health = &config.cluster_health;
    let timing = Health {
        heartbeat: Duration::from_millis(health.heartbeat_interval_ms),
        // Disabled health checks: nodes are never declared dead.
        node_timeout: if health.enabled {
            Duration::from_millis(health.node_timeout_ms)
        } else {
            Duration::MAX
        },
        cleanup: Duration::from_millis(health.cleanup_interval_ms.max(100)),
    };
    let link = Link {
        outbox_limit_bytes: config.adapter.outbox_limit_mb * 1024 * 1024,
        key: config.adapter.secret.as_deref().map(BusKey::new),
    };
    let cluster = Cluster::join(bus, local, timing, link, shutdown);
    tracing::info!(adapter = %config.adapter.driver, node = cluster.node_id(), "joined the cluster");
    Ok(cluster)
}

/// How often expired cache-channel entries are purged.
const CACHE_PURGE_INTERVAL: Duration = Duration::from_secs(60);

/// TLS for the main listener (`ssl.enabled`), and the plain listener of `ssl.redirect_http`.
pub struct Secure {
    pub tls: Arc<Tls>,
    pub redirect: Option<TcpListener>,
}

/// Serves the WebSocket + HTTP API on `listener` (over TLS with `secure`) and Prometheus metrics
/// on `metrics_listener` until `shutdown` resolves. Takes bound listeners so tests can bind port 0.
pub async fn run(
    state: Arc<State>,
    listener: TcpListener,
    metrics_listener: Option<TcpListener>,
    secure: Option<Secure>,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    let token = state.shutdown.clone();
    tokio::spawn(async move {
        shutdown.await;
        token.cancel();
        tracing::info!("shutting down: closing sockets with 4200");
    });
    if let Some(metrics_listener) = metrics_listener {
        let app = metrics_router(state.clone());
        let token = state.shutdown.clone();
        tokio::spawn(async move {
            let app = app.into_make_service_with_connect_info::<std::net::SocketAddr>();
            let served = axum::serve(metrics_listener, app)
                .with_graceful_shutdown(async move { token.cancelled().await })
                .await;
            if let Err(error) = served {
                tracing::error!(%error, "metrics listener failed");
            }
        });
    }
    tokio::spawn(purge_caches(state.clone()));
    tokio::spawn(revoke_removed_apps(state.clone()));

    let token = state.shutdown.clone();
    // The web console's routes exist only when it is on.
    let console = state
        .config
        .console
        .enabled
        .then(|| console::routes(&state));
    let app = http::router(state.clone(), console);
    let bounds = HttpBounds {
        header_timeout: Duration::from_secs(state.config.http.header_timeout_secs),
        max_connections: state.config.http.max_connections,
        grace: Duration::from_secs(state.config.shutdown_grace_period),
    };
    let metrics = state.metrics.clone();
    match secure {
        None => {
            let listener = listener.tap_io(|tcp| net::send_without_delay(tcp));
            accept::serve(listener, app, bounds, token, metrics).await;
        }
        Some(Secure { tls, redirect }) => {
            if let Some(redirect) = redirect {
                let https_port = listener.local_addr()?.port();
                let token = token.clone();
                tokio::spawn(async move {
                    let served = axum::serve(redirect, tls::redirect_router(https_port))
                        .with_graceful_shutdown(async move { token.cancelled().await })
                        .await;
                    if let Err(error) = served {
                        tracing::error!(%error, "http redirect listener failed");
                    }
                });
            }
            // The listener turns Nagle off itself, before the handshake.
            let listener = TlsListener::new(listener, tls, state.metrics.clone(), token.clone())?;
            accept::serve(listener, app, bounds, token, metrics).await;
        }
    }
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
    // The closed sockets' leave deltas, so other nodes drop their members now.
    let publish_bound = deadline
        .saturating_duration_since(tokio::time::Instant::now())
        .max(Duration::from_secs(1));
    if tokio::time::timeout(publish_bound, state.cluster.flush())
        .await
        .is_err()
    {
        tracing::warn!("the cluster bus did not take this node's last changes in time");
    }
    let durable = state.config.queue.driver == QueueDriver::Redis;
    state.webhooks.settle(deadline, durable).await;
}

/// The metrics listener: Prometheus text at `/metrics`, the `sockudo top` snapshot at `/stats`.
fn metrics_router(state: Arc<State>) -> Router {
    Router::new()
        .route(
            "/metrics",
            get(|Extract(state): Extract<Arc<State>>| async move {
                state.metrics.render(&state.registry.live())
            }),
        )
        .route("/stats", get(stats::serve))
        .with_state(state)
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

/// Closes the sockets of apps that were deleted (4001) or disabled (4003) in the store since they
/// connected. Runs every cache TTL, since that is when the store's answer can change.
async fn revoke_removed_apps(state: Arc<State>) {
    let period = Duration::from_secs(state.config.app_manager.cache.ttl.max(1));
    let mut interval = tokio::time::interval(period);
    loop {
        tokio::select! {
            _ = interval.tick() => {}
            _ = state.shutdown.cancelled() => return,
        }
        for (app_id, namespace) in state.registry.all() {
            if namespace.socket_count() == 0 {
                continue;
            }
            let code = match state.apps.find_by_id(&app_id).await {
                Ok(None) => CloseCode::AppNotFound,
                Ok(Some(app)) if !app.enabled => CloseCode::AppDisabled,
                Ok(Some(_)) => continue,
                Err(error) => {
                    tracing::warn!(%error, app_id, "cannot re-check app; keeping its sockets");
                    continue;
                }
            };
            tracing::info!(
                app_id,
                code = code.code(),
                "closing the sockets of a removed or disabled app"
            );
            for socket in namespace.sockets() {
                socket.close(code);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::app::App;
    use tokio::io::{AsyncReadExt, AsyncWriteExt};

    /// `GET {path}` on `address`, HTTP/1.1 without keep-alive: the whole answer as text.
    async fn get(address: std::net::SocketAddr, path: &str) -> String {
        let mut stream = tokio::net::TcpStream::connect(address).await.unwrap();
        let request = format!("GET {path} HTTP/1.1\r\nHost: test\r\nConnection: close\r\n\r\n");
        stream.write_all(request.as_bytes()).await.unwrap();
        let mut answer = String::new();
        stream.read_to_string(&mut answer).await.unwrap();
        answer
    }

    #[tokio::test]
    async fn run_serves_port_0_listeners_until_its_shutdown_future_resolves() {
        let state = State::one_node(MemoryAppStore::new([App::new("a", "k", "s")]).unwrap());
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let metrics = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let (main, metrics_address) = (
            listener.local_addr().unwrap(),
            metrics.local_addr().unwrap(),
        );
        let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
        let server = tokio::spawn(run(state, listener, Some(metrics), None, async {
            let _ = stopped.await;
        }));
        assert!(get(main, "/up").await.ends_with("OK"));
        let scraped = get(metrics_address, "/metrics").await;
        assert!(scraped.contains("test_connected 0"), "{scraped}");
        stop.send(()).unwrap();
        server.await.unwrap().unwrap();
        assert!(
            tokio::net::TcpStream::connect(main).await.is_err(),
            "the listener is closed"
        );
    }
}
