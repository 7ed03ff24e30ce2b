//! A stalled client beside a thousand readers: the slow-consumer policy in drop mode.

use crate::support::*;
use crate::{one_at_a_time, open_files_for};
use serde_json::json;

#[tokio::test]
async fn a_stalled_client_drops_frames_while_a_thousand_others_get_every_one() {
    const RECEIVERS: usize = 1000;
    const ROUNDS: usize = 100;
    const MAX_FRAMES: usize = 50;
    const MAX_BYTES: usize = 65536;
    let _alone = one_at_a_time().await;
    open_files_for(RECEIVERS as u64 + 1);
    let mut config = default_config();
    // The stalled socket reads nothing, so it cannot answer the transport's pings: with them on,
    // a slow run (over ping_interval + pong timeout) would close it for that, not for its queue.
    config["websocket"] = json!({"max_messages": MAX_FRAMES, "max_bytes": MAX_BYTES,
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
    // 100 x 96 KiB offered to the stalled socket: far past its 64 KiB queue and the kernel's
    // buffers, so without the bound the server would hold megabytes for it.
    let payload = "z".repeat(96 * 1024);
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
    // The readers have read everything, so what the node still queues is the stalled socket's:
    // at most its limits (a frame larger than `max_bytes` is let into an empty queue alone).
    // Unbounded, it would be every bulk frame the kernel did not take, megabytes.
    let largest_frame = payload.len() + 100; // the bulk event's name and channel around its data
    let queued_bytes = metric(&metrics, "sockudo_ws_queued_bytes") as usize;
    let queued_frames = metric(&metrics, "sockudo_ws_queued_frames") as usize;
    assert!(
        queued_bytes > 0 && queued_bytes <= MAX_BYTES.max(largest_frame),
        "the stalled socket holds its bounded queue: {queued_bytes} bytes"
    );
    assert!(
        (1..=MAX_FRAMES).contains(&queued_frames),
        "{queued_frames} frames queued"
    );
    drop(stalled);
}
