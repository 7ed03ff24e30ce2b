//! The state one server process shares between its WebSocket and HTTP handlers.

use crate::adapter::Cluster;
use crate::app::{AppStore, LimitDefaults};
use crate::cleanup::CleanupQueue;

use crate::channels::{Registry, SharedCache};
use crate::publish::{Here, Publisher};

use crate::config::Config;
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
    pub queue_limits: QueueLimits,
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

impl State {
    pub fn new(config: Config, apps: Arc<dyn AppStore>) -> Self {
        let cache_ttl = (config.cache.driver != "none")
            .then(|| Duration::from_secs(config.channel_limits.cache_ttl));
        let queue_limits = QueueLimits {
            max_frames: config.websocket.max_messages,
            max_bytes: config.websocket.max_bytes,
            policy: if config.websocket.disconnect_on_buffer_full {
                SlowConsumerPolicy::Disconnect
            } else {
                SlowConsumerPolicy::DropFrame
            },
        };
        let metrics = Metrics::new(&config.metrics.prometheus.prefix);
        let registry = Arc::new(Registry::new(cache_ttl));
        let cluster = Cluster::local();
        let publisher = Publisher {
            here: Here {
                registry: registry.clone(),
                metrics: metrics.clone(),
            },
            cluster: cluster.clone(),
            shared_cache: None,
            emit_tags: config.tag_filtering.enabled && config.tag_filtering.enable_tags,
        };
        State {
            development_app: false,
            cleanup: CleanupQueue::start(&config.cleanup, metrics.cleanup.clone()),
            rate_limits: RateLimits::local(metrics.clone()),
            metrics,
            limit_defaults: config.limit_defaults(),
            delta_defaults: Arc::new(config.delta_defaults()),
            registry,
            queue_limits,
            apps,
            config,
            shutdown: CancellationToken::new(),
            webhooks: Emitter::disabled(),
            cluster,
            publisher,
            started: std::time::Instant::now(),
        }
    }

    /// Joins `cluster` and keeps cache channel values in `shared_cache`: the publish path sends
    /// to both from now on.
    pub fn connect(&mut self, cluster: Arc<Cluster>, shared_cache: Option<SharedCache>) {
        self.publisher.cluster = cluster.clone();
        self.publisher.shared_cache = shared_cache;
        self.cluster = cluster;
    }
}
