//! The signed HTTP API: answers, and every way a request can be wrong.

use crate::support::*;
use serde_json::json;

const EVENT: fn() -> serde_json::Value = || json!({"name": "e", "channel": "c", "data": "d"});

#[tokio::test]
async fn signature_timestamp_and_body_checks() {
    let server = Server::start().await;
    let body = EVENT().to_string();
    let good = signed_url(
        server.port,
        APP1,
        "POST",
        "/events",
        &[],
        Some(&body),
        now(),
    );
    assert_eq!(raw_request("POST", &good, Some(body.clone())).await.0, 200);

    let wrong_secret = signed_url(
        server.port,
        ("app-1", "key-1", "nope"),
        "POST",
        "/events",
        &[],
        Some(&body),
        now(),
    );
    let (status, reply) = raw_request("POST", &wrong_secret, Some(body.clone())).await;
    assert_eq!(status, 401);
    assert!(
        reply["error"].as_str().unwrap().contains("signature"),
        "{reply}"
    );

    let stale = signed_url(
        server.port,
        APP1,
        "POST",
        "/events",
        &[],
        Some(&body),
        now() - 601,
    );
    let (status, reply) = raw_request("POST", &stale, Some(body.clone())).await;
    assert_eq!(status, 401);
    assert!(
        reply["error"].as_str().unwrap().contains("auth_timestamp"),
        "{reply}"
    );
    // The most negative timestamp is just as stale (the server computes no overflowing difference).
    let stale_stamp = format!("auth_timestamp={}", now() - 601);
    assert!(stale.contains(&stale_stamp));
    let extreme = stale.replace(&stale_stamp, &format!("auth_timestamp={}", i64::MIN));
    let (status, reply) = raw_request("POST", &extreme, Some(body.clone())).await;
    assert_eq!(status, 401);
    assert!(
        reply["error"].as_str().unwrap().contains("auth_timestamp"),
        "{reply}"
    );

    // The body changed after signing: body_md5 no longer matches.
    let (status, reply) = raw_request("POST", &good, Some(body.replace("\"d\"", "\"x\""))).await;
    assert_eq!(status, 401);
    assert!(
        reply["error"].as_str().unwrap().contains("body_md5"),
        "{reply}"
    );

    let wrong_key = signed_url(
        server.port,
        ("app-1", "key-2", "secret-1"),
        "POST",
        "/events",
        &[],
        Some(&body),
        now(),
    );
    assert_eq!(
        raw_request("POST", &wrong_key, Some(body.clone())).await.0,
        401
    );

    let unsigned = format!("http://127.0.0.1:{}/apps/app-1/events", server.port);
    let (status, reply) = raw_request("POST", &unsigned, Some(body.clone())).await;
    assert_eq!(status, 401);
    assert!(
        reply["error"].as_str().unwrap().contains("auth_key"),
        "{reply}"
    );

    let unknown = signed_url(
        server.port,
        ("nope", "key-1", "secret-1"),
        "POST",
        "/events",
        &[],
        Some(&body),
        now(),
    );
    assert_eq!(
        raw_request("POST", &unknown, Some(body.clone())).await.0,
        404
    );

    let disabled = signed_url(
        server.port,
        ("app-off", "key-off", "secret-off"),
        "POST",
        "/events",
        &[],
        Some(&body),
        now(),
    );
    assert_eq!(raw_request("POST", &disabled, Some(body)).await.0, 403);
}

#[tokio::test]
async fn malformed_events_are_400_and_oversized_data_is_413() {
    let server = Server::start().await;
    let cases = [
        (json!({"channel": "c", "data": "d"}), 400, "name"),
        (json!({"name": "e", "data": "d"}), 400, "channel"),
        (json!({"name": "e", "channel": "c"}), 400, "data"),
        (
            json!({"name": "e", "channel": "bad name", "data": "d"}),
            400,
            "Invalid channel",
        ),
        (
            json!({"name": "e", "channel": "c", "channels": ["c"], "data": "d"}),
            400,
            "not both",
        ),
        (
            json!({"name": "e", "channels": (0..101).map(|i| format!("c{i}")).collect::<Vec<_>>(), "data": "d"}),
            400,
            "channels",
        ),
        (
            json!({"name": "e", "channel": "c", "data": "d", "socket_id": "abc"}),
            400,
            "socket_id",
        ),
        (
            json!({"name": "x".repeat(201), "channel": "c", "data": "d"}),
            400,
            "name",
        ),
        (
            json!({"name": "e", "channel": "c", "data": "d", "info": "bogus"}),
            400,
            "info",
        ),
        (
            json!({"name": "e", "channel": "c", "data": "x".repeat(10 * 1024 + 1)}),
            413,
            "limit",
        ),
    ];
    for (body, status, needle) in cases {
        let (got, reply) = server.api(APP1, "POST", "/events", &[], Some(&body)).await;
        assert_eq!(got, status, "{body}: {reply}");
        assert!(
            reply["error"].as_str().unwrap().contains(needle),
            "{needle}: {reply}"
        );
    }
    // Not JSON at all.
    let text = "this is not json";
    let url = signed_url(server.port, APP1, "POST", "/events", &[], Some(text), now());
    let (status, reply) = raw_request("POST", &url, Some(text.into())).await;
    assert_eq!(status, 400);
    assert!(reply["error"].as_str().unwrap().contains("Invalid JSON"));
}

#[tokio::test]
async fn trigger_info_and_batches() {
    let server = Server::start().await;
    let (mut a, a_id) = server.connected("key-1").await;
    a.subscribe_signed(&a_id, "presence-p", Some(r#"{"user_id":"1"}"#))
        .await;
    a.subscribe("pub").await;
    let body = json!({"name": "e", "channels": ["presence-p", "pub"], "data": "d", "info": "user_count,subscription_count"});
    let (status, reply) = server.api(APP1, "POST", "/events", &[], Some(&body)).await;
    assert_eq!(status, 200);
    assert_eq!(
        reply,
        json!({"channels": {
            "presence-p": {"user_count": 1, "subscription_count": 1},
            "pub": {"subscription_count": 1}
        }})
    );

    let batch = json!({"batch": [
        {"name": "b1", "channel": "pub", "data": "1"},
        {"name": "b2", "channel": "pub", "data": "2", "info": "subscription_count"}
    ]});
    let (status, reply) = server
        .api(APP1, "POST", "/batch_events", &[], Some(&batch))
        .await;
    assert_eq!(
        (status, reply),
        (200, json!({"batch": [{}, {"subscription_count": 1}]}))
    );
    assert_eq!(a.expect_event("b1").await["data"], "1");
    assert_eq!(a.expect_event("b2").await["data"], "2");

    let too_many = json!({"batch": (0..11).map(|i| json!({"name": "e", "channel": "pub", "data": i.to_string()})).collect::<Vec<_>>()});
    assert_eq!(
        server
            .api(APP1, "POST", "/batch_events", &[], Some(&too_many))
            .await
            .0,
        400
    );
    // One bad event fails the whole batch, and nothing of it is published.
    let mixed = json!({"batch": [{"name": "good", "channel": "pub", "data": "1"}, {"name": "bad", "channel": "no way", "data": "1"}]});
    let (status, reply) = server
        .api(APP1, "POST", "/batch_events", &[], Some(&mixed))
        .await;
    assert_eq!(status, 400);
    assert!(
        reply["error"].as_str().unwrap().starts_with("batch[1]"),
        "{reply}"
    );
    a.expect_silence(std::time::Duration::from_millis(300))
        .await;
}

#[tokio::test]
async fn channel_queries() {
    let server = Server::start().await;
    let (mut a, a_id) = server.connected("key-1").await;
    a.subscribe_signed(&a_id, "presence-room", Some(r#"{"user_id":"1"}"#))
        .await;
    a.subscribe("news").await;

    let (status, reply) = server.api(APP1, "GET", "/channels", &[], None).await;
    assert_eq!(
        (status, reply),
        (200, json!({"channels": {"presence-room": {}, "news": {}}}))
    );
    let (_, reply) = server
        .api(
            APP1,
            "GET",
            "/channels",
            &[("filter_by_prefix", "presence-"), ("info", "user_count")],
            None,
        )
        .await;
    assert_eq!(
        reply,
        json!({"channels": {"presence-room": {"user_count": 1}}})
    );
    let (status, _) = server
        .api(APP1, "GET", "/channels", &[("info", "user_count")], None)
        .await;
    assert_eq!(status, 400);

    let (_, reply) = server
        .api(
            APP1,
            "GET",
            "/channels/presence-room",
            &[("info", "user_count,subscription_count")],
            None,
        )
        .await;
    assert_eq!(
        reply,
        json!({"occupied": true, "user_count": 1, "subscription_count": 1})
    );
    let (_, reply) = server.api(APP1, "GET", "/channels/empty", &[], None).await;
    assert_eq!(reply, json!({"occupied": false}));
    assert_eq!(
        server
            .api(
                APP1,
                "GET",
                "/channels/news",
                &[("info", "user_count")],
                None
            )
            .await
            .0,
        400
    );
    assert_eq!(
        server
            .api(APP1, "GET", "/channels/news", &[("info", "cache")], None)
            .await
            .0,
        400
    );
    assert_eq!(
        server
            .api(APP1, "GET", "/channels/news/users", &[], None)
            .await
            .0,
        400
    );
    assert_eq!(
        server
            .api(APP1, "GET", "/channels/bad%20name", &[], None)
            .await
            .0,
        400
    );
}

#[tokio::test]
async fn usage_reports_this_process() {
    let server = Server::start().await;
    let (_client, _) = server.connected("key-1").await;
    let (status, usage) = raw_request(
        "GET",
        &format!("http://127.0.0.1:{}/usage", server.port),
        None,
    )
    .await;
    assert_eq!(status, 200);
    assert_eq!(usage["connections"], 1);
    let rss = usage["memory"]["rss_bytes"].as_u64().unwrap();
    let expected_kib = server.rss_kib();
    // Same process, read moments apart: within a few MiB, and far below the host's memory.
    assert!(
        rss.abs_diff(expected_kib * 1024) < 16 * 1024 * 1024,
        "{rss} vs {expected_kib} KiB"
    );
}

#[tokio::test]
async fn health_checks() {
    let server = Server::start().await;
    for (path, status) in [
        ("/up", 200),
        ("/up/app-1", 200),
        ("/up/app-off", 403),
        ("/up/nope", 404),
        ("/no/such/route", 404),
    ] {
        let url = format!("http://127.0.0.1:{}{path}", server.port);
        assert_eq!(raw_request("GET", &url, None).await.0, status, "{path}");
    }
}

/// A CORS request: `OPTIONS` preflight when `method` is OPTIONS, else a plain GET of `/up`.
async fn cors_headers(port: u16, method: &str, origin: &str) -> reqwest::header::HeaderMap {
    let client = reqwest::Client::new();
    let request = match method {
        "OPTIONS" => client
            .request(
                reqwest::Method::OPTIONS,
                format!("http://127.0.0.1:{port}/apps/app-1/events"),
            )
            .header("access-control-request-method", "POST")
            .header("access-control-request-headers", "content-type"),
        _ => client.get(format!("http://127.0.0.1:{port}/up")),
    };
    request
        .header("origin", origin)
        .send()
        .await
        .unwrap()
        .headers()
        .clone()
}

#[tokio::test]
async fn cors_answers_preflights_for_the_configured_origins() {
    let server = Server::start().await;
    let open = cors_headers(server.port, "OPTIONS", "https://anyone.test").await;
    assert_eq!(open["access-control-allow-origin"], "*");
    assert!(open["access-control-allow-methods"]
        .to_str()
        .unwrap()
        .contains("POST"));

    let mut config = default_config();
    config["cors"] = json!({"origin": ["https://*.example.com"], "credentials": true});
    let server = Server::with_config(config).await;
    let allowed = cors_headers(server.port, "OPTIONS", "https://shop.example.com").await;
    assert_eq!(
        allowed["access-control-allow-origin"],
        "https://shop.example.com"
    );
    assert_eq!(allowed["access-control-allow-credentials"], "true");
    let refused = cors_headers(server.port, "OPTIONS", "https://evil.test").await;
    assert!(refused.get("access-control-allow-origin").is_none());
    let plain = cors_headers(server.port, "GET", "https://shop.example.com").await;
    assert!(plain["access-control-expose-headers"]
        .to_str()
        .unwrap()
        .contains("x-ratelimit-remaining"));
}
