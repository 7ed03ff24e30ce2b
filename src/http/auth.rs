//! Verification of signed HTTP API requests (PROTOCOL.md, "Signatures").

use super::ApiError;
use crate::app::App;
use crate::protocol::signature;
use crate::ratelimit::{Limit, Quota};
use crate::state::State;
use axum::http::{Method, Uri};
use bytes::Bytes;
use std::collections::HashMap;
use std::sync::Arc;
use std::time::{SystemTime, UNIX_EPOCH};

/// How far `auth_timestamp` may be from our clock.
const TIMESTAMP_WINDOW_SECS: i64 = 600;

/// A request that passed authentication, with its decoded query parameters.
pub struct Authorized {
    pub app: Arc<App>,
    pub params: HashMap<String, String>,
}

/// Finds the app and checks key, timestamp and signature, from the request line alone: the
/// signature covers `body_md5`, so nobody without the secret gets a body read (see
/// [`signed_body`]). Unknown app: 404; any auth failure: 401; a disabled app: 403 (only after the
/// caller proved they hold its secret).
pub async fn authorize(
    state: &State,
    app_id: &str,
    method: &Method,
    uri: &Uri,
) -> Result<Authorized, ApiError> {
    let app = match state.apps.find_by_id(app_id).await {
        Ok(Some(app)) => app,
        Ok(None) => return Err(ApiError::not_found(format!("Unknown app {app_id:?}"))),
        Err(error) => return Err(ApiError::unavailable(error.to_string())),
    };
    let pairs: Vec<(String, String)> = form_urlencoded::parse(uri.query().unwrap_or("").as_bytes())
        .into_owned()
        .collect();
    let params: HashMap<String, String> = pairs.iter().cloned().collect();
    let get = |name: &str| params.get(name).map(String::as_str);

    let key = get("auth_key").ok_or_else(|| ApiError::unauthorized("Missing auth_key"))?;
    if key != app.key {
        return Err(ApiError::unauthorized("auth_key does not match the app"));
    }
    let signature =
        get("auth_signature").ok_or_else(|| ApiError::unauthorized("Missing auth_signature"))?;
    let timestamp: i64 = get("auth_timestamp")
        .ok_or_else(|| ApiError::unauthorized("Missing auth_timestamp"))?
        .parse()
        .map_err(|_| ApiError::unauthorized("auth_timestamp is not a number"))?;
    let now = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_secs() as i64);
    if now.abs_diff(timestamp) > TIMESTAMP_WINDOW_SECS.unsigned_abs() {
        return Err(ApiError::unauthorized(format!(
            "auth_timestamp is more than {TIMESTAMP_WINDOW_SECS} s from the server time ({now}); check the clock"
        )));
    }
    let to_sign = signature::http_string_to_sign(
        method.as_str(),
        uri.path(),
        pairs.iter().map(|(k, v)| (k.as_str(), v.as_str())),
    );
    if !signature::verify(&app.secret, &to_sign, signature) {
        return Err(ApiError::unauthorized(
            "Invalid signature: check the app secret and how the request is signed",
        ));
    }
    if method == Method::GET {
        app_quota(state, &app, Limit::ReadRequests, 1).await?;
    }
    if !app.enabled {
        return Err(ApiError::forbidden("App is disabled"));
    }
    Ok(Authorized { app, params })
}

/// Reads the body of a request that passed [`authorize`] (at most `http_api.request_limit_in_mb`,
/// else 413) and checks it against the signed `body_md5`.
pub async fn signed_body(
    state: &State,
    auth: &Authorized,
    body: axum::body::Body,
) -> Result<Bytes, ApiError> {
    let limit_mb = state.config.http_api.request_limit_in_mb;
    let limit = usize::try_from(limit_mb.saturating_mul(1024 * 1024)).unwrap_or(usize::MAX);
    let body = axum::body::to_bytes(body, limit).await.map_err(|error| {
        let too_large = std::error::Error::source(&error)
            .is_some_and(|source| source.is::<http_body_util::LengthLimitError>());
        if too_large {
            ApiError::too_large(format!("Request body is over {limit_mb} MiB"))
        } else {
            ApiError::bad_request(format!("Cannot read the request body: {error}"))
        }
    })?;
    if !body.is_empty() {
        let given = auth
            .params
            .get("body_md5")
            .ok_or_else(|| ApiError::unauthorized("Missing body_md5 for a request with a body"))?;
        if !given.eq_ignore_ascii_case(&signature::body_md5(&body)) {
            return Err(ApiError::unauthorized("body_md5 does not match the body"));
        }
    }
    Ok(body)
}

/// Counts `cost` against one of the app's per-second quotas (`max_backend_events_per_second`,
/// `max_read_requests_per_second`); 429 once it is spent. Apps without the quota pass.
pub async fn app_quota(state: &State, app: &App, limit: Limit, cost: u64) -> Result<(), ApiError> {
    let (max, what) = match limit {
        Limit::BackendEvents => (app.max_backend_events_per_second, "events published"),
        _ => (app.max_read_requests_per_second, "read requests"),
    };
    let Some(max) = max.filter(|max| *max > 0) else {
        return Ok(());
    };
    let decision = state
        .rate_limits
        .check(limit, &app.id, cost, Quota::per_second(max))
        .await;
    if decision.allowed {
        return Ok(());
    }
    Err(ApiError::too_many_requests(
        format!(
            "App {:?} is over its limit of {max} {what} per second",
            app.id
        ),
        decision,
    ))
}
