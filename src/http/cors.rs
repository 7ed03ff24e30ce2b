//! CORS for browsers calling the HTTP server (`cors` in the config). Origins may be `*`, exact,
//! or `*` patterns; preflights are answered here, before any route.

use crate::config::CorsConfig;
use axum::http::{HeaderName, HeaderValue, Method};
use tower_http::cors::{AllowOrigin, CorsLayer};

/// Headers a browser script may read from our answers: the rate-limit state.
const EXPOSED: [&str; 4] = [
    "x-ratelimit-limit",
    "x-ratelimit-remaining",
    "x-ratelimit-reset",
    "retry-after",
];

/// The layer for `config`, which the config loader has validated (bad entries are skipped).
pub fn layer(config: &CorsConfig) -> CorsLayer {
    let any = config.origin.iter().any(|o| o == "*");
    let allow_origin = match (any, config.credentials) {
        // Browsers refuse `*` with credentials: name the caller's origin instead.
        (true, true) => AllowOrigin::mirror_request(),
        (true, false) => AllowOrigin::any(),
        (false, _) => {
            let patterns: Vec<String> = config
                .origin
                .iter()
                .map(|o| o.to_ascii_lowercase())
                .collect();
            AllowOrigin::predicate(move |origin: &HeaderValue, _| {
                origin.to_str().is_ok_and(|origin| {
                    let origin = origin.to_ascii_lowercase();
                    patterns.iter().any(|p| crate::glob::matches(p, &origin))
                })
            })
        }
    };
    let methods: Vec<Method> = config
        .methods
        .iter()
        .filter_map(|m| Method::from_bytes(m.as_bytes()).ok())
        .collect();
    let headers: Vec<HeaderName> = config
        .allowed_headers
        .iter()
        .filter_map(|h| HeaderName::from_bytes(h.as_bytes()).ok())
        .collect();
    CorsLayer::new()
        .allow_origin(allow_origin)
        .allow_methods(methods)
        .allow_headers(headers)
        .allow_credentials(config.credentials)
        .expose_headers(EXPOSED.map(HeaderName::from_static))
}
