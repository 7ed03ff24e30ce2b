//! Per-app channel state on this node: which sockets are subscribed where, presence members,
//! signed-in users and their watchers, and cache channel values.
//!
//! Every operation here is synchronous and short: locks (dashmap shards) are never held across an
//! await, and delivery only enqueues onto each socket's bounded queue.

mod cache;
mod fanout;
mod namespace;
mod selective;
mod shared_cache;
mod spread;

pub use cache::{CachedEvent, EventCache, SharedEvent};
pub use fanout::Fanout;
pub use namespace::{ChannelCounts, MemberJoin, Namespace, Unsubscribed};
pub use selective::{DeltaSubscription, Published, SubscriptionOptions};
pub use shared_cache::SharedCache;
pub use spread::Spread;

use crate::metrics::Live;
use crate::protocol::channel::{classify, ChannelKind};
use crate::socket::admission::Admitting;
use crate::socket::Queued;
use dashmap::DashMap;
use std::sync::Arc;
use std::time::Duration;

/// All namespaces of this node, one per app that has had a socket or an event.
pub struct Registry {
    namespaces: DashMap<String, Arc<Namespace>>,
    cache_ttl: Option<Duration>,
    spread: Arc<Spread>,
    /// Connections admitted under the node's `max_connections` and not yet registered.
    pub admitting: Admitting,
}

impl Registry {
    /// `cache_ttl` is how long cache channels keep their last event; `None` disables them.
    /// `spread` fans large channels out over the node's cores.
    pub fn new(cache_ttl: Option<Duration>, spread: Spread) -> Self {
        Registry {
            namespaces: DashMap::new(),
            cache_ttl,
            spread: Arc::new(spread),
            admitting: Admitting::default(),
        }
    }

    pub fn namespace(&self, app_id: &str) -> Arc<Namespace> {
        if let Some(ns) = self.namespaces.get(app_id) {
            return ns.clone();
        }
        self.namespaces
            .entry(app_id.to_owned())
            .or_insert_with(|| Arc::new(Namespace::new(self.cache_ttl, self.spread.clone())))
            .clone()
    }

    /// The namespace if it exists, without creating one (for read-only queries).
    pub fn existing(&self, app_id: &str) -> Option<Arc<Namespace>> {
        self.namespaces.get(app_id).map(|ns| ns.clone())
    }

    /// Sockets connected to this node across all apps, counted from the live maps.
    pub fn socket_count(&self) -> usize {
        self.namespaces.iter().map(|ns| ns.socket_count()).sum()
    }

    /// The gauges of this node's state: sockets, occupied channels by type, subscriptions.
    pub fn live(&self) -> Live {
        let mut channels: std::collections::BTreeMap<&'static str, usize> = ChannelKind::ALL
            .iter()
            .map(|kind| (kind.as_str(), 0))
            .collect();
        let mut subscriptions = 0;
        let mut queued = Queued::default();
        for namespace in self.namespaces.iter() {
            queued += namespace.queued();
            for (name, counts) in namespace.channels() {
                *channels.entry(classify(&name).0.as_str()).or_default() += 1;
                subscriptions += counts.subscription_count;
            }
        }
        Live {
            connected: self.socket_count(),
            channels: channels.into_iter().collect(),
            subscriptions,
            queued_frames: queued.frames,
            queued_bytes: queued.bytes,
        }
    }

    /// Every namespace, for shutdown and metrics.
    pub fn all(&self) -> Vec<(String, Arc<Namespace>)> {
        self.namespaces
            .iter()
            .map(|e| (e.key().clone(), e.value().clone()))
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn live_lists_every_channel_kind_even_when_empty() {
        let registry = Registry::new(None, Spread::new(1));
        let live = registry.live();
        let kinds: Vec<_> = live.channels.iter().map(|(kind, _)| *kind).collect();
        assert_eq!(
            kinds,
            [
                "presence",
                "private",
                "private-encrypted",
                "public",
                "server-to-user"
            ]
        );
        assert!(live.channels.iter().all(|(_, count)| *count == 0));
    }
}
