//! Where jobs wait for delivery: one FIFO per (app, URL), each processed by one worker at a time
//! (a lease), which keeps each URL's events in order and lets several nodes share a Redis queue
//! without delivering a job twice. A job leaves its queue only after its delivery finished, so a
//! node killed mid-delivery leaves it for whoever takes the lease next: at-least-once.

use super::job::Job;
use async_trait::async_trait;
use parking_lot::Mutex;
use redis::aio::ConnectionManager;
use std::collections::{HashMap, HashSet, VecDeque};
use std::time::Duration;

#[derive(Debug, thiserror::Error)]
#[error("webhook queue: {0}")]
pub struct QueueError(String);

impl QueueError {
    pub fn new(message: impl Into<String>) -> QueueError {
        QueueError(message.into())
    }
}

impl From<redis::RedisError> for QueueError {
    fn from(error: redis::RedisError) -> Self {
        QueueError(error.to_string())
    }
}

/// What [`JobQueue::push`] did with a job.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Pushed {
    Queued,
    /// Its queue already held `queue.max_length` jobs: the job was dropped (the newest goes, so
    /// what is queued keeps its order).
    Full,
}

#[async_trait]
pub trait JobQueue: Send + Sync {
    async fn push(&self, job: &Job) -> Result<Pushed, QueueError>;
    /// Queues that may hold jobs.
    async fn queues(&self) -> Result<Vec<String>, QueueError>;
    /// Takes or extends the lease on `queue` for `ttl`; false when someone else holds it.
    async fn lease(&self, queue: &str, ttl: Duration) -> Result<bool, QueueError>;
    async fn release(&self, queue: &str) -> Result<(), QueueError>;
    /// The oldest job of `queue`, left in place.
    async fn head(&self, queue: &str) -> Result<Option<Job>, QueueError>;
    /// Removes the job [`JobQueue::head`] last returned for `queue`, if it is still the oldest
    /// (call only while holding the lease; a node that took over a lapsed lease may have
    /// delivered and removed it already, and the next job must stay).
    async fn pop(&self, queue: &str) -> Result<(), QueueError>;
    /// Jobs waiting, over all queues.
    async fn depth(&self) -> Result<usize, QueueError>;
    /// True when jobs outlive this process on their own, so a shutdown need not wait for them
    /// (the server already treats the redis driver so).
    fn durable(&self) -> bool {
        false
    }
}

/// In-process queue: fast, and lost when the process ends.
pub struct MemoryQueue {
    queues: Mutex<HashMap<String, VecDeque<Job>>>,
    leased: Mutex<HashSet<String>>,
    /// Jobs one queue (app and URL) may hold.
    max_length: usize,
}

impl MemoryQueue {
    pub fn new(max_length: usize) -> MemoryQueue {
        MemoryQueue {
            queues: Mutex::default(),
            leased: Mutex::default(),
            max_length,
        }
    }
}

#[async_trait]
impl JobQueue for MemoryQueue {
    async fn push(&self, job: &Job) -> Result<Pushed, QueueError> {
        let mut queues = self.queues.lock();
        let jobs = queues.entry(job.queue_key()).or_default();
        if jobs.len() >= self.max_length {
            return Ok(Pushed::Full);
        }
        jobs.push_back(job.clone());
        Ok(Pushed::Queued)
    }

    async fn queues(&self) -> Result<Vec<String>, QueueError> {
        Ok(self
            .queues
            .lock()
            .iter()
            .filter(|(_, jobs)| !jobs.is_empty())
            .map(|(key, _)| key.clone())
            .collect())
    }

    async fn lease(&self, queue: &str, _ttl: Duration) -> Result<bool, QueueError> {
        // One process: the lease only keeps two local workers off the same queue; a holder
        // "extending" it finds it already taken by itself, which the caller tracks.
        Ok(self.leased.lock().insert(queue.to_owned()))
    }

    async fn release(&self, queue: &str) -> Result<(), QueueError> {
        self.leased.lock().remove(queue);
        Ok(())
    }

    async fn head(&self, queue: &str) -> Result<Option<Job>, QueueError> {
        Ok(self
            .queues
            .lock()
            .get(queue)
            .and_then(|jobs| jobs.front().cloned()))
    }

    async fn pop(&self, queue: &str) -> Result<(), QueueError> {
        if let Some(jobs) = self.queues.lock().get_mut(queue) {
            jobs.pop_front();
        }
        Ok(())
    }

    async fn depth(&self) -> Result<usize, QueueError> {
        Ok(self.queues.lock().values().map(VecDeque::len).sum())
    }
}

/// Durable queue in Redis: a list per queue, a set naming the queues, and a lease key per queue
/// (`SET NX PX`, renewed while delivering, compared before renewal or release).
pub struct RedisQueue {
    connection: ConnectionManager,
    prefix: String,
    node: String,
    /// Queue -> the exact payload `head` last returned, which `pop` may remove.
    heads: parking_lot::Mutex<HashMap<String, String>>,
    /// Jobs one queue (app and URL) may hold.
    max_length: usize,
}

/// Extends the lease only if this node still holds it.
const RENEW: &str = r#"if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('PEXPIRE', KEYS[1], ARGV[2]) else return redis.call('SET', KEYS[1], ARGV[1], 'NX', 'PX', ARGV[2]) and 1 or 0 end"#;
/// Removes the list's first element only if it is still ARGV[1].
const POP_IF_HEAD: &str = r#"if redis.call('LINDEX', KEYS[1], 0) == ARGV[1] then redis.call('LPOP', KEYS[1]) return 1 else return 0 end"#;
/// Appends ARGV[1] to list KEYS[1] and names the queue ARGV[3] in set KEYS[2], unless the list
/// already holds ARGV[2] jobs; returns 1 when queued.
const PUSH_BOUNDED: &str = r#"if redis.call('LLEN', KEYS[1]) >= tonumber(ARGV[2]) then return 0 end redis.call('RPUSH', KEYS[1], ARGV[1]) redis.call('SADD', KEYS[2], ARGV[3]) return 1"#;
/// Deletes the lease only if this node holds it.
const RELEASE: &str = r#"if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) else return 0 end"#;

impl RedisQueue {
    pub async fn connect(
        url: &str,
        prefix: &str,
        max_length: usize,
    ) -> Result<RedisQueue, QueueError> {
        let client = redis::Client::open(url)?;
        let connection = crate::redis_link::manager(&client)
            .await
            .map_err(|e| QueueError(format!("Redis at {}: {e}", redact(url))))?;
        Ok(RedisQueue {
            connection,
            prefix: format!("{prefix}webhooks:"),
            node: hex::encode(rand::random::<[u8; 8]>()),
            heads: parking_lot::Mutex::new(HashMap::new()),
            max_length,
        })
    }

    fn list(&self, queue: &str) -> String {
        format!("{}q:{queue}", self.prefix)
    }
}

/// A Redis URL without its password, for messages.
pub fn redact(url: &str) -> String {
    match (url.find("://"), url.rfind('@')) {
        (Some(start), Some(at)) if at > start => format!("{}***{}", &url[..start + 3], &url[at..]),
        _ => url.to_owned(),
    }
}

#[async_trait]
impl JobQueue for RedisQueue {
    async fn push(&self, job: &Job) -> Result<Pushed, QueueError> {
        let queue = job.queue_key();
        let payload = serde_json::to_string(job).map_err(|e| QueueError(e.to_string()))?;
        let mut connection = self.connection.clone();
        let queued: i64 = redis::Script::new(PUSH_BOUNDED)
            .key(self.list(&queue))
            .key(format!("{}queues", self.prefix))
            .arg(payload)
            .arg(self.max_length)
            .arg(&queue)
            .invoke_async(&mut connection)
            .await?;
        Ok(if queued == 1 {
            Pushed::Queued
        } else {
            Pushed::Full
        })
    }

    async fn queues(&self) -> Result<Vec<String>, QueueError> {
        let mut connection = self.connection.clone();
        let queues: Vec<String> = redis::cmd("SMEMBERS")
            .arg(format!("{}queues", self.prefix))
            .query_async(&mut connection)
            .await?;
        Ok(queues)
    }

    async fn lease(&self, queue: &str, ttl: Duration) -> Result<bool, QueueError> {
        let mut connection = self.connection.clone();
        let held: i64 = redis::Script::new(RENEW)
            .key(format!("{}lease:{queue}", self.prefix))
            .arg(&self.node)
            .arg(ttl.as_millis() as u64)
            .invoke_async(&mut connection)
            .await?;
        Ok(held == 1)
    }

    async fn release(&self, queue: &str) -> Result<(), QueueError> {
        let mut connection = self.connection.clone();
        redis::Script::new(RELEASE)
            .key(format!("{}lease:{queue}", self.prefix))
            .arg(&self.node)
            .invoke_async::<i64>(&mut connection)
            .await?;
        Ok(())
    }

    async fn head(&self, queue: &str) -> Result<Option<Job>, QueueError> {
        let mut connection = self.connection.clone();
        let payload: Option<String> = redis::cmd("LINDEX")
            .arg(self.list(queue))
            .arg(0)
            .query_async(&mut connection)
            .await?;
        let Some(payload) = payload else {
            return Ok(None);
        };
        self.heads.lock().insert(queue.to_owned(), payload.clone());
        match serde_json::from_str(&payload) {
            Ok(job) => Ok(Some(job)),
            Err(error) => {
                // A job we cannot read would block its queue forever: drop it, loudly.
                tracing::error!(queue, %error, "dropping an unreadable webhook job");
                self.pop(queue).await?;
                Box::pin(self.head(queue)).await
            }
        }
    }

    async fn pop(&self, queue: &str) -> Result<(), QueueError> {
        let Some(payload) = self.heads.lock().remove(queue) else {
            return Ok(());
        };
        let mut connection = self.connection.clone();
        let removed: i64 = redis::Script::new(POP_IF_HEAD)
            .key(self.list(queue))
            .arg(payload)
            .invoke_async(&mut connection)
            .await?;
        if removed == 0 {
            tracing::warn!(
                queue,
                "webhook job already taken off the queue by the node that took the lease over"
            );
        }
        Ok(())
    }

    async fn depth(&self) -> Result<usize, QueueError> {
        let queues = self.queues().await?;
        let mut connection = self.connection.clone();
        let mut pipe = redis::pipe();
        for queue in &queues {
            pipe.llen(self.list(queue));
        }
        let lengths: Vec<usize> = pipe.query_async(&mut connection).await?;
        Ok(lengths.iter().sum())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::app::{App, Webhook};

    fn job(url: &str, n: u64) -> Job {
        let app = App::new("a", "k", "s");
        let hook = Webhook {
            url: url.into(),
            ..Webhook::default()
        };
        let mut job = Job::new(&app, &hook, vec![serde_json::json!(n)]);
        job.created_ms = n;
        job
    }

    #[tokio::test]
    async fn memory_queue_keeps_order_per_url_and_one_lease_per_queue() {
        let queue = MemoryQueue::new(100);
        for n in 0..3 {
            queue.push(&job("http://one", n)).await.unwrap();
        }
        queue.push(&job("http://two", 9)).await.unwrap();
        assert_eq!(queue.depth().await.unwrap(), 4);
        let key = job("http://one", 0).queue_key();
        assert!(queue.lease(&key, Duration::from_secs(1)).await.unwrap());
        assert!(!queue.lease(&key, Duration::from_secs(1)).await.unwrap());
        for n in 0..3 {
            assert_eq!(queue.head(&key).await.unwrap().unwrap().created_ms, n);
            queue.pop(&key).await.unwrap();
        }
        assert!(queue.head(&key).await.unwrap().is_none());
        queue.release(&key).await.unwrap();
        assert_eq!(queue.queues().await.unwrap().len(), 1);
    }

    /// Against the redis-server scripts/test.sh starts (required under CI).
    #[tokio::test]
    async fn redis_pop_takes_only_the_job_it_handed_out() {
        let Ok(url) = std::env::var("SOCKUDO_TEST_REDIS_URL") else {
            assert!(
                std::env::var_os("CI").is_none(),
                "SOCKUDO_TEST_REDIS_URL is not set"
            );
            return;
        };
        let prefix = format!("t{}:", hex::encode(rand::random::<[u8; 4]>()));
        let (first, second) = (
            RedisQueue::connect(&url, &prefix, 100).await.unwrap(),
            RedisQueue::connect(&url, &prefix, 100).await.unwrap(),
        );
        for n in 0..2 {
            first.push(&job("http://one", n)).await.unwrap();
        }
        let key = job("http://one", 0).queue_key();
        // The first node is delivering job 0 when its lease lapses; the second takes over,
        // delivers job 0 and removes it.
        assert_eq!(first.head(&key).await.unwrap().unwrap().created_ms, 0);
        assert_eq!(second.head(&key).await.unwrap().unwrap().created_ms, 0);
        second.pop(&key).await.unwrap();
        // The first finishing late must not take job 1 with it.
        first.pop(&key).await.unwrap();
        assert_eq!(first.depth().await.unwrap(), 1);
        assert_eq!(first.head(&key).await.unwrap().unwrap().created_ms, 1);
    }

    #[test]
    fn redaction_hides_passwords() {
        assert_eq!(
            redact("redis://user:pw@host:6379/0"),
            "redis://***@host:6379/0"
        );
        assert_eq!(redact("redis://host:6379"), "redis://host:6379");
    }
}
