//! What a client with no credentials can make the server hold or do, and the bounds on it.

use crate::support::*;
use serde_json::{json, Value};

/// The refusal of a subscribe: `pusher:subscription_error` on the channel, then `pusher:error`.
async fn expect_refusal(client: &mut Client, channel: &str, status: u16) {
    let refusal = client.subscribe(channel).await;
    assert_eq!(refusal["event"], "pusher:subscription_error", "{refusal}");
    assert_eq!(refusal["channel"], channel);
    let data = data(&refusal);
    assert_eq!(data["type"], "LimitReached", "{refusal}");
    assert_eq!(data["status"], status, "{refusal}");
    assert_eq!(client.next().await["event"], "pusher:error");
}

/// The socket still works: it answers pings and receives events on `channel`.
async fn still_usable(server: &Server, client: &mut Client, channel: &str) {
    client
        .send(json!({"event": "pusher:ping", "data": {}}))
        .await;
    client.expect_event("pusher:pong").await;
    let body = json!({"name": "still", "channel": channel, "data": "here"});
    let (status, _) = server.api(APP1, "POST", "/events", &[], Some(&body)).await;
    assert_eq!(status, 200);
    assert_eq!(client.expect_event("still").await["data"], "here");
}

#[tokio::test]
async fn one_connection_holds_at_most_a_thousand_channels_by_default() {
    let server = Server::start().await;
    let (mut client, _) = server.connected("key-1").await;
    for n in 0..1000 {
        let answer = client.subscribe(&format!("room-{n}")).await;
        assert_eq!(
            answer["event"], "pusher_internal:subscription_succeeded",
            "{answer}"
        );
    }
    expect_refusal(&mut client, "room-1000", 403).await;
    // Leaving one makes room for another.
    client
        .send(json!({"event": "pusher:unsubscribe", "data": {"channel": "room-0"}}))
        .await;
    let answer = client.subscribe("room-1000").await;
    assert_eq!(answer["event"], "pusher_internal:subscription_succeeded");
    still_usable(&server, &mut client, "room-1000").await;
    let metrics = server.metrics().await;
    assert_eq!(
        metric(&metrics, "sockudo_limits_hit_total{app_id=\"app-1\"}"),
        1.0
    );
    let (_, channels) = server.api(APP1, "GET", "/channels", &[], None).await;
    assert_eq!(channels["channels"].as_object().unwrap().len(), 1000);
}

#[tokio::test]
async fn an_apps_own_channel_limit_overrides_the_default() {
    let mut config = default_config();
    config["app_manager"]["array"]["apps"][0]["max_channels_per_connection"] = json!(2);
    let server = Server::with_config(config).await;
    let (mut client, _) = server.connected("key-1").await;
    for channel in ["a", "b"] {
        let answer = client.subscribe(channel).await;
        assert_eq!(answer["event"], "pusher_internal:subscription_succeeded");
    }
    expect_refusal(&mut client, "c", 403).await;
    still_usable(&server, &mut client, "a").await;
}

/// Subscribe and unsubscribe churn on one socket (each subscribe costs channel state, cluster
/// messages and webhooks) is bounded by a token bucket: a first burst, then a rate.
#[tokio::test]
async fn subscribes_past_the_burst_and_rate_are_refused() {
    let mut config = default_config();
    config["channel_limits"] =
        json!({"max_channels_per_connection": 10, "max_subscriptions_per_second": 1});
    let server = Server::with_config(config).await;
    let (mut client, _) = server.connected("key-1").await;
    // The burst of 10 passes; then one a second refills, far slower than this loop asks.
    let mut accepted = 0;
    let refusal = loop {
        assert!(accepted < 1000, "1000 subscribes in a row were accepted");
        let channel = format!("churn-{accepted}");
        let answer = try_subscribe(&mut client, &channel).await;
        if answer["event"] != "pusher_internal:subscription_succeeded" {
            break answer;
        }
        client
            .send(json!({"event": "pusher:unsubscribe", "data": {"channel": channel}}))
            .await;
        accepted += 1;
    };
    assert_eq!(refusal["event"], "pusher:subscription_error", "{refusal}");
    assert_eq!(data(&refusal)["type"], "LimitReached", "{refusal}");
    assert_eq!(data(&refusal)["status"], 429, "{refusal}");
    assert!(
        accepted >= 10,
        "the burst of 10 was refused after {accepted}"
    );
    // Refilled, the socket subscribes again and works.
    let deadline = tokio::time::Instant::now() + POLL_BOUND;
    while try_subscribe(&mut client, "kept").await["event"]
        != "pusher_internal:subscription_succeeded"
    {
        assert!(tokio::time::Instant::now() < deadline, "never refilled");
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    still_usable(&server, &mut client, "kept").await;
}

/// Subscribes to `channel`; returns the answer, having read the `pusher:error` after a refusal.
async fn try_subscribe(client: &mut Client, channel: &str) -> Value {
    let answer = client.subscribe(channel).await;
    if answer["event"] == "pusher:subscription_error" {
        assert_eq!(client.next().await["event"], "pusher:error");
    }
    answer
}

/// Opens a TCP connection to `port` and sends `bytes` (a request cut short, or nothing).
async fn half_request(port: u16, bytes: &str) -> tokio::net::TcpStream {
    use tokio::io::AsyncWriteExt;
    let mut stream = tokio::net::TcpStream::connect(("127.0.0.1", port))
        .await
        .unwrap();
    // A server that closed the connection at once may refuse the bytes: callers look at what
    // comes back instead.
    let _ = stream.write_all(bytes.as_bytes()).await;
    stream
}

/// Reads until the server closes `stream`; returns what it sent. Panics if it stays open.
async fn closed_by_server(stream: &mut tokio::net::TcpStream) -> String {
    use tokio::io::AsyncReadExt;
    let mut received = Vec::new();
    let read = tokio::time::timeout(POLL_BOUND, stream.read_to_end(&mut received)).await;
    assert!(read.is_ok(), "the server kept the connection open");
    String::from_utf8_lossy(&received).into_owned()
}

#[tokio::test]
async fn connections_that_send_no_whole_request_head_are_closed() {
    let mut config = default_config();
    config["http"] = json!({"header_timeout_secs": 1});
    let server = Server::with_config(config).await;
    let mut silent = half_request(server.port, "").await;
    let mut half = half_request(server.port, "GET /up HTTP/1.1\r\nHost: 127.0.0.1\r\n").await;
    closed_by_server(&mut silent).await;
    closed_by_server(&mut half).await;
    let timeouts = poll_metric(
        &server,
        "sockudo_connection_errors_total{type=\"header_timeout\"}",
        |n| n >= 2.0,
    )
    .await;
    assert_eq!(timeouts, 2.0);
    // Whole requests are still served.
    let (status, _) =
        raw_request("GET", &format!("http://127.0.0.1:{}/up", server.port), None).await;
    assert_eq!(status, 200);
}

#[tokio::test]
async fn http_connections_over_the_cap_are_closed_at_once() {
    let mut config = default_config();
    config["http"] = json!({"max_connections": 3});
    let server = Server::with_config(config).await;
    // The start-up probe's connection may still be winding down on the server.
    eventually_metric(&server, "sockudo_http_connections", 0.0).await;
    let mut held = Vec::new();
    for _ in 0..3 {
        held.push(half_request(server.port, "GET /up HTTP/1.1\r\n").await);
    }
    eventually_metric(&server, "sockudo_http_connections", 3.0).await;
    // The server accepts connections in order: once the fourth is closed, the three hold places.
    let mut over = half_request(server.port, "").await;
    closed_by_server(&mut over).await;
    let metrics = server.metrics().await;
    assert_eq!(
        metric(
            &metrics,
            "sockudo_connection_errors_total{type=\"http_limit\"}"
        ),
        1.0
    );
    // A place frees up when a held connection closes. (Upgraded WebSockets have left the HTTP
    // phase and do not count: the heavy tests hold 10,000 of them under the default cap.)
    drop(held.pop());
    let answer = poll(
        POLL_BOUND,
        || up_over_fresh_connection(server.port),
        |answer| answer.starts_with("HTTP/1.1 200"),
    )
    .await;
    assert!(answer.starts_with("HTTP/1.1 200"), "{answer}");
}

/// `GET /up` on a connection of its own; returns the whole answer (empty when refused).
async fn up_over_fresh_connection(port: u16) -> String {
    let mut stream = half_request(
        port,
        "GET /up HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n",
    )
    .await;
    closed_by_server(&mut stream).await
}

#[tokio::test]
async fn a_body_that_trickles_in_is_answered_408() {
    let mut config = default_config();
    config["http"] = json!({"request_timeout_secs": 1});
    let server = Server::with_config(config).await;
    // Correctly signed (the signature is checked before the body), then only part of the body.
    let body = json!({"name": "e", "channel": "c", "data": "d"}).to_string();
    let url = signed_url(
        server.port,
        APP1,
        "POST",
        "/events",
        &[],
        Some(&body),
        now(),
    );
    let target = &url[url.find("/apps/").unwrap()..];
    let mut slow = half_request(
        server.port,
        &format!(
            "POST {target} HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n\
             Content-Length: {}\r\n\r\n{}",
            body.len(),
            &body[..8]
        ),
    )
    .await;
    let answer = closed_by_server(&mut slow).await;
    assert!(answer.starts_with("HTTP/1.1 408"), "{answer}");
}

/// SIGTERM ends the server within the grace period whatever clients hold open: a request cut
/// short (which `axum::serve`'s graceful shutdown waited for forever) and a socket that reads
/// nothing. The drain still runs, and the exit is 0.
#[tokio::test]
async fn sigterm_ends_the_server_with_half_sent_requests_and_stuck_readers_open() {
    let mut config = default_config();
    config["shutdown_grace_period"] = json!(1);
    let server = Server::with_config(config).await;
    let _half = half_request(
        server.port,
        "POST /apps/app-1/events HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 100\r\n\r\n{",
    )
    .await;
    let _head = half_request(server.port, "GET /up HTTP/1.1\r\n").await;
    let _stuck = stalled_subscriber(server.port, &["stuck"]).await;
    let status = server.terminate().await;
    assert!(status.success(), "{status}");
}

/// The development app's secret is public: unless told where to listen, it serves loopback only.
#[tokio::test]
async fn the_development_app_listens_on_loopback_unless_a_host_is_given() {
    for (host, reachable_elsewhere) in [(None, false), (Some("0.0.0.0"), true)] {
        let port = free_port();
        let dir = tempfile::tempdir().unwrap();
        let mut serve = serve_in(dir.path(), port);
        serve.env_remove("HOST");
        if let Some(host) = host {
            serve.env("HOST", host);
        }
        let mut child = serve.spawn().unwrap();
        let up = poll(
            POLL_BOUND,
            || async move {
                reqwest::get(format!("http://127.0.0.1:{port}/up/app-id"))
                    .await
                    .is_ok_and(|r| r.status() == 200)
            },
            |up| *up,
        )
        .await;
        // Another loopback address: reached only when the server listens beyond 127.0.0.1.
        let elsewhere = tokio::net::TcpStream::connect(("127.0.0.2", port))
            .await
            .is_ok();
        let _ = child.kill();
        let _ = child.wait();
        assert!(up, "development app not served ({host:?})");
        assert_eq!(elsewhere, reachable_elsewhere, "HOST {host:?}");
    }
}

/// The development app (public secret) is never served beside apps of a persistent store.
#[tokio::test]
async fn the_development_app_is_never_served_beside_stored_apps() {
    let dir = tempfile::tempdir().unwrap();
    for args in [
        &["migrate"][..],
        &["apps", "create", "--id", "stored", "--json"],
    ] {
        let output = sockudo()
            .args(args)
            .current_dir(dir.path())
            .output()
            .unwrap();
        assert!(output.status.success(), "{args:?}: {output:?}");
    }
    let port = free_port();
    let mut child = serve_in(dir.path(), port)
        .env("HOST", "127.0.0.1")
        .spawn()
        .unwrap();
    let status_of = |app: &'static str| async move {
        reqwest::get(format!("http://127.0.0.1:{port}/up/{app}"))
            .await
            .map(|r| r.status().as_u16())
            .ok()
    };
    let stored = poll(POLL_BOUND, || status_of("stored"), |s| *s == Some(200)).await;
    let development = status_of("app-id").await;
    let _ = child.kill();
    let _ = child.wait();
    assert_eq!(stored, Some(200), "the stored app is not served");
    assert_eq!(
        development,
        Some(404),
        "the development app must not be served"
    );
}

/// The signature covers `body_md5`, so it is checked from the request line before any of the body
/// is read: a caller without the secret cannot make the server take in 10 MB bodies.
#[tokio::test]
async fn a_badly_signed_request_is_refused_before_its_body_is_read() {
    let server = Server::start().await;
    let mut unsigned = half_request(
        server.port,
        "POST /apps/app-1/events?auth_key=key-1&auth_timestamp=1&auth_version=1.0&body_md5=x\
         &auth_signature=bad HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n\
         Content-Length: 10000000\r\n\r\n",
    )
    .await;
    let answer = closed_by_server(&mut unsigned).await;
    assert!(answer.starts_with("HTTP/1.1 401"), "{answer}");
}

/// A correctly signed body over `http_api.request_limit_in_mb` is answered 413.
#[tokio::test]
async fn a_signed_body_over_the_request_limit_is_413() {
    let mut config = default_config();
    config["http_api"] = json!({"request_limit_in_mb": 1});
    let server = Server::with_config(config).await;
    let body = json!({"name": "e", "channel": "c", "data": "x".repeat(1024 * 1024)});
    let (status, answer) = server.api(APP1, "POST", "/events", &[], Some(&body)).await;
    assert_eq!(status, 413, "{answer}");
    assert!(
        answer["error"].as_str().unwrap().contains("1 MiB"),
        "{answer}"
    );
}

/// Lookups of apps the cache cannot answer are store queries: each client IP gets
/// `app_manager.cache.max_misses_per_second` of them, then 429, so random keys and ids cannot
/// flood the store. Apps the server knows are not affected.
#[tokio::test]
async fn lookups_of_unknown_apps_are_limited_per_client() {
    let mut config = default_config();
    config["app_manager"]["cache"] = json!({"max_misses_per_second": 3});
    let server = Server::with_config(config).await;
    let base = format!("http://127.0.0.1:{}", server.port);
    let mut statuses = Vec::new();
    for n in 0..6 {
        statuses.push(
            raw_request("GET", &format!("{base}/up/unknown-{n}"), None)
                .await
                .0,
        );
    }
    // Three lookups in the first second; then refused (a slow run may start a new second).
    assert_eq!(&statuses[..3], [404, 404, 404], "{statuses:?}");
    assert!(statuses.contains(&429), "{statuses:?}");
    // An upgrade with an unknown key is refused before the upgrade, too.
    let mut upgrade = half_request(
        server.port,
        "GET /app/random-key?protocol=7 HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\n\
         Connection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\
         Sec-WebSocket-Version: 13\r\nConnection: close\r\n\r\n",
    )
    .await;
    let answer = closed_by_server(&mut upgrade).await;
    assert!(answer.starts_with("HTTP/1.1 429"), "{answer}");
    // Known apps need no store query.
    assert_eq!(
        raw_request("GET", &format!("{base}/up/app-1"), None)
            .await
            .0,
        200
    );
    server.connected("key-1").await;
    let metrics = server.metrics().await;
    assert!(
        metric(
            &metrics,
            "sockudo_rate_limit_rejections_total{limit=\"app_lookups\"}"
        ) >= 2.0
    );
}
