//! The `adapter` section: how nodes find each other (local, Redis, Redis Cluster, NATS), and
//! `cluster_health`.

use super::redis::redis_nodes;
use super::AdapterDriver;
use crate::lenient;
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default)]
pub struct AdapterConfig {
    /// `local` (one node), `redis`, `redis-cluster` or `nats`.
    pub driver: AdapterDriver,
    /// Prefix of the bus channel, so several deployments can share one Redis or NATS; empty means
    /// `database.redis.key_prefix` (for every driver). `cluster.prefix` and `nats.prefix` win for
    /// their drivers.
    pub prefix: String,
    /// Accepted for Sockudo compatibility; sockudo never falls back to local silently.
    #[serde(deserialize_with = "lenient::boolean")]
    pub fallback_to_local: bool,
    /// Broadcasts waiting for the bus may hold this many MiB; above it they are dropped and
    /// counted (`sockudo_adapter_messages_total{direction="dropped"}`).
    pub outbox_limit_mb: usize,
    /// Shared by every node: bus messages are signed with it (HMAC-SHA256) and unsigned or
    /// wrongly signed ones are refused. None: messages are not signed.
    pub secret: Option<String>,
    pub cluster: RedisClusterConfig,
    pub nats: NatsConfig,
}

impl Default for AdapterConfig {
    fn default() -> Self {
        AdapterConfig {
            driver: AdapterDriver::Local,
            prefix: String::new(),
            fallback_to_local: false,
            outbox_limit_mb: 64,
            secret: None,
            cluster: RedisClusterConfig::default(),
            nats: NatsConfig::default(),
        }
    }
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct RedisClusterConfig {
    /// Node URLs, e.g. `redis://127.0.0.1:7000` (env REDIS_CLUSTER_NODES, comma-separated); empty:
    /// `database.redis.cluster_nodes`.
    #[serde(deserialize_with = "redis_nodes")]
    pub nodes: Vec<String>,
    /// Bus channel prefix for the `redis-cluster` adapter (Sockudo's key); unset: `adapter.prefix`.
    pub prefix: Option<String>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default)]
pub struct NatsConfig {
    pub servers: Vec<String>,
    /// Subject prefix for the `nats` adapter (Sockudo's key); unset: `adapter.prefix`.
    pub prefix: Option<String>,
    pub username: Option<String>,
    pub password: Option<String>,
    pub token: Option<String>,
}

impl Default for NatsConfig {
    fn default() -> Self {
        NatsConfig {
            servers: vec!["nats://127.0.0.1:4222".into()],
            prefix: None,
            username: None,
            password: None,
            token: None,
        }
    }
}

/// How nodes notice each other's death.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default)]
pub struct ClusterHealth {
    #[serde(deserialize_with = "lenient::boolean")]
    pub enabled: bool,
    #[serde(deserialize_with = "lenient::number")]
    pub heartbeat_interval_ms: u64,
    /// A node silent this long is dead: its sockets' memberships and counts are removed.
    #[serde(deserialize_with = "lenient::number")]
    pub node_timeout_ms: u64,
    #[serde(deserialize_with = "lenient::number")]
    pub cleanup_interval_ms: u64,
}

impl Default for ClusterHealth {
    fn default() -> Self {
        ClusterHealth {
            enabled: true,
            heartbeat_interval_ms: 2000,
            node_timeout_ms: 10_000,
            cleanup_interval_ms: 1000,
        }
    }
}

impl AdapterConfig {
    /// The bus channel prefix: the driver's own `prefix` key, else `prefix`, else `key_prefix`.
    pub fn bus_prefix(&self, key_prefix: &str) -> String {
        let own = match self.driver {
            AdapterDriver::RedisCluster => self.cluster.prefix.as_deref(),
            AdapterDriver::Nats => self.nats.prefix.as_deref(),
            _ => None,
        };
        match own.filter(|p| !p.is_empty()).unwrap_or(&self.prefix) {
            "" => key_prefix.to_owned(),
            prefix => prefix.to_owned(),
        }
    }
}
