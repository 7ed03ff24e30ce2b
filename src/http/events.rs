//! `POST /events` and `POST /batch_events`: validate every event first, then publish, so a bad
//! batch publishes nothing.

use super::auth::{app_quota, authorize, signed_body};
use super::ApiError;
use crate::app::Limits;
use crate::filter::Tags;
use crate::protocol::channel::ChannelName;
use crate::protocol::{ChannelKind, SocketId};
use crate::publish::ApiEvent;
use crate::ratelimit::Limit;
use crate::state::State;
use axum::extract::{Path, Request, State as Extract};
use axum::http::{Method, Uri};
use axum::Json;
use serde::Deserialize;
use serde_json::{json, Map, Value};
use std::sync::Arc;

#[derive(Deserialize)]
pub(crate) struct EventBody {
    name: Option<Value>,
    data: Option<Value>,
    channel: Option<Value>,
    channels: Option<Value>,
    socket_id: Option<Value>,
    info: Option<Value>,
    tags: Option<Value>,
}

#[derive(Deserialize)]
struct BatchBody {
    batch: Vec<EventBody>,
}

/// An event that passed validation, and the channel attributes its caller asked for.
pub(crate) struct Event {
    pub(crate) event: ApiEvent,
    info: Vec<String>,
}

/// Most tags one event may carry.
const MAX_TAGS: usize = 32;
/// Longest tag key or value, in bytes (as long as filters may compare).
const MAX_TAG_LENGTH: usize = crate::filter::MAX_VALUE_LENGTH;

pub async fn trigger(
    Extract(state): Extract<Arc<State>>,
    Path(app_id): Path<String>,
    method: Method,
    uri: Uri,
    request: Request,
) -> Result<Json<Value>, ApiError> {
    let auth = authorize(&state, &app_id, &method, &uri).await?;
    let body = signed_body(&state, &auth, request.into_body()).await?;
    let body: EventBody = parse_json(&body)?;
    let limits = state.limit_defaults.for_app(&auth.app);
    let event = validate(body, &limits)?;
    app_quota(&state, &auth.app, Limit::BackendEvents, 1).await?;
    let info = publish(&state, &auth.app.id, &event);
    Ok(Json(match info {
        Some(channels) => json!({ "channels": channels }),
        None => json!({}),
    }))
}

pub async fn trigger_batch(
    Extract(state): Extract<Arc<State>>,
    Path(app_id): Path<String>,
    method: Method,
    uri: Uri,
    request: Request,
) -> Result<Json<Value>, ApiError> {
    let auth = authorize(&state, &app_id, &method, &uri).await?;
    let body = signed_body(&state, &auth, request.into_body()).await?;
    let body: BatchBody = parse_json(&body)?;
    let limits = state.limit_defaults.for_app(&auth.app);
    if body.batch.len() > limits.event_batch_size {
        return Err(ApiError::bad_request(format!(
            "Batch has {} events; the limit is {}",
            body.batch.len(),
            limits.event_batch_size
        )));
    }
    let events = body
        .batch
        .into_iter()
        .enumerate()
        .map(|(index, event)| {
            validate(event, &limits).map_err(|mut error| {
                error.message = format!("batch[{index}]: {}", error.message);
                error
            })
        })
        .collect::<Result<Vec<_>, _>>()?;
    for event in &events {
        if event.event.channels.len() != 1 {
            return Err(ApiError::bad_request(
                "Each batch event takes exactly one channel",
            ));
        }
    }
    app_quota(&state, &auth.app, Limit::BackendEvents, events.len() as u64).await?;
    let infos: Vec<Option<Map<String, Value>>> = events
        .iter()
        .map(|event| publish(&state, &auth.app.id, event))
        .collect();
    if infos.iter().all(Option::is_none) {
        return Ok(Json(json!({})));
    }
    let batch: Vec<Value> = infos
        .into_iter()
        .map(|info| {
            info.and_then(|channels| channels.into_iter().next().map(|(_, attrs)| attrs))
                .unwrap_or_else(|| json!({}))
        })
        .collect();
    Ok(Json(json!({ "batch": batch })))
}

pub(crate) fn parse_json<T: for<'de> Deserialize<'de>>(body: &[u8]) -> Result<T, ApiError> {
    serde_json::from_slice(body)
        .map_err(|e| ApiError::bad_request(format!("Invalid JSON body: {e}")))
}

pub(crate) fn validate(body: EventBody, limits: &Limits) -> Result<Event, ApiError> {
    let name = match body.name {
        Some(Value::String(name)) if !name.is_empty() => name,
        _ => return Err(ApiError::bad_request("\"name\" must be a non-empty string")),
    };
    if name.len() > limits.event_name_length {
        return Err(ApiError::bad_request(format!(
            "Event name is longer than {} characters",
            limits.event_name_length
        )));
    }
    let data = match body.data {
        Some(Value::String(data)) => data,
        // The SDKs send a string; accept structured data too, as its JSON text.
        Some(other) if !other.is_null() => other.to_string(),
        _ => return Err(ApiError::bad_request("\"data\" is required")),
    };
    if data.len() > limits.event_payload_bytes {
        return Err(ApiError::too_large(format!(
            "Event data is {} bytes; the limit is {} bytes",
            data.len(),
            limits.event_payload_bytes
        )));
    }
    let names: Vec<String> = match (body.channel, body.channels) {
        (Some(Value::String(channel)), None) => vec![channel],
        (None, Some(Value::Array(channels))) => channels
            .into_iter()
            .map(|c| match c {
                Value::String(c) => Ok(c),
                _ => Err(ApiError::bad_request(
                    "\"channels\" must be an array of strings",
                )),
            })
            .collect::<Result<_, _>>()?,
        (Some(_), Some(_)) => {
            return Err(ApiError::bad_request(
                "Give \"channel\" or \"channels\", not both",
            ))
        }
        _ => {
            return Err(ApiError::bad_request(
                "\"channel\" (a string) or \"channels\" (an array) is required",
            ))
        }
    };
    if names.is_empty() || names.len() > limits.event_channels_at_once {
        return Err(ApiError::bad_request(format!(
            "An event goes to 1 to {} channels; got {}",
            limits.event_channels_at_once,
            names.len()
        )));
    }
    let channels = names
        .iter()
        .map(|name| {
            ChannelName::parse(name, limits.channel_name_length)
                .map_err(|e| ApiError::bad_request(format!("Invalid channel {name:?}: {e}")))
        })
        .collect::<Result<Vec<_>, _>>()?;
    let except = match body.socket_id {
        None | Some(Value::Null) => None,
        Some(Value::String(id)) => Some(
            SocketId::parse(&id)
                .ok_or_else(|| ApiError::bad_request(format!("Invalid socket_id {id:?}")))?,
        ),
        Some(_) => return Err(ApiError::bad_request("\"socket_id\" must be a string")),
    };
    let info = match body.info {
        None | Some(Value::Null) => Vec::new(),
        Some(Value::String(info)) => parse_info(&info, &["subscription_count", "user_count"])?,
        Some(_) => {
            return Err(ApiError::bad_request(
                "\"info\" must be a comma-separated string",
            ))
        }
    };
    Ok(Event {
        event: ApiEvent {
            name,
            data,
            channels,
            except,
            tags: parse_tags(body.tags)?,
        },
        info,
    })
}

/// `tags`: an object of string values, within [`MAX_TAGS`] and [`MAX_TAG_LENGTH`].
fn parse_tags(tags: Option<Value>) -> Result<Option<Tags>, ApiError> {
    let tags = match tags {
        None | Some(Value::Null) => return Ok(None),
        Some(Value::Object(tags)) => tags,
        Some(_) => {
            return Err(ApiError::bad_request(
                "\"tags\" must be an object of strings",
            ))
        }
    };
    if tags.len() > MAX_TAGS {
        return Err(ApiError::bad_request(format!(
            "An event carries at most {MAX_TAGS} tags; got {}",
            tags.len()
        )));
    }
    let tags = tags
        .into_iter()
        .map(|(key, value)| match value {
            Value::String(value)
                if !key.is_empty()
                    && key.len() <= MAX_TAG_LENGTH
                    && value.len() <= MAX_TAG_LENGTH =>
            {
                Ok((key, value))
            }
            Value::String(_) => Err(ApiError::bad_request(format!(
                "Tag {key:?}: keys are 1 to {MAX_TAG_LENGTH} bytes, values at most {MAX_TAG_LENGTH}"
            ))),
            _ => Err(ApiError::bad_request(format!(
                "Tag {key:?} must have a string value"
            ))),
        })
        .collect::<Result<Tags, _>>()?;
    Ok((!tags.is_empty()).then_some(tags))
}

/// Splits an `info` parameter, refusing attributes outside `allowed`.
pub fn parse_info(info: &str, allowed: &[&str]) -> Result<Vec<String>, ApiError> {
    info.split(',')
        .map(str::trim)
        .filter(|a| !a.is_empty())
        .map(|attribute| {
            if allowed.contains(&attribute) {
                Ok(attribute.to_owned())
            } else {
                Err(ApiError::bad_request(format!(
                    "Unknown info attribute {attribute:?}; expected one of {}",
                    allowed.join(", ")
                )))
            }
        })
        .collect()
}

/// Test support for the `http_body` fuzz target (`fuzz/`), not an API: runs the body checks of
/// `POST /events` and of `POST /batch_events` on `body` with the default limits, as the handlers
/// do after the signature passed. Returns how many events passed validation.
#[doc(hidden)]
pub fn fuzz_event_body(body: &[u8]) -> usize {
    let limits = crate::app::LimitDefaults::default().for_app(&crate::app::App::new("a", "k", "s"));
    let mut valid = 0;
    if let Ok(event) = parse_json::<EventBody>(body) {
        valid += usize::from(validate(event, &limits).is_ok());
    }
    if let Ok(batch) = parse_json::<BatchBody>(body) {
        for event in batch.batch {
            valid += usize::from(validate(event, &limits).is_ok());
        }
    }
    valid
}

/// Delivers `event` to each of its channels; returns the requested `info` per channel.
pub(crate) fn publish(state: &State, app_id: &str, event: &Event) -> Option<Map<String, Value>> {
    state.publisher.api_event(app_id, &event.event);
    if event.info.is_empty() {
        return None;
    }
    let mut channels = Map::new();
    for channel in &event.event.channels {
        let counts = state.publisher.counts(app_id, channel.as_str());
        let mut attributes = Map::new();
        for attribute in &event.info {
            match attribute.as_str() {
                "subscription_count" => {
                    attributes.insert(attribute.clone(), json!(counts.subscription_count));
                }
                "user_count" if channel.kind() == ChannelKind::Presence => {
                    attributes.insert(attribute.clone(), json!(counts.user_count));
                }
                _ => {}
            }
        }
        channels.insert(channel.as_str().to_owned(), Value::Object(attributes));
    }
    Some(channels)
}
