//! The protocol state machine of one connection, free of I/O: it takes the client's frames and
//! returns the frames to write back to that client, while updating the app's [`Namespace`] (which
//! delivers to other sockets through their queues). The socket task in `mod.rs` does the I/O.

use super::rate::{RateWindow, TokenBucket};
use crate::adapter::{Cluster, Delta};
use crate::app::{App, Limits};
use crate::channels::{DeltaSubscription, MemberJoin, Namespace, SubscriptionOptions};
use crate::delta::settings::{self, DeltaDefaults};
use crate::delta::Algorithm;
use crate::filter::Filter;
use crate::lifecycle::{self, Change, Member, Occupancy};
use crate::metrics::AppCounters;
use crate::protocol::channel::{classify, ChannelName};
use crate::protocol::inbound::{self, ClientMessage, DeltaChoice, Subscribe};
use crate::protocol::{outbound, signature, ChannelKind, CloseCode, SocketId};
use crate::publish::{Message, Publisher};
use crate::socket::SocketHandle;

use crate::webhooks::{Emitter, WebhookEvent};
use bytes::Bytes;
use serde_json::value::RawValue;
use serde_json::Value;
use std::collections::{HashMap, HashSet};
use std::sync::Arc;

/// Longest presence user id, as Pusher documents.
const MAX_USER_ID_LENGTH: usize = 128;
/// Most users a sign-in watchlist may name.
const MAX_WATCHLIST: usize = 100;

/// What one app gives every connection of it.
#[derive(Clone)]
pub struct AppContext {
    pub app: Arc<App>,
    pub limits: Limits,
    pub namespace: Arc<Namespace>,
    pub counters: AppCounters,
    pub webhooks: Emitter,
    pub cluster: Arc<Cluster>,
    /// Client events go out through the one publish path.
    pub publisher: Publisher,
    pub delta: Arc<DeltaDefaults>,
    /// Subscriptions may carry tag filters.
    pub tag_filtering: bool,
}

/// Frames for the client, and whether to close afterwards.
#[derive(Debug, Default)]
pub struct Replies {
    pub frames: Vec<Bytes>,
    pub close: Option<CloseCode>,
}

impl Replies {
    fn send(&mut self, frame: Bytes) {
        self.frames.push(frame);
    }

    fn error(&mut self, code: Option<u16>, message: &str) {
        self.frames.push(outbound::error(code, message));
    }
}

pub struct Session {
    ctx: AppContext,
    socket: Arc<SocketHandle>,
    socket_id: String,
    /// Subscribed channel -> the presence user id it joined as (None elsewhere).
    subscriptions: HashMap<String, Option<String>>,
    client_events: RateWindow,
    subscribe_rate: TokenBucket,
    watchlist: Vec<String>,
    /// Boxed and made on first use: most sockets never use deltas, and every idle socket pays for
    /// the size of its task (3,648 bytes unboxed, 64 over jemalloc's 3,584-byte class).
    delta: Option<Box<DeltaChoices>>,
}

/// A socket's delta-compression choices.
#[derive(Default)]
struct DeltaChoices {
    /// Algorithms the client can decode, in its order, once it enabled delta compression.
    algorithms: Vec<Algorithm>,
    /// Channels subscribed with deltas (bounded by `max_channel_states_per_socket`).
    channels: HashSet<String>,
    /// Channels whose subscription chose deltas (or none) itself, which enabling delta
    /// compression later leaves alone.
    chosen: HashSet<String>,
}

impl Session {
    pub fn new(ctx: AppContext, socket: Arc<SocketHandle>) -> Self {
        let rate = ctx.limits.client_events_per_second;
        // A new connection subscribes to all its channels at once (pusher-js after a reconnect):
        // the burst allows as many as it may hold, and never less than a second's worth.
        let per_second = ctx.limits.subscriptions_per_second;
        let burst = (ctx.limits.channels_per_connection as u64).max(per_second);
        let subscribe_rate = TokenBucket::new(burst, per_second);
        Session {
            socket_id: socket.id.to_string(),
            ctx,
            socket,
            subscriptions: HashMap::new(),
            client_events: RateWindow::per_second(rate),
            subscribe_rate,
            watchlist: Vec::new(),
            delta: None,
        }
    }

    fn delta_mut(&mut self) -> &mut DeltaChoices {
        self.delta.get_or_insert_with(Box::default)
    }

    /// The channel is subscribed with deltas.
    fn has_delta(&self, channel: &str) -> bool {
        self.delta
            .as_ref()
            .is_some_and(|delta| delta.channels.contains(channel))
    }

    pub fn socket_id(&self) -> &str {
        &self.socket_id
    }

    /// Handles one text frame from the client.
    pub fn on_text(&mut self, text: &str) -> Replies {
        let mut replies = Replies::default();
        match inbound::parse(text) {
            Ok(message) => self.dispatch(message, &mut replies),
            Err(error) => replies.error(None, &error.to_string()),
        }
        replies
    }

    fn dispatch(&mut self, message: ClientMessage, out: &mut Replies) {
        match message {
            ClientMessage::Ping => out.send(outbound::pong()),
            ClientMessage::Pong | ClientMessage::Other(_) => {}
            ClientMessage::Subscribe(request) => self.subscribe(request, out),
            ClientMessage::Unsubscribe { channel } => self.unsubscribe(&channel),
            ClientMessage::Signin { auth, user_data } => self.signin(&auth, &user_data, out),
            ClientMessage::EnableDeltaCompression { algorithms } => {
                self.enable_delta(&algorithms, out)
            }
            ClientMessage::DeltaSyncError { channel } => {
                if self.has_delta(&channel) {
                    self.ctx.namespace.reset_delta(&channel, self.socket.id);
                }
            }
            ClientMessage::ClientEvent {
                event,
                channel,
                data,
            } => self.client_event(&event, &channel, &data, out),
        }
    }

    fn subscribe(&mut self, request: Subscribe, out: &mut Replies) {
        let channel =
            match ChannelName::parse(&request.channel, self.ctx.limits.channel_name_length) {
                Ok(channel) => channel,
                Err(error) => {
                    return out.error(
                        Some(4009),
                        &format!("Invalid channel {:?}: {error}", request.channel),
                    );
                }
            };
        if !self.subscribe_rate.try_take() {
            self.ctx.counters.limits_hit.inc();
            let message = format!(
                "Too many subscriptions: at most {} a second on one connection",
                self.ctx.limits.subscriptions_per_second
            );
            return refuse_subscription(out, &channel, ("LimitReached", 429), &message);
        }
        if self.subscriptions.contains_key(channel.as_str()) {
            // Already subscribed: confirm again, as pusher-js may resubscribe after a hiccup.
            // Its presence channels read the member list from the confirmation.
            let data = match channel.kind() {
                ChannelKind::Presence => self.presence_data(
                    channel.as_str(),
                    self.ctx.namespace.members(channel.as_str()),
                ),
                _ => "{}".to_owned(),
            };
            return out.send(outbound::subscription_succeeded(channel.as_str(), &data));
        }
        let most = self.ctx.limits.channels_per_connection;
        if self.subscriptions.len() >= most {
            self.ctx.counters.limits_hit.inc();
            let message = format!("Too many channels: at most {most} on one connection");
            return refuse_subscription(out, &channel, ("LimitReached", 403), &message);
        }
        match channel.kind() {
            ChannelKind::ServerToUser if self.socket.user_id() != channel.server_to_user_id() => {
                return out.error(
                    Some(4009),
                    "Only the signed-in user may subscribe to their #server-to-user channel",
                );
            }
            kind if kind.requires_auth() => {
                let data = match kind {
                    ChannelKind::Presence => request.channel_data.as_deref(),
                    _ => None,
                };
                let message =
                    signature::channel_auth_message(&self.socket_id, channel.as_str(), data);
                let valid = request.auth.as_deref().is_some_and(|auth| {
                    signature::verify_auth_token(
                        &self.ctx.app.key,
                        &self.ctx.app.secret,
                        auth,
                        &message,
                    )
                });
                if !valid {
                    return subscription_error(
                        out,
                        &channel,
                        "Invalid signature: the auth does not match this socket and channel",
                    );
                }
            }
            _ => {}
        }
        let options = match self.subscription_options(&channel, &request) {
            Ok(options) => options,
            Err(problem) => return invalid_subscription(out, &channel, &problem),
        };
        if options.delta.is_some() {
            self.delta_mut()
                .channels
                .insert(channel.as_str().to_owned());
        }
        if request.delta.is_some() {
            self.delta_mut().chosen.insert(channel.as_str().to_owned());
        }
        if channel.kind() == ChannelKind::Presence {
            return self.join_presence(&channel, request.channel_data.as_deref(), options, out);
        }
        let filter = options.filter.clone();
        let local = self
            .ctx
            .namespace
            .subscribe(channel.as_str(), &self.socket, options);
        self.subscriptions.insert(channel.as_str().to_owned(), None);
        let app = self.ctx.app.id.clone();
        self.ctx.cluster.delta(Delta::Sub {
            app: app.clone(),
            channel: channel.as_str().to_owned(),
        });
        let total = local + self.ctx.cluster.remote_subscribers(&app, channel.as_str());
        out.send(outbound::subscription_succeeded(channel.as_str(), "{}"));
        self.send_cached(&channel, filter.as_deref(), out);
        let change = Change {
            member: None,
            before: Occupancy {
                subscribers: total - 1,
                present: false,
            },
            after: Occupancy {
                subscribers: total,
                present: false,
            },
            here: local,
            ..self.change(channel.as_str())
        };
        self.transition(&change, None);
    }

    fn join_presence(
        &mut self,
        channel: &ChannelName,
        channel_data: Option<&str>,
        options: SubscriptionOptions,
        out: &mut Replies,
    ) {
        let member = match parse_member(channel_data, self.ctx.limits.presence_member_size_bytes) {
            Ok(member) => member,
            Err(problem) => {
                self.forget_delta(channel.as_str());
                return subscription_error(out, channel, problem);
            }
        };
        let (user_id, info) = member;
        let filter = options.filter.clone();
        let join = self.ctx.namespace.join_presence(
            channel.as_str(),
            &self.socket,
            &user_id,
            info.clone(),
            self.ctx.limits.presence_members_per_channel,
            options,
        );
        let app = self.ctx.app.id.clone();
        let cluster = self.ctx.cluster.clone();
        let (first, members, subscribers) = match join {
            MemberJoin::Joined {
                first,
                members,
                subscribers,
            } => {
                // First here and present on no other node: the user is new to the cluster.
                let first = first && !cluster.remote_has_member(&app, channel.as_str(), &user_id);
                (first, members, subscribers)
            }
            MemberJoin::Full { max } => {
                self.forget_delta(channel.as_str());
                return subscription_error(
                    out,
                    channel,
                    &format!("Presence channel is full ({max} members)"),
                );
            }
        };
        self.subscriptions
            .insert(channel.as_str().to_owned(), Some(user_id.clone()));
        cluster.delta(Delta::Join {
            app: app.clone(),
            channel: channel.as_str().to_owned(),
            user: user_id.clone(),
            info: info.clone(),
        });
        let data = self.presence_data(channel.as_str(), members);
        out.send(outbound::subscription_succeeded(channel.as_str(), &data));
        self.send_cached(channel, filter.as_deref(), out);
        let total = subscribers + cluster.remote_subscribers(&app, channel.as_str());
        let change = Change {
            member: Some(Member::Joined {
                user: &user_id,
                info: &info,
            }),
            before: Occupancy {
                subscribers: total - 1,
                present: !first,
            },
            after: Occupancy {
                subscribers: total,
                present: true,
            },
            here: subscribers,
            ..self.change(channel.as_str())
        };
        // The joining socket learns of itself from its own confirmation.
        self.transition(&change, Some(self.socket.id));
    }

    /// The `presence` data of `subscription_succeeded`: this node's `members` and the other
    /// nodes' members of `channel`, each user once.
    fn presence_data(&self, channel: &str, mut members: Vec<(String, Value)>) -> String {
        for (id, remote_info) in self.ctx.cluster.remote_members(&self.ctx.app.id, channel) {
            if !members.iter().any(|(known, _)| *known == id) {
                members.push((id, remote_info));
            }
        }
        let ids: Vec<&str> = members.iter().map(|(id, _)| id.as_str()).collect();
        let hash: serde_json::Map<String, Value> = members.iter().cloned().collect();
        serde_json::json!({ "presence": { "ids": ids, "hash": hash, "count": ids.len() } })
            .to_string()
    }

    /// Replays a cache channel's last event, or says there is none. A subscriber whose filter
    /// the last event fails is told `cache_miss` too, but the app's `cache_miss` webhook stays
    /// quiet: the channel has a value, and republishing it would reach everyone else again.
    fn send_cached(&self, channel: &ChannelName, filter: Option<&Filter>, out: &mut Replies) {
        if !channel.is_cache() {
            return;
        }
        let Some(cache) = &self.ctx.namespace.cache else {
            return;
        };
        match cache.get(channel.as_str()) {
            Some(cached) if cached.passes(filter) => out.send(cached.frame),
            Some(_) => out.send(outbound::cache_miss(channel.as_str())),
            None => {
                out.send(outbound::cache_miss(channel.as_str()));
                if cache.miss_webhook_due(channel.as_str()) {
                    self.emit(WebhookEvent::CacheMiss {
                        channel: channel.as_str().to_owned(),
                    });
                }
            }
        }
    }

    fn unsubscribe(&mut self, channel: &str) {
        let Some(user_id) = self.subscriptions.remove(channel) else {
            return;
        };
        self.forget_delta(channel);
        self.leave(channel, user_id.as_deref());
    }

    fn leave(&self, channel: &str, user_id: Option<&str>) {
        let result = self
            .ctx
            .namespace
            .unsubscribe(channel, self.socket.id, user_id);
        if !result.was_subscribed {
            return;
        }
        let app = self.ctx.app.id.clone();
        let cluster = &self.ctx.cluster;
        cluster.delta(match user_id {
            Some(user) => Delta::Leave {
                app: app.clone(),
                channel: channel.to_owned(),
                user: user.to_owned(),
            },
            None => Delta::Unsub {
                app: app.clone(),
                channel: channel.to_owned(),
            },
        });
        let total = result.remaining + cluster.remote_subscribers(&app, channel);
        // The user is still present if another socket of theirs is here or on another node.
        let still_present = user_id.is_some_and(|user| {
            result.member_left.is_none() || cluster.remote_has_member(&app, channel, user)
        });
        let change = Change {
            member: user_id.map(|user| Member::Left { user }),
            before: Occupancy {
                subscribers: total + 1,
                present: user_id.is_some(),
            },
            after: Occupancy {
                subscribers: total,
                present: still_present,
            },
            here: result.remaining,
            ..self.change(channel)
        };
        self.transition(&change, None);
    }

    fn client_event(&mut self, event: &str, channel: &str, data: &RawValue, out: &mut Replies) {
        if !self.ctx.app.enable_client_messages {
            return out.error(None, "Client events are not enabled for this app");
        }
        let Some(user_id) = self.subscriptions.get(channel) else {
            return out.error(
                None,
                &format!("Client event rejected: not subscribed to {channel:?}"),
            );
        };
        let (kind, _) = classify(channel);
        if !kind.allows_client_events() {
            return out.error(
                None,
                "Client events are only allowed on private and presence channels",
            );
        }
        if event.len() > self.ctx.limits.event_name_length {
            return out.error(None, "Client event rejected: event name is too long");
        }
        if data.get().len() > self.ctx.limits.event_payload_bytes {
            return out.error(
                None,
                "Client event rejected: data is larger than the payload limit",
            );
        }
        if !self.client_events.try_acquire() {
            self.ctx.counters.limits_hit.inc();
            if self.ctx.limits.terminate_on_client_event_limit {
                out.close = Some(CloseCode::ClientEventRateLimit);
            }
            return out.error(
                Some(CloseCode::ClientEventRateLimit.code()),
                "Client event rejected: rate limit exceeded",
            );
        }
        let frame = outbound::client_event(event, channel, data, user_id.as_deref());
        self.ctx.publisher.event(&Message {
            app: &self.ctx.app.id,
            channel,
            frame: &frame,
            except: Some(self.socket.id),
            event: None,
        });
        if self.ctx.webhooks.wants(&self.ctx.app, "client_event") {
            // Pusher hands the backend the data as a string: a string as it was, anything else
            // as its JSON text.
            let data = serde_json::from_str::<String>(data.get())
                .unwrap_or_else(|_| data.get().to_owned());
            self.emit(WebhookEvent::ClientEvent {
                channel: channel.to_owned(),
                event: event.to_owned(),
                data,
                socket_id: self.socket_id.clone(),
                user_id: user_id.clone(),
            });
        }
    }

    fn signin(&mut self, auth: &str, user_data: &str, out: &mut Replies) {
        if !self.ctx.app.enable_user_authentication {
            return out.error(None, "User authentication is not enabled for this app");
        }
        let message = signature::user_auth_message(&self.socket_id, user_data);
        if !signature::verify_auth_token(&self.ctx.app.key, &self.ctx.app.secret, auth, &message) {
            return out.error(
                None,
                "Invalid signature: the sign-in auth does not match this socket and user_data",
            );
        }
        let (user_id, mut watchlist) = match parse_user_data(user_data) {
            Ok(parsed) => parsed,
            Err(problem) => return out.error(None, problem),
        };
        if !self.socket.set_user_id(&user_id) {
            return out.error(None, "This connection is already signed in");
        }
        out.send(outbound::signin_success(user_data));
        let namespace = &self.ctx.namespace;
        let app = &self.ctx.app.id;
        let cluster = &self.ctx.cluster;
        let first_here = namespace.add_user_socket(&user_id, self.socket.id);
        cluster.delta(Delta::Online {
            app: app.clone(),
            user: user_id.clone(),
        });
        if first_here
            && !cluster.remote_is_online(app, &user_id)
            && self.ctx.app.enable_watchlist_events
        {
            namespace.notify_watchers(&user_id, &outbound::watchlist_event("online", &[&user_id]));
        }
        if !self.ctx.app.enable_watchlist_events || watchlist.is_empty() {
            return;
        }
        if watchlist.len() > MAX_WATCHLIST {
            watchlist.truncate(MAX_WATCHLIST);
            out.error(
                Some(CloseCode::WatchlistOverLimit.code()),
                &format!("Watchlist is over its limit of {MAX_WATCHLIST} users; the first {MAX_WATCHLIST} are watched"),
            );
        }
        namespace.watch(self.socket.id, &watchlist);
        let online: Vec<&str> = watchlist
            .iter()
            .filter(|id| namespace.is_online(id) || cluster.remote_is_online(app, id))
            .map(String::as_str)
            .collect();
        if !online.is_empty() {
            out.send(outbound::watchlist_event("online", &online));
        }
        self.watchlist = watchlist;
    }

    fn forget_delta(&mut self, channel: &str) {
        if let Some(delta) = &mut self.delta {
            delta.channels.remove(channel);
            delta.chosen.remove(channel);
        }
    }

    /// `pusher:enable_delta_compression`: picks the first algorithm the client lists that we
    /// have; the client's list is kept for channels that use another algorithm.
    fn enable_delta(&mut self, requested: &[String], out: &mut Replies) {
        if !self.ctx.delta.enabled {
            return out.error(None, "Delta compression is not enabled on this server");
        }
        let algorithms: Vec<Algorithm> = if requested.is_empty() {
            vec![self.ctx.delta.algorithm]
        } else {
            requested
                .iter()
                .filter_map(|n| Algorithm::parse(n))
                .collect()
        };
        let Some(first) = algorithms.first() else {
            return out.error(
                None,
                &format!(
                    "None of the requested delta algorithms ({}) is supported; this server has fossil and xdelta3",
                    requested.join(", ")
                ),
            );
        };
        out.send(outbound::delta_compression_enabled(first.name()));
        let choices = self.delta.get_or_insert_with(Box::default);
        choices.algorithms = algorithms.clone();
        // Channels subscribed before (pusher-js resubscribes on reconnect before an app can
        // send this) take deltas from their next message on.
        let channels: Vec<ChannelName> = self
            .subscriptions
            .keys()
            .filter(|c| !choices.chosen.contains(*c) && !choices.channels.contains(*c))
            .filter_map(|c| ChannelName::parse(c, usize::MAX).ok())
            .collect();
        for channel in channels {
            if let Some(delta) = self.delta_for(&channel, &algorithms) {
                self.ctx
                    .namespace
                    .enable_delta(channel.as_str(), &self.socket, delta);
                self.delta_mut()
                    .channels
                    .insert(channel.as_str().to_owned());
            }
        }
    }

    /// The filter and delta settings of a new subscription, or why it is refused.
    fn subscription_options(
        &self,
        channel: &ChannelName,
        request: &Subscribe,
    ) -> Result<SubscriptionOptions, String> {
        let filter = match &request.filter {
            None => None,
            Some(_) if !self.ctx.tag_filtering => {
                return Err("Tag filtering is not enabled on this server".into())
            }
            Some(json) => Some(Arc::new(Filter::parse(json).map_err(|e| e.to_string())?)),
        };
        let candidates = match &request.delta {
            Some(DeltaChoice::Off) => Vec::new(),
            Some(DeltaChoice::Algorithm(name)) => match Algorithm::parse(name) {
                Some(algorithm) => vec![algorithm],
                None => {
                    return Err(format!(
                        "Unknown delta algorithm {name:?}; this server has fossil and xdelta3"
                    ))
                }
            },
            None => self
                .delta
                .as_ref()
                .map_or_else(Vec::new, |delta| delta.algorithms.clone()),
        };
        let delta = self.delta_for(channel, &candidates);
        Ok(SubscriptionOptions { filter, delta })
    }

    /// Deltas for `channel` given the algorithms the client takes there: none on encrypted
    /// channels (their data is ciphertext), where the app turns them off, or past the
    /// per-socket limit.
    fn delta_for(
        &self,
        channel: &ChannelName,
        candidates: &[Algorithm],
    ) -> Option<DeltaSubscription> {
        let first = *candidates.first()?;
        if channel.kind() == ChannelKind::PrivateEncrypted
            || self.delta.as_ref().map_or(0, |delta| delta.channels.len())
                >= self.ctx.delta.max_channel_states_per_socket
        {
            return None;
        }
        let settings = settings::resolve(
            &self.ctx.delta,
            self.ctx.app.channel_delta_compression.as_ref(),
            channel.as_str(),
        )?;
        let algorithm = match settings.algorithm {
            Some(wanted) => candidates.contains(&wanted).then_some(wanted)?,
            None => first,
        };
        Some(DeltaSubscription {
            algorithm,
            settings,
        })
    }

    fn emit(&self, event: WebhookEvent) {
        self.ctx.webhooks.emit(&self.ctx.app, event);
    }

    /// A change of `channel` with nothing changed yet: the caller fills in the counts.
    fn change<'a>(&self, channel: &'a str) -> Change<'a> {
        Change {
            channel,
            member: None,
            before: Occupancy::default(),
            after: Occupancy::default(),
            here: 0,
            owner: self.ctx.cluster.is_owner(&self.ctx.app.id, channel),
            count_events: self.ctx.app.enable_subscription_count,
        }
    }

    /// Tells this node's sockets (but `except`) and the app's backend what `change` means.
    fn transition(&self, change: &Change, except: Option<SocketId>) {
        let ctx = &self.ctx;
        let outcome = lifecycle::outcome(change);
        lifecycle::apply(
            outcome,
            change.channel,
            except,
            &ctx.namespace,
            &ctx.app,
            &ctx.webhooks,
        );
    }

    /// Leaves every channel and forgets the socket; called once when the connection ends.
    pub fn end(self) {
        for (channel, user_id) in &self.subscriptions {
            self.leave(channel, user_id.as_deref());
        }
        let namespace = &self.ctx.namespace;
        namespace.unwatch(self.socket.id, &self.watchlist);
        if let Some(user_id) = self.socket.user_id() {
            let app = &self.ctx.app.id;
            let last_here = namespace.remove_user_socket(user_id, self.socket.id);
            self.ctx.cluster.delta(Delta::Offline {
                app: app.clone(),
                user: user_id.to_owned(),
            });
            if last_here
                && !self.ctx.cluster.remote_is_online(app, user_id)
                && self.ctx.app.enable_watchlist_events
            {
                namespace
                    .notify_watchers(user_id, &outbound::watchlist_event("offline", &[user_id]));
            }
        }
        namespace.remove_socket(self.socket.id);
    }
}

/// Pusher answers a failed subscription with `pusher:error` (code null); pusher-js apps (and
/// Laravel Echo's `error()` callback) listen for `pusher:subscription_error` on the channel, so we
/// send that first.
fn subscription_error(out: &mut Replies, channel: &ChannelName, message: &str) {
    refuse_subscription(out, channel, ("AuthError", 401), message);
}

/// A refusal that is not about authorisation: a malformed filter or delta request.
fn invalid_subscription(out: &mut Replies, channel: &ChannelName, message: &str) {
    refuse_subscription(out, channel, ("InvalidSubscription", 400), message);
}

fn refuse_subscription(
    out: &mut Replies,
    channel: &ChannelName,
    (kind, status): (&str, u16),
    message: &str,
) {
    let data = serde_json::json!({ "type": kind, "error": message, "status": status }).to_string();
    out.send(outbound::channel_event(
        "pusher:subscription_error",
        channel.as_str(),
        &data,
    ));
    out.error(None, message);
}

/// Parses presence `channel_data`: `{"user_id": string|number, "user_info"?: any}`.
fn parse_member(
    channel_data: Option<&str>,
    max_info_bytes: usize,
) -> Result<(String, Value), &'static str> {
    let data = channel_data.ok_or("Presence channels need channel_data with a user_id")?;
    let value: Value = serde_json::from_str(data).map_err(|_| "channel_data is not valid JSON")?;
    let user_id = match value.get("user_id") {
        Some(Value::String(id)) if !id.is_empty() => id.clone(),
        Some(Value::Number(n)) => n.to_string(),
        _ => return Err("channel_data must contain a non-empty user_id"),
    };
    if user_id.len() > MAX_USER_ID_LENGTH {
        return Err("user_id is longer than 128 characters");
    }
    let info = value.get("user_info").cloned().unwrap_or(Value::Null);
    if info.to_string().len() > max_info_bytes {
        return Err("user_info is larger than the presence member size limit");
    }
    Ok((user_id, info))
}

/// Parses sign-in `user_data`: `{"id": non-empty string, "watchlist"?: [string]}`.
fn parse_user_data(user_data: &str) -> Result<(String, Vec<String>), &'static str> {
    let value: Value =
        serde_json::from_str(user_data).map_err(|_| "user_data is not valid JSON")?;
    let id = match value.get("id") {
        Some(Value::String(id)) if !id.is_empty() => id.clone(),
        _ => return Err("user_data must contain a non-empty string id"),
    };
    let watchlist = match value.get("watchlist") {
        None | Some(Value::Null) => Vec::new(),
        Some(Value::Array(ids)) => ids
            .iter()
            .map(|id| match id {
                Value::String(s) => Ok(s.clone()),
                Value::Number(n) => Ok(n.to_string()),
                _ => Err("watchlist entries must be user ids"),
            })
            .collect::<Result<_, _>>()?,
        Some(_) => return Err("watchlist must be an array of user ids"),
    };
    Ok((id, watchlist))
}
