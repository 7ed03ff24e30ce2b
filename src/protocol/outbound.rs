//! The frames the server sends, each serialised once into shared [`Bytes`] so a broadcast to many
//! sockets clones a pointer, never the payload.

use bytes::Bytes;
use serde::Serialize;
use serde_json::json;
use serde_json::value::RawValue;

/// One Pusher frame. `data` is generic because the protocol carries it three ways: a JSON string
/// (server events, double encoded), an object (`pusher:error`) or a client's raw value (client events).
#[derive(Serialize)]
struct Frame<'a, D: Serialize + ?Sized> {
    event: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    channel: Option<&'a str>,
    data: &'a D,
    #[serde(skip_serializing_if = "Option::is_none")]
    user_id: Option<&'a str>,
}

fn encode<D: Serialize + ?Sized>(
    event: &str,
    channel: Option<&str>,
    data: &D,
    user_id: Option<&str>,
) -> Bytes {
    let frame = Frame {
        event,
        channel,
        data,
        user_id,
    };
    Bytes::from(serde_json::to_vec(&frame).expect("frames always serialise"))
}

pub fn connection_established(socket_id: &str, activity_timeout_secs: u64) -> Bytes {
    let data =
        json!({ "socket_id": socket_id, "activity_timeout": activity_timeout_secs }).to_string();
    encode("pusher:connection_established", None, data.as_str(), None)
}

/// `pusher:error` with an object `data`; `code` is `None` where Pusher sends `null` (bad auth).
pub fn error(code: Option<u16>, message: &str) -> Bytes {
    encode(
        "pusher:error",
        None,
        &json!({ "code": code, "message": message }),
        None,
    )
}

pub fn pong() -> Bytes {
    encode("pusher:pong", None, "{}", None)
}

pub fn ping() -> Bytes {
    encode("pusher:ping", None, "{}", None)
}

pub fn subscription_succeeded(channel: &str, data: &str) -> Bytes {
    encode(
        "pusher_internal:subscription_succeeded",
        Some(channel),
        data,
        None,
    )
}

/// An event on a channel whose `data` is already the string the client will see.
pub fn channel_event(event: &str, channel: &str, data: &str) -> Bytes {
    encode(event, Some(channel), data, None)
}

/// A client event relayed as sent, with `user_id` on presence channels.
pub fn client_event(event: &str, channel: &str, data: &RawValue, user_id: Option<&str>) -> Bytes {
    encode(event, Some(channel), data, user_id)
}

pub fn member_added(channel: &str, user_id: &str, user_info: &serde_json::Value) -> Bytes {
    let data = json!({ "user_id": user_id, "user_info": user_info }).to_string();
    encode(
        "pusher_internal:member_added",
        Some(channel),
        data.as_str(),
        None,
    )
}

pub fn member_removed(channel: &str, user_id: &str) -> Bytes {
    let data = json!({ "user_id": user_id }).to_string();
    encode(
        "pusher_internal:member_removed",
        Some(channel),
        data.as_str(),
        None,
    )
}

pub fn cache_miss(channel: &str) -> Bytes {
    // Pusher sends no data field here.
    Bytes::from(json!({ "event": "pusher:cache_miss", "channel": channel }).to_string())
}

pub fn signin_success(user_data: &str) -> Bytes {
    let data = json!({ "user_data": user_data }).to_string();
    encode("pusher:signin_success", None, data.as_str(), None)
}

pub fn subscription_count(channel: &str, count: usize) -> Bytes {
    let data = json!({ "subscription_count": count }).to_string();
    encode(
        "pusher_internal:subscription_count",
        Some(channel),
        data.as_str(),
        None,
    )
}

/// `online` / `offline` changes of watched users.
pub fn watchlist_event(name: &str, user_ids: &[&str]) -> Bytes {
    let data = json!({ "events": [{ "name": name, "user_ids": user_ids }] }).to_string();
    encode(
        "pusher_internal:watchlist_events",
        None,
        data.as_str(),
        None,
    )
}

/// An HTTP-published event with its tags, for apps that emit tags to clients.
pub fn tagged_event<T: Serialize>(event: &str, channel: &str, data: &str, tags: &T) -> Bytes {
    #[derive(Serialize)]
    struct Tagged<'a, T> {
        event: &'a str,
        channel: &'a str,
        data: &'a str,
        tags: &'a T,
    }
    let frame = Tagged {
        event,
        channel,
        data,
        tags,
    };
    Bytes::from(serde_json::to_vec(&frame).expect("frames always serialise"))
}

/// A channel event as a delta-enabled socket gets it in full: the stock frame plus its sequence
/// number in its stream (and the stream's conflation value, when there is one).
pub fn with_delta_seq(frame: &Bytes, seq: u64, conflation_key: &str) -> Bytes {
    // Every frame built here is a JSON object, so it ends with '}'.
    let body = frame.strip_suffix(b"}").unwrap_or(frame);
    let mut out = Vec::with_capacity(frame.len() + 48 + conflation_key.len());
    out.extend_from_slice(body);
    out.extend_from_slice(format!(",\"__delta_seq\":{seq}").as_bytes());
    if !conflation_key.is_empty() {
        out.extend_from_slice(b",\"__conflation_key\":");
        serde_json::to_writer(&mut out, conflation_key).expect("strings serialise");
    }
    out.push(b'}');
    Bytes::from(out)
}

/// The `data` of a `pusher:delta` frame.
#[derive(Serialize)]
pub struct DeltaMessage<'a> {
    #[serde(skip)]
    pub channel: &'a str,
    pub event: &'a str,
    pub seq: u64,
    pub base_seq: u64,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub algorithm: Option<&'a str>,
    /// Base64 of the encoded delta.
    pub delta: &'a str,
    pub conflation_key: &'a str,
}

pub fn delta(message: &DeltaMessage) -> Bytes {
    let data = serde_json::to_string(message).expect("plain struct serialises");
    encode("pusher:delta", Some(message.channel), data.as_str(), None)
}

/// The answer to `pusher:enable_delta_compression`.
pub fn delta_compression_enabled(algorithm: &str) -> Bytes {
    let data = json!({ "enabled": true, "algorithm": algorithm }).to_string();
    encode(
        "pusher:delta_compression_enabled",
        None,
        data.as_str(),
        None,
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::Value;

    fn parse(bytes: &Bytes) -> Value {
        serde_json::from_slice(bytes).unwrap()
    }

    #[test]
    fn connection_established_double_encodes_data() {
        let frame = parse(&connection_established("1.2", 30));
        assert_eq!(frame["event"], "pusher:connection_established");
        let data: Value = serde_json::from_str(frame["data"].as_str().unwrap()).unwrap();
        assert_eq!(data, json!({"socket_id": "1.2", "activity_timeout": 30}));
    }

    #[test]
    fn error_data_is_an_object_with_nullable_code() {
        assert_eq!(
            parse(&error(Some(4001), "nope")),
            json!({"event":"pusher:error","data":{"code":4001,"message":"nope"}})
        );
        assert_eq!(parse(&error(None, "bad"))["data"]["code"], Value::Null);
    }

    #[test]
    fn channel_event_keeps_data_as_string() {
        let frame = parse(&channel_event("e", "c", r#"{"a":1}"#));
        assert_eq!(frame, json!({"event":"e","channel":"c","data":"{\"a\":1}"}));
    }

    #[test]
    fn client_event_relays_raw_data_and_user_id() {
        let raw = RawValue::from_string(r#"{"x":1}"#.into()).unwrap();
        let frame = parse(&client_event("client-a", "presence-r", &raw, Some("7")));
        assert_eq!(
            frame,
            json!({"event":"client-a","channel":"presence-r","data":{"x":1},"user_id":"7"})
        );
    }

    #[test]
    fn watchlist_matches_pusher_js_format() {
        let frame = parse(&watchlist_event("online", &["2"]));
        let data: Value = serde_json::from_str(frame["data"].as_str().unwrap()).unwrap();
        assert_eq!(data, json!({"events":[{"name":"online","user_ids":["2"]}]}));
    }
}
