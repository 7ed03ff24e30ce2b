//! Parsing of the frames a client sends. Every malformed input becomes an [`InboundError`] that
//! the connection reports with `pusher:error`; nothing here panics.

use serde::Deserialize;
use serde_json::value::RawValue;
use serde_json::Value;

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum InboundError {
    #[error("message is not valid JSON")]
    NotJson,
    #[error("message must be a JSON object with an \"event\" string")]
    NotAnEvent,
    #[error("{event}: {problem}")]
    InvalidData {
        event: &'static str,
        problem: &'static str,
    },
}

/// Everything a client can ask of the server, already validated for shape.
#[derive(Debug)]
pub enum ClientMessage {
    Ping,
    Pong,
    Subscribe(Subscribe),
    Unsubscribe {
        channel: String,
    },
    Signin {
        auth: String,
        user_data: String,
    },
    /// sockudo extension: the client can decode deltas made with these algorithms (its order of
    /// preference; possibly names we do not know).
    EnableDeltaCompression {
        algorithms: Vec<String>,
    },
    /// sockudo extension: the client lost track of a delta stream of `channel`.
    DeltaSyncError {
        channel: String,
    },
    /// A `client-` event for the other subscribers of `channel`; `data` is relayed as sent.
    ClientEvent {
        event: String,
        channel: String,
        data: Box<RawValue>,
    },
    /// Any other event: ignored, as the protocol asks, so newer clients keep working.
    Other(String),
}

#[derive(Debug, Default, PartialEq, Eq)]
pub struct Subscribe {
    pub channel: String,
    pub auth: Option<String>,
    /// The exact string the client sent; presence signatures cover it byte for byte.
    pub channel_data: Option<String>,
    /// sockudo extension: a tag filter, validated by the session.
    pub filter: Option<Value>,
    /// sockudo extension: deltas for this channel only.
    pub delta: Option<DeltaChoice>,
}

/// A subscription's own delta choice.
#[derive(Debug, PartialEq, Eq)]
pub enum DeltaChoice {
    Off,
    /// An algorithm name, not yet checked against the ones the server has.
    Algorithm(String),
}

#[derive(Deserialize)]
struct Envelope<'a> {
    #[serde(borrow)]
    event: Option<&'a RawValue>,
    channel: Option<Value>,
    data: Option<Box<RawValue>>,
}

#[derive(Deserialize, Default)]
struct SubscribeData {
    channel: Option<Value>,
    auth: Option<Value>,
    channel_data: Option<Value>,
    filter: Option<Value>,
    delta: Option<Value>,
}

#[derive(Deserialize, Default)]
struct EnableDeltaData {
    algorithms: Option<Value>,
}

#[derive(Deserialize, Default)]
struct SigninData {
    auth: Option<Value>,
    user_data: Option<Value>,
}

pub fn parse(text: &str) -> Result<ClientMessage, InboundError> {
    let envelope: Envelope = match serde_json::from_str(text) {
        Ok(envelope) => envelope,
        Err(error) if error.is_data() => return Err(InboundError::NotAnEvent),
        Err(_) => return Err(InboundError::NotJson),
    };
    let event: String = envelope
        .event
        .and_then(|raw| serde_json::from_str(raw.get()).ok())
        .ok_or(InboundError::NotAnEvent)?;
    match event.as_str() {
        "pusher:ping" => Ok(ClientMessage::Ping),
        "pusher:pong" => Ok(ClientMessage::Pong),
        "pusher:subscribe" => {
            parse_subscribe(envelope.data.as_deref()).map(ClientMessage::Subscribe)
        }
        "pusher:unsubscribe" => {
            let data: SubscribeData = object_data(envelope.data.as_deref(), "pusher:unsubscribe")?;
            let channel = required_string(
                data.channel,
                "pusher:unsubscribe",
                "data.channel must be a string",
            )?;
            Ok(ClientMessage::Unsubscribe { channel })
        }
        "pusher:signin" => {
            let data: SigninData = object_data(envelope.data.as_deref(), "pusher:signin")?;
            let auth = required_string(data.auth, "pusher:signin", "data.auth must be a string")?;
            let user_data = required_string(
                data.user_data,
                "pusher:signin",
                "data.user_data must be a string",
            )?;
            Ok(ClientMessage::Signin { auth, user_data })
        }
        "pusher:enable_delta_compression" => {
            const EVENT: &str = "pusher:enable_delta_compression";
            let data: EnableDeltaData = match envelope.data.as_deref() {
                None => EnableDeltaData::default(),
                data => object_data(data, EVENT)?,
            };
            let invalid = InboundError::InvalidData {
                event: EVENT,
                problem: "data.algorithms must be an array of algorithm names",
            };
            let algorithms = match data.algorithms {
                None | Some(Value::Null) => Vec::new(),
                Some(Value::Array(names)) => names
                    .into_iter()
                    .map(|name| match name {
                        Value::String(name) => Ok(name),
                        _ => Err(invalid.clone()),
                    })
                    .collect::<Result<_, _>>()?,
                Some(_) => return Err(invalid),
            };
            Ok(ClientMessage::EnableDeltaCompression { algorithms })
        }
        "pusher:delta_sync_error" => {
            const EVENT: &str = "pusher:delta_sync_error";
            let data: SubscribeData = object_data(envelope.data.as_deref(), EVENT)?;
            let channel = required_string(data.channel, EVENT, "data.channel must be a string")?;
            Ok(ClientMessage::DeltaSyncError { channel })
        }
        name if name.starts_with("client-") => {
            let channel = match envelope.channel {
                Some(Value::String(channel)) => channel,
                _ => {
                    return Err(InboundError::InvalidData {
                        event: "client event",
                        problem: "a client event needs a \"channel\" string",
                    })
                }
            };
            let data = envelope
                .data
                .unwrap_or_else(|| RawValue::from_string("null".into()).expect("null is JSON"));
            Ok(ClientMessage::ClientEvent {
                event,
                channel,
                data,
            })
        }
        _ => Ok(ClientMessage::Other(event)),
    }
}

fn parse_subscribe(data: Option<&RawValue>) -> Result<Subscribe, InboundError> {
    const EVENT: &str = "pusher:subscribe";
    let data: SubscribeData = object_data(data, EVENT)?;
    let channel = required_string(data.channel, EVENT, "data.channel must be a string")?;
    let auth =
        optional_string(data.auth, EVENT, "data.auth must be a string")?.filter(|a| !a.is_empty());
    let channel_data = match data.channel_data {
        None | Some(Value::Null) => None,
        Some(Value::String(text)) => Some(text),
        // Some clients send the object itself; its compact form is what they would have signed.
        Some(other) => Some(other.to_string()),
    };
    let delta = match data.delta {
        None | Some(Value::Null) => None,
        Some(Value::Bool(false)) => Some(DeltaChoice::Off),
        Some(Value::String(name)) => Some(DeltaChoice::Algorithm(name)),
        Some(_) => {
            return Err(InboundError::InvalidData {
                event: EVENT,
                problem: "data.delta must be an algorithm name or false",
            })
        }
    };
    Ok(Subscribe {
        channel,
        auth,
        channel_data,
        filter: data.filter.filter(|f| !f.is_null()),
        delta,
    })
}

/// `data` as an object; clients may also send it as a JSON string holding the object.
fn object_data<T: for<'de> Deserialize<'de> + Default>(
    data: Option<&RawValue>,
    event: &'static str,
) -> Result<T, InboundError> {
    let invalid = InboundError::InvalidData {
        event,
        problem: "data must be a JSON object",
    };
    // serde_json stops at 128 levels; only a (tag filter) value can nest that deep.
    let problem = |error: serde_json::Error| match error.to_string() {
        text if text.starts_with("recursion limit exceeded") => InboundError::InvalidData {
            event,
            problem: "data nests too deeply (a filter nests at most 8 levels)",
        },
        _ => invalid.clone(),
    };
    let Some(raw) = data else {
        return Err(invalid);
    };
    let text = raw.get();
    if text.starts_with('"') {
        let inner: String = serde_json::from_str(text).map_err(|_| invalid.clone())?;
        return serde_json::from_str(&inner).map_err(problem);
    }
    serde_json::from_str(text).map_err(problem)
}

fn required_string(
    value: Option<Value>,
    event: &'static str,
    problem: &'static str,
) -> Result<String, InboundError> {
    optional_string(value, event, problem)?.ok_or(InboundError::InvalidData { event, problem })
}

fn optional_string(
    value: Option<Value>,
    event: &'static str,
    problem: &'static str,
) -> Result<Option<String>, InboundError> {
    match value {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(text)) => Ok(Some(text)),
        Some(_) => Err(InboundError::InvalidData { event, problem }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_subscribe_as_pusher_js_sends_it() {
        let frame = r#"{"event":"pusher:subscribe","data":{"auth":"","channel":"chat"}}"#;
        match parse(frame).unwrap() {
            ClientMessage::Subscribe(sub) => {
                assert_eq!(sub.channel, "chat");
                assert_eq!(sub.auth, None);
                assert_eq!(sub.channel_data, None);
            }
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn keeps_presence_channel_data_byte_exact() {
        let frame = r#"{"event":"pusher:subscribe","data":{"channel":"presence-a","auth":"k:s","channel_data":"{\"user_id\": 1}"}}"#;
        let ClientMessage::Subscribe(sub) = parse(frame).unwrap() else {
            panic!()
        };
        assert_eq!(sub.channel_data.as_deref(), Some(r#"{"user_id": 1}"#));
        assert_eq!(sub.auth.as_deref(), Some("k:s"));
    }

    #[test]
    fn parses_the_delta_and_filter_extensions() {
        let frame = r#"{"event":"pusher:subscribe","data":{"channel":"t","delta":false,"filter":{"key":"a","cmp":"ex"}}}"#;
        let ClientMessage::Subscribe(sub) = parse(frame).unwrap() else {
            panic!()
        };
        assert_eq!(sub.delta, Some(DeltaChoice::Off));
        assert_eq!(sub.filter.unwrap()["cmp"], "ex");
        let frame = r#"{"event":"pusher:subscribe","data":{"channel":"t","delta":7}}"#;
        assert!(matches!(
            parse(frame),
            Err(InboundError::InvalidData { .. })
        ));
        let frame = r#"{"event":"pusher:enable_delta_compression","data":{"algorithms":["xdelta3","fossil"]}}"#;
        assert!(matches!(
            parse(frame),
            Ok(ClientMessage::EnableDeltaCompression { algorithms }) if algorithms == ["xdelta3", "fossil"]
        ));
        let frame = r#"{"event":"pusher:enable_delta_compression"}"#;
        assert!(matches!(
            parse(frame),
            Ok(ClientMessage::EnableDeltaCompression { algorithms }) if algorithms.is_empty()
        ));
        let frame = r#"{"event":"pusher:delta_sync_error","data":{"channel":"t"}}"#;
        assert!(matches!(
            parse(frame),
            Ok(ClientMessage::DeltaSyncError { channel }) if channel == "t"
        ));
    }

    #[test]
    fn accepts_data_as_a_json_string() {
        let frame = r#"{"event":"pusher:unsubscribe","data":"{\"channel\":\"chat\"}"}"#;
        assert!(
            matches!(parse(frame), Ok(ClientMessage::Unsubscribe { channel }) if channel == "chat")
        );
    }

    #[test]
    fn client_events_keep_raw_data() {
        let frame = r#"{"event":"client-typing","channel":"private-a","data":{"x": [1, 2]}}"#;
        let ClientMessage::ClientEvent {
            event,
            channel,
            data,
        } = parse(frame).unwrap()
        else {
            panic!()
        };
        assert_eq!(
            (event.as_str(), channel.as_str()),
            ("client-typing", "private-a")
        );
        assert_eq!(data.get(), r#"{"x": [1, 2]}"#);
    }

    #[test]
    fn malformed_frames_are_errors_not_panics() {
        assert_eq!(parse("{").unwrap_err(), InboundError::NotJson);
        assert_eq!(parse("").unwrap_err(), InboundError::NotJson);
        assert_eq!(parse("[1,2]").unwrap_err(), InboundError::NotAnEvent);
        assert_eq!(parse("42").unwrap_err(), InboundError::NotAnEvent);
        assert_eq!(
            parse(r#"{"data":{}}"#).unwrap_err(),
            InboundError::NotAnEvent
        );
        assert_eq!(
            parse(r#"{"event":7}"#).unwrap_err(),
            InboundError::NotAnEvent
        );
        assert!(matches!(
            parse(r#"{"event":"pusher:subscribe"}"#),
            Err(InboundError::InvalidData { .. })
        ));
        assert!(matches!(
            parse(r#"{"event":"pusher:subscribe","data":{"channel":5}}"#),
            Err(InboundError::InvalidData { .. })
        ));
        assert!(matches!(
            parse(r#"{"event":"client-x","data":{}}"#),
            Err(InboundError::InvalidData { .. })
        ));
        assert!(matches!(
            parse(r#"{"event":"pusher:signin","data":{"auth":"a"}}"#),
            Err(InboundError::InvalidData { .. })
        ));
    }

    #[test]
    fn unknown_events_are_passed_over() {
        assert!(matches!(
            parse(r#"{"event":"pusher:future","data":{}}"#),
            Ok(ClientMessage::Other(_))
        ));
        assert!(matches!(
            parse(r#"{"event":"pusher:ping","data":""}"#),
            Ok(ClientMessage::Ping)
        ));
    }
}
