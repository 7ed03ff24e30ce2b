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
//!   per channel; answered once accepted, this node's fan-out following in order on the
//!   channel's lane (`lanes.rs`).
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

mod lanes;

use lanes::{EventBody, Job, Lanes};

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

    /// Stores a cache channel's value, without a fan-out.
    fn keep(&self, app: &str, channel: &str, cached: CachedEvent) {
        if let Some(cache) = &self.registry.namespace(app).cache {
            cache.store(channel, cached);
        }
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
    /// Where API events wait for this node's fan-out.
    lanes: Arc<Lanes>,
}

impl Publisher {
    pub fn new(
        here: Here,
        cluster: Arc<Cluster>,
        shared_cache: Option<SharedCache>,
        emit_tags: bool,
    ) -> Publisher {
        Publisher {
            lanes: Lanes::new(here.clone(), lanes::BUDGET),
            here,
            cluster,
            shared_cache,
            emit_tags,
        }
    }

    /// Delivers `message` here and sends it to the other nodes.
    pub fn event(&self, message: &Message) -> Fanout {
        let cached = self.elsewhere(message);
        self.here.deliver(message, cached)
    }

    /// The half of a publish that leaves this node's sockets alone: the shared cache and the
    /// other nodes. Returns what a cache channel here keeps of `message`.
    fn elsewhere(&self, message: &Message) -> Option<CachedEvent> {
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
        self.cluster
            .broadcast(message.app, message.channel, message.frame, route);
        cached
    }

    /// Publishes an API event to each of its channels: the other nodes are sent it now, and
    /// this node's subscribers get it from the channel's lane, after the channel's earlier
    /// events. Returns once it is queued (it may wait for room, see [`lanes`]).
    pub async fn api_event(&self, app: &str, event: ApiEvent) {
        let ApiEvent {
            name,
            data,
            channels,
            except,
            tags,
        } = event;
        let body = Arc::new(EventBody { name, data, tags });
        let emitted_tags = body.tags.as_ref().filter(|_| self.emit_tags);
        let app: Arc<str> = Arc::from(app);
        for channel in &channels {
            let frame = match emitted_tags {
                Some(tags) => {
                    outbound::tagged_event(&body.name, channel.as_str(), &body.data, tags)
                }
                None => outbound::channel_event(&body.name, channel.as_str(), &body.data),
            };
            let message = Message {
                app: &app,
                channel: channel.as_str(),
                frame: &frame,
                except,
                event: Some(Published {
                    name: &body.name,
                    data: &body.data,
                    tags: body.tags.as_ref(),
                }),
            };
            // A cache channel keeps the event from now on, so a client that subscribes after
            // the answer finds it even before the fan-out (at worst it gets it twice).
            if let Some(cached) = self.elsewhere(&message) {
                self.here.keep(&app, channel.as_str(), cached);
            }
            let job = Job {
                app: app.clone(),
                channel: channel.as_str().to_owned(),
                frame,
                except,
                body: body.clone(),
            };
            self.lanes.push(job).await;
        }
        self.here
            .metrics
            .broadcasts
            .with_label_values(&[&*app])
            .inc();
    }

    /// Waits until this node's subscribers got every API event accepted so far.
    pub async fn settle(&self) {
        self.lanes.settle().await;
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
        Publisher::new(
            Here {
                registry: Arc::new(Registry::new(Some(Duration::from_secs(60)), Spread::new(1))),
                metrics: Metrics::new("test_"),
            },
            Cluster::local(),
            None,
            false,
        )
    }

    /// A socket of app `a` subscribed to `channel`, with `filter` if given.
    fn subscriber(
        publisher: &Publisher,
        channel: &str,
        filter: Option<Filter>,
    ) -> (Arc<SocketHandle>, SocketQueue) {
        let limits = Arc::new(QueueLimits {
            max_frames: 1000,
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

    #[tokio::test]
    async fn an_api_event_is_filtered_counted_and_kept_by_a_cache_channel() {
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
        publisher.api_event("a", event).await;
        publisher.settle().await;
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

    /// The `n`th API event of publisher `from` to `channel`.
    fn numbered(channel: &str, from: usize, n: usize) -> ApiEvent {
        ApiEvent {
            name: "tick".into(),
            data: format!("{from}:{n}"),
            channels: vec![ChannelName::parse(channel, 200).unwrap()],
            except: None,
            tags: None,
        }
    }

    /// (publisher, number) of each tick a socket received, in arrival order.
    fn ticks(queue: &mut SocketQueue) -> Vec<(usize, usize)> {
        received(queue)
            .iter()
            .map(|frame| {
                let frame: serde_json::Value = serde_json::from_slice(frame).unwrap();
                let data = frame["data"].as_str().unwrap();
                let (from, n) = data.split_once(':').unwrap();
                (from.parse().unwrap(), n.parse().unwrap())
            })
            .collect()
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn api_events_reach_each_socket_in_the_order_they_were_accepted() {
        let publisher = publisher();
        let channels = ["orders-0", "orders-1", "orders-2"];
        let mut sockets: Vec<(usize, SocketQueue)> = (0..6)
            .map(|i| (i % 3, subscriber(&publisher, channels[i % 3], None).1))
            .collect();
        // Six publishers, two per channel, each sending 150 events one after the other.
        let tasks: Vec<_> = (0..6)
            .map(|from| {
                let publisher = publisher.clone();
                tokio::spawn(async move {
                    for n in 0..150 {
                        publisher
                            .api_event("a", numbered(channels[from % 3], from, n))
                            .await;
                    }
                })
            })
            .collect();
        for task in tasks {
            task.await.unwrap();
        }
        publisher.settle().await;
        for (channel, queue) in &mut sockets {
            let ticks = ticks(queue);
            assert_eq!(
                ticks.len(),
                300,
                "{}: both publishers, nothing lost",
                channels[*channel]
            );
            for from in [*channel, *channel + 3] {
                let order: Vec<usize> = ticks.iter().filter(|t| t.0 == from).map(|t| t.1).collect();
                assert_eq!(
                    order,
                    (0..150).collect::<Vec<_>>(),
                    "publisher {from}'s order"
                );
            }
        }
        let metrics = &publisher.here.metrics;
        assert_eq!(metrics.publish_backlog_events.get(), 0);
        assert_eq!(metrics.publish_backlog_bytes.get(), 0);
    }

    #[tokio::test(flavor = "current_thread")]
    async fn a_publish_waits_for_room_when_the_lanes_hold_their_budget() {
        use futures_util::FutureExt;
        let publisher = publisher();
        let (_, mut queue) = subscriber(&publisher, "orders", None);
        let job = |n: usize| {
            let event = numbered("orders", 0, n);
            lanes::Job {
                app: Arc::from("a"),
                frame: outbound::channel_event(&event.name, "orders", &event.data),
                channel: "orders".into(),
                except: None,
                body: Arc::new(EventBody {
                    name: event.name,
                    data: event.data,
                    tags: None,
                }),
            }
        };
        let size = job(0).size();
        let lanes = Lanes::new(publisher.here.clone(), 3 * size);
        // This runtime's one thread runs the lane's task only when the test yields.
        for n in 0..3 {
            assert!(
                lanes.push(job(n)).now_or_never().is_some(),
                "room for job {n}"
            );
        }
        let metrics = &publisher.here.metrics;
        assert_eq!(metrics.publish_backlog_events.get(), 3);
        assert_eq!(metrics.publish_backlog_bytes.get(), 3 * size as i64);
        let mut fourth = Box::pin(lanes.push(job(3)));
        assert!((&mut fourth).now_or_never().is_none(), "the budget is full");
        fourth.await;
        lanes.settle().await;
        assert_eq!(
            ticks(&mut queue),
            (0..4).map(|n| (0, n)).collect::<Vec<_>>()
        );
        assert_eq!(metrics.publish_backlog_events.get(), 0);
        assert_eq!(metrics.publish_backlog_bytes.get(), 0);
    }
}
