//! Health checks for load balancers: `/up` (this node) and `/up/{app_id}` (an app is served).

use super::ApiError;
use crate::state::State;
use axum::extract::{Path, State as Extract};
use std::sync::Arc;

/// 200 either way, so a load balancer keeps a node that still serves its own clients; the body
/// says `DEGRADED` while the cluster bus is unreachable.
pub async fn up(Extract(state): Extract<Arc<State>>) -> &'static str {
    if state.cluster.is_connected() {
        "OK"
    } else {
        "DEGRADED: the cluster adapter is disconnected; serving local clients only"
    }
}

pub async fn up_app(
    Extract(state): Extract<Arc<State>>,
    Path(app_id): Path<String>,
) -> Result<&'static str, ApiError> {
    match state.apps.find_by_id(&app_id).await {
        Ok(Some(app)) if app.enabled => Ok("OK"),
        Ok(Some(_)) => Err(ApiError::forbidden("App is disabled")),
        Ok(None) => Err(ApiError::not_found(format!("Unknown app {app_id:?}"))),
        Err(error) => Err(ApiError::unavailable(error.to_string())),
    }
}

/// `GET /usage`: this process's memory (resident set, from /proc/self/status) and sockets; not
/// the host's, which says nothing about this server.
pub async fn usage(Extract(state): Extract<Arc<State>>) -> axum::Json<serde_json::Value> {
    let kib = crate::metrics::proc_status_kib;
    axum::Json(serde_json::json!({
        "memory": {
            "rss_bytes": kib("VmRSS:").map(|k| k * 1024),
            "peak_rss_bytes": kib("VmHWM:").map(|k| k * 1024),
        },
        "connections": state.registry.socket_count(),
        "uptime_secs": state.started.elapsed().as_secs(),
    }))
}
