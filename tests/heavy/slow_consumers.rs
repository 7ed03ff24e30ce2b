//! A stalled client beside a thousand readers: the slow-consumer policy in drop mode.

use crate::support::*;
use crate::{one_at_a_time, open_files_for};
use serde_json::json;

#[tokio::test]
async fn a_stalled_client_drops_frames_while_a_thousand_others_get_every_one() {
    const RECEIVERS: usize = 1000;
    const ROUNDS: usize = 100;
    let _alone = one_at_a_time().await;
    open_files_for(RECEIVERS as u64 + 1);
    let mut config = default_config();
    // The stalled socket reads nothing, so it cannot answer the transport's pings: with them on,
    // a slow run (over ping_interval + pong timeout) would close it for that, not for its queue.
    config["websocket"] = json!({"max_messages": 50, "max_bytes": 65536,
        "disconnect_on_buffer_full": false, "auto_ping": false, "idle_timeout": 0});
    config["event_limits"] = json!({"max_payload_in_kb": 100});
    let server = Server::with_config(config).await;
    let stalled = stalled_subscriber(server.port, &["shared", "stalled-only"]).await;
    let mut receivers = Vec::new();
    for _ in 0..RECEIVERS {
        let (mut receiver, _) = server.connected("key-1").await;
        receiver.subscribe("shared").await;
        receivers.push(receiver);
    }
    // 100 x 128 KiB offered to the stalled socket: far past its 64 KiB queue and the kernel's
    // buffers, so without the bound the server would hold about 12 MiB for it.
    let payload = "z".repeat(96 * 1024);
    // What the growth below must not count: each socket allocates its queue and write buffer with
    // its first frame (idle sockets stay small), and the first large request grows the
    // allocator's pools; one of each before the baseline.
    let body = json!({"name": "warm", "channel": "shared", "data": "up"});
    let (status, _) = server.api(APP1, "POST", "/events", &[], Some(&body)).await;
    assert_eq!(status, 200);
    for receiver in &mut receivers {
        receiver.expect_event("warm").await;
    }
    let body = json!({"name": "warm", "channel": "nobody-listens", "data": payload});
    let (status, _) = server.api(APP1, "POST", "/events", &[], Some(&body)).await;
    assert_eq!(status, 200);
    let rss_before = server.rss_kib();
    for round in 0..ROUNDS {
        let body = json!({"name": "tick", "channel": "shared", "data": round.to_string()});
        let (status, _) = server.api(APP1, "POST", "/events", &[], Some(&body)).await;
        assert_eq!(status, 200);
        let body = json!({"name": "bulk", "channel": "stalled-only", "data": payload});
        let (status, _) = server.api(APP1, "POST", "/events", &[], Some(&body)).await;
        assert_eq!(status, 200);
    }
    let mut reading = tokio::task::JoinSet::new();
    for mut receiver in receivers {
        reading.spawn(async move {
            for round in 0..ROUNDS {
                let frame = receiver.expect_event("tick").await;
                assert_eq!(frame["data"], round.to_string(), "in order, none lost");
            }
            receiver
        });
    }
    let mut receivers = Vec::new();
    while let Some(receiver) = reading.join_next().await {
        receivers.push(receiver.unwrap());
    }
    assert_eq!(receivers.len(), RECEIVERS);
    let metrics = server.metrics().await;
    let dropped = metric(
        &metrics,
        "sockudo_ws_frames_dropped_total{app_id=\"app-1\"}",
    );
    assert!(
        dropped >= 50.0,
        "the stalled socket's excess is dropped: {dropped}"
    );
    // It stays connected (drop mode), along with every receiver.
    assert_eq!(
        metric(&metrics, "sockudo_connected"),
        (RECEIVERS + 1) as f64
    );
    let grown = server.rss_kib().saturating_sub(rss_before);
    assert!(grown < 8 * 1024, "server memory grew {grown} KiB");
    drop(stalled);
}
