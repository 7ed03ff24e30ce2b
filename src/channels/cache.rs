//! Cache channels keep the last event triggered on them, for a TTL.

use crate::filter::{Filter, Tags};
use crate::protocol::outbound;
use bytes::Bytes;
use dashmap::DashMap;
use serde::{Deserialize, Serialize};
use std::time::{Duration, Instant};

#[derive(Debug, Clone)]
pub struct CachedEvent {
    /// The frame exactly as subscribers received it.
    pub frame: Bytes,
    pub event: String,
    pub data: String,
    /// The API event's tags: a filtered subscriber is replayed only an event its filter passes.
    pub tags: Option<Tags>,
    pub stored_at: Instant,
}

impl CachedEvent {
    /// Whether a subscriber with `filter` (if any) would have received this event.
    pub fn passes(&self, filter: Option<&Filter>) -> bool {
        filter.is_none_or(|filter| filter.matches(self.tags.as_ref().unwrap_or(&Tags::new())))
    }
}

/// A cache channel's value as it travels to a node that joins later and to Redis.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SharedEvent {
    pub app: String,
    pub channel: String,
    pub event: String,
    pub data: String,
    /// The frame as subscribers received it (tags included when emitted). Entries written by
    /// older versions lack it, and get a plain frame.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub frame: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tags: Option<Tags>,
}

impl SharedEvent {
    pub fn new(app: &str, channel: &str, cached: &CachedEvent) -> SharedEvent {
        SharedEvent {
            app: app.to_owned(),
            channel: channel.to_owned(),
            event: cached.event.clone(),
            data: cached.data.clone(),
            frame: Some(String::from_utf8_lossy(&cached.frame).into_owned()),
            tags: cached.tags.clone(),
        }
    }

    /// The local cache entry, as stored at `stored_at`.
    pub fn into_cached(self, stored_at: Instant) -> CachedEvent {
        let frame = match self.frame {
            Some(frame) => Bytes::from(frame),
            None => outbound::channel_event(&self.event, &self.channel, &self.data),
        };
        CachedEvent {
            frame,
            event: self.event,
            data: self.data,
            tags: self.tags,
            stored_at,
        }
    }
}

/// The app's `cache_miss` webhook goes out at most once per channel in this long: a client that
/// subscribes and unsubscribes an empty cache channel in a loop must not turn into a flood of
/// webhooks (every subscriber still gets `pusher:cache_miss`).
pub const CACHE_MISS_WEBHOOK_INTERVAL: Duration = Duration::from_secs(10);

#[derive(Debug)]
pub struct EventCache {
    ttl: Duration,
    events: DashMap<String, CachedEvent>,
    /// Channel -> when its last `cache_miss` webhook went out (within the interval).
    misses: DashMap<String, Instant>,
}

impl EventCache {
    pub fn new(ttl: Duration) -> Self {
        EventCache {
            ttl,
            events: DashMap::new(),
            misses: DashMap::new(),
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
        // Only if still expired: a publish may have stored a fresh event since the read above.
        self.events
            .remove_if(channel, |_, event| event.stored_at.elapsed() >= self.ttl);
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
        self.misses
            .retain(|_, sent| sent.elapsed() < CACHE_MISS_WEBHOOK_INTERVAL);
    }

    /// True when `channel`'s `cache_miss` webhook may go out now (none in the last interval);
    /// then it counts as sent.
    pub fn miss_webhook_due(&self, channel: &str) -> bool {
        use dashmap::mapref::entry::Entry;
        let now = Instant::now();
        match self.misses.entry(channel.to_owned()) {
            Entry::Occupied(sent)
                if now.duration_since(*sent.get()) < CACHE_MISS_WEBHOOK_INTERVAL =>
            {
                false
            }
            Entry::Occupied(mut sent) => {
                sent.insert(now);
                true
            }
            Entry::Vacant(slot) => {
                slot.insert(now);
                true
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_channels_miss_webhook_is_due_once_per_interval() {
        let cache = EventCache::new(Duration::from_secs(60));
        assert!(cache.miss_webhook_due("cache-a"));
        assert!(!cache.miss_webhook_due("cache-a"));
        assert!(cache.miss_webhook_due("cache-b"), "per channel");
        // Once the interval has passed (as purge finds it), the next miss is due again.
        cache.misses.insert(
            "cache-a".into(),
            Instant::now() - CACHE_MISS_WEBHOOK_INTERVAL,
        );
        cache.purge_expired();
        assert!(!cache.misses.contains_key("cache-a"));
        assert!(cache.miss_webhook_due("cache-a"));
    }

    fn event() -> CachedEvent {
        CachedEvent {
            frame: Bytes::from_static(b"{}"),
            event: "e".into(),
            data: "d".into(),
            tags: None,
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

    #[test]
    fn shared_values_keep_frame_and_tags_and_older_entries_get_a_plain_frame() {
        let mut cached = event();
        cached.frame =
            outbound::tagged_event("e", "cache-a", "d", &Tags::from([("k".into(), "v".into())]));
        cached.tags = Some(Tags::from([("k".into(), "v".into())]));
        let shared = SharedEvent::new("app", "cache-a", &cached);
        let text = serde_json::to_string(&shared).unwrap();
        let back: SharedEvent = serde_json::from_str(&text).unwrap();
        let restored = back.into_cached(Instant::now());
        assert_eq!((restored.frame, restored.tags), (cached.frame, cached.tags));

        let older = r#"{"app":"app","channel":"cache-a","event":"e","data":"d"}"#;
        let restored = serde_json::from_str::<SharedEvent>(older)
            .unwrap()
            .into_cached(Instant::now());
        assert_eq!(restored.frame, outbound::channel_event("e", "cache-a", "d"));
        assert_eq!(restored.tags, None);
        assert!(restored.passes(None));
    }
}
