//! Who may use the console, decided per request before any route runs.
//!
//! Three walls, because the console signs with app secrets and publishes:
//! - **Who**: a request carrying `console.token` is let in from anywhere; without it, only a
//!   loopback peer with no forwarding header, addressed by a loopback name (`Host: localhost`,
//!   `127.0.0.1`, `[::1]`). The last rule stops DNS rebinding: a page of `evil.example` whose name
//!   now resolves to 127.0.0.1 reaches the loopback port but sends `Host: evil.example`.
//! - **Same origin**: the JSON API answers only requests a browser marks as coming from this
//!   origin (`Sec-Fetch-Site: same-origin`, and an `Origin` naming the host asked). The console's
//!   routes carry no CORS headers, so another origin can neither read an answer nor preflight a
//!   request with the console's headers.
//! - **CSRF token**: every API call carries `X-Console-Csrf`, a random value made when the process
//!   starts and written into the page. A form or a `text/plain` POST from another page, which a
//!   browser sends without preflight, cannot know it.

use crate::http::ApiError;
use axum::extract::{ConnectInfo, Request, State as Extract};
use axum::http::HeaderMap;
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use std::net::{IpAddr, SocketAddr};
use std::sync::Arc;
use subtle::ConstantTimeEq;

/// The header the page sends its CSRF token in.
const CSRF_HEADER: &str = "x-console-csrf";

/// What the guard needs besides the request: the admin token and this process's CSRF token.
pub struct Keys {
    pub admin_token: Option<String>,
    pub csrf: String,
}

impl Keys {
    pub fn new(admin_token: Option<String>) -> Keys {
        Keys {
            admin_token: admin_token.filter(|token| !token.is_empty()),
            csrf: hex::encode(rand::random::<[u8; 32]>()),
        }
    }
}

/// The facts of one request that decide whether it is let in.
#[derive(Default)]
pub struct Visit<'a> {
    pub peer: Option<IpAddr>,
    /// It came through a proxy (`Forwarded`, `X-Forwarded-For`, `X-Real-IP`): not a local client.
    pub forwarded: bool,
    pub host: Option<&'a str>,
    /// `X-Forwarded-Host`: the host the browser asked, where a proxy rewrote `Host`.
    pub forwarded_host: Option<&'a str>,
    pub admin_token: Option<&'a str>,
    pub origin: Option<&'a str>,
    pub fetch_site: Option<&'a str>,
    pub csrf: Option<&'a str>,
    /// A call of the JSON API (not the page).
    pub api: bool,
}

/// Why a request was refused.
#[derive(Debug, PartialEq, Eq)]
pub enum Refusal {
    Remote,
    ForeignHost,
    CrossOrigin,
    NoCsrf,
}

impl Refusal {
    fn message(&self) -> &'static str {
        match self {
            Refusal::Remote => {
                "The console answers loopback clients only; from elsewhere send the admin token \
                 (console.token) as `Authorization: Bearer <token>`, `X-Console-Token` or `?token=`"
            }
            Refusal::ForeignHost => {
                "Without the admin token (console.token) the console answers only requests \
                 addressed to a loopback name (localhost, 127.0.0.1, [::1])"
            }
            Refusal::CrossOrigin => "The console's API answers requests from its own page only",
            Refusal::NoCsrf => {
                "Missing or wrong X-Console-Csrf header: the console's API is for its own page"
            }
        }
    }
}

/// Whether `visit` is let in, given the configured `keys`.
pub fn check(visit: &Visit, keys: &Keys) -> Result<(), Refusal> {
    let token_ok = matches!(
        (visit.admin_token, keys.admin_token.as_deref()),
        (Some(given), Some(expected)) if same_secret(given, expected)
    );
    if !token_ok {
        if visit.forwarded || !visit.peer.is_some_and(is_loopback) {
            return Err(Refusal::Remote);
        }
        if !visit.host.is_some_and(is_loopback_name) {
            return Err(Refusal::ForeignHost);
        }
    }
    if !visit.api {
        return Ok(());
    }
    if visit.fetch_site.is_some_and(|site| site != "same-origin") {
        return Err(Refusal::CrossOrigin);
    }
    if let Some(origin) = visit.origin {
        let asked = [visit.host, visit.forwarded_host];
        if !asked
            .into_iter()
            .flatten()
            .any(|host| names_host(origin, host))
        {
            return Err(Refusal::CrossOrigin);
        }
    }
    match visit.csrf {
        Some(given) if same_secret(given, &keys.csrf) => Ok(()),
        _ => Err(Refusal::NoCsrf),
    }
}

fn same_secret(given: &str, expected: &str) -> bool {
    bool::from(given.as_bytes().ct_eq(expected.as_bytes()))
}

fn is_loopback(ip: IpAddr) -> bool {
    match ip {
        IpAddr::V4(v4) => v4.is_loopback(),
        IpAddr::V6(v6) => {
            v6.is_loopback() || v6.to_ipv4_mapped().is_some_and(|v4| v4.is_loopback())
        }
    }
}

/// `localhost`, `*.localhost` (browsers resolve both to loopback themselves), or a loopback
/// address, with or without a port.
fn is_loopback_name(host: &str) -> bool {
    let name = match host.strip_prefix('[') {
        Some(bracketed) => bracketed.split(']').next().unwrap_or(""),
        None => host.rsplit_once(':').map_or(host, |(name, _port)| name),
    };
    let name = name.trim_end_matches('.').to_ascii_lowercase();
    name == "localhost"
        || name.ends_with(".localhost")
        || name.parse::<IpAddr>().is_ok_and(is_loopback)
}

/// Whether `origin` (`scheme://host[:port]`) is the origin of a request to `host`.
fn names_host(origin: &str, host: &str) -> bool {
    origin
        .split_once("://")
        .is_some_and(|(_scheme, authority)| authority.eq_ignore_ascii_case(host))
}

/// The admin token a request carries, from a header or the `token` query parameter.
fn admin_token<'a>(headers: &'a HeaderMap, query: &'a str) -> Option<std::borrow::Cow<'a, str>> {
    let header = |name: &str| headers.get(name).and_then(|v| v.to_str().ok());
    if let Some(bearer) = header("authorization").and_then(|v| v.strip_prefix("Bearer ")) {
        return Some(bearer.trim().into());
    }
    if let Some(token) = header("x-console-token") {
        return Some(token.trim().into());
    }
    form_urlencoded::parse(query.as_bytes())
        .find(|(k, _)| k == "token")
        .map(|(_, v)| v)
}

/// The middleware on every console route but the static assets.
pub async fn guard(Extract(keys): Extract<Arc<Keys>>, request: Request, next: Next) -> Response {
    let headers = request.headers();
    let header = |name: &str| headers.get(name).and_then(|v| v.to_str().ok());
    let token = admin_token(headers, request.uri().query().unwrap_or(""));
    let visit = Visit {
        peer: request
            .extensions()
            .get::<ConnectInfo<SocketAddr>>()
            .map(|info| info.0.ip()),
        forwarded: ["forwarded", "x-forwarded-for", "x-real-ip"]
            .iter()
            .any(|name| headers.contains_key(*name)),
        host: header("host"),
        forwarded_host: header("x-forwarded-host"),
        admin_token: token.as_deref(),
        origin: header("origin"),
        fetch_site: header("sec-fetch-site"),
        csrf: header(CSRF_HEADER),
        api: request.uri().path().contains("/api/"),
    };
    match check(&visit, &keys) {
        Ok(()) => next.run(request).await,
        Err(refusal) => ApiError::forbidden(refusal.message()).into_response(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::HeaderValue;

    fn keys(admin_token: Option<&str>) -> Keys {
        Keys {
            admin_token: admin_token.map(str::to_owned),
            csrf: "c5rf".into(),
        }
    }

    /// The console's own page calling its API on 127.0.0.1.
    fn own_page() -> Visit<'static> {
        Visit {
            peer: "127.0.0.1".parse().ok(),
            host: Some("127.0.0.1:6001"),
            origin: Some("http://127.0.0.1:6001"),
            fetch_site: Some("same-origin"),
            csrf: Some("c5rf"),
            api: true,
            ..Visit::default()
        }
    }

    #[test]
    fn loopback_clients_by_loopback_names_only_without_a_token() {
        let none = keys(None);
        assert_eq!(check(&own_page(), &none), Ok(()));
        for peer in ["::1", "::ffff:127.0.0.1", "127.0.0.2"] {
            let visit = Visit {
                peer: peer.parse().ok(),
                ..own_page()
            };
            assert_eq!(check(&visit, &none), Ok(()), "{peer}");
        }
        let remote = Visit {
            peer: "192.0.2.7".parse().ok(),
            ..own_page()
        };
        assert_eq!(check(&remote, &none), Err(Refusal::Remote));
        let unknown = Visit {
            peer: None,
            ..own_page()
        };
        assert_eq!(check(&unknown, &none), Err(Refusal::Remote));
        // Behind a proxy on the same host: remote.
        let proxied = Visit {
            forwarded: true,
            ..own_page()
        };
        assert_eq!(check(&proxied, &none), Err(Refusal::Remote));
        // DNS rebinding: loopback peer, foreign name.
        for host in [
            "evil.example",
            "evil.example:6001",
            "localhost.evil.example",
            "10.0.0.1",
        ] {
            let rebound = Visit {
                host: Some(host),
                origin: None,
                ..own_page()
            };
            assert_eq!(check(&rebound, &none), Err(Refusal::ForeignHost), "{host}");
        }
        let missing = Visit {
            host: None,
            ..own_page()
        };
        assert_eq!(check(&missing, &none), Err(Refusal::ForeignHost));
        for host in [
            "localhost",
            "LOCALHOST:80",
            "app.localhost:6001",
            "[::1]:6001",
            "127.1.2.3",
        ] {
            let visit = Visit {
                host: Some(host),
                origin: None,
                ..own_page()
            };
            assert_eq!(check(&visit, &none), Ok(()), "{host}");
        }
    }

    #[test]
    fn the_admin_token_lets_anyone_in_under_any_name() {
        let token = keys(Some("s3cret"));
        let remote = Visit {
            peer: "192.0.2.7".parse().ok(),
            forwarded: true,
            host: Some("console.example.com"),
            origin: Some("https://console.example.com"),
            admin_token: Some("s3cret"),
            ..own_page()
        };
        assert_eq!(check(&remote, &token), Ok(()));
        let wrong = Visit {
            admin_token: Some("wrong"),
            ..remote
        };
        assert_eq!(check(&wrong, &token), Err(Refusal::Remote));
        // An empty configured token is no token (Keys::new drops it).
        assert!(Keys::new(Some(String::new())).admin_token.is_none());
        let empty = Visit {
            admin_token: Some(""),
            ..wrong
        };
        assert_eq!(check(&empty, &keys(None)), Err(Refusal::Remote));
    }

    #[test]
    fn the_api_answers_its_own_page_only() {
        let none = keys(None);
        for site in ["cross-site", "same-site", "none"] {
            let visit = Visit {
                fetch_site: Some(site),
                ..own_page()
            };
            assert_eq!(check(&visit, &none), Err(Refusal::CrossOrigin), "{site}");
        }
        for origin in ["http://127.0.0.1:8080", "http://evil.example", "null"] {
            let visit = Visit {
                origin: Some(origin),
                ..own_page()
            };
            assert_eq!(check(&visit, &none), Err(Refusal::CrossOrigin), "{origin}");
        }
        for csrf in [None, Some(""), Some("wrong")] {
            let visit = Visit { csrf, ..own_page() };
            assert_eq!(check(&visit, &none), Err(Refusal::NoCsrf), "{csrf:?}");
        }
        // A proxy that rewrites Host passes the asked one on.
        let token = keys(Some("t"));
        let proxied = Visit {
            forwarded: true,
            admin_token: Some("t"),
            host: Some("127.0.0.1:6001"),
            forwarded_host: Some("console.example.com"),
            origin: Some("https://console.example.com"),
            ..own_page()
        };
        assert_eq!(check(&proxied, &token), Ok(()));
        // A script without Origin or Sec-Fetch-Site still needs the CSRF token.
        let script = Visit {
            origin: None,
            fetch_site: None,
            ..own_page()
        };
        assert_eq!(check(&script, &none), Ok(()));
        // The page itself is a navigation: no origin or CSRF rules, the who rules only.
        let link = Visit {
            fetch_site: Some("cross-site"),
            origin: None,
            csrf: None,
            api: false,
            ..own_page()
        };
        assert_eq!(check(&link, &none), Ok(()));
    }

    #[test]
    fn admin_tokens_come_from_headers_or_the_query() {
        let mut headers = HeaderMap::new();
        assert_eq!(
            admin_token(&headers, "a=1&token=t%201").as_deref(),
            Some("t 1")
        );
        headers.insert("x-console-token", HeaderValue::from_static("x"));
        assert_eq!(admin_token(&headers, "").as_deref(), Some("x"));
        headers.insert("authorization", HeaderValue::from_static("Bearer b"));
        assert_eq!(admin_token(&headers, "").as_deref(), Some("b"));
    }
}
