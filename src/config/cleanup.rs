//! `cleanup`: how closed sockets leave their channels.

use crate::lenient;
use serde::{Deserialize, Serialize};

/// Disconnect cleanup on worker threads (see src/cleanup.rs and docs/configuration.md).
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default)]
pub struct CleanupConfig {
    /// Off: every socket leaves its channels on its own task as it closes.
    #[serde(deserialize_with = "lenient::boolean")]
    pub async_enabled: bool,
    /// When the queue is full, the closing socket cleans up itself instead of waiting for room.
    #[serde(deserialize_with = "lenient::boolean")]
    pub fallback_to_sync: bool,
    /// Closed sockets that may wait for cleanup, per worker.
    #[serde(deserialize_with = "lenient::number")]
    pub queue_buffer_size: usize,
    #[serde(deserialize_with = "lenient::number")]
    pub batch_size: usize,
    /// Longest a worker waits for a batch to fill once it has one socket to clean up.
    #[serde(deserialize_with = "lenient::number")]
    pub batch_timeout_ms: u64,
    pub worker_threads: WorkerThreads,
    /// Further workers a closing socket tries when its first choice is full.
    #[serde(deserialize_with = "lenient::number")]
    pub max_retry_attempts: usize,
}

impl Default for CleanupConfig {
    fn default() -> Self {
        CleanupConfig {
            async_enabled: true,
            fallback_to_sync: true,
            queue_buffer_size: 50_000,
            batch_size: 25,
            batch_timeout_ms: 50,
            worker_threads: WorkerThreads::Auto,
            max_retry_attempts: 2,
        }
    }
}

/// `"auto"` (one per four cores, at least one) or a count.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum WorkerThreads {
    Auto,
    Count(usize),
}

impl WorkerThreads {
    pub fn resolve(self) -> usize {
        match self {
            WorkerThreads::Auto => {
                let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
                (cores / 4).max(1)
            }
            WorkerThreads::Count(n) => n.max(1),
        }
    }
}

impl std::str::FromStr for WorkerThreads {
    type Err = String;

    fn from_str(text: &str) -> Result<Self, String> {
        let text = text.trim();
        if text.eq_ignore_ascii_case("auto") {
            return Ok(WorkerThreads::Auto);
        }
        text.parse()
            .map(WorkerThreads::Count)
            .map_err(|_| format!("expected \"auto\" or a number of threads, found {text:?}"))
    }
}

impl Serialize for WorkerThreads {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        match self {
            WorkerThreads::Auto => serializer.serialize_str("auto"),
            WorkerThreads::Count(n) => serializer.serialize_u64(*n as u64),
        }
    }
}

impl<'de> Deserialize<'de> for WorkerThreads {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        #[derive(Deserialize)]
        #[serde(untagged)]
        enum Raw {
            Count(usize),
            Text(String),
        }
        match Raw::deserialize(deserializer)? {
            Raw::Count(n) => Ok(WorkerThreads::Count(n)),
            Raw::Text(text) => text.parse().map_err(serde::de::Error::custom),
        }
    }
}
