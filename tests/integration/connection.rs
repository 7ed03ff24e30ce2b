//! The connection handshake, refusals, keep-alive and malformed input.

use crate::support::*;
use serde_json::{json, Value};
use sockudo_ws::Message;
use std::time::Duration;

#[tokio::test]
async fn connection_established_carries_a_valid_socket_id() {
    let server = Server::start().await;
    let mut client = server.connect("key-1").await;
    let frame = client.next().await;
    assert_eq!(frame["event"], "pusher:connection_established");
    let data = data(&frame);
    let socket_id = data["socket_id"].as_str().unwrap();
    let (a, b) = socket_id.split_once('.').unwrap();
    assert!(
        a.parse::<u32>().is_ok() && b.parse::<u32>().is_ok(),
        "{socket_id}"
    );
    assert_eq!(data["activity_timeout"], 30);
}

async fn refused_with(server: &Server, path: &str) -> (Value, Ended) {
    let mut client = Client::connect(&format!("ws://127.0.0.1:{}{path}", server.port)).await;
    let error = client.next().await;
    (error, client.ended().await)
}

#[tokio::test]
async fn refusals_send_the_documented_error_then_close_with_the_same_code() {
    let server = Server::start().await;
    let cases = [
        ("/app/nope?protocol=7", 4001),
        ("/app/key-off?protocol=7", 4003),
        ("/app/key-1", 4008),
        ("/app/key-1?protocol=seven", 4006),
        ("/app/key-1?protocol=3", 4007),
    ];
    for (path, code) in cases {
        let (error, ended) = refused_with(&server, path).await;
        assert_eq!(error["event"], "pusher:error", "{path}");
        assert_eq!(error["data"]["code"], code, "{path}");
        assert_eq!(ended, Ended::Closed(Some(code)), "{path}");
    }
}

#[tokio::test]
async fn app_connection_quota_is_enforced_with_4004() {
    let server = Server::start().await;
    let (_first, _) = server.connected("key-small").await;
    let (error, ended) = refused_with(&server, "/app/key-small?protocol=7").await;
    assert_eq!(error["data"]["code"], 4004);
    assert_eq!(ended, Ended::Closed(Some(4004)));
}

#[tokio::test]
async fn node_max_connections_refuses_with_4100_and_the_file_limit_is_raised_and_exposed() {
    let mut config = default_config();
    config["max_connections"] = json!(2);
    let server = Server::with_config(config).await;
    let (_a, _) = server.connected("key-1").await;
    let (_b, _) = server.connected("key-2").await;
    let (error, ended) = refused_with(&server, "/app/key-1?protocol=7").await;
    assert_eq!(error["data"]["code"], 4100);
    assert_eq!(ended, Ended::Closed(Some(4100)));
    let metrics = server.metrics().await;
    assert_eq!(
        metric(&metrics, "sockudo_connection_refusals_total{code=\"4100\"}"),
        1.0
    );
    // The soft open-file limit was raised to the hard one at start, and is what the gauge shows.
    let limits = std::fs::read_to_string(format!("/proc/{}/limits", server.pid())).unwrap();
    let line = limits
        .lines()
        .find(|line| line.starts_with("Max open files"))
        .unwrap();
    let fields: Vec<&str> = line.split_whitespace().collect();
    let (soft, hard) = (fields[3], fields[4]);
    if hard != "unlimited" {
        assert_eq!(soft, hard, "{line}");
    }
    assert_eq!(
        metric(&metrics, "sockudo_open_files_limit"),
        soft.parse::<f64>().unwrap()
    );
}

#[tokio::test]
async fn accepted_connections_send_without_nagle_delay() {
    let server = Server::start().await;
    let nodelay = server_nodelay_on_new_connection(server.pid(), server.port).await;
    assert_eq!(nodelay, Some(true));
}

#[tokio::test]
async fn ping_gets_pong_and_protocol_6_is_accepted() {
    let server = Server::start().await;
    let mut client = Client::connect(&format!(
        "ws://127.0.0.1:{}/app/key-1?protocol=6",
        server.port
    ))
    .await;
    client.expect_event("pusher:connection_established").await;
    client
        .send(json!({"event": "pusher:ping", "data": {}}))
        .await;
    assert_eq!(
        client.next().await,
        json!({"event": "pusher:pong", "data": "{}"})
    );
    client
        .send(json!({"event": "pusher:ping", "data": ""}))
        .await;
    assert_eq!(client.next().await["event"], "pusher:pong");
}

#[tokio::test]
async fn a_silent_client_is_pinged_then_closed_with_4201() {
    let mut config = default_config();
    config["activity_timeout"] = json!(1);
    config["pong_timeout"] = json!(1);
    let server = Server::with_config(config).await;
    let (mut client, _) = server.connected("key-1").await;
    assert_eq!(
        client.next().await,
        json!({"event": "pusher:ping", "data": "{}"})
    );
    assert_eq!(client.ended().await, Ended::Closed(Some(4201)));
}

#[tokio::test]
async fn answering_the_ping_keeps_the_connection() {
    let mut config = default_config();
    config["activity_timeout"] = json!(1);
    config["pong_timeout"] = json!(1);
    let server = Server::with_config(config).await;
    let (mut client, _) = server.connected("key-1").await;
    for _ in 0..3 {
        assert_eq!(
            client.expect_event("pusher:ping").await["event"],
            "pusher:ping"
        );
        client
            .send(json!({"event": "pusher:pong", "data": {}}))
            .await;
    }
    client.send(json!({"event": "pusher:ping"})).await;
    client.expect_event("pusher:pong").await;
}

#[tokio::test]
async fn malformed_frames_get_errors_and_the_connection_survives() {
    let server = Server::start().await;
    let (mut client, _) = server.connected("key-1").await;
    for bad in [
        "{",
        "[1,2,3]",
        "42",
        "\"text\"",
        "{\"data\":{}}",
        "{\"event\":1}",
        "{\"event\":\"pusher:subscribe\"}",
        "{\"event\":\"pusher:subscribe\",\"data\":{\"channel\":[]}}",
    ] {
        client.send_text(bad).await;
        let error = client.next().await;
        assert_eq!(error["event"], "pusher:error", "{bad}");
        assert!(
            error["data"]["message"].as_str().unwrap().len() > 5,
            "{bad}"
        );
    }
    client
        .send_message(Message::Binary(bytes::Bytes::from_static(b"\x00\x01")))
        .await;
    assert_eq!(client.next().await["event"], "pusher:error");
    // Unknown events are ignored.
    client
        .send(json!({"event": "pusher:something-new", "data": {}}))
        .await;
    client.send(json!({"event": "pusher:ping"})).await;
    assert_eq!(client.next().await["event"], "pusher:pong");
}

/// The server ends a connection with a close handshake, not a reset: after its Close it reads on
/// until the client's Close. A socket dropped with the client's frames unread answers them with a
/// RST, and a client whose write fails that way (browsers, sockudo-ws' split client) reports a
/// dropped connection and may never read the close code already on its way (seen as 1 flake in
/// 3 suite runs: `terminate_on_limit` closing a client still sending its burst).
#[tokio::test]
async fn a_client_still_sending_after_the_server_closed_is_not_reset() {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let mut config = default_config();
    config["websocket_max_payload_kb"] = json!(1);
    let server = Server::with_config(config).await;
    let (mut stream, head) = upgrade_by_hand(server.port, "").await;
    assert!(head.starts_with("HTTP/1.1 101"), "{head}");
    let oversized = json!({"event": "client-x", "channel": "chat", "data": "x".repeat(2048)});
    stream
        .write_all(&masked_text_frame(oversized.to_string().as_bytes()))
        .await
        .unwrap();
    let mut received = Vec::new();
    let mut buffer = [0u8; 4096];
    while close_code_in(&received).is_none() {
        let n = tokio::time::timeout(WAIT, stream.read(&mut buffer))
            .await
            .expect("the close frame within WAIT")
            .expect("no reset before the close frame");
        assert!(n > 0, "the connection ended without a close frame");
        received.extend_from_slice(&buffer[..n]);
    }
    assert_eq!(close_code_in(&received), Some(1009));
    // Frames the client had in flight when the server closed; the second write is the one a reset
    // would fail.
    let ping = masked_text_frame(
        json!({"event": "pusher:ping", "data": {}})
            .to_string()
            .as_bytes(),
    );
    for _ in 0..2 {
        tokio::time::sleep(Duration::from_millis(300)).await;
        stream
            .write_all(&ping)
            .await
            .expect("the server still reads after its close");
    }
    stream
        .write_all(&masked_close_frame(1000))
        .await
        .expect("the server still reads after its close");
    let end = tokio::time::timeout(WAIT, stream.read_to_end(&mut received))
        .await
        .expect("the server ends the connection after the client's close");
    assert!(end.is_ok(), "a clean end, not {end:?}");
}

#[tokio::test]
async fn an_oversized_frame_closes_only_that_connection() {
    let mut config = default_config();
    config["websocket_max_payload_kb"] = json!(4);
    let server = Server::with_config(config).await;
    let (mut big, _) = server.connected("key-1").await;
    let (mut other, _) = server.connected("key-1").await;
    other.subscribe("chat").await;
    let payload = json!({"event": "client-x", "channel": "chat", "data": "x".repeat(8 * 1024)});
    big.send(payload).await;
    assert_eq!(big.ended().await, Ended::Closed(Some(1009)));
    let (status, _) = server
        .api(
            APP1,
            "POST",
            "/events",
            &[],
            Some(&json!({"name": "e", "channel": "chat", "data": "still here"})),
        )
        .await;
    assert_eq!(status, 200);
    assert_eq!(other.expect_event("e").await["data"], "still here");
}

#[tokio::test]
async fn ten_thousand_rapid_subscribes_and_unsubscribes_leave_nothing_behind() {
    let mut config = default_config();
    // Churn far past the default subscription rate: this test is about what churn leaves behind.
    config["channel_limits"] = json!({"max_subscriptions_per_second": 1_000_000});
    let server = Server::with_config(config).await;
    let (mut churner, _) = server.connected("key-1").await;
    let (mut bystander, _) = server.connected("key-1").await;
    bystander.subscribe("steady").await;
    for i in 0..5_000 {
        let channel = format!("churn-{}", i % 50);
        churner
            .send(json!({"event": "pusher:subscribe", "data": {"channel": channel}}))
            .await;
        churner
            .send(json!({"event": "pusher:unsubscribe", "data": {"channel": channel}}))
            .await;
    }
    // Every subscribe is answered; read them all so the server is done before we look.
    for _ in 0..5_000 {
        assert_eq!(
            churner.next().await["event"],
            "pusher_internal:subscription_succeeded"
        );
    }
    let (status, body) = server.api(APP1, "GET", "/channels", &[], None).await;
    assert_eq!(status, 200);
    assert_eq!(body, json!({"channels": {"steady": {}}}));
    server
        .api(
            APP1,
            "POST",
            "/events",
            &[],
            Some(&json!({"name": "e", "channel": "steady", "data": "ok"})),
        )
        .await;
    assert_eq!(bystander.expect_event("e").await["data"], "ok");
}

#[tokio::test]
async fn a_client_that_never_reads_cannot_stall_the_others() {
    let mut config = default_config();
    config["websocket"] =
        json!({"max_messages": 50, "max_bytes": 262144, "disconnect_on_buffer_full": true});
    config["event_limits"] = json!({"max_payload_in_kb": 100});
    let server = Server::with_config(config).await;
    // A raw socket that completes the handshake, subscribes, then never reads again.
    let stalled = stalled_subscriber(server.port, &["firehose"]).await;
    let (mut reader, _) = server.connected("key-1").await;
    reader.subscribe("firehose").await;
    let payload = "y".repeat(64 * 1024);
    for i in 0..200 {
        let body = json!({"name": "tick", "channel": "firehose", "data": format!("{i}:{payload}")});
        let (status, _) = server.api(APP1, "POST", "/events", &[], Some(&body)).await;
        assert_eq!(status, 200);
        let frame = reader.expect_event("tick").await;
        assert!(frame["data"]
            .as_str()
            .unwrap()
            .starts_with(&format!("{i}:")));
    }
    // The stalled socket overflowed its queue and was disconnected; its close handshake can take
    // the close timeout, since it still does not read.
    let disconnected = poll_metric(
        &server,
        "sockudo_disconnections_total{app_id=\"app-1\"}",
        |value| value >= 1.0,
    )
    .await;
    assert_eq!(disconnected, 1.0);
    drop(stalled);
}

/// Publishers write to an idle socket themselves and queue only what the kernel does not take
/// (issue 17). A client that stops reading fills the kernel's buffers, so deliveries move from
/// direct writes to the queue (the queued gauge shows them), one frame cut where the buffer
/// filled; once it reads again it gets every frame once and in order, including those published
/// while it catches up, when queued and direct writes mix.
#[tokio::test]
async fn a_reader_that_falls_behind_gets_every_frame_once_in_order() {
    use futures_util::StreamExt;
    let mut config = default_config();
    config["websocket"] = json!({"max_messages": 10000, "max_bytes": 268435456});
    config["event_limits"] = json!({"max_payload_in_kb": 100});
    let server = Server::with_config(config).await;
    let stalled = unread_subscriber(server.port, &["stream"], None).await;
    let payload = "z".repeat(32 * 1024);
    let publish = |i: usize| {
        let body = json!({"name": "tick", "channel": "stream", "data": format!("{i}:{payload}")});
        let server = &server;
        async move {
            let (status, _) = server.api(APP1, "POST", "/events", &[], Some(&body)).await;
            assert_eq!(status, 200);
        }
    };
    // About 10 MB: more than the kernel buffers of a socket that is not read.
    for i in 0..300 {
        publish(i).await;
    }
    let queued = poll_metric(&server, "sockudo_ws_queued_frames", |v| v >= 1.0).await;
    assert!(queued >= 1.0, "frames fell back to the queue");
    let config = sockudo_ws::Config {
        max_message_size: 1 << 20,
        ..sockudo_ws::Config::default()
    };
    let mut reader =
        sockudo_ws::WebSocketStream::from_raw(stalled, sockudo_ws::Role::Client, config);
    let read_all = async {
        let mut next = 0;
        while next < 400 {
            let message = tokio::time::timeout(Duration::from_secs(30), reader.next())
                .await
                .expect("a frame within 30 s");
            let Some(Ok(Message::Text(text))) = message else {
                panic!("connection ended after {next} ticks: {message:?}");
            };
            let frame: Value = serde_json::from_slice(&text).unwrap();
            if frame["event"] != "tick" {
                continue;
            }
            let data = frame["data"].as_str().unwrap();
            assert!(
                data.starts_with(&format!("{next}:")),
                "tick {next} expected, got {}",
                &data[..8]
            );
            next += 1;
        }
    };
    let publish_more = async {
        for i in 300..400 {
            publish(i).await;
        }
    };
    tokio::join!(read_all, publish_more);
    assert_eq!(
        eventually_metric(&server, "sockudo_ws_queued_frames", 0.0).await,
        0.0
    );
}

/// The server closes a peer that leaves its WebSocket pings unanswered (after `ping_interval`
/// plus the transport's 10 s pong timeout). The harness's client answers them even while the test
/// does not read it, as a browser does; before it did, tests that left clients unread for 40 s on
/// a loaded machine (the mass-disconnect witnesses) lost them to this and read 0 sockets.
#[tokio::test]
async fn unanswered_pings_close_a_peer_but_an_unread_client_still_answers_them() {
    let mut config = default_config();
    config["websocket"] = json!({"ping_interval": 1});
    let server = Server::with_config(config).await;
    let (mut unread, _) = server.connected("key-1").await;
    unread.subscribe("kept").await;
    // Joins after the client, so it is pinged (and closed) after it.
    let deaf = stalled_subscriber(server.port, &["deaf"]).await;
    let closed = poll_metric(
        &server,
        "sockudo_disconnections_total{app_id=\"app-1\"}",
        |value| value >= 1.0,
    )
    .await;
    assert_eq!(closed, 1.0, "the peer that never answers pings is closed");
    // Its cleanup may still be queued for a worker.
    assert_eq!(
        eventually_metric(&server, "sockudo_connected", 1.0).await,
        1.0
    );
    let body = json!({"name": "e", "channel": "kept", "data": "still here"});
    let (status, _) = server.api(APP1, "POST", "/events", &[], Some(&body)).await;
    assert_eq!(status, 200);
    assert_eq!(unread.expect_event("e").await["data"], "still here");
    drop(deaf);
}

#[tokio::test]
async fn allowed_origins_refuse_other_browsers_with_4009() {
    let server = Server::start().await;
    let url = format!("ws://127.0.0.1:{}/app/key-web?protocol=7", server.port);
    let mut welcome = Client::connect_from(&url, "https://shop.example.com").await;
    assert_eq!(
        welcome.next().await["event"],
        "pusher:connection_established"
    );
    let mut refused = Client::connect_from(&url, "https://evil.test").await;
    assert_eq!(refused.next().await["data"]["code"], 4009);
    assert_eq!(refused.ended().await, Ended::Closed(Some(4009)));
    // Servers (no Origin header) are not browsers and are not restricted.
    let mut backend = Client::connect(&url).await;
    assert_eq!(
        backend.next().await["event"],
        "pusher:connection_established"
    );
}

/// Sends a WebSocket upgrade offering permessage-deflate; returns the response head.
async fn upgrade_head(port: u16) -> String {
    let offer = "Sec-WebSocket-Extensions: permessage-deflate; client_max_window_bits\r\n";
    upgrade_by_hand(port, offer).await.1.to_ascii_lowercase()
}

#[tokio::test]
async fn permessage_deflate_is_negotiated_only_when_configured() {
    let server = Server::start().await;
    let head = upgrade_head(server.port).await;
    assert!(head.starts_with("http/1.1 101"), "{head}");
    assert!(
        !head.contains("permessage-deflate"),
        "off by default: {head}"
    );

    let mut config = default_config();
    config["websocket"] = json!({"compression": "window4kb"});
    let server = Server::with_config(config).await;
    let head = upgrade_head(server.port).await;
    assert!(
        head.contains("sec-websocket-extensions: permessage-deflate"),
        "{head}"
    );
    assert!(head.contains("server_max_window_bits=12"), "{head}");
}

#[tokio::test]
async fn the_transport_idle_timeout_closes_silent_clients() {
    let mut config = default_config();
    config["websocket"] = json!({"idle_timeout": 1, "auto_ping": false});
    let server = Server::with_config(config).await;
    let (mut silent, _) = server.connected("key-1").await;
    assert_ne!(silent.ended().await, Ended::Closed(Some(4200)));
}
