//! The subscribers of one channel that asked for a tag filter or for deltas. Kept apart from the
//! plain subscribers so a channel without them pays nothing on the publish path.

use super::fanout::Fanout;
use crate::delta::settings::ChannelDelta;
use crate::delta::streams::{ChannelStreams, Publish, SentKind, SocketStreams};
use crate::delta::Algorithm;
use crate::filter::{Filter, FilterIndex, Tags};
use crate::protocol::SocketId;
use crate::socket::SocketHandle;
use bytes::Bytes;
use std::collections::{HashMap, HashSet};
use std::sync::Arc;
use std::time::Instant;

/// What a subscriber asked for beyond plain delivery.
#[derive(Debug, Clone, Default)]
pub struct SubscriptionOptions {
    pub filter: Option<Arc<Filter>>,
    pub delta: Option<DeltaSubscription>,
}

impl SubscriptionOptions {
    pub fn is_plain(&self) -> bool {
        self.filter.is_none() && self.delta.is_none()
    }
}

#[derive(Debug, Clone)]
pub struct DeltaSubscription {
    pub algorithm: Algorithm,
    pub settings: ChannelDelta,
}

/// An event published through the HTTP API, as filters and deltas need it.
#[derive(Debug, Clone, Copy)]
pub struct Published<'a> {
    pub name: &'a str,
    pub data: &'a str,
    pub tags: Option<&'a Tags>,
}

struct Subscriber {
    socket: Arc<SocketHandle>,
    filter: Option<Arc<Filter>>,
    delta: Option<SocketStreams>,
}

#[derive(Default)]
pub(super) struct Selective {
    subscribers: HashMap<SocketId, Subscriber>,
    /// Filtered subscribers, indexed by the terms their filters require.
    index: FilterIndex<SocketId>,
    /// Subscribers with deltas but no filter: they get every event.
    unfiltered: HashSet<SocketId>,
    /// Message history for deltas; kept while any subscriber takes deltas.
    streams: Option<ChannelStreams>,
    delta_subscribers: usize,
}

impl Selective {
    pub fn len(&self) -> usize {
        self.subscribers.len()
    }

    pub fn insert(&mut self, socket: Arc<SocketHandle>, options: SubscriptionOptions) {
        let id = socket.id;
        match &options.filter {
            Some(filter) => self.index.insert(id, filter),
            None => {
                self.unfiltered.insert(id);
            }
        }
        let delta = options.delta.map(|delta| self.start_delta(delta));
        self.subscribers.insert(
            id,
            Subscriber {
                socket,
                filter: options.filter,
                delta,
            },
        );
    }

    fn start_delta(&mut self, delta: DeltaSubscription) -> SocketStreams {
        self.delta_subscribers += 1;
        if self.streams.is_none() {
            self.streams = Some(ChannelStreams::new(delta.settings));
        }
        SocketStreams::new(delta.algorithm)
    }

    /// Gives a filtered subscriber deltas, if it has none yet.
    pub fn enable_delta(&mut self, id: SocketId, delta: DeltaSubscription) {
        let wants = self.subscribers.get(&id).is_some_and(|s| s.delta.is_none());
        if wants {
            let streams = self.start_delta(delta);
            if let Some(subscriber) = self.subscribers.get_mut(&id) {
                subscriber.delta = Some(streams);
            }
        }
    }

    pub fn remove(&mut self, id: SocketId) -> bool {
        let Some(subscriber) = self.subscribers.remove(&id) else {
            return false;
        };
        match &subscriber.filter {
            Some(filter) => self.index.remove(id, filter),
            None => {
                self.unfiltered.remove(&id);
            }
        }
        if subscriber.delta.is_some() {
            self.delta_subscribers -= 1;
            if self.delta_subscribers == 0 {
                self.streams = None;
            }
        }
        true
    }

    /// Restarts every stream of one subscriber with a full message.
    pub fn reset_delta(&mut self, id: SocketId) {
        if let Some(Subscriber {
            delta: Some(delta), ..
        }) = self.subscribers.get_mut(&id)
        {
            delta.reset();
        }
    }

    /// Queues a frame that is not an API event (protocol and client events) for everyone.
    pub fn broadcast(&self, frame: &Bytes, except: Option<SocketId>, fanout: &mut Fanout) {
        for (id, subscriber) in &self.subscribers {
            if Some(*id) != except {
                fanout.count(subscriber.socket.send(frame.clone()));
            }
        }
    }

    /// Delivers an API event: to the subscribers whose filter it passes, as a delta where that
    /// pays.
    pub fn publish(
        &mut self,
        channel: &str,
        plain: &Bytes,
        event: &Published,
        except: Option<SocketId>,
        fanout: &mut Fanout,
    ) {
        let no_tags = Tags::new();
        let tags = event.tags.unwrap_or(&no_tags);
        let mut recipients: Vec<SocketId> = Vec::new();
        if !self.index.is_empty() {
            recipients.extend(self.unfiltered.iter().copied());
            self.index.candidates(tags, |id| {
                let passes = self.subscribers[&id]
                    .filter
                    .as_ref()
                    .is_some_and(|f| f.matches(tags));
                if passes {
                    recipients.push(id);
                }
            });
        }
        // Without filters everyone is a recipient: walk the map itself, no list.
        let everyone = self.index.is_empty();
        let any = everyone || !recipients.is_empty();
        let now = Instant::now();
        let recorded = match &mut self.streams {
            Some(streams) if any => Some(streams.record(event.name, event.data, now)),
            _ => None,
        };
        let mut publish = match (&self.streams, recorded) {
            (Some(streams), Some(recorded)) => Some(Publish::new(
                streams, recorded, channel, event.name, event.data, plain, now,
            )),
            _ => None,
        };
        let max_streams = self
            .streams
            .as_ref()
            .map_or(0, |s| s.settings().max_conflation_keys);
        let mut deliver = |subscriber: &mut Subscriber| {
            let (Some(delta), Some(publish)) = (&mut subscriber.delta, &mut publish) else {
                fanout.count(subscriber.socket.send(plain.clone()));
                return;
            };
            let sent = publish.frame_for(delta);
            let sent_len = sent.frame.len();
            let delivery = subscriber.socket.send(sent.frame.clone());
            fanout.count(delivery);
            if delivery.is_delivered() {
                fanout.delta.original_bytes += plain.len() as u64;
                fanout.delta.sent_bytes += sent_len as u64;
                match sent.kind {
                    SentKind::Full => fanout.delta.full_messages += 1,
                    SentKind::Delta => fanout.delta.delta_messages += 1,
                }
                delta.delivered(&sent, max_streams);
            }
        };
        if everyone {
            for (id, subscriber) in self.subscribers.iter_mut() {
                if Some(*id) != except {
                    deliver(subscriber);
                }
            }
        } else {
            for id in recipients {
                if Some(id) == except {
                    continue;
                }
                if let Some(subscriber) = self.subscribers.get_mut(&id) {
                    deliver(subscriber);
                }
            }
        }
    }
}
