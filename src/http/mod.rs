//! The HTTP side of the main port: the signed Pusher HTTP API under `/apps/{app_id}`, health
//! checks, and the WebSocket upgrade route. [`router`] is separate from the listener so handlers
//! are testable with `tower::ServiceExt::oneshot`.

mod auth;
mod channels;
mod cors;
mod error;
pub(crate) mod events;
mod health;
pub(crate) mod stats;

pub use error::ApiError;
#[doc(hidden)]
pub use events::fuzz_event_body;

use crate::app::AppRef;
use crate::ratelimit::{client_ip, Limit, Quota};
use crate::state::State;
use axum::extract::{ConnectInfo, MatchedPath, Request, State as Extract};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::Router;
use std::net::{IpAddr, SocketAddr};
use std::sync::Arc;
use std::time::Duration;
use tower_http::timeout::TimeoutLayer;

/// The main port's routes. `beside` (the web console's, when `console.enabled`) are served
/// under the same guards but outside the CORS layer: no other origin may read or preflight them.
pub fn router(state: Arc<State>, beside: Option<Router<Arc<State>>>) -> Router {
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
    let api = guarded(
        router.fallback(|| async { ApiError::not_found("No such route") }),
        &state,
    )
    .layer(cors::layer(&state.config.cors));
    let router = match beside {
        Some(routes) => api.merge(guarded(routes, &state)),
        None => api,
    };
    router
        .layer(middleware::from_fn_with_state(state.clone(), count_calls))
        .with_state(state)
}

/// The layers every route of the main port has: the body limit, the whole-request timeout and
/// the per-client limits.
fn guarded(router: Router<Arc<State>>, state: &Arc<State>) -> Router<Arc<State>> {
    let body_limit = state.config.http_api.request_limit_in_mb as usize * 1024 * 1024;
    router
        .layer(axum::extract::DefaultBodyLimit::max(body_limit))
        // Bounds a request whose body trickles in (the header timeout bounds only its head).
        .layer(TimeoutLayer::with_status_code(
            axum::http::StatusCode::REQUEST_TIMEOUT,
            Duration::from_secs(state.config.http.request_timeout_secs),
        ))
        .layer(middleware::from_fn_with_state(state.clone(), limit_clients))
}

/// The per-client-IP limits of `rate_limiter`: HTTP API calls (`/apps/...`, with
/// `X-RateLimit-*` headers on every answer) and WebSocket upgrades (`/app/{key}`), 429 when spent.
/// Before them, and always on: lookups of apps the cache cannot answer (each a store query) per
/// client IP, `app_manager.cache.max_misses_per_second`, so random keys cannot flood the store.
async fn limit_clients(
    Extract(state): Extract<Arc<State>>,
    request: Request,
    next: Next,
) -> Response {
    if let Some(ip) = uncached_lookup(&state, &request) {
        if let Some(refused) = limit_store_lookups(&state, ip).await {
            return refused;
        }
    }
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

/// The app a path names: `/app/{key}` (upgrades), `/apps/{id}/...` (the API), `/up/{id}`.
fn named_app(path: &str) -> Option<AppRef<'_>> {
    let mut segments = path.trim_start_matches('/').split('/');
    let (kind, name) = (segments.next()?, segments.next()?);
    match kind {
        "app" => Some(AppRef::Key(name)),
        "apps" | "up" => Some(AppRef::Id(name)),
        _ => None,
    }
}

/// The client IP to count against `app_manager.cache.max_misses_per_second`, when `request`
/// names an app the cache cannot answer (and the limit is on).
fn uncached_lookup(state: &State, request: &Request) -> Option<IpAddr> {
    let app = named_app(request.uri().path())?;
    if state.config.app_manager.cache.max_misses_per_second == 0 || state.apps.cached(app).is_some()
    {
        return None;
    }
    let ConnectInfo(peer) = *request.extensions().get::<ConnectInfo<SocketAddr>>()?;
    // The proxies trusted for the API limit, if configured, tell the clients apart here too.
    let trust_hops = state.rate_limits.api.as_ref().map_or(0, |l| l.trust_hops);
    Some(client_ip(peer, request.headers(), trust_hops))
}

/// 429 when `ip` is over its store lookups for this second.
async fn limit_store_lookups(state: &State, ip: IpAddr) -> Option<Response> {
    let max = state.config.app_manager.cache.max_misses_per_second;
    let decision = state
        .rate_limits
        .check(
            Limit::AppLookups,
            &format!("lookups:{ip}"),
            1,
            Quota::per_second(max),
        )
        .await;
    (!decision.allowed).then(|| {
        ApiError::too_many_requests(
            format!(
                "Too many lookups of apps not in the cache from {ip}; retry in {} s",
                decision.reset_secs
            ),
            decision,
        )
        .into_response()
    })
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

#[cfg(test)]
mod tests;
