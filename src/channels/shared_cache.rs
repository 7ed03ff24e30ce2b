//! Cache channel values kept in Redis (`cache.driver = "redis"` or `"redis-cluster"`), so they
//! outlive every node: each publish to a cache channel is written through, and a starting node
//! loads them all. Reads stay in memory ([`super::EventCache`]); the cluster keeps those copies
//! in step while nodes run.
//!
//! Writes go through one background writer that takes the latest value of each channel, so a
//! channel's values reach Redis in publish order (a task per write could run out of order on two
//! worker threads and leave an older value behind), and what waits is bounded by the number of
//! cache channels, however fast they are published.
//!
//! Keys carry the hash tag `{cache}`, so in a Redis Cluster they all live in one slot and the
//! index set can list them.

use super::{Registry, SharedEvent};
use redis::aio::ConnectionManager;
use redis::cluster_async::ClusterConnection;
use std::collections::HashMap;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant};
use tokio::sync::Notify;

#[derive(Clone)]
enum Connection {
    Single(ConnectionManager),
    Cluster(ClusterConnection),
}

#[derive(Clone)]
pub struct SharedCache {
    connection: Connection,
    prefix: String,
    ttl: Duration,
    writes: Arc<Writes>,
}

/// Values waiting for the writer, by key: a newer value replaces one not yet written.
#[derive(Default)]
struct Writes {
    pending: Mutex<HashMap<String, SharedEvent>>,
    ready: Notify,
}

impl Writes {
    /// Never held across an await; a panic while holding it leaves a usable map.
    fn pending(&self) -> std::sync::MutexGuard<'_, HashMap<String, SharedEvent>> {
        self.pending.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

impl SharedCache {
    pub async fn connect_single(
        url: &str,
        prefix: &str,
        ttl: Duration,
    ) -> redis::RedisResult<SharedCache> {
        let client = redis::Client::open(url)?;
        let connection = ConnectionManager::new(client).await?;
        Ok(Self::with(Connection::Single(connection), prefix, ttl))
    }

    pub async fn connect_cluster(
        nodes: &[String],
        prefix: &str,
        ttl: Duration,
    ) -> redis::RedisResult<SharedCache> {
        let connection = redis::cluster::ClusterClient::new(nodes.to_vec())?
            .get_async_connection()
            .await?;
        Ok(Self::with(Connection::Cluster(connection), prefix, ttl))
    }

    fn with(connection: Connection, prefix: &str, ttl: Duration) -> SharedCache {
        let cache = SharedCache {
            connection,
            prefix: format!("{prefix}{{cache}}:"),
            ttl,
            writes: Arc::default(),
        };
        tokio::spawn(cache.clone().write_forever());
        cache
    }

    async fn query<T: redis::FromRedisValue>(&self, command: &redis::Cmd) -> redis::RedisResult<T> {
        match self.connection.clone() {
            Connection::Single(mut c) => command.query_async(&mut c).await,
            Connection::Cluster(mut c) => command.query_async(&mut c).await,
        }
    }

    fn index(&self) -> String {
        format!("{}index", self.prefix)
    }

    /// Writes a cache channel's new last event, in the background: a publish never waits on it.
    pub fn store(&self, entry: SharedEvent) {
        let key = format!("{}{}:{}", self.prefix, entry.app, entry.channel);
        self.writes.pending().insert(key, entry);
        self.writes.ready.notify_one();
    }

    /// The writer: takes what is pending and writes it, one value at a time, for the server's life.
    async fn write_forever(self) {
        loop {
            self.writes.ready.notified().await;
            let batch = std::mem::take(&mut *self.writes.pending());
            for (key, entry) in batch {
                self.write(&key, &entry).await;
            }
        }
    }

    async fn write(&self, key: &str, entry: &SharedEvent) {
        let value = serde_json::to_string(entry).unwrap_or_default();
        let set = redis::cmd("SET")
            .arg(key)
            .arg(value)
            .arg("PX")
            .arg(self.ttl.as_millis() as u64)
            .clone();
        let indexed = redis::cmd("SADD").arg(self.index()).arg(key).clone();
        if let Err(error) = self
            .query::<()>(&set)
            .await
            .and(self.query::<()>(&indexed).await)
        {
            tracing::warn!(%error, "cannot write a cache channel value to Redis");
        }
    }

    /// Loads every live value into the local caches; returns how many.
    pub async fn load(&self, registry: &Registry) -> redis::RedisResult<usize> {
        let keys: Vec<String> = self.query(redis::cmd("SMEMBERS").arg(self.index())).await?;
        let mut loaded = 0;
        for key in keys {
            let value: Option<String> = self.query(redis::cmd("GET").arg(&key)).await?;
            let remaining_ms: i64 = self.query(redis::cmd("PTTL").arg(&key)).await?;
            let Some(entry) = value.and_then(|v| serde_json::from_str::<SharedEvent>(&v).ok())
            else {
                self.query::<()>(redis::cmd("SREM").arg(self.index()).arg(&key))
                    .await?;
                continue;
            };
            let age = self
                .ttl
                .saturating_sub(Duration::from_millis(remaining_ms.max(0) as u64));
            let Some(stored_at) = Instant::now().checked_sub(age) else {
                continue;
            };
            let namespace = registry.namespace(&entry.app);
            if let Some(cache) = &namespace.cache {
                let channel = entry.channel.clone();
                cache.store_if_newer(&channel, entry.into_cached(stored_at));
                loaded += 1;
            }
        }
        Ok(loaded)
    }
}
