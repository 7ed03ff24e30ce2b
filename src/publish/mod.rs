//! The one publish path. Whatever its origin (the HTTP API, the web console, a client event, or
//! another node over the bus), an event reaches subscribers the same way: a cache channel keeps
//! it as its last event, this node's subscribers get it (through their filters and deltas when it
//! is an API event), the metrics count what the fan-out did, and, unless it came from the bus,
//! the other nodes are sent it.
//!
//! - [`Here::deliver`]: this node's half. The cluster's bus receiver calls it through the
//!   [`Deliver`] trait, which the cluster layer defines, so that layer needs nothing above it.
//! - [`Publisher::event`]: both halves, for events that start on this node.
//! - [`Publisher::api_event`]: an HTTP API event to each of its channels, its frame built once
//!   per channel.
//! - [`Publisher::counts`]: a channel's counts over the whole cluster, as the API answers them.

use crate::adapter::{Cluster, Deliver, Remote, Route};
use crate::channels::{
    CachedEvent, ChannelCounts, Fanout, Namespace, Published, Registry, SharedCache, SharedEvent,
};
use crate::filter::Tags;
use crate::metrics::Metrics;
use crate::protocol::channel::{classify, ChannelName};
use crate::protocol::{outbound, SocketId};
use bytes::Bytes;
use std::collections::BTreeSet;
use std::sync::Arc;
use std::time::Instant;

/// One frame for the subscribers of one channel.
#[derive(Debug, Clone, Copy)]
pub struct Message<'a> {
    pub app: &'a str,
    pub channel: &'a str,
    pub frame: &'a Bytes,
    /// The socket that must not receive it (the sender, or the API's `socket_id`).
    pub except: Option<SocketId>,
    /// The event as tag filters, deltas and cache channels see it: an API event. `None` for a
    /// client event, which reaches every subscriber as it is and is not kept by cache channels.
    pub event: Option<Published<'a>>,
}

impl Message<'_> {
    /// The cache entry a cache channel keeps of this message, if it keeps one.
    fn cached(&self) -> Option<CachedEvent> {
        let event = self.event?;
        classify(self.channel).1.then(|| CachedEvent {
            frame: self.frame.clone(),
            event: event.name.to_owned(),
            data: event.data.to_owned(),
            tags: event.tags.cloned(),
            stored_at: Instant::now(),
        })
    }
}

/// This node's subscribers and the metrics of what reaches them.
#[derive(Clone)]
pub struct Here {
    pub registry: Arc<Registry>,
    pub metrics: Metrics,
}

impl Here {
    /// Stores a cache channel's value and fans `message` out to this node's subscribers.
    pub fn deliver(&self, message: &Message, cached: Option<CachedEvent>) -> Fanout {
        self.deliver_to(&self.registry.namespace(message.app), message, cached)
    }

    /// [`Here::deliver`] into the app's namespace the caller already holds.
    fn deliver_to(
        &self,
        namespace: &Namespace,
        message: &Message,
        cached: Option<CachedEvent>,
    ) -> Fanout {
        if let (Some(cached), Some(cache)) = (cached, &namespace.cache) {
            cache.store(message.channel, cached);
        }
        let fanout = namespace.publish(
            message.channel,
            message.frame,
            message.event.as_ref(),
            message.except,
        );
        self.metrics
            .record_fanout(message.app, fanout.dropped, &fanout.delta);
        fanout
    }
}

/// The parts of a channel event frame that filters and deltas need.
#[derive(serde::Deserialize)]
struct FrameEvent {
    event: String,
    data: String,
}

impl Deliver for Here {
    fn deliver(&self, remote: Remote<'_>) {
        // Only an API event is taken apart, and only when a subscriber here has a filter or
        // deltas (a cache channel's event travels with its name and data already).
        let namespace = self.registry.namespace(remote.app);
        let parsed =
            (remote.api && remote.cache.is_none() && namespace.is_selective(remote.channel))
                .then(|| serde_json::from_slice::<FrameEvent>(remote.frame).ok())
                .flatten();
        let event = match (remote.cache, &parsed) {
            (Some((name, data)), _) => Some(Published {
                name,
                data,
                tags: remote.tags,
            }),
            (None, Some(parsed)) => Some(Published {
                name: &parsed.event,
                data: &parsed.data,
                tags: remote.tags,
            }),
            (None, None) => None,
        };
        let message = Message {
            app: remote.app,
            channel: remote.channel,
            frame: remote.frame,
            except: remote.except,
            event,
        };
        self.deliver_to(&namespace, &message, message.cached());
    }
}

/// An HTTP API event that passed validation: one name and data for one or more channels.
pub struct ApiEvent {
    pub name: String,
    pub data: String,
    pub channels: Vec<ChannelName>,
    pub except: Option<SocketId>,
    pub tags: Option<Tags>,
}

/// Both halves of the publish path, for events that start on this node.
#[derive(Clone)]
pub struct Publisher {
    pub here: Here,
    pub cluster: Arc<Cluster>,
    /// Cache channel values in Redis (`cache.driver` redis / redis-cluster).
    pub shared_cache: Option<SharedCache>,
    /// Frames of API events carry their tags (`tag_filtering.enabled` and `enable_tags`).
    pub emit_tags: bool,
}

impl Publisher {
    /// Delivers `message` here and sends it to the other nodes.
    pub fn event(&self, message: &Message) -> Fanout {
        let cached = message.cached();
        if let (Some(shared), Some(cached)) = (&self.shared_cache, &cached) {
            shared.store(SharedEvent::new(message.app, message.channel, cached));
        }
        let route = Route {
            except: message.except,
            cache: cached.is_some().then(|| {
                let event = message.event.expect("only events are cached");
                (event.name, event.data)
            }),
            api: message.event.is_some(),
            tags: message.event.and_then(|event| event.tags),
        };
        let fanout = self.here.deliver(message, cached);
        self.cluster
            .broadcast(message.app, message.channel, message.frame, route);
        fanout
    }

    /// Publishes an API event to each of its channels, and times it.
    pub fn api_event(&self, app: &str, event: &ApiEvent) {
        let started = Instant::now();
        let emitted_tags = event.tags.as_ref().filter(|_| self.emit_tags);
        for channel in &event.channels {
            let frame = match emitted_tags {
                Some(tags) => {
                    outbound::tagged_event(&event.name, channel.as_str(), &event.data, tags)
                }
                None => outbound::channel_event(&event.name, channel.as_str(), &event.data),
            };
            self.event(&Message {
                app,
                channel: channel.as_str(),
                frame: &frame,
                except: event.except,
                event: Some(Published {
                    name: &event.name,
                    data: &event.data,
                    tags: event.tags.as_ref(),
                }),
            });
        }
        let metrics = &self.here.metrics;
        metrics
            .broadcast_latency
            .observe(started.elapsed().as_secs_f64());
        metrics.broadcasts.with_label_values(&[app]).inc();
    }

    /// `channel`'s subscribers and presence members over the whole cluster.
    pub fn counts(&self, app: &str, channel: &str) -> ChannelCounts {
        let local = self
            .here
            .registry
            .existing(app)
            .map(|namespace| namespace.counts(channel))
            .unwrap_or_default();
        ChannelCounts {
            subscription_count: local.subscription_count
                + self.cluster.remote_subscribers(app, channel),
            user_count: self.members(app, channel).len(),
            published: local.published,
            delta_saved: local.delta_saved,
        }
    }

    /// A presence channel's member ids over the whole cluster, each once.
    pub fn members(&self, app: &str, channel: &str) -> BTreeSet<String> {
        let mut ids: BTreeSet<String> = self
            .here
            .registry
            .existing(app)
            .map(|namespace| namespace.member_ids(channel).into_iter().collect())
            .unwrap_or_default();
        ids.extend(self.cluster.remote_members(app, channel).into_keys());
        ids
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::channels::{Spread, SubscriptionOptions};
    use crate::filter::Filter;
    use crate::socket::{QueueLimits, SlowConsumerPolicy, SocketHandle, SocketQueue};
    use serde_json::json;
    use std::time::Duration;

    fn publisher() -> Publisher {
        Publisher {
            here: Here {
                registry: Arc::new(Registry::new(Some(Duration::from_secs(60)), Spread::new(1))),
                metrics: Metrics::new("test_"),
            },
            cluster: Cluster::local(),
            shared_cache: None,
            emit_tags: false,
        }
    }

    /// A socket of app `a` subscribed to `channel`, with `filter` if given.
    fn subscriber(
        publisher: &Publisher,
        channel: &str,
        filter: Option<Filter>,
    ) -> (Arc<SocketHandle>, SocketQueue) {
        let limits = Arc::new(QueueLimits {
            max_frames: 10,
            max_bytes: 1 << 20,
            policy: SlowConsumerPolicy::DropFrame,
        });
        let (socket, queue) = SocketHandle::new(SocketId::random(), Arc::from("a"), limits);
        let namespace = publisher.here.registry.namespace("a");
        namespace.add_socket(socket.clone());
        let options = SubscriptionOptions {
            filter: filter.map(Arc::new),
            delta: None,
        };
        namespace.subscribe(channel, &socket, options);
        (socket, queue)
    }

    fn received(queue: &mut SocketQueue) -> Vec<Bytes> {
        std::iter::from_fn(|| queue.try_next_frame()).collect()
    }

    #[test]
    fn a_client_event_reaches_every_subscriber_but_its_sender_and_is_not_cached() {
        let publisher = publisher();
        let (sender, mut sender_queue) = subscriber(&publisher, "private-cache-x", None);
        let (_other, mut other_queue) = subscriber(&publisher, "private-cache-x", None);
        let frame = Bytes::from_static(b"client frame");
        let fanout = publisher.event(&Message {
            app: "a",
            channel: "private-cache-x",
            frame: &frame,
            except: Some(sender.id),
            event: None,
        });
        assert_eq!(fanout.delivered, 1);
        assert!(received(&mut sender_queue).is_empty());
        assert_eq!(received(&mut other_queue), [frame]);
        let namespace = publisher.here.registry.namespace("a");
        let cache = namespace.cache.as_ref().expect("cache channels on");
        assert!(cache.get("private-cache-x").is_none());
    }

    #[test]
    fn an_api_event_is_filtered_counted_and_kept_by_a_cache_channel() {
        let publisher = publisher();
        let btc = Filter::parse(&json!({"key":"asset","cmp":"eq","val":"BTC"})).unwrap();
        let (_, mut plain) = subscriber(&publisher, "cache-prices", None);
        let (_, mut filtered) = subscriber(&publisher, "cache-prices", Some(btc));
        let tags: Tags = [("asset".to_owned(), "ETH".to_owned())].into();
        let event = ApiEvent {
            name: "price".into(),
            data: "1".into(),
            channels: vec![ChannelName::parse("cache-prices", 200).unwrap()],
            except: None,
            tags: Some(tags),
        };
        publisher.api_event("a", &event);
        assert_eq!(received(&mut plain).len(), 1);
        assert!(received(&mut filtered).is_empty(), "ETH fails asset == BTC");
        let namespace = publisher.here.registry.namespace("a");
        let cached = namespace.cache.as_ref().unwrap().get("cache-prices");
        assert_eq!(cached.map(|c| c.event), Some("price".to_owned()));
        assert_eq!(publisher.counts("a", "cache-prices").published, 1);
    }

    #[test]
    fn an_event_from_another_node_is_taken_apart_only_for_filtered_subscribers() {
        let publisher = publisher();
        let btc = Filter::parse(&json!({"key":"asset","cmp":"eq","val":"BTC"})).unwrap();
        let (_, mut plain) = subscriber(&publisher, "prices", None);
        let (_, mut filtered) = subscriber(&publisher, "prices", Some(btc));
        let tags: Tags = [("asset".to_owned(), "BTC".to_owned())].into();
        let frame = outbound::channel_event("price", "prices", "2");
        let remote = Remote {
            app: "a",
            channel: "prices",
            frame: &frame,
            except: None,
            cache: None,
            api: true,
            tags: Some(&tags),
        };
        Deliver::deliver(&publisher.here, remote);
        assert_eq!(received(&mut plain), std::slice::from_ref(&frame));
        assert_eq!(
            received(&mut filtered),
            std::slice::from_ref(&frame),
            "BTC passes"
        );
        // A client event from another node is never filtered.
        let client = Remote {
            api: false,
            tags: None,
            ..remote
        };
        Deliver::deliver(&publisher.here, client);
        assert_eq!(received(&mut filtered), [frame]);
    }

    #[test]
    fn counts_add_this_nodes_subscribers_and_members() {
        let publisher = publisher();
        subscriber(&publisher, "news", None);
        subscriber(&publisher, "news", None);
        let counts = publisher.counts("a", "news");
        assert_eq!(counts.subscription_count, 2);
        assert_eq!(counts.user_count, 0);
        assert_eq!(publisher.counts("b", "news").subscription_count, 0);
    }
}
