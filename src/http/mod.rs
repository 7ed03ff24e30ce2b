//! The HTTP side of the main port: the signed Pusher HTTP API under `/apps/{app_id}`, health
//! checks, and the WebSocket upgrade route. [`router`] is separate from the listener so handlers
//! are testable with `tower::ServiceExt::oneshot`.

mod auth;
mod channels;
mod cors;
mod error;
pub(crate) mod events;
mod health;

pub use channels::cluster_counts;
pub use error::ApiError;
#[doc(hidden)]
pub use events::fuzz_event_body;

use crate::ratelimit::{client_ip, Limit};
use crate::state::State;
use axum::extract::{ConnectInfo, MatchedPath, Request, State as Extract};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::Router;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;
use tower_http::timeout::TimeoutLayer;

pub fn router(state: Arc<State>) -> Router {
    let body_limit = state.config.http_api.request_limit_in_mb as usize * 1024 * 1024;
    let router = Router::new()
        .route("/app/{key}", get(crate::connection::upgrade))
        .route("/apps/{app_id}/events", post(events::trigger))
        .route("/apps/{app_id}/batch_events", post(events::trigger_batch))
        .route("/apps/{app_id}/channels", get(channels::list))
        .route("/apps/{app_id}/channels/{channel}", get(channels::show))
        .route(
            "/apps/{app_id}/channels/{channel}/users",
            get(channels::users),
        )
        .route(
            "/apps/{app_id}/users/{user_id}/terminate_connections",
            post(channels::terminate_user),
        )
        .route("/up", get(health::up))
        .route("/usage", get(health::usage))
        .route("/up/{app_id}", get(health::up_app));
    // The web console (`console.enabled`): its routes exist only when it is on.
    let router = if state.config.console.enabled {
        router.merge(crate::console::routes(&state))
    } else {
        router
    };
    router
        .fallback(|| async { ApiError::not_found("No such route") })
        .layer(axum::extract::DefaultBodyLimit::max(body_limit))
        // Bounds a request whose body trickles in (the header timeout bounds only its head).
        .layer(TimeoutLayer::with_status_code(
            axum::http::StatusCode::REQUEST_TIMEOUT,
            Duration::from_secs(state.config.http.request_timeout_secs),
        ))
        .layer(middleware::from_fn_with_state(state.clone(), limit_clients))
        .layer(cors::layer(&state.config.cors))
        .layer(middleware::from_fn_with_state(state.clone(), count_calls))
        .with_state(state)
}

/// The per-client-IP limits of `rate_limiter`: HTTP API calls (`/apps/...`, with
/// `X-RateLimit-*` headers on every answer) and WebSocket upgrades (`/app/{key}`), 429 when spent.
async fn limit_clients(
    Extract(state): Extract<Arc<State>>,
    request: Request,
    next: Next,
) -> Response {
    let path = request.uri().path();
    let (limit, kind) = if path.starts_with("/apps/") {
        (state.rate_limits.api.as_ref(), Limit::Api)
    } else if path.starts_with("/app/") {
        (state.rate_limits.websocket.as_ref(), Limit::Websocket)
    } else {
        (None, Limit::Api)
    };
    let (Some(limit), Some(ConnectInfo(peer))) = (
        limit,
        request
            .extensions()
            .get::<ConnectInfo<SocketAddr>>()
            .copied(),
    ) else {
        return next.run(request).await;
    };
    let ip = client_ip(peer, request.headers(), limit.trust_hops);
    let decision = state
        .rate_limits
        .check(kind, &format!("{}:{ip}", limit.identifier), 1, limit.quota)
        .await;
    if !decision.allowed {
        let what = match kind {
            Limit::Websocket => "connections",
            _ => "API requests",
        };
        return ApiError::too_many_requests(
            format!(
                "Too many {what} from {ip}; retry in {} s",
                decision.reset_secs
            ),
            decision,
        )
        .into_response();
    }
    let mut response = next.run(request).await;
    if kind == Limit::Api {
        error::add_rate_headers(response.headers_mut(), &decision);
    }
    response
}

/// Counts every API call by its route template (bounded) and status.
async fn count_calls(
    Extract(state): Extract<Arc<State>>,
    request: Request,
    next: Next,
) -> Response {
    let route = request
        .extensions()
        .get::<MatchedPath>()
        .map(|p| p.as_str().to_owned())
        .unwrap_or_else(|| "unmatched".to_owned());
    let response = next.run(request).await;
    if route.starts_with("/apps/") {
        state
            .metrics
            .http_calls
            .with_label_values(&[&route, response.status().as_str()])
            .inc();
    }
    response
}
