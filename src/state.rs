//! The state one server process shares between its WebSocket and HTTP handlers.

use crate::adapter::Cluster;
use crate::app::{AppStore, LimitDefaults};
use crate::cleanup::CleanupQueue;

use crate::channels::{Registry, SharedCache, Spread};
use crate::publish::{Here, Publisher};

use crate::config::{CacheDriver, Config};
use crate::delta::settings::DeltaDefaults;
use crate::metrics::Metrics;
use crate::ratelimit::RateLimits;
use crate::socket::{QueueLimits, SlowConsumerPolicy};
use crate::webhooks::Emitter;
use std::sync::Arc;
use std::time::Duration;
use tokio_util::sync::CancellationToken;

pub struct State {
    pub config: Config,
    pub apps: Arc<dyn AppStore>,
    pub registry: Arc<Registry>,
    pub metrics: Metrics,
    pub limit_defaults: LimitDefaults,
    pub delta_defaults: Arc<DeltaDefaults>,
    pub queue_limits: Arc<QueueLimits>,
    /// Cancelled when the server starts shutting down; sockets close with 4200.
    pub shutdown: CancellationToken,
    pub webhooks: Emitter,
    /// The other nodes (none with the local adapter).
    pub cluster: Arc<Cluster>,
    /// The one publish path (it holds the same registry, metrics and cluster as this state).
    pub publisher: Publisher,
    pub started: std::time::Instant,
    pub rate_limits: RateLimits,
    /// Where closed sockets leave their channels; `None`: each does it itself.
    pub cleanup: Option<CleanupQueue>,
    /// No app was configured, so the well-known development app is served.
    pub development_app: bool,
}

/// What the state is made of. `server::prepare` starts these in the order they need each
/// other (the webhook queue, then the cluster, which delivers into the registry), then builds
/// the state whole.
pub struct Parts {
    pub config: Config,
    pub apps: Arc<dyn AppStore>,
    pub development_app: bool,
    pub metrics: Metrics,
    pub registry: Arc<Registry>,
    pub shutdown: CancellationToken,
    pub webhooks: Emitter,
    pub cluster: Arc<Cluster>,
    pub shared_cache: Option<SharedCache>,
    pub rate_limits: RateLimits,
}

/// This node's channel registry as `config` asks for it: cache channels keep their last event
/// for `channel_limits.cache_ttl` unless `cache.driver` is `none`.
pub fn registry(config: &Config) -> Registry {
    let cache_ttl = (config.cache.driver != CacheDriver::None)
        .then(|| Duration::from_secs(config.channel_limits.cache_ttl));
    Registry::new(cache_ttl, Spread::all_cores())
}

impl State {
    pub fn new(parts: Parts) -> Self {
        let Parts {
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
        } = parts;
        let queue_limits = QueueLimits {
            max_frames: config.websocket.max_messages,
            max_bytes: config.websocket.max_bytes,
            policy: if config.websocket.disconnect_on_buffer_full {
                SlowConsumerPolicy::Disconnect
            } else {
                SlowConsumerPolicy::DropFrame
            },
        };
        let publisher = Publisher {
            here: Here {
                registry: registry.clone(),
                metrics: metrics.clone(),
            },
            cluster: cluster.clone(),
            shared_cache,
            emit_tags: config.tag_filtering.enabled && config.tag_filtering.enable_tags,
        };
        State {
            development_app,
            cleanup: CleanupQueue::start(&config.cleanup, metrics.cleanup.clone()),
            rate_limits,
            metrics,
            limit_defaults: config.limit_defaults(),
            delta_defaults: Arc::new(config.delta_defaults()),
            registry,
            queue_limits: Arc::new(queue_limits),
            apps,
            config,
            shutdown,
            webhooks,
            cluster,
            publisher,
            started: std::time::Instant::now(),
        }
    }
}

#[cfg(test)]
impl State {
    /// A one-node state serving `apps` on the default config, webhooks off: for unit tests of
    /// the handlers and of `server::run`.
    pub(crate) fn one_node(apps: crate::app::MemoryAppStore) -> Arc<State> {
        let config = Config::default();
        let metrics = Metrics::new("test_");
        Arc::new(State::new(Parts {
            registry: Arc::new(registry(&config)),
            config,
            apps: Arc::new(apps),
            development_app: false,
            rate_limits: RateLimits::local(metrics.clone()),
            metrics,
            shutdown: CancellationToken::new(),
            webhooks: Emitter::disabled(),
            cluster: Cluster::local(),
            shared_cache: None,
        }))
    }
}
