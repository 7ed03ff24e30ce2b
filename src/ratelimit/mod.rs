//! Rate limits: fixed-window counters per key (a client IP, an app), kept in this process
//! (`memory`) or in Redis (`redis`, `redis-cluster`: one count for the whole cluster).
//!
//! Four limits use them:
//! - `api`: HTTP API requests per client IP (`rate_limiter.api_rate_limit`),
//! - `websocket`: WebSocket upgrades per client IP (`rate_limiter.websocket_rate_limit`),
//! - `backend_events`: events an app publishes per second (`max_backend_events_per_second`),
//! - `read_requests`: an app's channel queries per second (`max_read_requests_per_second`),
//! - `app_lookups`: lookups of apps the cache cannot answer, per client IP
//!   (`app_manager.cache.max_misses_per_second`).
//!
//! A counter store that fails (Redis down) lets requests through and says so in the log and the
//! `rate_limit_errors_total` metric: an outage of the limiter must not become an outage of the API.

mod client_ip;
mod store;

pub use client_ip::client_ip;
pub use store::CounterStore;

use crate::metrics::Metrics;
use std::time::Duration;

/// The outcome of one check, with what the `X-RateLimit-*` headers report.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Decision {
    pub allowed: bool,
    pub limit: u64,
    pub remaining: u64,
    /// Seconds until the window resets.
    pub reset_secs: u64,
}

/// Which limit a check is for (a metric label).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Limit {
    Api,
    Websocket,
    BackendEvents,
    ReadRequests,
    /// App lookups the cache could not answer, per client IP.
    AppLookups,
}

impl Limit {
    pub fn as_str(self) -> &'static str {
        match self {
            Limit::Api => "api",
            Limit::Websocket => "websocket",
            Limit::BackendEvents => "backend_events",
            Limit::ReadRequests => "read_requests",
            Limit::AppLookups => "app_lookups",
        }
    }
}

/// A limit of `max` per `window`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Quota {
    pub max: u64,
    pub window: Duration,
}

impl Quota {
    pub fn per_second(max: u64) -> Quota {
        Quota {
            max,
            window: Duration::from_secs(1),
        }
    }
}

/// The counter store and the per-client limits of `rate_limiter`.
#[derive(Clone)]
pub struct RateLimits {
    pub store: CounterStore,
    /// HTTP API requests per client IP; `None` when `rate_limiter.enabled` is off.
    pub api: Option<ClientLimit>,
    /// WebSocket upgrades per client IP; `None` when off.
    pub websocket: Option<ClientLimit>,
    metrics: Metrics,
}

/// A per-client limit.
#[derive(Debug, Clone)]
pub struct ClientLimit {
    pub quota: Quota,
    /// Proxies in front of the server whose `X-Forwarded-For` entries are trusted.
    pub trust_hops: usize,
    /// Names the counters: `{identifier}:{client ip}`.
    pub identifier: String,
}

impl RateLimits {
    pub fn new(
        store: CounterStore,
        api: Option<ClientLimit>,
        websocket: Option<ClientLimit>,
        metrics: Metrics,
    ) -> RateLimits {
        RateLimits {
            store,
            api,
            websocket,
            metrics,
        }
    }

    /// No per-client limits; per-app quotas counted in this process.
    pub fn local(metrics: Metrics) -> RateLimits {
        RateLimits::new(CounterStore::memory(), None, None, metrics)
    }

    /// Counts `cost` against `key` under `quota`. A failing store allows the request.
    pub async fn check(&self, limit: Limit, key: &str, cost: u64, quota: Quota) -> Decision {
        let label = [limit.as_str()];
        self.metrics
            .rate_limit_checks
            .with_label_values(&label)
            .inc();
        let decision = decide(&self.store, limit, key, cost, quota).await;
        match decision {
            Ok(decision) => {
                if !decision.allowed {
                    self.metrics
                        .rate_limit_rejections
                        .with_label_values(&label)
                        .inc();
                }
                decision
            }
            Err(error) => {
                self.metrics
                    .rate_limit_errors
                    .with_label_values(&label)
                    .inc();
                tracing::warn!(limit = limit.as_str(), %error, "rate limiter unavailable: request allowed");
                Decision {
                    allowed: true,
                    limit: quota.max,
                    remaining: quota.max,
                    reset_secs: quota.window.as_secs().max(1),
                }
            }
        }
    }
}

async fn decide(
    store: &CounterStore,
    limit: Limit,
    key: &str,
    cost: u64,
    quota: Quota,
) -> redis::RedisResult<Decision> {
    let key = format!("{}:{key}", limit.as_str());
    let (count, left) = store.add(&key, cost, quota.window).await?;
    Ok(Decision {
        allowed: count <= quota.max,
        limit: quota.max,
        remaining: quota.max.saturating_sub(count),
        reset_secs: left.as_secs_f64().ceil().max(1.0) as u64,
    })
}
