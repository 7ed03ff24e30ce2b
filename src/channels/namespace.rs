//! One app's sockets, channels, presence members and signed-in users on this node.

use super::fanout::Fanout;
use super::selective::{DeltaSubscription, Published, Selective, SubscriptionOptions};
use super::spread::Spread;
use super::EventCache;
use crate::protocol::SocketId;
use crate::socket::admission::Admitting;
use crate::socket::{Queued, SocketHandle};
use bytes::Bytes;
use dashmap::mapref::entry::Entry;
use dashmap::DashMap;
use parking_lot::Mutex;
use serde_json::Value;
use std::collections::{HashMap, HashSet};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

#[derive(Default)]
struct Channel {
    /// Subscribers that take every frame as it is.
    subscribers: HashMap<SocketId, Arc<SocketHandle>>,
    /// Subscribers with a tag filter or deltas; `None` until the first one.
    selective: Option<Box<Mutex<Selective>>>,
    /// Presence channels only: user id -> member.
    members: HashMap<String, Member>,
    /// Frames broadcast on the channel since it was created (for `sockudo top`).
    published: AtomicU64,
    /// Bytes delta compression saved on this channel.
    delta_saved: AtomicU64,
}

impl Channel {
    fn len(&self) -> usize {
        self.subscribers.len() + self.selective.as_ref().map_or(0, |s| s.lock().len())
    }

    fn counts(&self) -> ChannelCounts {
        ChannelCounts {
            subscription_count: self.len(),
            user_count: self.members.len(),
            published: self.published.load(Ordering::Relaxed),
            delta_saved: self.delta_saved.load(Ordering::Relaxed),
        }
    }

    fn add(&mut self, socket: &Arc<SocketHandle>, options: SubscriptionOptions) {
        if options.is_plain() {
            self.subscribers.insert(socket.id, socket.clone());
        } else {
            self.selective
                .get_or_insert_with(Default::default)
                .lock()
                .insert(socket.clone(), options);
        }
    }

    fn remove(&mut self, id: SocketId) -> bool {
        if self.subscribers.remove(&id).is_some() {
            return true;
        }
        let Some(selective) = &self.selective else {
            return false;
        };
        let mut selective = selective.lock();
        let removed = selective.remove(id);
        let now_empty = selective.len() == 0;
        drop(selective);
        if now_empty {
            self.selective = None;
        }
        removed
    }
}

struct Member {
    info: Value,
    /// How many of this user's sockets are subscribed; the member leaves when it reaches 0.
    sockets: usize,
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ChannelCounts {
    pub subscription_count: usize,
    pub user_count: usize,
    /// Frames broadcast on the channel through this node.
    pub published: u64,
    /// Bytes delta compression saved on the channel on this node.
    pub delta_saved: u64,
}

/// The result of a presence join.
#[derive(Debug)]
pub enum MemberJoin {
    /// Subscribed; `first` is true when this is the user's first socket in the channel.
    Joined {
        first: bool,
        members: Vec<(String, Value)>,
        /// Sockets in the channel now, this one included.
        subscribers: usize,
    },
    /// The channel already has `max` members and this user is not one of them.
    Full { max: usize },
}

#[derive(Debug, Default, PartialEq, Eq)]
pub struct Unsubscribed {
    /// The socket was subscribed (false: nothing changed).
    pub was_subscribed: bool,
    /// The user whose last socket just left the presence channel.
    pub member_left: Option<String>,
    pub remaining: usize,
}

pub struct Namespace {
    /// Last events of cache channels; `None` when `cache.driver` is `none`.
    pub cache: Option<EventCache>,
    sockets: DashMap<SocketId, Arc<SocketHandle>>,
    channels: DashMap<String, Channel>,
    /// Signed-in user id -> that user's sockets.
    users: DashMap<String, HashSet<SocketId>>,
    /// Watched user id -> sockets watching them.
    watchers: DashMap<String, HashSet<SocketId>>,
    /// When the last subscription_count went out, for channels above the throttle's threshold
    /// (kept apart from the channel state: the owner reports counts of channels whose
    /// subscribers are all on other nodes).
    count_events: DashMap<String, Instant>,
    /// Connections admitted under the app's `max_connections` and not yet registered.
    pub admitting: Admitting,
    /// The node's helper threads for large channels.
    spread: Arc<Spread>,
}

impl Namespace {
    pub fn new(cache_ttl: Option<Duration>, spread: Arc<Spread>) -> Self {
        Namespace {
            spread,
            cache: cache_ttl.map(EventCache::new),
            sockets: DashMap::new(),
            channels: DashMap::new(),
            users: DashMap::new(),
            watchers: DashMap::new(),
            count_events: DashMap::new(),
            admitting: Admitting::default(),
        }
    }

    pub fn add_socket(&self, socket: Arc<SocketHandle>) {
        self.sockets.insert(socket.id, socket);
    }

    pub fn remove_socket(&self, id: SocketId) {
        self.sockets.remove(&id);
    }

    pub fn socket_count(&self) -> usize {
        self.sockets.len()
    }

    /// What waits in this namespace's socket queues now.
    pub fn queued(&self) -> Queued {
        let mut queued = Queued::default();
        for socket in self.sockets.iter() {
            queued += socket.queued();
        }
        queued
    }

    pub fn sockets(&self) -> Vec<Arc<SocketHandle>> {
        self.sockets.iter().map(|s| s.value().clone()).collect()
    }

    /// Subscribes to a non-presence channel; returns the new subscriber count.
    pub fn subscribe(
        &self,
        channel: &str,
        socket: &Arc<SocketHandle>,
        options: SubscriptionOptions,
    ) -> usize {
        let mut entry = self.channels.entry(channel.to_owned()).or_default();
        entry.add(socket, options);
        entry.len()
    }

    /// Subscribes a socket to a presence channel as `user_id`.
    pub fn join_presence(
        &self,
        channel: &str,
        socket: &Arc<SocketHandle>,
        user_id: &str,
        info: Value,
        max_members: usize,
        options: SubscriptionOptions,
    ) -> MemberJoin {
        let mut entry = self.channels.entry(channel.to_owned()).or_default();
        let member_count = entry.members.len();
        let first = match entry.members.get_mut(user_id) {
            Some(member) => {
                member.sockets += 1;
                false
            }
            None if member_count >= max_members => {
                let empty = entry.len() == 0;
                drop(entry);
                if empty {
                    self.channels.remove_if(channel, |_, c| c.len() == 0);
                }
                return MemberJoin::Full { max: max_members };
            }
            None => {
                entry
                    .members
                    .insert(user_id.to_owned(), Member { info, sockets: 1 });
                true
            }
        };
        entry.add(socket, options);
        let members = entry
            .members
            .iter()
            .map(|(id, m)| (id.clone(), m.info.clone()))
            .collect();
        MemberJoin::Joined {
            first,
            members,
            subscribers: entry.len(),
        }
    }

    /// Removes a socket from a channel (and its presence membership, given its user id).
    pub fn unsubscribe(
        &self,
        channel: &str,
        socket: SocketId,
        user_id: Option<&str>,
    ) -> Unsubscribed {
        let Entry::Occupied(mut entry) = self.channels.entry(channel.to_owned()) else {
            return Unsubscribed::default();
        };
        let state = entry.get_mut();
        if !state.remove(socket) {
            return Unsubscribed::default();
        }
        let mut member_left = None;
        if let Some(user_id) = user_id {
            if let Some(member) = state.members.get_mut(user_id) {
                member.sockets -= 1;
                if member.sockets == 0 {
                    state.members.remove(user_id);
                    member_left = Some(user_id.to_owned());
                }
            }
        }
        let remaining = state.len();
        if remaining == 0 {
            entry.remove();
        }
        Unsubscribed {
            was_subscribed: true,
            member_left,
            remaining,
        }
    }

    /// Queues `frame` for every subscriber of `channel` except `except`. Never waits.
    pub fn broadcast(&self, channel: &str, frame: &Bytes, except: Option<SocketId>) -> Fanout {
        self.publish(channel, frame, None, except)
    }

    /// Queues `frame` for the subscribers of `channel` except `except`. For an API `event`,
    /// subscribers with a filter get it only if it passes, and delta-enabled ones get their own
    /// frame; every other frame reaches everyone as it is. Never waits.
    pub fn publish(
        &self,
        channel: &str,
        frame: &Bytes,
        event: Option<&Published>,
        except: Option<SocketId>,
    ) -> Fanout {
        let mut fanout = Fanout::default();
        let Some(state) = self.channels.get(channel) else {
            return fanout;
        };
        state.published.fetch_add(1, Ordering::Relaxed);
        fanout += self.spread.send(&state.subscribers, except, frame);
        if let Some(selective) = &state.selective {
            let mut selective = selective.lock();
            match event {
                Some(event) => selective.publish(channel, frame, event, except, &mut fanout),
                None => selective.broadcast(frame, except, &mut fanout),
            }
        }
        let saved = fanout.delta.saved_bytes();
        if saved > 0 {
            state.delta_saved.fetch_add(saved, Ordering::Relaxed);
        }
        fanout
    }

    /// True when `channel` has subscribers with filters or deltas, who need an API event's
    /// name, data and tags rather than just its frame.
    pub fn is_selective(&self, channel: &str) -> bool {
        self.channels
            .get(channel)
            .is_some_and(|c| c.selective.is_some())
    }

    /// Gives an existing subscriber of `channel` deltas from its next message on.
    pub fn enable_delta(
        &self,
        channel: &str,
        socket: &Arc<SocketHandle>,
        delta: DeltaSubscription,
    ) {
        let Some(mut state) = self.channels.get_mut(channel) else {
            return;
        };
        if state.subscribers.remove(&socket.id).is_some() {
            let options = SubscriptionOptions {
                filter: None,
                delta: Some(delta),
            };
            state.add(socket, options);
        } else if let Some(selective) = &state.selective {
            selective.lock().enable_delta(socket.id, delta);
        }
    }

    /// Restarts the delta streams of one socket on `channel` with full messages.
    pub fn reset_delta(&self, channel: &str, socket: SocketId) {
        if let Some(state) = self.channels.get(channel) {
            if let Some(selective) = &state.selective {
                selective.lock().reset_delta(socket);
            }
        }
    }

    /// True when a subscription_count event may go out now: always at or below 100
    /// subscribers, at most once per 5 s above.
    pub fn count_event_due(&self, channel: &str, subscribers: usize) -> bool {
        const THROTTLE_ABOVE: usize = 100;
        const INTERVAL: Duration = Duration::from_secs(5);
        if subscribers <= THROTTLE_ABOVE {
            self.count_events.remove(channel);
            return subscribers > 0;
        }
        let now = Instant::now();
        let due = self
            .count_events
            .get(channel)
            .is_none_or(|last| now.duration_since(*last) >= INTERVAL);
        if due {
            self.count_events.insert(channel.to_owned(), now);
        }
        due
    }

    pub fn counts(&self, channel: &str) -> ChannelCounts {
        self.channels
            .get(channel)
            .map(|c| c.counts())
            .unwrap_or_default()
    }

    /// Occupied channels, with their counts.
    pub fn channels(&self) -> Vec<(String, ChannelCounts)> {
        self.channels
            .iter()
            .map(|c| (c.key().clone(), c.counts()))
            .collect()
    }

    pub fn has_member(&self, channel: &str, user_id: &str) -> bool {
        self.channels
            .get(channel)
            .is_some_and(|c| c.members.contains_key(user_id))
    }

    /// Presence members of `channel` on this node, with their info.
    pub fn members(&self, channel: &str) -> Vec<(String, Value)> {
        self.channels
            .get(channel)
            .map(|c| {
                c.members
                    .iter()
                    .map(|(id, m)| (id.clone(), m.info.clone()))
                    .collect()
            })
            .unwrap_or_default()
    }

    /// Presence member ids of `channel`.
    pub fn member_ids(&self, channel: &str) -> Vec<String> {
        self.channels
            .get(channel)
            .map(|c| c.members.keys().cloned().collect())
            .unwrap_or_default()
    }

    /// Records a signed-in socket; true when it is the user's first socket (they came online).
    pub fn add_user_socket(&self, user_id: &str, socket: SocketId) -> bool {
        let mut sockets = self.users.entry(user_id.to_owned()).or_default();
        sockets.insert(socket);
        sockets.len() == 1
    }

    /// Forgets a signed-in socket; true when it was the user's last (they went offline).
    pub fn remove_user_socket(&self, user_id: &str, socket: SocketId) -> bool {
        let Entry::Occupied(mut entry) = self.users.entry(user_id.to_owned()) else {
            return false;
        };
        entry.get_mut().remove(&socket);
        if entry.get().is_empty() {
            entry.remove();
            return true;
        }
        false
    }

    pub fn is_online(&self, user_id: &str) -> bool {
        self.users.contains_key(user_id)
    }

    /// The live sockets of a signed-in user.
    pub fn user_sockets(&self, user_id: &str) -> Vec<Arc<SocketHandle>> {
        let Some(ids) = self.users.get(user_id).map(|s| s.clone()) else {
            return Vec::new();
        };
        ids.iter()
            .filter_map(|id| self.sockets.get(id).map(|s| s.clone()))
            .collect()
    }

    pub fn watch(&self, watcher: SocketId, user_ids: &[String]) {
        for user_id in user_ids {
            self.watchers
                .entry(user_id.clone())
                .or_default()
                .insert(watcher);
        }
    }

    pub fn unwatch(&self, watcher: SocketId, user_ids: &[String]) {
        for user_id in user_ids {
            if let Entry::Occupied(mut entry) = self.watchers.entry(user_id.clone()) {
                entry.get_mut().remove(&watcher);
                if entry.get().is_empty() {
                    entry.remove();
                }
            }
        }
    }

    /// Sends `frame` to every socket watching `user_id`.
    pub fn notify_watchers(&self, user_id: &str, frame: &Bytes) {
        let Some(watchers) = self.watchers.get(user_id).map(|w| w.clone()) else {
            return;
        };
        for id in watchers {
            if let Some(socket) = self.sockets.get(&id) {
                socket.send(frame.clone());
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::protocol::outbound;
    use crate::socket::{Next, QueueLimits, SlowConsumerPolicy, SocketQueue};
    use serde_json::json;

    fn socket() -> (Arc<SocketHandle>, SocketQueue) {
        SocketHandle::new(
            SocketId::random(),
            Arc::from("app"),
            Arc::new(QueueLimits {
                max_frames: 16,
                max_bytes: 1 << 20,
                policy: SlowConsumerPolicy::DropFrame,
            }),
        )
    }

    #[test]
    fn presence_members_join_on_first_socket_and_leave_on_last() {
        let ns = Namespace::new(None, Arc::new(Spread::new(1)));
        let (a, _qa) = socket();
        let (b, _qb) = socket();
        let join = ns.join_presence(
            "presence-r",
            &a,
            "u1",
            json!({"n": 1}),
            100,
            Default::default(),
        );
        assert!(matches!(join, MemberJoin::Joined { first: true, .. }));
        let join = ns.join_presence(
            "presence-r",
            &b,
            "u1",
            json!({"n": 1}),
            100,
            Default::default(),
        );
        let MemberJoin::Joined { first, members, .. } = join else {
            panic!()
        };
        assert!(!first);
        assert_eq!(members.len(), 1);
        assert_eq!(
            ns.counts("presence-r"),
            ChannelCounts {
                subscription_count: 2,
                user_count: 1,
                published: 0,
                delta_saved: 0,
            }
        );

        let left = ns.unsubscribe("presence-r", a.id, Some("u1"));
        assert_eq!(left.member_left, None);
        let left = ns.unsubscribe("presence-r", b.id, Some("u1"));
        assert_eq!(left.member_left.as_deref(), Some("u1"));
        assert_eq!(left.remaining, 0);
        assert!(ns.channels().is_empty(), "empty channels are removed");
    }

    #[test]
    fn member_limit_refuses_new_users_but_not_existing_ones() {
        let ns = Namespace::new(None, Arc::new(Spread::new(1)));
        let (a, _qa) = socket();
        let (b, _qb) = socket();
        let (c, _qc) = socket();
        ns.join_presence("presence-r", &a, "u1", json!(null), 1, Default::default());
        assert!(matches!(
            ns.join_presence("presence-r", &b, "u2", json!(null), 1, Default::default()),
            MemberJoin::Full { max: 1 }
        ));
        assert!(matches!(
            ns.join_presence("presence-r", &c, "u1", json!(null), 1, Default::default()),
            MemberJoin::Joined { .. }
        ));
    }

    #[tokio::test]
    async fn broadcast_skips_the_excluded_socket() {
        let ns = Namespace::new(None, Arc::new(Spread::new(1)));
        let (a, mut qa) = socket();
        let (b, mut qb) = socket();
        ns.subscribe("chat", &a, Default::default());
        ns.subscribe("chat", &b, Default::default());
        let fanout = ns.broadcast("chat", &Bytes::from_static(b"hi"), Some(a.id));
        assert_eq!(
            fanout,
            Fanout {
                delivered: 1,
                dropped: 0,
                delta: Default::default(),
            }
        );
        assert!(qa.try_next_frame().is_none());
        assert!(matches!(qb.next().await, Next::Frame(f) if f == "hi"));
    }

    fn frames(queue: &mut SocketQueue) -> Vec<Value> {
        std::iter::from_fn(|| queue.try_next_frame())
            .map(|f| serde_json::from_slice(&f).unwrap())
            .collect()
    }

    #[test]
    fn filters_and_deltas_apply_to_api_events_only() {
        use crate::channels::{DeltaSubscription, Published};
        use crate::delta::{settings::ChannelDelta, Algorithm};
        use crate::filter::{Filter, Tags};
        let ns = Namespace::new(None, Arc::new(Spread::new(1)));
        let (plain, mut q_plain) = socket();
        let (btc, mut q_btc) = socket();
        let (delta, mut q_delta) = socket();
        ns.subscribe("t", &plain, Default::default());
        let filter = Filter::parse(&json!({"key":"asset","cmp":"eq","val":"BTC"})).unwrap();
        let only_btc = SubscriptionOptions {
            filter: Some(Arc::new(filter)),
            delta: None,
        };
        ns.subscribe("t", &btc, only_btc);
        let with_delta = SubscriptionOptions {
            filter: None,
            delta: Some(DeltaSubscription {
                algorithm: Algorithm::Fossil,
                settings: ChannelDelta {
                    algorithm: None,
                    conflation_key: None,
                    max_messages_per_key: 2,
                    max_conflation_keys: 2,
                    full_message_interval: 0,
                    min_message_size: 0,
                    max_state_age: Duration::from_secs(9),
                    omit_algorithm: true,
                },
            }),
        };
        ns.subscribe("t", &delta, with_delta);
        assert_eq!(ns.counts("t").subscription_count, 3);
        assert!(ns.is_selective("t"));

        let data = &format!(
            r#"{{"asset":"ETH","price":"3000.00","book":"{}"}}"#,
            "x".repeat(300)
        );
        let eth: Tags = [("asset".to_owned(), "ETH".to_owned())].into();
        for _ in 0..2 {
            let frame = outbound::channel_event("q", "t", data);
            let event = Published {
                name: "q",
                data,
                tags: Some(&eth),
            };
            let fanout = ns.publish("t", &frame, Some(&event), None);
            assert_eq!(fanout.delivered, 2, "the BTC filter leaves one out");
        }
        ns.broadcast("t", &outbound::member_removed("t", "u"), None);

        assert_eq!(frames(&mut q_plain).len(), 3);
        let btc_frames = frames(&mut q_btc);
        assert_eq!(btc_frames.len(), 1);
        assert_eq!(btc_frames[0]["event"], "pusher_internal:member_removed");
        let delta_frames = frames(&mut q_delta);
        let events: Vec<&str> = delta_frames
            .iter()
            .map(|f| f["event"].as_str().unwrap())
            .collect();
        assert_eq!(
            events,
            ["q", "pusher:delta", "pusher_internal:member_removed"]
        );
        assert_eq!(delta_frames[0]["__delta_seq"], 1);
        assert!(!delta_frames[1]["data"]
            .as_str()
            .unwrap()
            .contains("algorithm"));
        assert!(ns.counts("t").delta_saved > 0);

        ns.unsubscribe("t", delta.id, None);
        ns.unsubscribe("t", btc.id, None);
        assert!(
            !ns.is_selective("t"),
            "the last selective subscriber takes its state along"
        );
    }

    #[test]
    fn unsubscribing_twice_changes_nothing() {
        let ns = Namespace::new(None, Arc::new(Spread::new(1)));
        let (a, _qa) = socket();
        ns.subscribe("chat", &a, Default::default());
        assert!(ns.unsubscribe("chat", a.id, None).was_subscribed);
        assert_eq!(ns.unsubscribe("chat", a.id, None), Unsubscribed::default());
    }

    #[test]
    fn users_come_online_and_go_offline_once() {
        let ns = Namespace::new(None, Arc::new(Spread::new(1)));
        let (a, _qa) = socket();
        let (b, _qb) = socket();
        assert!(ns.add_user_socket("u", a.id));
        assert!(!ns.add_user_socket("u", b.id));
        assert!(!ns.remove_user_socket("u", a.id));
        assert!(ns.remove_user_socket("u", b.id));
        assert!(!ns.is_online("u"));
    }
}
