//! The state behind delta compression on one channel of one node.
//!
//! [`ChannelStreams`] numbers each published message within its stream and keeps the last few
//! `data` strings of each stream as possible bases. [`SocketStreams`] is one subscriber's position
//! in each stream: the sequence number of the last message it was given. On a publish,
//! [`Publish::frame_for`] picks a socket's frame: full, or a delta from the message it already
//! has. Deltas are computed once per (base, algorithm) and shared by every socket at that base,
//! so the usual case, every subscriber up to date, costs one encode per publish.
//!
//! Sequence numbers are per node: a socket only ever talks to one node, and every node numbers
//! the messages it delivers itself.

use super::settings::ChannelDelta;
use super::Algorithm;
use crate::protocol::outbound;
use base64::Engine;
use bytes::Bytes;
use serde_json::Value;
use std::collections::{HashMap, VecDeque};
use std::sync::Arc;
use std::time::Instant;

/// One stream of a channel: an event name and a conflation value (empty without a key).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct StreamKey {
    event: Arc<str>,
    conflation: Arc<str>,
}

struct Stream {
    /// Tells this stream from an earlier one of the same key that was dropped: its sequence
    /// numbers started again, so a socket's position in the old one means nothing here.
    generation: u64,
    last_seq: u64,
    /// The newest messages, oldest first: `(seq, data)`.
    history: VecDeque<(u64, Arc<str>)>,
    touched: Instant,
}

/// How often, in messages recorded, a channel looks for streams past their age.
const SWEEP_EVERY: u32 = 1024;

pub struct ChannelStreams {
    settings: ChannelDelta,
    streams: HashMap<StreamKey, Stream>,
    since_sweep: u32,
    generations: u64,
}

/// A message numbered in its stream.
pub struct Recorded {
    pub key: StreamKey,
    pub seq: u64,
    generation: u64,
}

impl ChannelStreams {
    pub fn new(settings: ChannelDelta) -> Self {
        ChannelStreams {
            settings,
            streams: HashMap::new(),
            since_sweep: 0,
            generations: 0,
        }
    }

    pub fn settings(&self) -> &ChannelDelta {
        &self.settings
    }

    /// Numbers a new message of `event` and keeps its data as a future base.
    pub fn record(&mut self, event: &str, data: &str, now: Instant) -> Recorded {
        let conflation = self
            .settings
            .conflation_key
            .as_deref()
            .map(|path| conflation_value(data, path))
            .unwrap_or_default();
        let key = StreamKey {
            event: Arc::from(event),
            conflation: Arc::from(conflation),
        };
        self.since_sweep += 1;
        if self.since_sweep >= SWEEP_EVERY {
            self.since_sweep = 0;
            let max_age = self.settings.max_state_age;
            self.streams
                .retain(|_, s| now.duration_since(s.touched) <= max_age);
        }
        if !self.streams.contains_key(&key)
            && self.streams.len() >= self.settings.max_conflation_keys
        {
            // Full: the least recently used stream goes; its sockets get a full message next.
            if let Some(oldest) = self
                .streams
                .iter()
                .min_by_key(|(_, s)| s.touched)
                .map(|(k, _)| k.clone())
            {
                self.streams.remove(&oldest);
            }
        }
        let keep = self.settings.max_messages_per_key;
        let generations = &mut self.generations;
        let stream = self.streams.entry(key.clone()).or_insert_with(|| {
            *generations += 1;
            Stream {
                generation: *generations,
                last_seq: 0,
                history: VecDeque::new(),
                touched: now,
            }
        });
        stream.last_seq += 1;
        stream.touched = now;
        while stream.history.len() >= keep {
            stream.history.pop_front();
        }
        stream.history.push_back((stream.last_seq, Arc::from(data)));
        Recorded {
            key,
            seq: stream.last_seq,
            generation: stream.generation,
        }
    }

    fn base(&self, key: &StreamKey, seq: u64) -> Option<&str> {
        let stream = self.streams.get(key)?;
        stream
            .history
            .iter()
            .find(|(s, _)| *s == seq)
            .map(|(_, data)| &**data)
    }

    pub fn stream_count(&self) -> usize {
        self.streams.len()
    }
}

/// The text at `path` (dot-separated) in the JSON `data`: strings as they are, other scalars as
/// their JSON text, and "" when data is not JSON or the path leads nowhere.
pub fn conflation_value(data: &str, path: &str) -> String {
    let Ok(root) = serde_json::from_str::<Value>(data) else {
        return String::new();
    };
    let found = path.split('.').try_fold(&root, |node, part| node.get(part));
    match found {
        Some(Value::String(text)) => text.clone(),
        Some(value @ (Value::Number(_) | Value::Bool(_))) => value.to_string(),
        _ => String::new(),
    }
}

#[derive(Debug, Clone, Copy)]
struct Position {
    generation: u64,
    seq: u64,
    /// Deltas sent since the last full message.
    since_full: u32,
    at: Instant,
}

/// One delta-enabled subscription: the socket's algorithm and its place in each stream.
#[derive(Debug)]
pub struct SocketStreams {
    algorithm: Algorithm,
    positions: HashMap<StreamKey, Position>,
}

impl SocketStreams {
    pub fn new(algorithm: Algorithm) -> Self {
        SocketStreams {
            algorithm,
            positions: HashMap::new(),
        }
    }

    /// Forgets every position: each stream restarts with a full message (`delta_sync_error`).
    pub fn reset(&mut self) {
        self.positions.clear();
    }

    /// Records that the socket was given `sent` (its queue took it).
    pub fn delivered(&mut self, sent: &Sent, max_streams: usize) {
        let position = Position {
            generation: sent.generation,
            seq: sent.seq,
            since_full: 0,
            at: sent.at,
        };
        // The common case, a stream the socket is already in: update in place, no key clone.
        if let Some(known) = self.positions.get_mut(&sent.key) {
            let since_full = match sent.kind {
                SentKind::Full => 0,
                SentKind::Delta => known.since_full + 1,
            };
            *known = Position {
                since_full,
                ..position
            };
            return;
        }
        if self.positions.len() >= max_streams {
            if let Some(oldest) = self
                .positions
                .iter()
                .min_by_key(|(_, p)| p.at)
                .map(|(k, _)| k.clone())
            {
                self.positions.remove(&oldest);
            }
        }
        self.positions.insert(sent.key.clone(), position);
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SentKind {
    Full,
    Delta,
}

/// What one socket is sent for a publish, to be handed back to [`SocketStreams::delivered`].
pub struct Sent {
    pub frame: Bytes,
    pub kind: SentKind,
    key: StreamKey,
    generation: u64,
    seq: u64,
    at: Instant,
}

/// One message being delivered to the delta-enabled sockets of a channel.
pub struct Publish<'a> {
    streams: &'a ChannelStreams,
    recorded: Recorded,
    channel: &'a str,
    event: &'a str,
    data: &'a str,
    /// The frame stock clients get.
    plain: &'a Bytes,
    now: Instant,
    full: Option<Bytes>,
    /// Per (base seq, algorithm): the delta frame, or `None` when the delta does not pay.
    deltas: HashMap<(u64, Algorithm), Option<Bytes>>,
}

impl<'a> Publish<'a> {
    pub fn new(
        streams: &'a ChannelStreams,
        recorded: Recorded,
        channel: &'a str,
        event: &'a str,
        data: &'a str,
        plain: &'a Bytes,
        now: Instant,
    ) -> Self {
        Publish {
            streams,
            recorded,
            channel,
            event,
            data,
            plain,
            now,
            full: None,
            deltas: HashMap::new(),
        }
    }

    /// The frame for a socket in state `socket`.
    pub fn frame_for(&mut self, socket: &SocketStreams) -> Sent {
        let settings = self.streams.settings();
        let position = socket.positions.get(&self.recorded.key).filter(|p| {
            p.generation == self.recorded.generation
                && self.now.duration_since(p.at) <= settings.max_state_age
        });
        let interval = settings.full_message_interval;
        let base = position.filter(|p| {
            (interval == 0 || p.since_full + 1 < interval)
                && self.data.len() >= settings.min_message_size
        });
        if let Some(frame) = base.and_then(|p| self.delta_frame(p.seq, socket.algorithm)) {
            return self.sent(frame, SentKind::Delta);
        }
        let frame = self.full_frame();
        self.sent(frame, SentKind::Full)
    }

    fn sent(&self, frame: Bytes, kind: SentKind) -> Sent {
        Sent {
            frame,
            kind,
            key: self.recorded.key.clone(),
            generation: self.recorded.generation,
            seq: self.recorded.seq,
            at: self.now,
        }
    }

    fn full_frame(&mut self) -> Bytes {
        let (plain, seq, conflation) =
            (self.plain, self.recorded.seq, &self.recorded.key.conflation);
        self.full
            .get_or_insert_with(|| outbound::with_delta_seq(plain, seq, conflation))
            .clone()
    }

    fn delta_frame(&mut self, base_seq: u64, algorithm: Algorithm) -> Option<Bytes> {
        if let Some(done) = self.deltas.get(&(base_seq, algorithm)) {
            return done.clone();
        }
        let frame = self.encode(base_seq, algorithm);
        self.deltas.insert((base_seq, algorithm), frame.clone());
        frame
    }

    /// The delta frame, if it is smaller than the full one.
    fn encode(&mut self, base_seq: u64, algorithm: Algorithm) -> Option<Bytes> {
        let full_len = self.full_frame().len();
        let base = self.streams.base(&self.recorded.key, base_seq)?;
        let delta = algorithm.encode(base.as_bytes(), self.data.as_bytes())?;
        let delta = base64::engine::general_purpose::STANDARD.encode(delta);
        if delta.len() >= self.data.len() {
            return None;
        }
        let settings = self.streams.settings();
        let frame = outbound::delta(&outbound::DeltaMessage {
            channel: self.channel,
            event: self.event,
            seq: self.recorded.seq,
            base_seq,
            algorithm: (!settings.omit_algorithm).then_some(algorithm.name()),
            delta: &delta,
            conflation_key: &self.recorded.key.conflation,
        });
        (frame.len() < full_len).then_some(frame)
    }
}

#[cfg(test)]
mod tests;
