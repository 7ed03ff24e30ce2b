//! Limits: `channel_limits`, `event_limits`, `presence`, and the `rate_limiter`.

use super::RateLimiterDriver;
use crate::app::LimitDefaults;
use crate::lenient;
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default)]
pub struct ChannelLimits {
    #[serde(deserialize_with = "lenient::number")]
    pub max_name_length: u64,
    /// Channels one connection may be subscribed to at once.
    #[serde(deserialize_with = "lenient::number")]
    pub max_channels_per_connection: u64,
    /// Subscribe messages one connection may send per second once its first burst (as many as
    /// `max_channels_per_connection`) is spent.
    #[serde(deserialize_with = "lenient::number")]
    pub max_subscriptions_per_second: u64,
    /// Seconds a cache channel keeps its last event.
    #[serde(deserialize_with = "lenient::number")]
    pub cache_ttl: u64,
}

impl Default for ChannelLimits {
    fn default() -> Self {
        let d = LimitDefaults::default();
        ChannelLimits {
            max_name_length: d.max_channel_name_length,
            max_channels_per_connection: d.max_channels_per_connection,
            max_subscriptions_per_second: d.max_subscriptions_per_second,
            cache_ttl: 1800,
        }
    }
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default)]
pub struct EventLimits {
    #[serde(deserialize_with = "lenient::number")]
    pub max_channels_at_once: u64,
    #[serde(deserialize_with = "lenient::number")]
    pub max_name_length: u64,
    #[serde(deserialize_with = "lenient::number")]
    pub max_payload_in_kb: u64,
    #[serde(deserialize_with = "lenient::number")]
    pub max_batch_size: u64,
    #[serde(deserialize_with = "lenient::number")]
    pub max_client_events_per_second: u64,
    /// Over the client-event rate: `false` drops the event with a 4301 `pusher:error`, `true`
    /// also closes the connection with 4301.
    #[serde(deserialize_with = "lenient::boolean")]
    pub terminate_on_limit: bool,
}

impl Default for EventLimits {
    fn default() -> Self {
        let d = LimitDefaults::default();
        EventLimits {
            max_channels_at_once: d.max_event_channels_at_once,
            max_name_length: d.max_event_name_length,
            max_payload_in_kb: d.max_event_payload_in_kb,
            max_batch_size: d.max_event_batch_size,
            max_client_events_per_second: d.max_client_events_per_second,
            terminate_on_limit: false,
        }
    }
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default)]
pub struct PresenceLimits {
    #[serde(deserialize_with = "lenient::number")]
    pub max_members_per_channel: u64,
    #[serde(deserialize_with = "lenient::number")]
    pub max_member_size_in_kb: u64,
}

impl Default for PresenceLimits {
    fn default() -> Self {
        let d = LimitDefaults::default();
        PresenceLimits {
            max_members_per_channel: d.max_presence_members_per_channel,
            max_member_size_in_kb: d.max_presence_member_size_in_kb,
        }
    }
}

/// Per-client-IP limits, and where every rate-limit counter lives (see docs/configuration.md).
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default)]
pub struct RateLimiterConfig {
    /// Turns on the per-IP limits below. Per-app quotas (`max_backend_events_per_second`,
    /// `max_read_requests_per_second`) apply whenever an app sets them.
    #[serde(deserialize_with = "lenient::boolean")]
    pub enabled: bool,
    /// `memory` (per node), `redis` or `redis-cluster` (shared by the nodes; Redis from
    /// `database.redis` / `adapter.cluster.nodes`).
    pub driver: RateLimiterDriver,
    pub api_rate_limit: RateLimitConfig,
    pub websocket_rate_limit: RateLimitConfig,
    pub redis: RateLimiterRedis,
}

/// Sockudo's `rate_limiter.redis`: where the Redis drivers keep their counters.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct RateLimiterRedis {
    /// Key prefix of the counters (default: `database.redis.key_prefix` + `ratelimit:`).
    pub prefix: Option<String>,
    /// Use the Redis Cluster of `adapter.cluster.nodes` (as `driver = "redis-cluster"`).
    #[serde(deserialize_with = "lenient::boolean")]
    pub cluster_mode: bool,
}

impl Default for RateLimiterConfig {
    fn default() -> Self {
        RateLimiterConfig {
            enabled: false,
            driver: RateLimiterDriver::Memory,
            api_rate_limit: RateLimitConfig {
                max_requests: 100,
                window_seconds: 1,
                identifier: "api".into(),
                trust_hops: 0,
            },
            websocket_rate_limit: RateLimitConfig {
                max_requests: 20,
                window_seconds: 1,
                identifier: "websocket_connect".into(),
                trust_hops: 0,
            },
            redis: RateLimiterRedis::default(),
        }
    }
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default)]
pub struct RateLimitConfig {
    /// Requests allowed per window per client; 0 turns this limit off.
    #[serde(deserialize_with = "lenient::number")]
    pub max_requests: u64,
    #[serde(deserialize_with = "lenient::number")]
    pub window_seconds: u64,
    /// Names this limit's counters (clients are told apart by IP); limits with the same name
    /// share counts.
    pub identifier: String,
    /// Proxies in front of the server whose `X-Forwarded-For` entry is trusted (0: the peer).
    #[serde(deserialize_with = "lenient::number")]
    pub trust_hops: usize,
}

impl Default for RateLimitConfig {
    fn default() -> Self {
        RateLimiterConfig::default().api_rate_limit
    }
}

impl RateLimitConfig {
    /// The quota, if this limit is on.
    pub fn quota(&self) -> Option<crate::ratelimit::Quota> {
        (self.max_requests > 0).then(|| crate::ratelimit::Quota {
            max: self.max_requests,
            window: std::time::Duration::from_secs(self.window_seconds.max(1)),
        })
    }
}
