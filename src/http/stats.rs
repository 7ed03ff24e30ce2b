//! The snapshot `sockudo top` reads at `GET /stats` on the metrics listener: this node's totals,
//! per-app numbers, and the busiest channels (subscriber counts cluster-wide).
//!
//! It is not for everyone: with `metrics.stats_token` set, a request must carry
//! `Authorization: Bearer {token}`; without one, only loopback clients are answered.

use super::ApiError;
use crate::protocol::channel::{classify, SERVER_TO_USER_PREFIX};
use crate::state::State;
use axum::extract::{ConnectInfo, State as Extract};
use axum::http::HeaderMap;
use axum::Json;
use prometheus::core::Collector;
use sockudo_snapshot::{AppStats, ChannelStats, Snapshot, Totals};
use std::net::SocketAddr;
use std::sync::Arc;

/// Channels listed at most, busiest first: the snapshot stays small whatever the channel count.
const MAX_CHANNELS: usize = 200;

pub async fn serve(
    Extract(state): Extract<Arc<State>>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
) -> Result<Json<Snapshot>, ApiError> {
    match &state.config.metrics.stats_token {
        Some(token) => {
            let given = headers
                .get("authorization")
                .and_then(|v| v.to_str().ok())
                .and_then(|v| v.strip_prefix("Bearer "));
            let matches = given.is_some_and(|given| {
                subtle::ConstantTimeEq::ct_eq(given.as_bytes(), token.as_bytes()).into()
            });
            if !matches {
                return Err(ApiError::unauthorized(
                    "stats need Authorization: Bearer <metrics.stats_token>",
                ));
            }
        }
        None if !peer.ip().is_loopback() => {
            return Err(ApiError::forbidden(
                "stats are only served to loopback clients unless metrics.stats_token is set",
            ));
        }
        None => {}
    }
    Ok(Json(snapshot(&state)))
}

/// Sum of a counter vector's series whose `app_id` label is `app` (all series when None).
fn sum(counter: &prometheus::IntCounterVec, app: Option<&str>) -> u64 {
    counter
        .collect()
        .iter()
        .flat_map(|family| family.get_metric())
        .filter(|metric| {
            app.is_none_or(|app| {
                metric
                    .get_label()
                    .iter()
                    .any(|l| l.name() == "app_id" && l.value() == app)
            })
        })
        .map(|metric| metric.get_counter().get_value() as u64)
        .sum()
}

pub fn snapshot(state: &State) -> Snapshot {
    let m = &state.metrics;
    let totals = Totals {
        connections: sum(&m.connections, None),
        disconnections: sum(&m.disconnections, None),
        messages_in: sum(&m.messages_received, None),
        messages_out: sum(&m.messages_sent, None),
        bytes_in: sum(&m.bytes_received, None),
        bytes_out: sum(&m.bytes_sent, None),
        http_calls: sum(&m.http_calls, None),
        webhooks_sent: sum(&m.webhooks_sent, None),
        webhooks_failed: sum(&m.webhooks_failed, None),
        webhooks_queued: m.webhook_queue_depth.get().max(0) as u64,
        delta_bytes_original: sum(&m.delta_original_bytes, None),
        delta_bytes_sent: sum(&m.delta_sent_bytes, None),
    };
    let mut apps = Vec::new();
    let mut channels = Vec::new();
    for (app_id, namespace) in state.registry.all() {
        let mut names: std::collections::BTreeSet<String> = namespace
            .channels()
            .into_iter()
            .map(|(name, _)| name)
            .collect();
        names.extend(state.cluster.remote_channels(&app_id).into_keys());
        names.retain(|name| !name.starts_with(SERVER_TO_USER_PREFIX));
        apps.push(AppStats {
            id: app_id.clone(),
            connections: namespace.socket_count() as u64,
            channels: names.len() as u64,
            messages_in: sum(&m.messages_received, Some(&app_id)),
            messages_out: sum(&m.messages_sent, Some(&app_id)),
            limits_hit: sum(&m.limits_hit, Some(&app_id)),
        });
        for name in names {
            let counts = state.publisher.counts(&app_id, &name);
            channels.push(ChannelStats {
                app: app_id.clone(),
                kind: classify(&name).0.as_str().to_owned(),
                subscribers: counts.subscription_count as u64,
                members: counts.user_count as u64,
                messages: counts.published,
                delta_bytes_saved: counts.delta_saved,
                name,
            });
        }
    }
    apps.sort_by(|a, b| a.id.cmp(&b.id));
    channels.sort_by(|a, b| {
        b.subscribers
            .cmp(&a.subscribers)
            .then_with(|| a.name.cmp(&b.name))
    });
    channels.truncate(MAX_CHANNELS);
    Snapshot {
        version: env!("CARGO_PKG_VERSION").to_owned(),
        node_id: state.cluster.node_id().to_owned(),
        nodes: 1 + state.cluster.remote_node_count(),
        uptime_secs: state.started.elapsed().as_secs(),
        connections: state.registry.socket_count() as u64,
        totals,
        apps,
        channels,
    }
}
