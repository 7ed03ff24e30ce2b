//! 10,000 sockets dropping at once: publishing goes on, and every one of them is cleaned up
//! (presence members removed, channels vacated, gauges back), with the cleanup workers and
//! without them.

use crate::support::*;
use crate::{one_at_a_time, open_files_for};
use serde_json::json;
use std::collections::HashSet;
use std::time::{Duration, Instant};
use tokio::sync::oneshot;

const ROOMS: usize = 100;
const MEMBERS_PER_ROOM: usize = 100;
const PUBLISHES: usize = 40;

/// One after the other: together they would pass this process's open-file limit.
#[tokio::test]
async fn mass_disconnect_with_and_without_cleanup_workers() {
    let _alone = one_at_a_time().await;
    open_files_for((ROOMS * (MEMBERS_PER_ROOM + 1)) as u64 + 1);
    mass_disconnect(true).await;
    mass_disconnect(false).await;
}

async fn mass_disconnect(async_cleanup: bool) {
    let mut config = default_config();
    config["app_manager"]["array"]["apps"][0]["max_presence_members_per_channel"] =
        json!(MEMBERS_PER_ROOM + 1);
    config["cleanup"] = json!({"async_enabled": async_cleanup});
    // No pusher:ping in the witnesses' way while the test runs.
    config["activity_timeout"] = json!(600);
    let server = Server::with_config(config).await;

    // One member per room stays to witness the others leave.
    let mut witnesses = Vec::new();
    for room in 0..ROOMS {
        let (mut witness, id) = server.connected("key-1").await;
        let channel_data = json!({"user_id": format!("witness-{room}")}).to_string();
        witness
            .subscribe_signed(&id, &format!("presence-room-{room}"), Some(&channel_data))
            .await;
        witnesses.push(witness);
    }
    let (ticker, ticker_ready, start_publishing) = ticker(server.port);
    ticker_ready.await.unwrap();

    let leavers = join_rooms(&server).await;
    for witness in &mut witnesses {
        for _ in 0..MEMBERS_PER_ROOM {
            witness.expect_event("pusher_internal:member_added").await;
        }
    }

    // All at once; then publish while the server cleans up after them.
    drop(leavers);
    start_publishing.send(()).unwrap();
    // Joined off this runtime's only thread: blocking it would stop every client's reading task.
    let mut latencies = tokio::task::spawn_blocking(move || ticker.join().unwrap())
        .await
        .unwrap();
    latencies.sort();
    eprintln!(
        "mass disconnect (async cleanup {async_cleanup}): publish-to-receipt p50 {:?}, max {:?}",
        latencies[PUBLISHES / 2],
        latencies[PUBLISHES - 1]
    );

    // Every leaver is announced exactly once in its room.
    for (room, witness) in witnesses.iter_mut().enumerate() {
        let mut gone = HashSet::new();
        while gone.len() < MEMBERS_PER_ROOM {
            let frame = witness.expect_event("pusher_internal:member_removed").await;
            let user = data(&frame)["user_id"].as_str().unwrap().to_owned();
            assert!(user.starts_with(&format!("user-{room}-")), "{user}");
            assert!(gone.insert(user), "member_removed twice");
        }
        witness.expect_silence(Duration::from_millis(50)).await;
    }
    let settled = wait_for_gauges(&server, ROOMS).await;
    assert_eq!(settled, [ROOMS as f64, 0.0], "connected, cleanup pending");
    let (status, channels) = server
        .api(
            APP1,
            "GET",
            "/channels",
            &[("filter_by_prefix", "presence-"), ("info", "user_count")],
            None,
        )
        .await;
    assert_eq!(status, 200);
    for room in 0..ROOMS {
        assert_eq!(
            channels["channels"][format!("presence-room-{room}")]["user_count"],
            1
        );
    }
}

/// A subscriber of its own and a publisher to it, on a thread and runtime of their own, so the
/// latencies they measure are the server's, not those of this test process (busy closing 10,000
/// client sockets). Says when it is subscribed, then publishes once told to; returns the
/// publish-to-receipt times.
fn ticker(
    port: u16,
) -> (
    std::thread::JoinHandle<Vec<Duration>>,
    oneshot::Receiver<()>,
    oneshot::Sender<()>,
) {
    let (ready, ticker_ready) = oneshot::channel();
    let (start_publishing, start) = oneshot::channel();
    let thread = std::thread::spawn(move || {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        runtime.block_on(async move {
            let url = format!("ws://127.0.0.1:{port}/app/key-1?protocol=7");
            let mut ticker = Client::connect(&url).await;
            ticker.expect_event("pusher:connection_established").await;
            ticker.subscribe("ticker").await;
            ready.send(()).unwrap();
            start.await.unwrap();
            let mut latencies = Vec::new();
            for n in 0..PUBLISHES {
                let sent = Instant::now();
                let body =
                    json!({"name": "tick", "channel": "ticker", "data": n.to_string()}).to_string();
                let url = signed_url(port, APP1, "POST", "/events", &[], Some(&body), now());
                let (status, _) = raw_request("POST", &url, Some(body)).await;
                assert_eq!(status, 200);
                let frame = ticker.expect_event("tick").await;
                assert_eq!(frame["data"], n.to_string(), "publishes arrive in order");
                latencies.push(sent.elapsed());
                tokio::time::sleep(Duration::from_millis(10)).await;
            }
            latencies
        })
    });
    (thread, ticker_ready, start_publishing)
}

/// Opens ROOMS x MEMBERS_PER_ROOM sockets, each a member of one room.
async fn join_rooms(server: &Server) -> Vec<Client> {
    let mut joining = tokio::task::JoinSet::new();
    let port = server.port;
    for room in 0..ROOMS {
        joining.spawn(async move {
            let mut members = Vec::new();
            for member in 0..MEMBERS_PER_ROOM {
                let url = format!("ws://127.0.0.1:{port}/app/key-1?protocol=7");
                let mut client = Client::connect(&url).await;
                let established = client.expect_event("pusher:connection_established").await;
                let id = data(&established)["socket_id"].as_str().unwrap().to_owned();
                let channel_data = json!({"user_id": format!("user-{room}-{member}")}).to_string();
                let reply = client
                    .subscribe_signed(&id, &format!("presence-room-{room}"), Some(&channel_data))
                    .await;
                assert_eq!(
                    reply["event"], "pusher_internal:subscription_succeeded",
                    "{reply}"
                );
                members.push(client);
            }
            members
        });
    }
    let mut all = Vec::new();
    while let Some(members) = joining.join_next().await {
        all.extend(members.unwrap());
    }
    all
}

/// Waits until the server has as many sockets as `expected` and nothing left to clean up;
/// returns those two gauges.
async fn wait_for_gauges(server: &Server, expected: usize) -> [f64; 2] {
    let read = move || async move {
        let metrics = server.metrics().await;
        [
            metric(&metrics, "sockudo_connected"),
            metric(&metrics, "sockudo_cleanup_pending"),
        ]
    };
    poll(Duration::from_secs(60), read, |now| {
        *now == [expected as f64, 0.0]
    })
    .await
}
