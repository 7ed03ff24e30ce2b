//! `database.redis`, shared by every Redis user, and the `cache` section.

use super::CacheDriver;
use crate::lenient;
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default)]
pub struct CacheConfig {
    pub driver: CacheDriver,
}

impl Default for CacheConfig {
    fn default() -> Self {
        CacheConfig {
            driver: CacheDriver::Memory,
        }
    }
}

/// A Redis server (Sockudo's `database.redis`); `REDIS_URL` overrides it.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default)]
pub struct RedisConfig {
    pub url: Option<String>,
    pub host: String,
    #[serde(deserialize_with = "lenient::number")]
    pub port: u16,
    #[serde(deserialize_with = "lenient::number")]
    pub db: u32,
    pub username: Option<String>,
    pub password: Option<String>,
    /// Prefix of every key, so several deployments can share one Redis.
    pub key_prefix: String,
    /// Sockudo's place for Redis Cluster nodes: `{"host": ..., "port": ...}` objects or URLs.
    /// Used when `adapter.cluster.nodes` is empty.
    #[serde(deserialize_with = "redis_nodes")]
    pub cluster_nodes: Vec<String>,
    /// The same, as Sockudo's `database.redis.cluster.nodes`.
    pub cluster: RedisClusterNodes,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct RedisClusterNodes {
    #[serde(deserialize_with = "redis_nodes")]
    pub nodes: Vec<String>,
}

/// Redis node entries as URL strings or Sockudo's `{"host": "127.0.0.1", "port": 7000}` objects.
pub(super) fn redis_nodes<'de, D: serde::Deserializer<'de>>(
    deserializer: D,
) -> Result<Vec<String>, D::Error> {
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum Node {
        Url(String),
        Address {
            host: String,
            #[serde(deserialize_with = "lenient::number")]
            port: u16,
        },
    }
    let nodes = Vec::<Node>::deserialize(deserializer)?;
    Ok(nodes
        .into_iter()
        .map(|node| match node {
            Node::Url(url) => url,
            Node::Address { host, port } => format!("redis://{host}:{port}"),
        })
        .collect())
}

impl Default for RedisConfig {
    fn default() -> Self {
        RedisConfig {
            url: None,
            host: "127.0.0.1".into(),
            port: 6379,
            db: 0,
            username: None,
            password: None,
            key_prefix: "sockudo:".into(),
            cluster_nodes: Vec::new(),
            cluster: RedisClusterNodes::default(),
        }
    }
}

impl RedisConfig {
    pub fn connection_url(&self) -> String {
        if let Some(url) = &self.url {
            return url.clone();
        }
        let encode = |s: &str| form_urlencoded::byte_serialize(s.as_bytes()).collect::<String>();
        let credentials = match (&self.username, &self.password) {
            (Some(user), Some(password)) => format!("{}:{}@", encode(user), encode(password)),
            (None, Some(password)) => format!(":{}@", encode(password)),
            (Some(user), None) => format!("{}@", encode(user)),
            (None, None) => String::new(),
        };
        format!(
            "redis://{credentials}{}:{}/{}",
            self.host, self.port, self.db
        )
    }
}
