//! What nodes say to each other on the bus: a JSON header line, then (for broadcasts) the frame's
//! bytes as they are, so a frame is never escaped into JSON a second time.

use super::view::{Delta, NodeState};
use crate::channels::SharedEvent;
use crate::filter::Tags;
use bytes::Bytes;
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind")]
pub enum Header {
    /// A node (re)joined: everyone answers with a snapshot.
    Hello {
        node: String,
    },
    /// Asks `target` for its snapshot (after a gap in its sequence numbers).
    SyncRequest {
        node: String,
        target: String,
    },
    Snapshot {
        node: String,
        seq: u64,
        state: NodeState,
    },
    Heartbeat {
        node: String,
        seq: u64,
    },
    Deltas {
        node: String,
        seq: u64,
        deltas: Vec<Delta>,
    },
    /// A frame for the subscribers of a channel; the frame follows the header.
    Broadcast {
        node: String,
        app: String,
        channel: String,
        except: Option<String>,
        /// Cache channels: receivers keep the frame as the channel's last event.
        cache: Option<(String, String)>,
        /// An event published through the HTTP API: filters and deltas apply to it.
        #[serde(default, skip_serializing_if = "std::ops::Not::not")]
        api: bool,
        /// The API event's tags, for filtered subscribers.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        tags: Option<Tags>,
    },
    Terminate {
        node: String,
        app: String,
        user: String,
    },
    /// Cache channels' last events, sent to a node that joins: `(value, age_ms)`.
    Cache {
        node: String,
        entries: Vec<(SharedEvent, u64)>,
    },
}

impl Header {
    pub fn node(&self) -> &str {
        match self {
            Header::Hello { node }
            | Header::SyncRequest { node, .. }
            | Header::Snapshot { node, .. }
            | Header::Heartbeat { node, .. }
            | Header::Deltas { node, .. }
            | Header::Broadcast { node, .. }
            | Header::Terminate { node, .. }
            | Header::Cache { node, .. } => node,
        }
    }
}

pub fn encode(header: &Header, payload: &[u8]) -> Bytes {
    let mut bytes = serde_json::to_vec(header).expect("headers serialise");
    bytes.push(b'\n');
    bytes.extend_from_slice(payload);
    Bytes::from(bytes)
}

/// Splits a message into its header and payload; `None` for anything malformed or absurd
/// (ignored, never trusted: the bus may be shared with other software).
pub fn decode(message: &Bytes) -> Option<(Header, Bytes)> {
    let newline = message.iter().position(|b| *b == b'\n')?;
    let header: Header = serde_json::from_slice(&message[..newline]).ok()?;
    if let Header::Snapshot { state, .. } = &header {
        if !state.is_plausible() {
            return None;
        }
    }
    Some((header, message.slice(newline + 1..)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips_with_raw_payload() {
        let header = Header::Broadcast {
            node: "n".into(),
            app: "a".into(),
            channel: "c".into(),
            except: Some("1.2".into()),
            cache: None,
            api: true,
            tags: Some([("asset".to_owned(), "BTC".to_owned())].into()),
        };
        let frame = br#"{"event":"e","channel":"c","data":"{\"x\":\"\n\"}"}"#;
        let encoded = encode(&header, frame);
        let (decoded, payload) = decode(&encoded).unwrap();
        assert_eq!(decoded, header);
        assert_eq!(&payload[..], frame);
        assert!(decode(&Bytes::from_static(b"garbage")).is_none());
        assert!(decode(&Bytes::from_static(b"{\"kind\":\"Nope\"}\n")).is_none());
    }

    /// A snapshot is expanded into one delta per socket (to diff it, or to remove a dead node's
    /// state): one claiming absurd counts is refused at decoding instead of allocating them.
    #[test]
    fn a_snapshot_with_absurd_counts_is_refused() {
        let snapshot = |subscribers: u64, member_sockets: u64, user_sockets: u64| {
            let text = format!(
                r#"{{"kind":"Snapshot","node":"n","seq":1,"state":{{"apps":{{"a":{{"channels":{{"presence-c":{{"subscribers":{subscribers},"members":{{"u":[{member_sockets},null]}}}}}},"users":{{"u":{user_sockets}}}}}}}}}}}"#
            );
            decode(&Bytes::from(text + "\n"))
        };
        assert!(snapshot(2, 1, 1).is_some());
        assert!(snapshot(u64::MAX, 1, 1).is_none());
        assert!(snapshot(2, u64::MAX, 1).is_none());
        assert!(
            snapshot(2, 3, 1).is_none(),
            "more member sockets than subscribers"
        );
        assert!(snapshot(2, 1, u64::MAX).is_none());
    }

    /// Small counts (accepted when consistent) and any u64 (nearly always absurd).
    fn counts() -> impl proptest::strategy::Strategy<Value = u64> {
        use proptest::prelude::*;
        prop_oneof![0u64..100, any::<u64>()]
    }

    proptest::proptest! {
        /// Whatever the counts, decoding never panics, and what it accepts can be expanded into
        /// deltas within the bound.
        #[test]
        fn decoded_snapshots_stay_within_the_bound(
            subscribers in counts(),
            member_sockets in counts(),
            users in counts(),
        ) {
            let text = format!(
                r#"{{"kind":"Snapshot","node":"n","seq":1,"state":{{"apps":{{"a":{{"channels":{{"c":{{"subscribers":{subscribers},"members":{{"u":[{member_sockets},null]}}}}}},"users":{{"u":{users}}}}}}}}}}}"#
            );
            if let Some((Header::Snapshot { state, .. }, _)) = decode(&Bytes::from(text + "\n")) {
                proptest::prop_assert!(subscribers < 100 && member_sockets <= subscribers && users < 100);
                proptest::prop_assert!(state.as_deltas().len() <= super::super::view::MAX_SNAPSHOT_SOCKETS);
            }
        }
    }
}
