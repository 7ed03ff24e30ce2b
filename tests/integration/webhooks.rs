//! Webhooks, received by a real HTTP server in the test and checked byte for byte.

use crate::support::*;
use axum::extract::State as Extract;
use axum::http::{HeaderMap, StatusCode};
use axum::routing::post;
use serde_json::{json, Value};
use sockudo::protocol::signature;
use std::collections::VecDeque;
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// A webhook receiver: records every request and answers from a script of status codes (200 once
/// the script runs out).
#[derive(Clone, Default)]
pub struct Receiver {
    requests: Arc<Mutex<Vec<(HeaderMap, String)>>>,
    script: Arc<Mutex<VecDeque<u16>>>,
    refusals: Arc<Mutex<usize>>,
}

impl Receiver {
    /// Starts on a free port; returns the receiver and its URL.
    pub async fn start(script: &[u16]) -> (Receiver, String) {
        Self::start_on(0, script).await
    }

    /// Starts on `port` (0: any free one).
    pub async fn start_on(port: u16, script: &[u16]) -> (Receiver, String) {
        let receiver = Receiver::default();
        receiver.script.lock().unwrap().extend(script);
        let listener = tokio::net::TcpListener::bind(("127.0.0.1", port))
            .await
            .unwrap();
        let url = format!("http://{}/hook", listener.local_addr().unwrap());
        let app = axum::Router::new()
            .route("/hook", post(record))
            .with_state(receiver.clone());
        tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
        (receiver, url)
    }

    /// Every event received in requests answered 2xx, after checking each request's signature.
    pub fn events(&self) -> Vec<Value> {
        let requests = self.requests.lock().unwrap();
        requests
            .iter()
            .flat_map(|(headers, body)| {
                assert_eq!(headers["content-type"], "application/json");
                assert_eq!(headers["x-pusher-key"], "key-1");
                let signed = headers["x-pusher-signature"].to_str().unwrap();
                assert!(
                    signature::verify("secret-1", body, signed),
                    "bad signature on {body}"
                );
                let body: Value = serde_json::from_str(body).unwrap();
                body["events"].as_array().unwrap().clone()
            })
            .collect()
    }

    /// Requests answered 2xx, with their bodies.
    pub fn bodies(&self) -> Vec<Value> {
        let requests = self.requests.lock().unwrap();
        requests
            .iter()
            .map(|(_, body)| serde_json::from_str(body).unwrap())
            .collect()
    }

    /// Requests answered with something other than 2xx so far.
    pub fn refused(&self) -> usize {
        *self.refusals.lock().unwrap()
    }

    /// Waits until an event named `name` on `channel` arrived. The bound is generous: a killed
    /// node's leased jobs come back only after the lease (10 s) lapses, and CI runs heavy tests
    /// beside this one.
    pub async fn wait_for(&self, name: &str, channel: &str) -> Value {
        let arrived = move || async move {
            self.events()
                .into_iter()
                .find(|e| e["name"] == name && e["channel"] == channel)
        };
        poll(Duration::from_secs(60), arrived, Option::is_some)
            .await
            .unwrap_or_else(|| panic!("no {name} on {channel}; got {:?}", self.events()))
    }
}

async fn record(
    Extract(receiver): Extract<Receiver>,
    headers: HeaderMap,
    body: String,
) -> StatusCode {
    let status = receiver.script.lock().unwrap().pop_front().unwrap_or(200);
    if status == 200 {
        receiver.requests.lock().unwrap().push((headers, body));
    } else {
        *receiver.refusals.lock().unwrap() += 1;
    }

    StatusCode::from_u16(status).unwrap()
}

pub fn config_with_hooks(url: &str, events: &[&str]) -> Value {
    let mut config = default_config();
    config["app_manager"]["array"]["apps"][0]["webhooks"] =
        json!([{"url": url, "event_types": events}]);
    config["webhooks"] = json!({"retry": {"initial_backoff_ms": 100, "max_backoff_ms": 200}});
    config
}

#[tokio::test]
async fn channel_and_member_events_with_the_vacate_grace() {
    let (receiver, url) = Receiver::start(&[]).await;
    let all = [
        "channel_occupied",
        "channel_vacated",
        "member_added",
        "member_removed",
        "client_event",
        "cache_miss",
    ];
    let server = Server::with_config(config_with_hooks(&url, &all)).await;
    let (mut a, a_id) = server.connected("key-1").await;
    a.subscribe("room").await;
    assert_eq!(
        receiver.wait_for("channel_occupied", "room").await,
        json!({"name": "channel_occupied", "channel": "room"})
    );
    a.send(json!({"event": "pusher:unsubscribe", "data": {"channel": "room"}}))
        .await;
    assert_eq!(
        receiver.wait_for("channel_vacated", "room").await,
        json!({"name": "channel_vacated", "channel": "room"})
    );

    a.subscribe_signed(&a_id, "presence-lobby", Some(r#"{"user_id":"u1"}"#))
        .await;
    let added = receiver.wait_for("member_added", "presence-lobby").await;
    assert_eq!(
        added,
        json!({"name": "member_added", "channel": "presence-lobby", "user_id": "u1"})
    );
    a.subscribe("cache-x").await;
    receiver.wait_for("cache_miss", "cache-x").await;

    let (mut b, b_id) = server.connected("key-1").await;
    a.subscribe_signed(&a_id, "private-chat", None).await;
    b.subscribe_signed(&b_id, "private-chat", None).await;
    a.send(json!({"event": "client-hi", "channel": "private-chat", "data": {"n": 1}}))
        .await;
    let event = receiver.wait_for("client_event", "private-chat").await;
    assert_eq!(
        event,
        json!({"name": "client_event", "channel": "private-chat", "event": "client-hi", "data": "{\"n\":1}", "socket_id": a_id})
    );

    drop(a);
    receiver.wait_for("member_removed", "presence-lobby").await;
    receiver.wait_for("channel_vacated", "presence-lobby").await;
}

#[tokio::test]
async fn the_grace_holds_for_hooks_that_want_only_the_leaving_half() {
    let (receiver, url) = Receiver::start(&[]).await;
    let config = config_with_hooks(&url, &["channel_vacated", "member_removed"]);
    let server = Server::with_config(config).await;
    let (mut client, _) = server.connected("key-1").await;
    // A channel left and taken again within the grace.
    client.subscribe("room").await;
    client
        .send(json!({"event": "pusher:unsubscribe", "data": {"channel": "room"}}))
        .await;
    client.subscribe("room").await;
    // A page reload: the member is gone from the channel, then back within the grace.
    let (mut first, first_id) = server.connected("key-1").await;
    first
        .subscribe_signed(&first_id, "presence-lobby", Some(r#"{"user_id":"u1"}"#))
        .await;
    drop(first);
    let users = || async {
        let path = "/channels/presence-lobby/users";
        server.api(APP1, "GET", path, &[], None).await.1
    };
    let left = poll(POLL_BOUND, users, |users| *users == json!({"users": []})).await;
    assert_eq!(left, json!({"users": []}));
    let (mut again, again_id) = server.connected("key-1").await;
    again
        .subscribe_signed(&again_id, "presence-lobby", Some(r#"{"user_id":"u1"}"#))
        .await;
    // A sentinel left for good: its vacate goes out 3 s after everything above, so a vacate
    // or removal that was not cancelled would have come first.
    client.subscribe("sentinel").await;
    client
        .send(json!({"event": "pusher:unsubscribe", "data": {"channel": "sentinel"}}))
        .await;
    receiver.wait_for("channel_vacated", "sentinel").await;
    assert_eq!(
        receiver.events(),
        [json!({"name": "channel_vacated", "channel": "sentinel"})]
    );
}

pub async fn occupy(server: &Server, channels: &[String]) -> Client {
    let (mut client, _) = server.connected("key-1").await;
    for channel in channels {
        client.subscribe(channel).await;
    }
    client
}

pub fn names(count: usize, prefix: &str) -> Vec<String> {
    (0..count).map(|i| format!("{prefix}{i}")).collect()
}

#[tokio::test]
async fn bursts_are_batched_per_url_and_filters_apply() {
    let (all, all_url) = Receiver::start(&[]).await;
    let (filtered, filtered_url) = Receiver::start(&[]).await;
    let (other_app, other_url) = Receiver::start(&[]).await;
    let mut config = default_config();
    config["app_manager"]["array"]["apps"][0]["webhooks"] = json!([
        {"url": all_url, "event_types": ["channel_occupied"]},
        {"url": filtered_url, "event_types": ["channel_occupied"], "filter": {"channel_prefix": "orders-"}}
    ]);
    config["app_manager"]["array"]["apps"][1]["webhooks"] =
        json!([{"url": other_url, "event_types": ["channel_occupied"]}]);
    config["webhooks"] = json!({"batching": {"duration": 200, "size": 50}});
    let server = Server::with_config(config).await;
    let mut channels = names(20, "burst-");
    channels.extend(names(5, "orders-"));
    let _client = occupy(&server, &channels).await;
    for channel in &channels {
        all.wait_for("channel_occupied", channel).await;
    }
    for channel in names(5, "orders-") {
        filtered.wait_for("channel_occupied", &channel).await;
    }
    assert!(
        all.bodies().len() < 10,
        "25 events in a burst should share few requests, got {}",
        all.bodies().len()
    );
    assert!(filtered
        .events()
        .iter()
        .all(|e| e["channel"].as_str().unwrap().starts_with("orders-")));
    assert_eq!(filtered.events().len(), 5);
    assert_eq!(all.events().len(), 25, "each event exactly once");
    // app-2's URL heard nothing of app-1's channels.
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert_eq!(other_app.bodies().len(), 0);
}

#[tokio::test]
async fn failed_deliveries_are_retried_until_accepted_and_final_refusals_are_not() {
    let (flaky, flaky_url) = Receiver::start(&[500, 500]).await;
    let server = Server::with_config(config_with_hooks(&flaky_url, &["channel_occupied"])).await;
    let _client = occupy(&server, &["retried".to_string()]).await;
    flaky.wait_for("channel_occupied", "retried").await;
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert_eq!(flaky.refused(), 2);
    assert_eq!(
        flaky.events().len(),
        1,
        "delivered exactly once after two 500s"
    );
    let metrics = server.metrics().await;
    assert_eq!(
        metric(&metrics, "sockudo_webhooks_retried_total{app_id=\"app-1\"}"),
        2.0,
        "{metrics}"
    );
    assert_eq!(
        metric(&metrics, "sockudo_webhooks_sent_total{app_id=\"app-1\"}"),
        1.0
    );

    let (gone, gone_url) = Receiver::start(&[404]).await;
    let server = Server::with_config(config_with_hooks(&gone_url, &["channel_occupied"])).await;
    let _client = occupy(&server, &["refused".to_string()]).await;
    let failed = poll_metric(
        &server,
        "sockudo_webhooks_failed_total{app_id=\"app-1\"}",
        |value| value > 0.0,
    )
    .await;
    assert_eq!(failed, 1.0);
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert_eq!(gone.refused(), 1, "a 404 is not retried");
}

#[tokio::test]
async fn a_receiver_that_is_down_for_20_seconds_still_gets_everything() {
    // A listener that never answers holds the port: deliveries hang and time out, as they do
    // against a dead host. Then the real receiver takes the port over.
    let hung = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = hung.local_addr().unwrap().port();
    let url = format!("http://127.0.0.1:{port}/hook");
    let mut config = config_with_hooks(&url, &["channel_occupied"]);
    config["webhooks"] = json!({"request_timeout_ms": 1000, "retry": {"initial_backoff_ms": 200, "max_backoff_ms": 2000}});
    let server = Server::with_config(config).await;
    let channels = names(10, "while-down-");
    let _client = occupy(&server, &channels).await;
    tokio::time::sleep(Duration::from_secs(20)).await;
    drop(hung);
    let (receiver, _) = Receiver::start_on(port, &[]).await;
    for channel in &channels {
        receiver.wait_for("channel_occupied", channel).await;
    }
    assert_eq!(receiver.events().len(), 10);
    assert!(
        metric(
            &server.metrics().await,
            "sockudo_webhooks_retried_total{app_id=\"app-1\"}"
        ) >= 3.0
    );
}

/// Redis-backed queue: `scripts/test.sh` provides `SOCKUDO_TEST_REDIS_URL`.
fn redis_url() -> Option<String> {
    service_env("SOCKUDO_TEST_REDIS_URL")
}

fn redis_config(url: &str, redis: &str, prefix: &str) -> Value {
    let mut config = config_with_hooks(url, &["channel_occupied"]);
    config["queue"] = json!({"driver": "redis"});
    config["database"] = json!({"redis": {"url": redis, "key_prefix": prefix}});
    config["webhooks"]["retry"] = json!({"initial_backoff_ms": 200, "max_backoff_ms": 1000});
    config
}

#[tokio::test]
async fn the_redis_queue_survives_kill_9_and_nodes_share_it_without_duplicates() {
    let Some(redis) = redis_url() else { return };
    let prefix = format!("t{}:", hex::encode(rand::random::<[u8; 4]>()));
    killed_node_jobs_are_delivered_once(|url| redis_config(url, &redis, &prefix)).await;
}

/// A durable queue shared by nodes (`config(receiver_url)`): node A queues webhooks for a receiver
/// that is down and is killed with SIGKILL; two new nodes on the same queue then deliver A's jobs
/// and their own, each exactly once. Returns the receiver and one of the new nodes for checks of
/// a driver's own.
pub async fn killed_node_jobs_are_delivered_once(
    config: impl Fn(&str) -> Value,
) -> (Receiver, Server) {
    let receiver_port = ReservedPort::new();
    let url = format!("http://127.0.0.1:{}/hook", receiver_port.port());
    let node_a = Server::with_config(config(&url)).await;
    let early = names(5, "before-kill-");
    let client = occupy(&node_a, &early).await;
    let queued = poll_metric(&node_a, "sockudo_webhook_queue_depth", |value| value >= 1.0).await;
    assert!(queued >= 1.0, "webhooks waiting in the queue");
    // SAFETY: kill(2) on a child we spawned.
    unsafe { libc::kill(node_a.pid(), libc::SIGKILL) };
    drop(client);
    drop(node_a);

    let (receiver, _) = Receiver::start_on(receiver_port.release(), &[]).await;
    // The killed node's jobs arrive once (for leased queues, once their leases lapse), and so do
    // new ones.
    let node_b = Server::with_config(config(&url)).await;
    let node_c = Server::with_config(config(&url)).await;
    let later_b = names(10, "node-b-");
    let later_c = names(10, "node-c-");
    let _b = occupy(&node_b, &later_b).await;
    let _c = occupy(&node_c, &later_c).await;
    for channel in early.iter().chain(&later_b).chain(&later_c) {
        receiver.wait_for("channel_occupied", channel).await;
    }
    tokio::time::sleep(Duration::from_secs(1)).await;
    let mut seen: Vec<String> = receiver
        .events()
        .iter()
        .map(|e| e["channel"].as_str().unwrap().to_owned())
        .collect();
    let total = seen.len();
    seen.sort();
    seen.dedup();
    assert_eq!(total, seen.len(), "no webhook delivered twice");
    assert_eq!(total, 25);
    (receiver, node_b)
}

/// A receiver that is down cannot make the server hold webhooks without end: each queue (an app's
/// URL) holds at most `queue.max_length` requests, and newer ones are dropped and counted. For the
/// memory queue and the Redis queue.
#[tokio::test]
async fn a_queue_for_a_receiver_that_is_down_holds_at_most_max_length() {
    let prefix = format!("t{}:", hex::encode(rand::random::<[u8; 4]>()));
    let mut drivers = vec![json!({"driver": "memory", "max_length": 3})];
    if let Some(redis) = redis_url() {
        drivers.push(json!({"driver": "redis", "max_length": 3, "redis": redis}));
    }
    for queue in drivers {
        let down = ReservedPort::new();
        let url = format!("http://127.0.0.1:{}/hook", down.port());
        let mut config = config_with_hooks(&url, &["channel_occupied"]);
        // One request per event, so ten events are ten requests.
        config["webhooks"]["batching"] = json!({"enabled": false});
        if let Some(redis) = queue["redis"].as_str() {
            config["database"] = json!({"redis": {"url": redis, "key_prefix": prefix}});
        }
        config["queue"] = json!({"driver": queue["driver"], "max_length": queue["max_length"]});
        let server = Server::with_config(config).await;
        let _client = occupy(&server, &names(10, "full-")).await;
        let dropped = poll_metric(
            &server,
            "sockudo_webhooks_dropped_total{app_id=\"app-1\"}",
            |n| n >= 7.0,
        )
        .await;
        assert_eq!(dropped, 7.0, "{queue}: 10 events, 3 places");
        let depth = poll_metric(&server, "sockudo_webhook_queue_depth", |n| n == 3.0).await;
        assert_eq!(depth, 3.0, "{queue}");
        let mut server = server;
        assert!(server.stderr().contains("webhook queue full"), "{queue}");
    }
}

/// Subscribing and unsubscribing an empty cache channel in a loop sends every subscriber
/// `pusher:cache_miss`, but the app's `cache_miss` webhook at most once per channel per interval.
#[tokio::test]
async fn the_cache_miss_webhook_goes_out_once_per_channel_per_interval() {
    let (receiver, url) = Receiver::start(&[]).await;
    let server = Server::with_config(config_with_hooks(&url, &["cache_miss"])).await;
    let (mut client, _) = server.connected("key-1").await;
    for _ in 0..5 {
        client.subscribe("cache-looped").await;
        client.expect_event("pusher:cache_miss").await;
        client
            .send(json!({"event": "pusher:unsubscribe", "data": {"channel": "cache-looped"}}))
            .await;
    }
    // Webhooks to one URL keep their order: once the marker's is in, the loop's are too.
    client.subscribe("cache-marker").await;
    receiver.wait_for("cache_miss", "cache-marker").await;
    let looped = receiver
        .events()
        .iter()
        .filter(|event| event["channel"] == "cache-looped")
        .count();
    assert_eq!(looped, 1);
}
