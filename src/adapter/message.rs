//! What nodes say to each other on the bus: a JSON header line, then (for broadcasts) the frame's
//! bytes as they are, so a frame is never escaped into JSON a second time.

use super::view::{Delta, NodeState};
use crate::channels::SharedEvent;
use crate::filter::Tags;
use bytes::Bytes;
use hmac::{Hmac, Mac};
use serde::{Deserialize, Serialize};
use sha2::Sha256;

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

/// The shared `adapter.secret`: when set, every message is signed (HMAC-SHA256 over all its
/// bytes) and messages without a valid signature are refused, so only nodes that know the secret
/// can speak on a bus other software can reach.
#[derive(Clone)]
pub struct BusKey(Hmac<Sha256>);

impl BusKey {
    pub fn new(secret: &str) -> BusKey {
        BusKey(Hmac::new_from_slice(secret.as_bytes()).expect("HMAC takes keys of any length"))
    }
}

/// What a signed message starts with: this, 64 hex digits of the signature, a newline.
const SIGNED: &[u8] = b"sig:";
const SIGNATURE_LINE: usize = SIGNED.len() + 64 + 1;

/// Why a message was refused.
#[derive(Debug, PartialEq, Eq)]
pub enum Refused {
    /// Not a message of ours, or one with impossible contents.
    Malformed,
    /// This node has `adapter.secret` and the message has no valid signature.
    Unauthenticated,
    /// The message is signed but this node has no `adapter.secret`.
    Signed,
}

impl Refused {
    /// The `kind` label of `sockudo_adapter_failures_total`.
    pub fn kind(&self) -> &'static str {
        match self {
            Refused::Malformed => "malformed",
            Refused::Unauthenticated => "unauthenticated",
            Refused::Signed => "signed",
        }
    }

    pub fn explain(&self) -> &'static str {
        match self {
            Refused::Malformed => "ignoring a malformed cluster message",
            Refused::Unauthenticated => {
                "ignoring a cluster message without a valid signature: every node needs the same \
                 adapter.secret"
            }
            Refused::Signed => {
                "ignoring a signed cluster message: another node has adapter.secret; set the same \
                 secret here"
            }
        }
    }
}

pub fn encode(header: &Header, payload: &[u8], key: Option<&BusKey>) -> Bytes {
    let mut body = serde_json::to_vec(header).expect("headers serialise");
    body.push(b'\n');
    body.extend_from_slice(payload);
    let Some(BusKey(mac)) = key else {
        return Bytes::from(body);
    };
    let mut mac = mac.clone();
    mac.update(&body);
    let mut signed = Vec::with_capacity(SIGNATURE_LINE + body.len());
    signed.extend_from_slice(SIGNED);
    signed.extend_from_slice(hex::encode(mac.finalize().into_bytes()).as_bytes());
    signed.push(b'\n');
    signed.extend_from_slice(&body);
    Bytes::from(signed)
}

/// Splits a message into its header and payload, after checking its signature when `key` is
/// set. Anything malformed, unsigned or absurd is refused, never trusted: the bus may be shared
/// with other software.
pub fn decode(message: &Bytes, key: Option<&BusKey>) -> Result<(Header, Bytes), Refused> {
    let body = match (key, message.starts_with(SIGNED)) {
        (None, true) => return Err(Refused::Signed),
        (None, false) => message.clone(),
        (Some(_), false) => return Err(Refused::Unauthenticated),
        (Some(BusKey(mac)), true) => {
            let line = message
                .get(..SIGNATURE_LINE)
                .ok_or(Refused::Unauthenticated)?;
            let signature = hex::decode(&line[SIGNED.len()..SIGNATURE_LINE - 1])
                .map_err(|_| Refused::Unauthenticated)?;
            let body = message.slice(SIGNATURE_LINE..);
            let mut mac = mac.clone();
            mac.update(&body);
            mac.verify_slice(&signature)
                .map_err(|_| Refused::Unauthenticated)?;
            body
        }
    };
    let newline = body
        .iter()
        .position(|b| *b == b'\n')
        .ok_or(Refused::Malformed)?;
    let header: Header =
        serde_json::from_slice(&body[..newline]).map_err(|_| Refused::Malformed)?;
    if let Header::Snapshot { state, .. } = &header {
        if !state.is_plausible() {
            return Err(Refused::Malformed);
        }
    }
    Ok((header, body.slice(newline + 1..)))
}

/// Decodes `message` as a bus message (for the fuzz target): never panics.
#[doc(hidden)]
pub fn fuzz_decode(message: &[u8]) {
    let message = Bytes::copy_from_slice(message);
    let _ = decode(&message, None);
    let _ = decode(&message, Some(&BusKey::new("fuzz")));
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
        let encoded = encode(&header, frame, None);
        let (decoded, payload) = decode(&encoded, None).unwrap();
        assert_eq!(decoded, header);
        assert_eq!(&payload[..], frame);
        let refused = |text: &'static [u8]| decode(&Bytes::from_static(text), None).err();
        assert_eq!(refused(b"garbage"), Some(Refused::Malformed));
        assert_eq!(refused(b"{\"kind\":\"Nope\"}\n"), Some(Refused::Malformed));
    }

    /// A snapshot is expanded into one delta per socket (to diff it, or to remove a dead node's
    /// state): one claiming absurd counts is refused at decoding instead of allocating them.
    #[test]
    fn a_snapshot_with_absurd_counts_is_refused() {
        let snapshot = |subscribers: u64, member_sockets: u64, user_sockets: u64| {
            let text = format!(
                r#"{{"kind":"Snapshot","node":"n","seq":1,"state":{{"apps":{{"a":{{"channels":{{"presence-c":{{"subscribers":{subscribers},"members":{{"u":[{member_sockets},null]}}}}}},"users":{{"u":{user_sockets}}}}}}}}}}}"#
            );
            decode(&Bytes::from(text + "\n"), None).ok()
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
            if let Ok((Header::Snapshot { state, .. }, _)) = decode(&Bytes::from(text + "\n"), None) {
                proptest::prop_assert!(subscribers < 100 && member_sockets <= subscribers && users < 100);
                proptest::prop_assert!(state.as_deltas().len() <= super::super::view::MAX_SNAPSHOT_SOCKETS);
            }
        }
    }

    #[test]
    fn signed_messages_need_the_same_secret() {
        let header = Header::Hello { node: "n".into() };
        let key = BusKey::new("shared");
        let signed = encode(&header, b"", Some(&key));
        assert!(signed.starts_with(b"sig:"));
        assert_eq!(decode(&signed, Some(&key)).unwrap().0, header);
        // Another secret, no secret on either side, a flipped byte, a cut message.
        let other = BusKey::new("other");
        assert_eq!(
            decode(&signed, Some(&other)).err(),
            Some(Refused::Unauthenticated)
        );
        assert_eq!(decode(&signed, None).err(), Some(Refused::Signed));
        let plain = encode(&header, b"", None);
        assert_eq!(
            decode(&plain, Some(&key)).err(),
            Some(Refused::Unauthenticated)
        );
        let mut tampered = signed.to_vec();
        *tampered.last_mut().unwrap() ^= 1;
        assert_eq!(
            decode(&Bytes::from(tampered), Some(&key)).err(),
            Some(Refused::Unauthenticated)
        );
        for cut in [4, 20, SIGNATURE_LINE - 1] {
            assert_eq!(
                decode(&signed.slice(..cut), Some(&key)).err(),
                Some(Refused::Unauthenticated),
                "{cut}"
            );
        }
        // A valid signature over garbage is still refused as malformed.
        let mut mac = key.0.clone();
        mac.update(b"garbage");
        let forged = [
            b"sig:".as_slice(),
            hex::encode(mac.finalize().into_bytes()).as_bytes(),
            b"\ngarbage",
        ]
        .concat();
        assert_eq!(
            decode(&Bytes::from(forged), Some(&key)).err(),
            Some(Refused::Malformed)
        );
    }

    proptest::proptest! {
        /// Any bytes, signed or not, decode without panicking.
        #[test]
        fn arbitrary_bytes_never_panic(bytes in proptest::collection::vec(proptest::prelude::any::<u8>(), 0..300)) {
            fuzz_decode(&bytes);
            let mut signed = b"sig:".to_vec();
            signed.extend_from_slice(&bytes);
            fuzz_decode(&signed);
        }
    }
}
