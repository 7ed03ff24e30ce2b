//! Fan-out across nodes. Each node keeps its own sockets ([`crate::channels`]) and tells the
//! others, over a pub/sub bus (Redis, Redis Cluster or NATS), two kinds of things:
//!
//! - **Frames** to deliver (`Broadcast`): HTTP events and client events reach every node's local
//!   subscribers. A publish never waits for other nodes to answer.
//! - **State deltas** (`Sub`, `Join`, `Online`...): every node keeps a [`view::RemoteView`] of the
//!   others' subscriber counts, presence members and signed-in users, so HTTP queries are answered
//!   for the whole cluster from memory, and presence transitions are computed cluster-wide: each
//!   node tells *its own* sockets `member_added` when a user becomes present anywhere and
//!   `member_removed` when they are present nowhere. Every socket hears each transition once,
//!   whichever node it is on, with no locks across nodes.
//!
//! Webhooks for cluster-wide transitions are sent by one node per channel: the channel's
//! *owner*, chosen by rendezvous hashing over the live nodes.
//!
//! Nodes heartbeat; a node silent for `node_timeout_ms` is dead and its state is removed (with the
//! member_removed / vacated that implies). Deltas carry sequence numbers; a gap makes the receiver
//! ask for a full snapshot. With `adapter.driver = "local"` there is no bus and the view is empty.

pub mod bus;
mod message;
pub mod view;

pub use message::{fuzz_decode, BusKey};

use crate::app::AppStore;
use crate::channels::{Registry, SharedEvent};
use crate::filter::Tags;
use crate::lifecycle::{self, Change, Member, Occupancy};
use crate::metrics::Metrics;
use crate::protocol::{outbound, CloseCode, SocketId};
use crate::throttle::LogThrottle;
use crate::webhooks::Emitter;
use bus::Bus;
use bytes::Bytes;
use message::Header;
use parking_lot::Mutex;
use serde_json::Value;
use sha2::{Digest, Sha256};
use std::collections::{HashMap, HashSet};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};
use tokio::sync::{mpsc, oneshot, watch};
use tokio_util::sync::CancellationToken;
pub use view::Delta;
use view::{NodeState, RemoteNode, RemoteView};

/// What a node publishes, in order.
enum Outgoing {
    Delta(Delta),
    /// A header and its payload, with the bytes it counts against the outbox limit.
    Frame(Header, Bytes, usize),
    Hello,
    Snapshot,
    Heartbeat,
    /// Answered once everything queued before it is published.
    Flush(oneshot::Sender<()>),
}

pub struct Cluster {
    node: String,
    outbox: Option<Outbox>,
    remote: Mutex<RemoteView>,
    connected: watch::Receiver<bool>,
    key: Option<BusKey>,
}

/// The queue to the publishing task. State deltas and control messages always go in (they are
/// bounded by the node's own sockets and channels, and dropping one would corrupt the other
/// nodes' view); broadcast frames go in while the bytes queued stay under the limit, and are
/// dropped and counted above it: a stalled bus must not take the node's memory with it.
struct Outbox {
    sender: mpsc::UnboundedSender<Outgoing>,
    /// Bytes of frames queued and not yet published.
    queued: Arc<AtomicUsize>,
    limit: usize,
    metrics: Metrics,
    drop_logged: Mutex<LogThrottle>,
}

/// How the node talks on the bus: `adapter.outbox_limit_mb` and `adapter.secret`.
#[derive(Clone)]
pub struct Link {
    pub outbox_limit_bytes: usize,
    pub key: Option<BusKey>,
}

/// How a frame sent to the other nodes is delivered there.
#[derive(Debug, Default, Clone, Copy)]
pub struct Route<'a> {
    pub except: Option<SocketId>,
    /// Cache channels: `(event, data)`, kept by the receivers as the channel's last event.
    pub cache: Option<(&'a str, &'a str)>,
    /// An event published through the HTTP API: filters and deltas apply to it.
    pub api: bool,
    pub tags: Option<&'a Tags>,
}

/// A frame another node published, as this node's subscribers get it.
#[derive(Debug, Clone, Copy)]
pub struct Remote<'a> {
    pub app: &'a str,
    pub channel: &'a str,
    pub frame: &'a Bytes,
    pub except: Option<SocketId>,
    /// Cache channels: the event's name and data, kept as the channel's last event.
    pub cache: Option<(&'a str, &'a str)>,
    /// An event published through the HTTP API: filters and deltas apply to it.
    pub api: bool,
    pub tags: Option<&'a Tags>,
}

/// Where frames from other nodes go on this node: the publish path (`crate::publish`), handed
/// in by the server so that this layer needs nothing above it.
pub trait Deliver: Send + Sync {
    fn deliver(&self, remote: Remote<'_>);
}

/// Timing of heartbeats and death detection.
#[derive(Debug, Clone, Copy)]
pub struct Health {
    pub heartbeat: Duration,
    pub node_timeout: Duration,
    pub cleanup: Duration,
}

/// What the receiving side needs of the rest of the server.
#[derive(Clone)]
pub struct Local {
    pub registry: Arc<Registry>,
    pub deliver: Arc<dyn Deliver>,
    pub metrics: Metrics,
    pub apps: Arc<dyn AppStore>,
    pub webhooks: Emitter,
}

impl Cluster {
    /// A single node: no bus, nobody else.
    pub fn local() -> Arc<Cluster> {
        let (_, connected) = watch::channel(true);
        Arc::new(Cluster {
            node: random_node_id(),
            outbox: None,
            remote: Mutex::new(RemoteView::default()),
            connected,
            key: None,
        })
    }

    /// Joins the cluster on `bus` and starts the tasks that keep the view current.
    pub fn join(
        bus: Arc<dyn Bus>,
        local: Local,
        health: Health,
        link: Link,
        shutdown: CancellationToken,
    ) -> Arc<Cluster> {
        let (connected_tx, connected) = watch::channel(false);
        let (sender, outgoing) = mpsc::unbounded_channel();
        let queued = Arc::new(AtomicUsize::new(0));
        let cluster = Arc::new(Cluster {
            node: random_node_id(),
            outbox: Some(Outbox {
                sender,
                queued: queued.clone(),
                limit: link.outbox_limit_bytes,
                metrics: local.metrics.clone(),
                drop_logged: Mutex::new(LogThrottle::default()),
            }),
            remote: Mutex::new(RemoteView::default()),
            connected,
            key: link.key.clone(),
        });
        let (inbox_tx, inbox) = mpsc::channel(65_536);
        let subscriber_bus = bus.clone();
        tokio::spawn(async move { subscriber_bus.run_subscriber(inbox_tx, connected_tx).await });
        tokio::spawn(publish(
            Publisher::new(
                cluster.node.clone(),
                bus,
                local.metrics.clone(),
                link,
                queued,
            ),
            outgoing,
        ));
        tokio::spawn(cluster.clone().receive(inbox, local.clone()));
        tokio::spawn(cluster.clone().keep_alive(local, health, shutdown));
        cluster
    }

    pub fn node_id(&self) -> &str {
        &self.node
    }

    /// False while the bus is unreachable: local clients are served, other nodes are not reached.
    pub fn is_connected(&self) -> bool {
        *self.connected.borrow()
    }

    fn send(&self, outgoing: Outgoing) {
        if let Some(outbox) = &self.outbox {
            let _ = outbox.sender.send(outgoing);
        }
    }

    /// Records a change of this node's state for the other nodes.
    pub fn delta(&self, delta: Delta) {
        self.send(Outgoing::Delta(delta));
    }

    /// Returns once everything queued for the bus so far is published (at once on a single
    /// node). A stopping node calls it so its sockets' last deltas reach the others, rather than
    /// their members lingering there until the node is declared dead.
    pub async fn flush(&self) {
        let (done, flushed) = oneshot::channel();
        self.send(Outgoing::Flush(done));
        let _ = flushed.await;
    }

    /// Delivers `frame` to the subscribers of `channel` on the other nodes.
    pub fn broadcast(&self, app: &str, channel: &str, frame: &Bytes, route: Route) {
        let Some(outbox) = &self.outbox else {
            return;
        };
        let size = frame.len()
            + route
                .cache
                .map_or(0, |(event, data)| event.len() + data.len());
        if !outbox.admit(size) {
            return;
        }
        let header = Header::Broadcast {
            node: self.node.clone(),
            app: app.to_owned(),
            channel: channel.to_owned(),
            except: route.except.map(|id| id.to_string()),
            cache: route
                .cache
                .map(|(event, data)| (event.to_owned(), data.to_owned())),
            api: route.api,
            tags: route.tags.cloned(),
        };
        self.send(Outgoing::Frame(header, frame.clone(), size));
    }

    /// Closes the user's sockets on the other nodes.
    pub fn terminate_user(&self, app: &str, user: &str) {
        let header = Header::Terminate {
            node: self.node.clone(),
            app: app.to_owned(),
            user: user.to_owned(),
        };
        self.send(Outgoing::Frame(header, Bytes::new(), 0));
    }

    /// Other nodes this node currently knows of.
    pub fn remote_node_count(&self) -> usize {
        self.remote.lock().nodes.len()
    }

    pub fn remote_subscribers(&self, app: &str, channel: &str) -> usize {
        self.remote.lock().subscribers(app, channel)
    }

    pub fn remote_has_member(&self, app: &str, channel: &str, user: &str) -> bool {
        self.remote.lock().has_member(app, channel, user)
    }

    pub fn remote_members(&self, app: &str, channel: &str) -> HashMap<String, Value> {
        self.remote.lock().members(app, channel)
    }

    pub fn remote_is_online(&self, app: &str, user: &str) -> bool {
        self.remote.lock().is_online(app, user)
    }

    /// Occupied channels on other nodes: subscriber counts and member ids.
    pub fn remote_channels(&self, app: &str) -> HashMap<String, (usize, Vec<String>)> {
        self.remote.lock().channels(app)
    }

    /// True when this node sends the webhooks of `channel`'s cluster-wide transitions.
    pub fn is_owner(&self, app: &str, channel: &str) -> bool {
        let remote = self.remote.lock();
        // Alone (always so with the local adapter): no hashing on every subscribe.
        if remote.nodes.values().all(|node| node.buried) {
            return true;
        }
        // SHA-256 rather than std's hasher, whose output may change between Rust releases:
        // nodes built by different compilers must still agree on owners.
        let score = |node: &str| {
            let digest = Sha256::new()
                .chain_update(node)
                .chain_update([0])
                .chain_update(app)
                .chain_update([0])
                .chain_update(channel)
                .finalize();
            u64::from_be_bytes(digest[..8].try_into().expect("SHA-256 has 32 bytes"))
        };
        let mine = score(&self.node);
        remote
            .nodes
            .iter()
            .filter(|(_, node)| !node.buried)
            .all(|(other, _)| (score(other), other.as_str()) < (mine, self.node.as_str()))
    }

    /// Handles messages from other nodes, in order.
    async fn receive(self: Arc<Self>, mut inbox: mpsc::Receiver<Bytes>, local: Local) {
        let mut refusal_logged = LogThrottle::default();
        while let Some(message) = inbox.recv().await {
            let (header, payload) = match message::decode(&message, self.key.as_ref()) {
                Ok(decoded) => decoded,
                Err(refused) => {
                    local
                        .metrics
                        .adapter_failures
                        .with_label_values(&[refused.kind()])
                        .inc();
                    if refusal_logged.due() {
                        tracing::warn!(
                            "{} (counted in sockudo_adapter_failures_total)",
                            refused.explain()
                        );
                    }
                    continue;
                }
            };
            local
                .metrics
                .adapter_messages
                .with_label_values(&["received"])
                .inc();
            if header.node() == self.node {
                continue;
            }
            self.handle(header, payload, &local).await;
        }
    }

    async fn handle(&self, header: Header, payload: Bytes, local: &Local) {
        match header {
            Header::Hello { .. } => {
                self.send(Outgoing::Snapshot);
                self.send_cache(local);
            }
            Header::Cache { entries, .. } => {
                for (entry, age_ms) in entries {
                    let namespace = local.registry.namespace(&entry.app);
                    let Some(cache) = &namespace.cache else {
                        continue;
                    };
                    let Some(stored_at) = Instant::now().checked_sub(Duration::from_millis(age_ms))
                    else {
                        continue;
                    };
                    let channel = entry.channel.clone();
                    cache.store_if_newer(&channel, entry.into_cached(stored_at));
                }
            }
            Header::SyncRequest { target, .. } if target == self.node => {
                self.send(Outgoing::Snapshot)
            }
            Header::SyncRequest { .. } => {}
            Header::Snapshot { node, seq, state } => {
                let old = {
                    let mut remote = self.remote.lock();
                    let entry = remote
                        .nodes
                        .entry(node.clone())
                        .or_insert_with(|| RemoteNode {
                            state: NodeState::default(),
                            last_seq: seq,
                            last_seen: Instant::now(),
                            buried: false,
                        });
                    entry.last_seq = seq;
                    entry.last_seen = Instant::now();
                    entry.state.clone()
                };
                for delta in diff(&old, &state) {
                    self.apply_remote(&node, &delta, local).await;
                }
            }
            Header::Heartbeat { node, seq } => {
                let in_sync = {
                    let mut remote = self.remote.lock();
                    match remote.nodes.get_mut(&node) {
                        Some(known) => {
                            known.last_seen = Instant::now();
                            known.last_seq == seq
                        }
                        None => false,
                    }
                };
                if !in_sync {
                    self.request_sync(&node);
                }
            }
            Header::Deltas { node, seq, deltas } => {
                let in_order = {
                    let mut remote = self.remote.lock();
                    match remote.nodes.get_mut(&node) {
                        Some(known) if known.last_seq + 1 == seq => {
                            known.last_seq = seq;
                            known.last_seen = Instant::now();
                            true
                        }
                        _ => false,
                    }
                };
                if !in_order {
                    self.request_sync(&node);
                    return;
                }
                for delta in &deltas {
                    self.apply_remote(&node, delta, local).await;
                }
            }
            Header::Broadcast {
                app,
                channel,
                except,
                cache,
                api,
                tags,
                ..
            } => {
                local.deliver.deliver(Remote {
                    app: &app,
                    channel: &channel,
                    frame: &payload,
                    except: except.as_deref().and_then(SocketId::parse),
                    cache: cache
                        .as_ref()
                        .map(|(event, data)| (event.as_str(), data.as_str())),
                    api,
                    tags: tags.as_ref(),
                });
            }
            Header::Terminate { app, user, .. } => {
                if let Some(namespace) = local.registry.existing(&app) {
                    for socket in namespace.user_sockets(&user) {
                        socket.close(CloseCode::Unauthorized);
                    }
                }
            }
        }
    }

    /// Shares this node's cache channel values with a node that just joined.
    fn send_cache(&self, local: &Local) {
        let mut entries = Vec::new();
        for (app, namespace) in local.registry.all() {
            let Some(cache) = &namespace.cache else {
                continue;
            };
            for (channel, event) in cache.entries() {
                let age = event.stored_at.elapsed().as_millis() as u64;
                entries.push((SharedEvent::new(&app, &channel, &event), age));
            }
        }
        if !entries.is_empty() {
            let header = Header::Cache {
                node: self.node.clone(),
                entries,
            };
            self.send(Outgoing::Frame(header, Bytes::new(), 0));
        }
    }

    fn request_sync(&self, node: &str) {
        let header = Header::SyncRequest {
            node: self.node.clone(),
            target: node.to_owned(),
        };
        self.send(Outgoing::Frame(header, Bytes::new(), 0));
    }

    /// Applies another node's change to the view and tells this node's sockets (and, as owner,
    /// the webhooks) about any cluster-wide transition it causes.
    async fn apply_remote(&self, node: &str, delta: &Delta, local: &Local) {
        let (app_id, channel) = match delta {
            Delta::Sub { app, channel }
            | Delta::Unsub { app, channel }
            | Delta::Join { app, channel, .. }
            | Delta::Leave { app, channel, .. } => (app.as_str(), Some(channel.as_str())),
            Delta::Online { app, .. } | Delta::Offline { app, .. } => (app.as_str(), None),
        };
        let namespace = local.registry.namespace(app_id);
        let (before, after) = {
            let mut remote = self.remote.lock();
            let before = occupancy(&remote, &namespace, app_id, delta);
            if let Some(known) = remote.nodes.get_mut(node) {
                known.state.apply(delta);
            }
            (before, occupancy(&remote, &namespace, app_id, delta))
        };
        let Ok(Some(app)) = local.apps.find_by_id(app_id).await else {
            return;
        };
        match delta {
            Delta::Online { user, .. }
                if !before.present && after.present && app.enable_watchlist_events =>
            {
                namespace.notify_watchers(user, &outbound::watchlist_event("online", &[user]));
            }
            Delta::Offline { user, .. }
                if before.present && !after.present && app.enable_watchlist_events =>
            {
                namespace.notify_watchers(user, &outbound::watchlist_event("offline", &[user]));
            }
            _ => {}
        }
        let Some(channel) = channel else {
            return;
        };
        let member = match delta {
            Delta::Join { user, info, .. } => Some(Member::Joined { user, info }),
            Delta::Leave { user, .. } => Some(Member::Left { user }),
            _ => None,
        };
        let change = Change {
            channel,
            member,
            before,
            after,
            here: namespace.counts(channel).subscription_count,
            owner: self.is_owner(app_id, channel),
            count_events: app.enable_subscription_count,
        };
        lifecycle::apply(
            lifecycle::outcome(&change),
            channel,
            None,
            &namespace,
            &app,
            &local.webhooks,
        );
    }

    /// Heartbeats, death detection, and a new hello after the bus comes back.
    async fn keep_alive(
        self: Arc<Self>,
        local: Local,
        health: Health,
        shutdown: CancellationToken,
    ) {
        let mut heartbeat = tokio::time::interval(health.heartbeat);
        let mut cleanup = tokio::time::interval(health.cleanup);
        let mut connected = self.connected.clone();
        loop {
            tokio::select! {
                _ = heartbeat.tick() => self.send(Outgoing::Heartbeat),
                _ = cleanup.tick() => self.bury_dead(&local, health.node_timeout).await,
                changed = connected.changed() => {
                    if changed.is_err() {
                        return;
                    }
                    if *connected.borrow_and_update() {
                        // Reconnected (or connected at last): announce ourselves; everyone answers
                        // with snapshots, which also repair anything missed while away.
                        self.send(Outgoing::Hello);
                        self.send(Outgoing::Snapshot);
                    } else {
                        tracing::warn!("cluster bus disconnected; serving local clients only");
                    }
                }
                _ = shutdown.cancelled() => return,
            }
        }
    }

    async fn bury_dead(&self, local: &Local, timeout: Duration) {
        let dead: Vec<(String, NodeState)> = {
            let mut remote = self.remote.lock();
            remote
                .nodes
                .iter_mut()
                .filter(|(_, n)| n.last_seen.elapsed() > timeout)
                .map(|(id, n)| {
                    n.buried = true;
                    (id.clone(), n.state.clone())
                })
                .collect()
        };
        for (node, state) in dead {
            tracing::warn!(
                node,
                "cluster node silent past node_timeout; removing its sockets' state"
            );
            for delta in state.as_removals() {
                self.apply_remote(&node, &delta, local).await;
            }
            self.remote.lock().nodes.remove(&node);
        }
    }
}

/// `delta`'s channel (or user) over the whole cluster: subscribers, and whether its member
/// (or signed-in user) is present anywhere.
fn occupancy(
    remote: &RemoteView,
    namespace: &crate::channels::Namespace,
    app: &str,
    delta: &Delta,
) -> Occupancy {
    match delta {
        Delta::Sub { channel, .. } | Delta::Unsub { channel, .. } => Occupancy {
            present: false,
            subscribers: namespace.counts(channel).subscription_count
                + remote.subscribers(app, channel),
        },
        Delta::Join { channel, user, .. } | Delta::Leave { channel, user, .. } => Occupancy {
            present: namespace.has_member(channel, user) || remote.has_member(app, channel, user),
            subscribers: namespace.counts(channel).subscription_count
                + remote.subscribers(app, channel),
        },
        Delta::Online { user, .. } | Delta::Offline { user, .. } => Occupancy {
            present: namespace.is_online(user) || remote.is_online(app, user),
            subscribers: 0,
        },
    }
}

/// The deltas that turn `old` into `new`: additions first, so a member who stays is never seen
/// leaving. Linear in the states' sizes: snapshots of large nodes are diffed on the receive task.
fn diff(old: &NodeState, new: &NodeState) -> Vec<Delta> {
    let old = old.as_deltas();
    let new = new.as_deltas();
    let (old_counts, new_counts) = (count_by_subject(&old), count_by_subject(&new));
    let mut changes = Vec::new();
    for (delta, extra) in surplus(&new, &new_counts, &old_counts) {
        changes.extend(std::iter::repeat_n(delta.clone(), extra));
    }
    for (delta, extra) in surplus(&old, &old_counts, &new_counts) {
        changes.extend(std::iter::repeat_n(NodeState::removal_of(delta), extra));
    }
    changes
}

/// What a delta says, ignoring a member's user_info: (kind, app, channel or user, user).
type Subject<'a> = (u8, &'a str, &'a str, &'a str);

fn subject(delta: &Delta) -> Subject<'_> {
    match delta {
        Delta::Sub { app, channel } => (0, app, channel, ""),
        Delta::Unsub { app, channel } => (1, app, channel, ""),
        Delta::Join {
            app, channel, user, ..
        } => (2, app, channel, user),
        Delta::Leave { app, channel, user } => (3, app, channel, user),
        Delta::Online { app, user } => (4, app, user, ""),
        Delta::Offline { app, user } => (5, app, user, ""),
    }
}

/// Each subject of `deltas` once, in order, with how many more times `wanted` counts it than
/// `known` does.
fn surplus<'a>(
    deltas: &'a [Delta],
    wanted: &HashMap<Subject, usize>,
    known: &HashMap<Subject, usize>,
) -> Vec<(&'a Delta, usize)> {
    let mut seen = HashSet::new();
    let mut surplus = Vec::new();
    for delta in deltas {
        let subject = subject(delta);
        if seen.insert(subject) {
            let extra = wanted[&subject].saturating_sub(known.get(&subject).copied().unwrap_or(0));
            surplus.push((delta, extra));
        }
    }
    surplus
}

fn count_by_subject(deltas: &[Delta]) -> HashMap<Subject<'_>, usize> {
    let mut counts = HashMap::new();
    for delta in deltas {
        *counts.entry(subject(delta)).or_insert(0) += 1;
    }
    counts
}

fn random_node_id() -> String {
    hex::encode(rand::random::<[u8; 8]>())
}

impl Outbox {
    /// Takes `size` bytes of frames into the queue, or counts (and now and then logs) a drop.
    fn admit(&self, size: usize) -> bool {
        let queued = self.queued.fetch_add(size, Ordering::Relaxed);
        if queued + size <= self.limit {
            return true;
        }
        self.queued.fetch_sub(size, Ordering::Relaxed);
        self.metrics
            .adapter_messages
            .with_label_values(&["dropped"])
            .inc();
        if self.drop_logged.lock().due() {
            tracing::warn!(
                queued_bytes = queued,
                limit_bytes = self.limit,
                "the cluster bus is not keeping up: broadcasts to other nodes are dropped \
                 (adapter.outbox_limit_mb; counted in sockudo_adapter_messages_total{{direction=\"dropped\"}})"
            );
        }
        false
    }
}

/// At most this many messages go in one pipeline (one round trip).
const PIPELINE: usize = 512;

/// Publishes the outbox in order: everything queued at once is encoded, then pipelined;
/// consecutive deltas travel in one message.
async fn publish(mut publisher: Publisher, mut outgoing: mpsc::UnboundedReceiver<Outgoing>) {
    while let Some(first) = outgoing.recv().await {
        let mut batch = vec![first];
        while let Ok(next) = outgoing.try_recv() {
            batch.push(next);
        }
        for item in batch {
            publisher.publish(item).await;
        }
        publisher.flush_deltas();
        publisher.send_ready().await;
    }
}

/// Keeps a mirror of what it has published, so a snapshot always matches its sequence number.
struct Publisher {
    node: String,
    bus: Arc<dyn Bus>,
    metrics: Metrics,
    key: Option<BusKey>,
    seq: u64,
    mirror: NodeState,
    pending: Vec<Delta>,
    /// Encoded messages waiting for the next pipeline.
    ready: Vec<Bytes>,
    /// The outbox's byte count, and how much of it `ready` holds.
    queued: Arc<AtomicUsize>,
    ready_bytes: usize,
}

impl Publisher {
    fn new(
        node: String,
        bus: Arc<dyn Bus>,
        metrics: Metrics,
        link: Link,
        queued: Arc<AtomicUsize>,
    ) -> Publisher {
        Publisher {
            node,
            bus,
            metrics,
            key: link.key,
            seq: 0,
            mirror: NodeState::default(),
            pending: Vec::new(),
            ready: Vec::new(),
            queued,
            ready_bytes: 0,
        }
    }

    async fn publish(&mut self, item: Outgoing) {
        if let Outgoing::Delta(delta) = item {
            self.mirror.apply(&delta);
            self.pending.push(delta);
            return;
        }
        // Anything else goes out after the deltas before it, in order.
        self.flush_deltas();
        let node = self.node.clone();
        let header = match item {
            Outgoing::Frame(header, payload, size) => {
                self.ready_bytes += size;
                return self.encode(&header, &payload);
            }
            Outgoing::Flush(done) => {
                self.send_ready().await;
                let _ = done.send(());
                return;
            }
            Outgoing::Hello => Header::Hello { node },
            Outgoing::Heartbeat => Header::Heartbeat {
                node,
                seq: self.seq,
            },
            Outgoing::Snapshot => Header::Snapshot {
                node,
                seq: self.seq,
                state: self.mirror.clone(),
            },
            Outgoing::Delta(_) => unreachable!("deltas return above"),
        };
        self.encode(&header, &[]);
    }

    fn flush_deltas(&mut self) {
        if self.pending.is_empty() {
            return;
        }
        self.seq += 1;
        let header = Header::Deltas {
            node: self.node.clone(),
            seq: self.seq,
            deltas: std::mem::take(&mut self.pending),
        };
        self.encode(&header, &[]);
    }

    fn encode(&mut self, header: &Header, payload: &[u8]) {
        self.ready
            .push(message::encode(header, payload, self.key.as_ref()));
    }

    /// Publishes what is ready, in pipelines, and frees its room in the outbox.
    async fn send_ready(&mut self) {
        for messages in self.ready.chunks(PIPELINE) {
            let count = messages.len() as u64;
            match self.bus.publish(messages).await {
                Ok(()) => self
                    .metrics
                    .adapter_messages
                    .with_label_values(&["sent"])
                    .inc_by(count),
                Err(error) => {
                    // Lost while the bus is down; deltas are repaired by the snapshots exchanged
                    // on reconnect.
                    self.metrics
                        .adapter_failures
                        .with_label_values(&["publish"])
                        .inc_by(count);
                    tracing::debug!(%error, "cluster publish failed");
                }
            }
        }
        self.ready.clear();
        self.queued
            .fetch_sub(std::mem::take(&mut self.ready_bytes), Ordering::Relaxed);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn diff_adds_before_it_removes_and_ignores_what_stays() {
        let join = |user: &str| Delta::Join {
            app: "a".into(),
            channel: "presence-c".into(),
            user: user.into(),
            info: json!(null),
        };
        let mut old = NodeState::default();
        old.apply(&join("stays"));
        old.apply(&join("goes"));
        let mut new = NodeState::default();
        new.apply(&join("stays"));
        new.apply(&join("comes"));
        let changes = diff(&old, &new);
        assert_eq!(changes.len(), 2);
        assert_eq!(changes[0], join("comes"));
        assert!(matches!(&changes[1], Delta::Leave { user, .. } if user == "goes"));
    }

    #[test]
    fn diff_counts_sockets_and_takes_many_channels_in_one_pass() {
        let sub = |channel: &str| Delta::Sub {
            app: "a".into(),
            channel: channel.into(),
        };
        let mut old = NodeState::default();
        let mut new = NodeState::default();
        for i in 0..20_000 {
            old.apply(&sub(&format!("c{i}")));
            new.apply(&sub(&format!("c{i}")));
        }
        for _ in 0..3 {
            old.apply(&sub("shrinks"));
        }
        new.apply(&sub("shrinks"));
        new.apply(&sub("appears"));
        let unsub = Delta::Unsub {
            app: "a".into(),
            channel: "shrinks".into(),
        };
        assert_eq!(diff(&old, &new), [sub("appears"), unsub.clone(), unsub]);
    }
}
