//! Channel and user queries, and `terminate_connections`.

use super::auth::{authorize, signed_body};
use super::events::parse_info;
use super::ApiError;
use crate::protocol::channel::{classify, ChannelName, SERVER_TO_USER_PREFIX};

use crate::protocol::{ChannelKind, CloseCode};
use crate::state::State;
use axum::extract::{Path, Request, State as Extract};
use axum::http::{Method, Uri};
use axum::Json;
use serde_json::{json, Map, Value};
use std::collections::BTreeSet;
use std::sync::Arc;

/// `GET /channels`: occupied channels, optionally by prefix, with `user_count` for presence.
pub async fn list(
    Extract(state): Extract<Arc<State>>,
    Path(app_id): Path<String>,
    method: Method,
    uri: Uri,
) -> Result<Json<Value>, ApiError> {
    let auth = authorize(&state, &app_id, &method, &uri).await?;
    let prefix = auth
        .params
        .get("filter_by_prefix")
        .map(String::as_str)
        .unwrap_or("");
    let info = parse_info(
        auth.params.get("info").map_or("", String::as_str),
        &["user_count", "subscription_count"],
    )?;
    let wants_users = info.iter().any(|a| a == "user_count");
    if wants_users && !prefix.starts_with("presence-") {
        return Err(ApiError::bad_request(
            "info=user_count is only allowed with filter_by_prefix=presence-",
        ));
    }
    let mut channels = Map::new();
    let mut names: BTreeSet<String> = state
        .registry
        .existing(&auth.app.id)
        .map(|ns| ns.channels().into_iter().map(|(name, _)| name).collect())
        .unwrap_or_default();
    names.extend(state.cluster.remote_channels(&auth.app.id).into_keys());
    {
        for name in names {
            if !name.starts_with(prefix) || name.starts_with(SERVER_TO_USER_PREFIX) {
                continue;
            }
            let counts = state.publisher.counts(&auth.app.id, &name);
            let mut attributes = Map::new();
            if wants_users {
                attributes.insert("user_count".into(), json!(counts.user_count));
            }
            if info.iter().any(|a| a == "subscription_count") {
                attributes.insert(
                    "subscription_count".into(),
                    json!(counts.subscription_count),
                );
            }
            channels.insert(name, Value::Object(attributes));
        }
    }
    Ok(Json(json!({ "channels": channels })))
}

/// `GET /channels/{channel}`: occupancy and the requested counts.
pub async fn show(
    Extract(state): Extract<Arc<State>>,
    Path((app_id, channel)): Path<(String, String)>,
    method: Method,
    uri: Uri,
) -> Result<Json<Value>, ApiError> {
    let auth = authorize(&state, &app_id, &method, &uri).await?;
    let limits = state.limit_defaults.for_app(&auth.app);
    let name = ChannelName::parse(&channel, limits.channel_name_length)
        .map_err(|e| ApiError::bad_request(format!("Invalid channel {channel:?}: {e}")))?;
    let info = parse_info(
        auth.params.get("info").map_or("", String::as_str),
        &["user_count", "subscription_count", "cache"],
    )?;
    let namespace = state.registry.existing(&auth.app.id);
    let counts = state.publisher.counts(&auth.app.id, &channel);
    let mut body = Map::new();
    body.insert("occupied".into(), json!(counts.subscription_count > 0));
    for attribute in &info {
        match attribute.as_str() {
            "user_count" if name.kind() != ChannelKind::Presence => {
                return Err(ApiError::bad_request(
                    "info=user_count is only valid for presence channels",
                ));
            }
            "user_count" => {
                body.insert("user_count".into(), json!(counts.user_count));
            }
            "subscription_count" => {
                body.insert(
                    "subscription_count".into(),
                    json!(counts.subscription_count),
                );
            }
            _ if !name.is_cache() => {
                return Err(ApiError::bad_request(
                    "info=cache is only valid for cache channels",
                ));
            }
            _ => {
                let cached = namespace.as_ref().and_then(|ns| {
                    let cache = ns.cache.as_ref()?;
                    let event = cache.get(&channel)?;
                    Some(json!({ "event": event.event, "data": event.data, "ttl": cache.remaining_ttl(&event) }))
                });
                if let Some(cached) = cached {
                    body.insert("cache".into(), cached);
                }
            }
        }
    }
    Ok(Json(Value::Object(body)))
}

/// `GET /channels/{channel}/users`: presence members, each once.
pub async fn users(
    Extract(state): Extract<Arc<State>>,
    Path((app_id, channel)): Path<(String, String)>,
    method: Method,
    uri: Uri,
) -> Result<Json<Value>, ApiError> {
    let auth = authorize(&state, &app_id, &method, &uri).await?;
    if classify(&channel).0 != ChannelKind::Presence {
        return Err(ApiError::bad_request(
            "Users can only be listed for presence channels",
        ));
    }
    let ids = state.publisher.members(&auth.app.id, &channel);
    let users: Vec<Value> = ids.into_iter().map(|id| json!({ "id": id })).collect();
    Ok(Json(json!({ "users": users })))
}

/// `POST /users/{user_id}/terminate_connections`: closes the user's sockets with 4009.
pub async fn terminate_user(
    Extract(state): Extract<Arc<State>>,
    Path((app_id, user_id)): Path<(String, String)>,
    method: Method,
    uri: Uri,
    request: Request,
) -> Result<Json<Value>, ApiError> {
    let auth = authorize(&state, &app_id, &method, &uri).await?;
    signed_body(&state, &auth, request.into_body()).await?;
    if let Some(namespace) = state.registry.existing(&auth.app.id) {
        for socket in namespace.user_sockets(&user_id) {
            socket.close(CloseCode::Unauthorized);
        }
    }
    state.cluster.terminate_user(&auth.app.id, &user_id);
    Ok(Json(json!({})))
}
