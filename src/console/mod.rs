//! The web console (`sockudo serve --console`): a single page on the main port to watch and drive
//! channels, with its assets embedded in the binary. Off by default.
//!
//! Routes, under `console.path` (`/console`):
//! - `GET {path}`: the page; `GET {path}/assets/{file}`: its CSS, JS and the vendored pusher-js.
//! - `GET {path}/api/apps`: ids, keys and flags of the apps (never secrets).
//! - `GET {path}/api/apps/{app_id}/channels`: occupied channels with subscriber (and user) counts.
//! - `POST {path}/api/apps/{app_id}/auth/channel` and `.../auth/user`: sign a private / presence
//!   subscription or a user sign-in with the app secret, server side (pusher-js's form bodies).
//!   For `private-encrypted-*` the answer adds `shared_secret` (Pusher's scheme, from the app's
//!   `encryption_master_key_base64`); without `socket_id` it is only the `shared_secret`, which the
//!   page encrypts triggered data with. The master key and the secret never reach the page.
//! - `POST {path}/api/apps/{app_id}/events`: publish one event (`POST /apps/{id}/events` body) or a
//!   batch (`{"batch": [...]}`), through the same validation and fan-out as the HTTP API.
//!
//! Access (everything but the static assets) is decided in [`access`]: loopback clients by a
//! loopback name, or anyone with `console.token`; the API only for the console's own page (same
//! origin, per-process CSRF token). The console's routes are outside the HTTP API's CORS layer.

mod access;

use crate::app::App;
use crate::http::events::{parse_json, publish, validate, EventBody};
use crate::http::ApiError;
use crate::protocol::channel::{ChannelName, SERVER_TO_USER_PREFIX};
use crate::protocol::{signature, ChannelKind, SocketId};
use crate::state::State;
use axum::body::Bytes;
use axum::extract::{Path, State as Extract};
use axum::http::{header, HeaderValue, StatusCode};
use axum::middleware;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use base64::Engine;
use serde_json::{json, Map, Value};
use sha2::{Digest, Sha256};
use std::collections::{BTreeSet, HashMap};
use std::sync::Arc;

const INDEX: &str = include_str!("assets/index.html");
const ASSETS: &[(&str, &str, &str)] = &[
    (
        "console.css",
        "text/css; charset=utf-8",
        include_str!("assets/console.css"),
    ),
    (
        "console.js",
        "text/javascript; charset=utf-8",
        include_str!("assets/console.js"),
    ),
    (
        "pusher.min.js",
        "text/javascript; charset=utf-8",
        include_str!("assets/pusher.min.js"),
    ),
    (
        "pusher.min.js.LICENSE.txt",
        "text/plain; charset=utf-8",
        include_str!("assets/pusher.min.js.LICENSE.txt"),
    ),
    (
        "pusher-js.LICENSE",
        "text/plain; charset=utf-8",
        include_str!("assets/pusher-js.LICENSE"),
    ),
    // The reference delta decoder for pusher-js apps, served as it is in the repository.
    (
        "delta-decoder.js",
        "text/javascript; charset=utf-8",
        include_str!("../../clients/delta-decoder.js"),
    ),
    (
        "fossil-delta.js",
        "text/javascript; charset=utf-8",
        include_str!("assets/fossil-delta.js"),
    ),
    (
        "fossil-delta-global.js",
        "text/javascript; charset=utf-8",
        include_str!("assets/fossil-delta-global.js"),
    ),
    (
        "fossil-delta.LICENSE",
        "text/plain; charset=utf-8",
        include_str!("assets/fossil-delta.LICENSE"),
    ),
    (
        "vcdiff-decoder.min.js",
        "text/javascript; charset=utf-8",
        include_str!("assets/vcdiff-decoder.min.js"),
    ),
    (
        "vcdiff-decoder.LICENSE",
        "text/plain; charset=utf-8",
        include_str!("assets/vcdiff-decoder.LICENSE"),
    ),
    (
        "nacl-fast.min.js",
        "text/javascript; charset=utf-8",
        include_str!("assets/nacl-fast.min.js"),
    ),
    (
        "tweetnacl.LICENSE",
        "text/plain; charset=utf-8",
        include_str!("assets/tweetnacl.LICENSE"),
    ),
];

/// Nothing but this server: scripts, styles and connections (HTTP and WebSocket) stay on it.
const CSP: &str = "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; \
                   connect-src 'self' ws: wss:; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

/// The console's routes under `console.path`; [`crate::server`] merges them beside the API's
/// when enabled.
pub fn routes(state: &Arc<State>) -> Router<Arc<State>> {
    let base = base_path(&state.config.console.path);
    let keys = Arc::new(access::Keys::new(state.config.console.token.clone()));
    let page = {
        let keys = keys.clone();
        move |state: Extract<Arc<State>>| page(state, keys.clone())
    };
    let protected = Router::new()
        .route(&base, get(page.clone()))
        .route(&format!("{base}/"), get(page))
        .route(&format!("{base}/api/apps"), get(apps))
        .route(
            &format!("{base}/api/apps/{{app_id}}/channels"),
            get(channels),
        )
        .route(
            &format!("{base}/api/apps/{{app_id}}/auth/channel"),
            post(auth_channel),
        )
        .route(
            &format!("{base}/api/apps/{{app_id}}/auth/user"),
            post(auth_user),
        )
        .route(&format!("{base}/api/apps/{{app_id}}/events"), post(trigger))
        .route_layer(middleware::from_fn_with_state(keys, access::guard));
    Router::new()
        .route(&format!("{base}/assets/{{file}}"), get(asset))
        .merge(protected)
}

/// `console.path` without a trailing slash.
pub fn base_path(path: &str) -> String {
    let trimmed = path.trim_end_matches('/');
    if trimmed.starts_with('/') {
        trimmed.to_owned()
    } else {
        format!("/{trimmed}")
    }
}

/// The page, with its base path and this process's CSRF token written in.
async fn page(Extract(state): Extract<Arc<State>>, keys: Arc<access::Keys>) -> Response {
    let base = base_path(&state.config.console.path);
    let escaped = base
        .replace('&', "&amp;")
        .replace('"', "&quot;")
        .replace('<', "&lt;")
        .replace('>', "&gt;");
    let html = INDEX
        .replace("{{BASE}}", &escaped)
        .replace("{{CSRF}}", &keys.csrf);
    (
        [
            (
                header::CONTENT_TYPE,
                HeaderValue::from_static("text/html; charset=utf-8"),
            ),
            (header::CACHE_CONTROL, HeaderValue::from_static("no-store")),
            (
                header::CONTENT_SECURITY_POLICY,
                HeaderValue::from_static(CSP),
            ),
            (
                header::X_CONTENT_TYPE_OPTIONS,
                HeaderValue::from_static("nosniff"),
            ),
        ],
        html,
    )
        .into_response()
}

async fn asset(Path(file): Path<String>) -> Response {
    match ASSETS.iter().find(|(name, _, _)| *name == file) {
        Some((_, content_type, body)) => (
            [
                (header::CONTENT_TYPE, HeaderValue::from_static(content_type)),
                (header::CACHE_CONTROL, HeaderValue::from_static("no-cache")),
                (
                    header::X_CONTENT_TYPE_OPTIONS,
                    HeaderValue::from_static("nosniff"),
                ),
            ],
            *body,
        )
            .into_response(),
        None => (StatusCode::NOT_FOUND, "No such console asset").into_response(),
    }
}

/// `GET {path}/api/apps`: what the page needs to connect; never a secret.
async fn apps(Extract(state): Extract<Arc<State>>) -> Result<Json<Value>, ApiError> {
    let mut apps = state
        .apps
        .all()
        .await
        .map_err(|e| ApiError::unavailable(e.to_string()))?;
    apps.sort_by(|a, b| a.id.cmp(&b.id));
    let apps: Vec<Value> = apps
        .iter()
        .map(|app| {
            json!({
                "id": app.id,
                "key": app.key,
                "name": app.name,
                "enabled": app.enabled,
                "enable_client_messages": app.enable_client_messages,
                "enable_user_authentication": app.enable_user_authentication,
                "encrypted_channels": app.encryption_master_key().is_some(),
            })
        })
        .collect();
    Ok(Json(json!({ "apps": apps })))
}

/// An enabled app by id: 404 unknown, 403 disabled.
async fn enabled_app(state: &State, app_id: &str) -> Result<Arc<App>, ApiError> {
    let app = match state.apps.find_by_id(app_id).await {
        Ok(Some(app)) => app,
        Ok(None) => return Err(ApiError::not_found(format!("Unknown app {app_id:?}"))),
        Err(error) => return Err(ApiError::unavailable(error.to_string())),
    };
    if !app.enabled {
        return Err(ApiError::forbidden("App is disabled"));
    }
    Ok(app)
}

/// `GET {path}/api/apps/{app_id}/channels`: every occupied channel over the cluster, with
/// `subscription_count`, and `user_count` for presence channels.
async fn channels(
    Extract(state): Extract<Arc<State>>,
    Path(app_id): Path<String>,
) -> Result<Json<Value>, ApiError> {
    let app = enabled_app(&state, &app_id).await?;
    let mut names: BTreeSet<String> = state
        .registry
        .existing(&app.id)
        .map(|ns| ns.channels().into_iter().map(|(name, _)| name).collect())
        .unwrap_or_default();
    names.extend(state.cluster.remote_channels(&app.id).into_keys());
    let mut channels = Map::new();
    for name in names {
        if name.starts_with(SERVER_TO_USER_PREFIX) {
            continue;
        }
        let counts = state.publisher.counts(&app.id, &name);
        if counts.subscription_count == 0 {
            continue;
        }
        let mut attributes = json!({ "subscription_count": counts.subscription_count });
        if name.starts_with("presence-") {
            attributes["user_count"] = json!(counts.user_count);
        }
        channels.insert(name, attributes);
    }
    Ok(Json(json!({ "channels": channels })))
}

fn form(body: &[u8]) -> HashMap<String, String> {
    form_urlencoded::parse(body).into_owned().collect()
}

fn socket_id(params: &HashMap<String, String>) -> Result<String, ApiError> {
    let id = params
        .get("socket_id")
        .ok_or_else(|| ApiError::bad_request("socket_id is required"))?;
    SocketId::parse(id)
        .ok_or_else(|| ApiError::bad_request(format!("Invalid socket_id {id:?}")))?;
    Ok(id.clone())
}

/// The user the page acts as: `user_id` (required) and an optional display `user_name`.
fn user(params: &HashMap<String, String>) -> Result<(String, Value), ApiError> {
    let id = params
        .get("user_id")
        .map(|s| s.trim())
        .filter(|s| !s.is_empty())
        .ok_or_else(|| ApiError::bad_request("user_id is required"))?;
    let info = match params.get("user_name").map(|s| s.trim()) {
        Some(name) if !name.is_empty() => json!({ "name": name }),
        _ => json!({ "name": id }),
    };
    Ok((id.to_owned(), info))
}

/// `POST {path}/api/apps/{app_id}/auth/channel`: pusher-js's channel authorization request
/// (`socket_id`, `channel_name`, and for presence the console's `user_id` / `user_name`). For an
/// encrypted channel the answer carries `shared_secret`; without `socket_id` it is all it carries
/// (the trigger form encrypts with it).
async fn auth_channel(
    Extract(state): Extract<Arc<State>>,
    Path(app_id): Path<String>,
    body: Bytes,
) -> Result<Json<Value>, ApiError> {
    let app = enabled_app(&state, &app_id).await?;
    let params = form(&body);
    let name = params
        .get("channel_name")
        .ok_or_else(|| ApiError::bad_request("channel_name is required"))?;
    let limits = state.limit_defaults.for_app(&app);
    let channel = ChannelName::parse(name, limits.channel_name_length)
        .map_err(|e| ApiError::bad_request(format!("Invalid channel {name:?}: {e}")))?;
    let mut shared_secret = None;
    let channel_data = match channel.kind() {
        ChannelKind::Private => None,
        ChannelKind::Presence => {
            let (id, info) = user(&params)?;
            Some(json!({ "user_id": id, "user_info": info }).to_string())
        }
        ChannelKind::PrivateEncrypted => {
            let key = app.encryption_master_key().ok_or_else(|| {
                ApiError::bad_request(format!(
                    "App {:?} has no encryption master key, so its private-encrypted channels \
                     cannot be signed: set encryption_master_key_base64 (32 random bytes in \
                     base64, the same key as your server SDK's encryptionMasterKeyBase64) in the \
                     app's configuration",
                    app.id
                ))
            })?;
            let secret = shared_secret_base64(name, &key);
            if !params.contains_key("socket_id") {
                return Ok(Json(json!({ "shared_secret": secret })));
            }
            shared_secret = Some(secret);
            None
        }
        _ => {
            return Err(ApiError::bad_request(format!(
                "{name:?} is public: subscribe without authorization"
            )))
        }
    };
    let socket_id = socket_id(&params)?;
    let message = signature::channel_auth_message(&socket_id, name, channel_data.as_deref());
    let mut answer =
        json!({ "auth": format!("{}:{}", app.key, signature::sign(&app.secret, &message)) });
    if let Some(data) = channel_data {
        answer["channel_data"] = json!(data);
    }
    if let Some(secret) = shared_secret {
        answer["shared_secret"] = json!(secret);
    }
    Ok(Json(answer))
}

/// Pusher's per-channel key for `private-encrypted-*`: base64(SHA-256(channel name ++ master key)),
/// what the server SDKs encrypt with and pusher-js decrypts with.
pub fn shared_secret_base64(channel: &str, master_key: &[u8; 32]) -> String {
    let mut hash = Sha256::new();
    hash.update(channel.as_bytes());
    hash.update(master_key);
    base64::engine::general_purpose::STANDARD.encode(hash.finalize())
}

/// `POST {path}/api/apps/{app_id}/auth/user`: pusher-js's user authentication request
/// (`socket_id`, plus the console's `user_id` / `user_name`).
async fn auth_user(
    Extract(state): Extract<Arc<State>>,
    Path(app_id): Path<String>,
    body: Bytes,
) -> Result<Json<Value>, ApiError> {
    let app = enabled_app(&state, &app_id).await?;
    let params = form(&body);
    let socket_id = socket_id(&params)?;
    let (id, info) = user(&params)?;
    let user_data = json!({ "id": id, "user_info": info }).to_string();
    let message = signature::user_auth_message(&socket_id, &user_data);
    let auth = format!("{}:{}", app.key, signature::sign(&app.secret, &message));
    Ok(Json(json!({ "auth": auth, "user_data": user_data })))
}

/// `POST {path}/api/apps/{app_id}/events`: the body of `POST /apps/{id}/events`, or
/// `{"batch": [...]}` as `POST /apps/{id}/batch_events` takes it; same checks, same fan-out.
async fn trigger(
    Extract(state): Extract<Arc<State>>,
    Path(app_id): Path<String>,
    body: Bytes,
) -> Result<Json<Value>, ApiError> {
    let app = enabled_app(&state, &app_id).await?;
    let value: Value = parse_json(&body)?;
    let limits = state.limit_defaults.for_app(&app);
    let Some(batch) = value.get("batch") else {
        let body: EventBody = serde_json::from_value(value)
            .map_err(|e| ApiError::bad_request(format!("Invalid event: {e}")))?;
        let event = validate(body, &limits)?;
        let info = publish(&state, &app.id, &event);
        return Ok(Json(match info {
            Some(channels) => json!({ "channels": channels }),
            None => json!({}),
        }));
    };
    let batch: Vec<EventBody> = serde_json::from_value(batch.clone())
        .map_err(|e| ApiError::bad_request(format!("\"batch\" must be an array of events: {e}")))?;
    if batch.is_empty() || batch.len() > limits.event_batch_size {
        return Err(ApiError::bad_request(format!(
            "Batch has {} events; it takes 1 to {}",
            batch.len(),
            limits.event_batch_size
        )));
    }
    let events = batch
        .into_iter()
        .enumerate()
        .map(|(index, event)| {
            let event = validate(event, &limits).map_err(|mut error| {
                error.message = format!("batch[{index}]: {}", error.message);
                error
            })?;
            if event.event.channels.len() != 1 {
                return Err(ApiError::bad_request(format!(
                    "batch[{index}]: each batch event takes exactly one channel"
                )));
            }
            Ok(event)
        })
        .collect::<Result<Vec<_>, _>>()?;
    for event in &events {
        publish(&state, &app.id, event);
    }
    Ok(Json(json!({ "batch": events.len() })))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shared_secrets_follow_pushers_scheme() {
        // pusher-http-node: sha256(Buffer.concat([Buffer.from(channel), masterKey])), base64.
        let key = *b"0123456789abcdef0123456789abcdef";
        let secret = shared_secret_base64("private-encrypted-x", &key);
        let mut expected = Sha256::new();
        expected.update(b"private-encrypted-x0123456789abcdef0123456789abcdef");
        assert_eq!(
            secret,
            base64::engine::general_purpose::STANDARD.encode(expected.finalize())
        );
        assert_ne!(secret, shared_secret_base64("private-encrypted-y", &key));
    }

    #[test]
    fn base_paths() {
        assert_eq!(base_path("/console/"), "/console");
        assert_eq!(base_path("debug"), "/debug");
    }
}
