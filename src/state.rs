//! The state one server process shares between its WebSocket and HTTP handlers.

use crate::adapter::Cluster;
use crate::app::{AppStore, LimitDefaults};
use crate::cleanup::CleanupQueue;

use crate::channels::{Registry, SharedCache};

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
    pub started: std::time::Instant,
    /// Cache channel values in Redis (`cache.driver` redis / redis-cluster).
    pub shared_cache: Option<SharedCache>,
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
        State {
            development_app: false,
            cleanup: CleanupQueue::start(&config.cleanup, metrics.cleanup.clone()),
            rate_limits: RateLimits::local(metrics.clone()),
            metrics,
            limit_defaults: config.limit_defaults(),
            delta_defaults: Arc::new(config.delta_defaults()),
            registry: Arc::new(Registry::new(cache_ttl)),
            queue_limits,
            apps,
            config,
            shutdown: CancellationToken::new(),
            webhooks: Emitter::disabled(),
            cluster: Cluster::local(),
            started: std::time::Instant::now(),
            shared_cache: None,
        }
    }
}
