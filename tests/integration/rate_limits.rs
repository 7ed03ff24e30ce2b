//! Rate limits: per client IP on the HTTP API and on WebSocket upgrades, per app on published
//! events and read requests; counted per node or in Redis for the whole cluster.

use crate::support::*;
use serde_json::{json, Value};

fn limited(api: u64, websocket: u64, trust_hops: u64) -> Value {
    let mut config = default_config();
    config["rate_limiter"] = json!({
        "enabled": true,
        "api_rate_limit": {"max_requests": api, "window_seconds": 60, "trust_hops": trust_hops},
        "websocket_rate_limit": {"max_requests": websocket, "window_seconds": 60},
    });
    config
}

/// A signed GET of `/channels`, with extra headers; returns status and the rate-limit headers.
async fn get_channels(server: &Server, headers: &[(&str, &str)]) -> (u16, [Option<String>; 4]) {
    let url = signed_url(server.port, APP1, "GET", "/channels", &[], None, now());
    let mut request = reqwest::Client::new().get(url);
    for (name, value) in headers {
        request = request.header(*name, *value);
    }
    let response = request.send().await.unwrap();
    let header = |name: &str| {
        response
            .headers()
            .get(name)
            .map(|v| v.to_str().unwrap().to_owned())
    };
    let found = [
        header("x-ratelimit-limit"),
        header("x-ratelimit-remaining"),
        header("x-ratelimit-reset"),
        header("retry-after"),
    ];
    (response.status().as_u16(), found)
}

#[tokio::test]
async fn api_calls_per_client_ip_get_429_with_headers_once_spent() {
    let server = Server::with_config(limited(3, 100, 0)).await;
    for remaining in ["2", "1", "0"] {
        let (status, [limit, left, reset, retry]) = get_channels(&server, &[]).await;
        assert_eq!(status, 200);
        assert_eq!(limit.as_deref(), Some("3"));
        assert_eq!(left.as_deref(), Some(remaining));
        assert!(reset.is_some());
        assert_eq!(retry, None);
    }
    let (status, [limit, left, _, retry]) = get_channels(&server, &[]).await;
    assert_eq!(status, 429);
    assert_eq!((limit.as_deref(), left.as_deref()), (Some("3"), Some("0")));
    let retry: u64 = retry.expect("Retry-After").parse().unwrap();
    assert!((1..=60).contains(&retry));
    let metrics = server.metrics().await;
    assert_eq!(
        metric(
            &metrics,
            "sockudo_rate_limit_rejections_total{limit=\"api\"}"
        ),
        1.0
    );
    // Health checks are not rate limited.
    assert_eq!(
        raw_request("GET", &format!("http://127.0.0.1:{}/up", server.port), None)
            .await
            .0,
        200
    );
}

#[tokio::test]
async fn trusted_proxies_forward_the_client_address() {
    let server = Server::with_config(limited(1, 100, 1)).await;
    let first = get_channels(&server, &[("x-forwarded-for", "203.0.113.1")]).await;
    let second = get_channels(&server, &[("x-forwarded-for", "203.0.113.2")]).await;
    assert_eq!(
        (first.0, second.0),
        (200, 200),
        "two clients behind one proxy"
    );
    // A client cannot escape by prepending addresses: only the proxy's entry counts.
    let spoofed = get_channels(&server, &[("x-forwarded-for", "1.1.1.1, 203.0.113.1")]).await;
    assert_eq!(spoofed.0, 429);
}

#[tokio::test]
async fn websocket_upgrades_per_client_ip_are_limited() {
    let server = Server::with_config(limited(100, 2, 0)).await;
    let _a = server.connected("key-1").await;
    let _b = server.connected("key-1").await;
    let (status, body) = raw_request(
        "GET",
        &format!("http://127.0.0.1:{}/app/key-1?protocol=7", server.port),
        None,
    )
    .await;
    assert_eq!(status, 429, "{body}");
    assert!(body["error"]
        .as_str()
        .unwrap()
        .contains("Too many connections"));
}

#[tokio::test]
async fn per_app_event_and_read_quotas_answer_429() {
    let mut config = default_config();
    let apps = config["app_manager"]["array"]["apps"]
        .as_array_mut()
        .unwrap();
    apps[0]["max_backend_events_per_second"] = json!(2);
    apps[0]["max_read_requests_per_second"] = json!(1);
    let server = Server::with_config(config).await;
    let event = |i: usize| json!({"name": "e", "channel": format!("c{i}"), "data": "x"});
    let batch = json!({"batch": [event(0), event(1), event(2)]});
    let (status, reply) = server
        .api(APP1, "POST", "/batch_events", &[], Some(&batch))
        .await;
    assert_eq!(status, 429, "three events in one call exceed 2 per second");
    assert!(reply["error"]
        .as_str()
        .unwrap()
        .contains("2 events published per second"));
    // Another app is not affected.
    let (status, _) = server
        .api(
            ("app-2", "key-2", "secret-2"),
            "POST",
            "/events",
            &[],
            Some(&event(0)),
        )
        .await;
    assert_eq!(status, 200);

    let mut statuses = Vec::new();
    for _ in 0..5 {
        statuses.push(server.api(APP1, "GET", "/channels", &[], None).await.0);
    }
    assert!(statuses.contains(&429), "{statuses:?}");
    assert_eq!(statuses[0], 200);
}

#[tokio::test]
async fn the_redis_driver_shares_one_count_between_nodes() {
    let Some(url) = service_env("SOCKUDO_TEST_REDIS_URL") else {
        return;
    };
    let prefix = format!("rl{}:", hex::encode(rand::random::<[u8; 4]>()));
    let mut config = limited(3, 100, 0);
    config["rate_limiter"]["driver"] = json!("redis");
    config["database"] = json!({"redis": {"url": url, "key_prefix": prefix}});
    let a = Server::with_config(config.clone()).await;
    let b = Server::with_config(config).await;
    let mut statuses = Vec::new();
    for server in [&a, &b, &a, &b] {
        statuses.push(get_channels(server, &[]).await.0);
    }
    assert_eq!(statuses, [200, 200, 200, 429]);
}

#[tokio::test]
async fn an_unreachable_redis_for_the_limiter_stops_the_start_with_a_reason() {
    let mut config = limited(3, 3, 0);
    config["rate_limiter"]["driver"] = json!("redis");
    config["database"] = json!({"redis": {"url": format!("redis://127.0.0.1:{}", free_port())}});
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("config.json");
    std::fs::write(&path, config.to_string()).unwrap();
    let output = sockudo()
        .args([
            "serve",
            "--config",
            path.to_str().unwrap(),
            "--port",
            &free_port().to_string(),
        ])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("rate_limiter.driver redis"), "{stderr}");
}
