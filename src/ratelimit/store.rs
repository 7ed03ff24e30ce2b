//! Where window counters live.

use dashmap::DashMap;
use redis::aio::ConnectionManager;
use redis::cluster_async::ClusterConnection;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

/// Adds to a key's count and starts its window on the first hit, atomically in Redis.
/// Returns the count and the window's remaining milliseconds.
const ADD_SCRIPT: &str = r"
local count = redis.call('INCRBY', KEYS[1], ARGV[1])
if count == tonumber(ARGV[1]) then redis.call('PEXPIRE', KEYS[1], ARGV[2]) end
local left = redis.call('PTTL', KEYS[1])
if left < 0 then redis.call('PEXPIRE', KEYS[1], ARGV[2]); left = tonumber(ARGV[2]) end
return {count, left}
";

/// Memory windows are swept of expired keys every this many checks.
const SWEEP_EVERY: u64 = 4096;

#[derive(Clone)]
pub enum CounterStore {
    Memory(Arc<MemoryWindows>),
    Redis {
        connection: ConnectionManager,
        prefix: String,
    },
    RedisCluster {
        connection: ClusterConnection,
        prefix: String,
    },
}

#[derive(Default)]
pub struct MemoryWindows {
    /// Key -> (window start, count, the key's own window length).
    windows: DashMap<String, (Instant, u64, Duration)>,
    checks: AtomicU64,
}

impl CounterStore {
    pub fn memory() -> CounterStore {
        CounterStore::Memory(Arc::default())
    }

    pub async fn redis(url: &str, prefix: &str) -> redis::RedisResult<CounterStore> {
        let client = redis::Client::open(url)?;
        Ok(CounterStore::Redis {
            connection: ConnectionManager::new(client).await?,
            prefix: prefix.to_owned(),
        })
    }

    pub async fn redis_cluster(nodes: &[String], prefix: &str) -> redis::RedisResult<CounterStore> {
        let connection = redis::cluster::ClusterClient::new(nodes.to_vec())?
            .get_async_connection()
            .await?;
        Ok(CounterStore::RedisCluster {
            connection,
            prefix: prefix.to_owned(),
        })
    }

    /// Adds `cost` to `key` in its current window of length `window`; returns the count so far
    /// in the window and the time left in it.
    pub async fn add(
        &self,
        key: &str,
        cost: u64,
        window: Duration,
    ) -> redis::RedisResult<(u64, Duration)> {
        let window_ms = window.as_millis().max(1) as u64;
        let (count, left): (u64, u64) = match self {
            CounterStore::Memory(windows) => return Ok(windows.add(key, cost, window)),
            CounterStore::Redis { connection, prefix } => {
                run_add(&mut connection.clone(), prefix, key, cost, window_ms).await?
            }
            CounterStore::RedisCluster { connection, prefix } => {
                run_add(&mut connection.clone(), prefix, key, cost, window_ms).await?
            }
        };
        Ok((count, Duration::from_millis(left)))
    }
}

async fn run_add<C: redis::aio::ConnectionLike>(
    connection: &mut C,
    prefix: &str,
    key: &str,
    cost: u64,
    window_ms: u64,
) -> redis::RedisResult<(u64, u64)> {
    redis::Script::new(ADD_SCRIPT)
        .key(format!("{prefix}{key}"))
        .arg(cost)
        .arg(window_ms)
        .invoke_async(connection)
        .await
}

impl MemoryWindows {
    fn add(&self, key: &str, cost: u64, window: Duration) -> (u64, Duration) {
        let now = Instant::now();
        if self.checks.fetch_add(1, Ordering::Relaxed) % SWEEP_EVERY == SWEEP_EVERY - 1 {
            // Each key by its own window: a 1 s check must not wipe a 60 s window.
            self.windows
                .retain(|_, (started, _, length)| now.duration_since(*started) < *length);
        }
        let mut entry = self
            .windows
            .entry(key.to_owned())
            .or_insert((now, 0, window));
        let (started, count, length) = entry.value_mut();
        *length = window;
        if now.duration_since(*started) >= window {
            *started = now;
            *count = 0;
        }
        *count += cost;
        (*count, window.saturating_sub(now.duration_since(*started)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn memory_windows_count_and_reset() {
        let store = CounterStore::memory();
        let window = Duration::from_millis(50);
        assert_eq!(store.add("k", 1, window).await.unwrap().0, 1);
        assert_eq!(store.add("k", 2, window).await.unwrap().0, 3);
        assert_eq!(store.add("other", 1, window).await.unwrap().0, 1);
        tokio::time::sleep(Duration::from_millis(60)).await;
        let (count, left) = store.add("k", 1, window).await.unwrap();
        assert_eq!(count, 1, "a new window starts from zero");
        assert!(left <= window);
    }

    #[tokio::test]
    async fn a_sweep_keeps_keys_whose_own_window_is_still_open() {
        let store = CounterStore::memory();
        let minute = Duration::from_secs(60);
        assert_eq!(store.add("api", 5, minute).await.unwrap().0, 5);
        // Enough short-window checks to sweep, long after their own 1 ms windows ended.
        for _ in 0..SWEEP_EVERY {
            store.add("ws", 1, Duration::from_millis(1)).await.unwrap();
        }
        assert_eq!(store.add("api", 1, minute).await.unwrap().0, 6);
    }
}
