//! Cache channels keep the last event triggered on them, for a TTL.

use bytes::Bytes;
use dashmap::DashMap;
use std::time::{Duration, Instant};

#[derive(Debug, Clone)]
pub struct CachedEvent {
    /// The frame exactly as subscribers received it.
    pub frame: Bytes,
    pub event: String,
    pub data: String,
    pub stored_at: Instant,
}

#[derive(Debug)]
pub struct EventCache {
    ttl: Duration,
    events: DashMap<String, CachedEvent>,
}

impl EventCache {
    pub fn new(ttl: Duration) -> Self {
        EventCache {
            ttl,
            events: DashMap::new(),
        }
    }

    pub fn store(&self, channel: &str, event: CachedEvent) {
        self.events.insert(channel.to_owned(), event);
    }

    /// The channel's last event if it has not expired; an expired one is removed.
    pub fn get(&self, channel: &str) -> Option<CachedEvent> {
        let entry = self.events.get(channel)?;
        if entry.stored_at.elapsed() < self.ttl {
            return Some(entry.clone());
        }
        drop(entry);
        self.events.remove(channel);
        None
    }

    /// Seconds left before `event` expires.
    pub fn remaining_ttl(&self, event: &CachedEvent) -> u64 {
        self.ttl.saturating_sub(event.stored_at.elapsed()).as_secs()
    }

    /// Live entries, for a node that joins the cluster later.
    pub fn entries(&self) -> Vec<(String, CachedEvent)> {
        self.events
            .iter()
            .filter(|e| e.stored_at.elapsed() < self.ttl)
            .map(|e| (e.key().clone(), e.value().clone()))
            .collect()
    }

    /// Keeps `event` unless the cache already holds a newer one for the channel.
    pub fn store_if_newer(&self, channel: &str, event: CachedEvent) {
        let mut entry = self
            .events
            .entry(channel.to_owned())
            .or_insert_with(|| event.clone());
        if entry.stored_at < event.stored_at {
            *entry = event;
        }
    }

    /// Drops expired entries so channels nobody reads again do not hold memory forever.
    pub fn purge_expired(&self) {
        self.events.retain(|_, e| e.stored_at.elapsed() < self.ttl);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn event() -> CachedEvent {
        CachedEvent {
            frame: Bytes::from_static(b"{}"),
            event: "e".into(),
            data: "d".into(),
            stored_at: Instant::now(),
        }
    }

    #[test]
    fn keeps_the_last_event_until_it_expires() {
        let cache = EventCache::new(Duration::from_secs(60));
        cache.store("cache-a", event());
        let mut newer = event();
        newer.data = "newer".into();
        cache.store("cache-a", newer);
        assert_eq!(cache.get("cache-a").unwrap().data, "newer");
        assert!(cache.get("cache-b").is_none());

        let expired = EventCache::new(Duration::ZERO);
        expired.store("cache-a", event());
        assert!(expired.get("cache-a").is_none());
        expired.store("cache-b", event());
        expired.purge_expired();
        assert!(expired.events.is_empty());
    }
}
