//! Inbound frames: `protocol::inbound::parse`, then the I/O-free session state machine
//! (`connection::session::Session::on_text`) of up to three sockets of one app, as the socket task
//! drives it.
//!
//! Input: one flag byte (which app features are on, see `Setup::from_flags`), then text split into
//! lines. A line is a frame for socket 0, or:
//! - `@N <frame>`: a frame for socket N (0-2);
//! - `#pub <json>`: an HTTP API publish, `{"channel", "name", "data", "tags"}`, through the
//!   namespace (filters and delta compression see it);
//! - `#end N`: socket N disconnects (`Session::end`) and a fresh socket takes its place.
//!
//! In `pusher:subscribe` and `pusher:signin` frames an `"auth":"$sign"` is replaced by a valid
//! signature for that socket, so private, presence and sign-in paths are reachable. After every
//! line each socket reads its queue, as a client with the delta decoder of
//! `clients/delta-decoder.js` would (queues are large enough that nothing is dropped).
//!
//! Checks: nothing panics; every frame a socket is sent (replies and queued frames) is JSON; every
//! `pusher:delta` applies to the base the client holds, and each socket that a publish reached
//! gets exactly the published event and data, whether in full or as a delta; once every socket
//! has gone, the namespace holds no socket and no channel.

#![no_main]

use base64::Engine;
use libfuzzer_sys::fuzz_target;
use serde_json::{json, Value};
use sockudo::adapter::Cluster;
use sockudo::app::{App, LimitDefaults};
use sockudo::channels::{Namespace, Published, Registry, Spread};
use sockudo::connection::session::{AppContext, Session};
use sockudo::delta::settings::DeltaDefaults;
use sockudo::delta::Algorithm;
use sockudo::filter::Tags;
use sockudo::metrics::Metrics;
use sockudo::protocol::{inbound, outbound, signature, SocketId};
use sockudo::publish::{Here, Publisher};
use sockudo::socket::{QueueLimits, SlowConsumerPolicy, SocketHandle, SocketQueue};
use sockudo::webhooks::Emitter;
use std::collections::HashMap;
use std::sync::{Arc, OnceLock};
use std::time::Duration;

const KEY: &str = "fuzz-key";
const SECRET: &str = "fuzz-secret";
const SOCKETS: usize = 3;
/// Lines past this are ignored, so one input stays fast.
const MAX_LINES: usize = 64;

fn metrics() -> &'static Metrics {
    static METRICS: OnceLock<Metrics> = OnceLock::new();
    METRICS.get_or_init(|| Metrics::new("sockudo"))
}

struct Setup {
    ctx: AppContext,
    namespace: Arc<Namespace>,
}

impl Setup {
    fn from_flags(flags: u8) -> Setup {
        let bit = |n: u8| flags & (1 << n) != 0;
        let mut app = App::new("fuzz-app", KEY, SECRET);
        app.enable_client_messages = bit(0);
        app.enable_user_authentication = bit(1);
        app.enable_watchlist_events = bit(2);
        app.enable_subscription_count = bit(3);
        // Small limits, so the "full" and "over the limit" paths are reachable.
        app.max_presence_members_per_channel = Some(2);
        app.max_client_events_per_second = Some(3);
        if bit(7) {
            app.channel_delta_compression = serde_json::from_value(json!({
                "delta-fossil-*": "fossil",
                "delta-xdelta-*": "xdelta3",
                "delta-off-*": "disabled",
                "delta-custom-*": {
                    "algorithm": "fossil",
                    "conflation_key": "symbol",
                    "max_messages_per_key": 2,
                    "max_conflation_keys": 2
                }
            }))
            .ok();
        }
        // The app's namespace in a registry, as the server has it: client events reach the
        // other sockets through the publish path, which finds the namespace there.
        let registry = Arc::new(Registry::new(Some(Duration::from_secs(60)), Spread::new(1)));
        let namespace = registry.namespace(&app.id);
        let cluster = Cluster::local();
        let publisher = Publisher {
            here: Here {
                registry,
                metrics: metrics().clone(),
            },
            cluster: cluster.clone(),
            shared_cache: None,
            emit_tags: bit(4),
        };
        let delta = DeltaDefaults {
            enabled: bit(5),
            algorithm: if bit(6) {
                Algorithm::Xdelta3
            } else {
                Algorithm::Fossil
            },
            full_message_interval: 3,
            min_message_size: 0,
            max_state_age: Duration::from_secs(60),
            max_channel_states_per_socket: 3,
            max_conflation_states_per_channel: 2,
            conflation_key_path: bit(7).then(|| "symbol".to_owned()),
            // The client here reads the algorithm from each delta.
            omit_delta_algorithm: false,
        };
        let ctx = AppContext {
            limits: LimitDefaults::default().for_app(&app),
            counters: metrics().for_app(&app.id),
            namespace: namespace.clone(),
            webhooks: Emitter::disabled(),
            cluster,
            publisher,
            delta: Arc::new(delta),
            tag_filtering: bit(4),
            app: Arc::new(app),
        };
        Setup { ctx, namespace }
    }
}

struct Socket {
    session: Session,
    queue: SocketQueue,
    client: Client,
}

/// A channel event as the client's application sees it.
#[derive(Debug, PartialEq)]
struct Event {
    event: String,
    channel: String,
    data: String,
}

/// The client side of delta compression, as `clients/delta-decoder.js` does it.
#[derive(Default)]
struct Client {
    /// "channel\0event\0conflation key" -> the last message of the stream: (seq, data).
    streams: HashMap<String, (u64, String)>,
}

impl Client {
    /// Takes one frame the server sent; returns the channel event it carries, if any.
    fn receive(&mut self, frame: &[u8]) -> Option<Event> {
        let message: Value = match serde_json::from_slice(frame) {
            Ok(message) => message,
            Err(error) => panic!(
                "a frame sent to a client is not JSON ({error}): {:?}",
                String::from_utf8_lossy(frame)
            ),
        };
        let text = |value: &Value| match value {
            Value::String(text) => text.clone(),
            other => other.to_string(),
        };
        let event = message.get("event")?.as_str()?.to_owned();
        let channel = message.get("channel")?.as_str()?.to_owned();
        if event == "pusher:delta" {
            return Some(self.apply(&channel, &text(&message["data"])));
        }
        if event.starts_with("pusher:") || event.starts_with("pusher_internal:") {
            return None;
        }
        let data = text(message.get("data").unwrap_or(&Value::Null));
        if let Some(seq) = message.get("__delta_seq") {
            let seq = seq.as_u64().expect("__delta_seq is a number");
            let key = message
                .get("__conflation_key")
                .and_then(Value::as_str)
                .unwrap_or("");
            let stream = format!("{channel}\0{event}\0{key}");
            self.streams.insert(stream, (seq, data.clone()));
        }
        Some(Event {
            event,
            channel,
            data,
        })
    }

    fn apply(&mut self, channel: &str, data: &str) -> Event {
        let delta: Value = serde_json::from_str(data).expect("pusher:delta data is JSON");
        let field = |name: &str| delta.get(name).unwrap_or(&Value::Null);
        let event = field("event").as_str().expect("a delta names its event");
        let seq = field("seq").as_u64().expect("a delta has a seq");
        let base_seq = field("base_seq").as_u64().expect("a delta has a base_seq");
        let key = field("conflation_key").as_str().unwrap_or("");
        let algorithm = field("algorithm")
            .as_str()
            .and_then(Algorithm::parse)
            .expect("a delta names a known algorithm");
        let bytes = base64::engine::general_purpose::STANDARD
            .decode(field("delta").as_str().expect("a delta carries the delta"))
            .expect("the delta is base64");
        let stream = format!("{channel}\0{event}\0{key}");
        let Some((have, base)) = self.streams.get(&stream) else {
            panic!("a delta for {stream:?} from base {base_seq}, but the client has no base");
        };
        assert_eq!(
            *have, base_seq,
            "a delta for {stream:?} from a base the client does not hold"
        );
        let decoded = algorithm
            .decode(base.as_bytes(), &bytes)
            .expect("the delta applies to its base");
        let decoded = String::from_utf8(decoded).expect("a decoded delta is UTF-8");
        self.streams.insert(stream, (seq, decoded.clone()));
        Event {
            event: event.to_owned(),
            channel: channel.to_owned(),
            data: decoded,
        }
    }
}

struct Harness {
    setup: Setup,
    sockets: Vec<Option<Socket>>,
    connections: u32,
}

impl Harness {
    fn connect(&mut self) -> Socket {
        self.connections += 1;
        let id = SocketId::parse(&format!("{}.{}", 1000 + self.connections, 7))
            .expect("a valid socket id");
        // Never full: queues are read after every line, and a dropped frame would leave the
        // client without the base of the next delta.
        let limits = Arc::new(QueueLimits {
            max_frames: 4096,
            max_bytes: 1 << 24,
            policy: SlowConsumerPolicy::DropFrame,
        });
        let (handle, queue) = SocketHandle::new(id, Arc::from("fuzz-app"), limits);
        self.setup.namespace.add_socket(handle.clone());
        Socket {
            session: Session::new(self.setup.ctx.clone(), handle),
            queue,
            client: Client::default(),
        }
    }

    fn disconnect(&mut self, index: usize) {
        if let Some(mut socket) = self.sockets[index].take() {
            socket.read_queue();
            socket.session.end();
        }
    }

    /// Every socket reads its queue; returns the channel events they got.
    fn read_queues(&mut self) -> Vec<Event> {
        let mut events = Vec::new();
        for socket in self.sockets.iter_mut().flatten() {
            events.extend(socket.read_queue());
        }
        events
    }

    fn line(&mut self, line: &str) {
        if let Some(rest) = line.strip_prefix("#pub ") {
            self.publish(rest);
        } else if let Some(rest) = line.strip_prefix("#end ") {
            let index = rest.trim().parse::<usize>().unwrap_or(0) % SOCKETS;
            self.disconnect(index);
            self.sockets[index] = Some(self.connect());
        } else {
            let (index, frame) = match line.as_bytes() {
                [b'@', digit @ b'0'..=b'9', b' ', ..] => {
                    (usize::from(digit - b'0') % SOCKETS, &line[3..])
                }
                _ => (0, line),
            };
            let Some(socket) = self.sockets[index].as_mut() else {
                return;
            };
            // The parser alone, as the fuzz input gives it.
            let _ = inbound::parse(frame);
            let frame = sign(frame, socket.session.socket_id());
            let replies = socket.session.on_text(&frame);
            for reply in &replies.frames {
                socket.client.receive(reply);
            }
        }
        self.read_queues();
    }

    /// What `POST /events` does once the body is valid: the frame, then the namespace.
    fn publish(&mut self, json: &str) {
        let Ok(Value::Object(event)) = serde_json::from_str::<Value>(json) else {
            return;
        };
        let text = |key: &str| match event.get(key) {
            Some(Value::String(text)) => Some(text.clone()),
            Some(other) if !other.is_null() => Some(other.to_string()),
            _ => None,
        };
        let channel = text("channel").unwrap_or_else(|| "chat".to_owned());
        let name = text("name").unwrap_or_else(|| "update".to_owned());
        let data = text("data").unwrap_or_default();
        let tags: Option<Tags> = match event.get("tags") {
            Some(Value::Object(tags)) => Some(
                tags.iter()
                    .filter_map(|(k, v)| v.as_str().map(|v| (k.clone(), v.to_owned())))
                    .collect(),
            ),
            _ => None,
        };
        let frame = match &tags {
            Some(tags) => outbound::tagged_event(&name, &channel, &data, tags),
            None => outbound::channel_event(&name, &channel, &data),
        };
        let published = Published {
            name: &name,
            data: &data,
            tags: tags.as_ref(),
        };
        self.read_queues();
        let fanout = self
            .setup
            .namespace
            .publish(&channel, &frame, Some(&published), None);
        let events = self.read_queues();
        if name.starts_with("pusher") {
            // The client takes these for protocol frames; the checks below do not apply.
            return;
        }
        assert_eq!(fanout.dropped, 0, "a queue was full");
        assert_eq!(
            events.len(),
            fanout.delivered,
            "frames delivered vs events received"
        );
        let expected = Event {
            event: name,
            channel,
            data,
        };
        for event in events {
            assert_eq!(
                event, expected,
                "a subscriber got other than what was published"
            );
        }
    }
}

impl Socket {
    /// Reads the queue as the socket's task and the client would.
    fn read_queue(&mut self) -> Vec<Event> {
        let mut events = Vec::new();
        while let Some(frame) = self.queue.try_next_frame() {
            events.extend(self.client.receive(&frame));
        }
        events
    }
}

/// Replaces `"auth":"$sign"` in a subscribe or sign-in frame with a valid signature.
fn sign(frame: &str, socket_id: &str) -> String {
    let Ok(Value::Object(mut message)) = serde_json::from_str::<Value>(frame) else {
        return frame.to_owned();
    };
    let event = message.get("event").and_then(Value::as_str).unwrap_or("");
    let event = event.to_owned();
    let Some(Value::Object(data)) = message.get_mut("data") else {
        return frame.to_owned();
    };
    if data.get("auth").and_then(Value::as_str) != Some("$sign") {
        return frame.to_owned();
    }
    let signed = match event.as_str() {
        "pusher:subscribe" => {
            let channel = data.get("channel").and_then(Value::as_str).unwrap_or("");
            let channel_data = match data.get("channel_data") {
                None | Some(Value::Null) => None,
                Some(Value::String(text)) => Some(text.clone()),
                Some(other) => Some(other.to_string()),
            };
            signature::channel_auth_message(socket_id, channel, channel_data.as_deref())
        }
        "pusher:signin" => {
            let user_data = data.get("user_data").and_then(Value::as_str).unwrap_or("");
            signature::user_auth_message(socket_id, user_data)
        }
        _ => return frame.to_owned(),
    };
    let auth = format!("{KEY}:{}", signature::sign(SECRET, &signed));
    data.insert("auth".to_owned(), Value::String(auth));
    Value::Object(message).to_string()
}

fuzz_target!(|input: &[u8]| {
    let Some((&flags, text)) = input.split_first() else {
        return;
    };
    let text = String::from_utf8_lossy(text);
    let mut harness = Harness {
        setup: Setup::from_flags(flags),
        sockets: Vec::new(),
        connections: 0,
    };
    for _ in 0..SOCKETS {
        let socket = harness.connect();
        harness.sockets.push(Some(socket));
    }
    for line in text.lines().take(MAX_LINES) {
        harness.line(line);
    }
    for index in 0..SOCKETS {
        harness.disconnect(index);
    }
    let namespace = &harness.setup.namespace;
    assert_eq!(namespace.socket_count(), 0, "sockets left after all ended");
    let channels = namespace.channels();
    assert!(
        channels.is_empty(),
        "channels left after every socket ended: {channels:?}"
    );
});
