//! The opt-in extensions: delta compression and tag filtering (PROTOCOL.md).

use crate::support::*;
use base64::Engine;
use serde_json::{json, Value};
use sockudo::delta::Algorithm;
use std::collections::HashMap;
use std::time::Duration;

/// app-1 plus tag filtering and a ticker channel conflated by symbol.
pub fn extensions_config() -> Value {
    let mut config = default_config();
    config["tag_filtering"] = json!({"enabled": true});
    config["app_manager"]["array"]["apps"][0]["channel_delta_compression"] = json!({
        "ticker-*": {"conflation_key": "symbol"},
        "ticker-plain": "disabled",
    });
    config
}

pub fn quote(symbol: &str, step: u32) -> String {
    let book: String = (0..12)
        .map(|level| {
            format!(
                "{{\"px\":\"{}.{level}\",\"qty\":\"{}\"}},",
                1000 + level,
                level * 3
            )
        })
        .collect();
    format!(
        r#"{{"symbol":"{symbol}","last":"{}.25","book":[{}]}}"#,
        64000 + step,
        book.trim_end_matches(',')
    )
}

/// What a delta client keeps: the last data strings of each stream, by sequence number.
#[derive(Default)]
pub struct Decoder {
    bases: HashMap<(String, String), HashMap<u64, String>>,
    pub deltas: usize,
    pub fulls: usize,
}

impl Decoder {
    /// The event name and data a frame stands for, rebuilt from a delta when it is one.
    pub fn decode(&mut self, frame: &Value) -> (String, String) {
        if frame["event"] == "pusher:delta" {
            let message = data(frame);
            let event = message["event"].as_str().unwrap().to_owned();
            let key = message["conflation_key"].as_str().unwrap_or("").to_owned();
            let algorithm = Algorithm::parse(message["algorithm"].as_str().unwrap()).unwrap();
            let delta = base64::engine::general_purpose::STANDARD
                .decode(message["delta"].as_str().unwrap())
                .unwrap();
            let stream = self.bases.entry((event.clone(), key)).or_default();
            let base = &stream[&message["base_seq"].as_u64().unwrap()];
            let rebuilt = algorithm.decode(base.as_bytes(), &delta).unwrap();
            let rebuilt = String::from_utf8(rebuilt).unwrap();
            stream.insert(message["seq"].as_u64().unwrap(), rebuilt.clone());
            self.deltas += 1;
            return (event, rebuilt);
        }
        let event = frame["event"].as_str().unwrap().to_owned();
        let text = frame["data"].as_str().unwrap().to_owned();
        let key = frame["__conflation_key"].as_str().unwrap_or("").to_owned();
        let seq = frame["__delta_seq"]
            .as_u64()
            .expect("a full frame to a delta socket has its seq");
        self.bases
            .entry((event.clone(), key))
            .or_default()
            .insert(seq, text.clone());
        self.fulls += 1;
        (event, text)
    }
}

pub async fn enable_deltas(client: &mut Client, algorithms: &[&str]) -> Value {
    client
        .send(
            json!({"event": "pusher:enable_delta_compression", "data": {"algorithms": algorithms}}),
        )
        .await;
    client.next().await
}

async fn publish(server: &Server, body: Value) -> (u16, Value) {
    server.api(APP1, "POST", "/events", &[], Some(&body)).await
}

#[tokio::test]
async fn delta_clients_rebuild_every_message_while_stock_clients_see_plain_frames() {
    let server = Server::with_config(extensions_config()).await;
    for algorithm in ["fossil", "xdelta3"] {
        let channel = format!("ticker-{algorithm}");
        let (mut delta_client, _) = server.connected("key-1").await;
        let enabled = enable_deltas(&mut delta_client, &["brotli", algorithm]).await;
        assert_eq!(enabled["event"], "pusher:delta_compression_enabled");
        assert_eq!(
            data(&enabled),
            json!({"enabled": true, "algorithm": algorithm})
        );
        delta_client.subscribe(&channel).await;
        let (mut stock, _) = server.connected("key-1").await;
        stock.subscribe(&channel).await;

        let mut decoder = Decoder::default();
        for step in 0..40 {
            let symbol = ["BTC", "ETH"][step as usize % 2];
            let sent = quote(symbol, step);
            publish(
                &server,
                json!({"name": "quote", "channel": channel, "data": sent}),
            )
            .await;
            let plain = stock.next().await;
            assert_eq!(
                plain,
                json!({"event": "quote", "channel": channel, "data": sent})
            );
            let (event, rebuilt) = decoder.decode(&delta_client.next().await);
            assert_eq!((event.as_str(), rebuilt.as_str()), ("quote", sent.as_str()));
        }
        // Per symbol: 20 messages, a full one every 10th (2 each), deltas for the rest.
        assert_eq!((decoder.fulls, decoder.deltas), (4, 36), "{algorithm}");
    }
    let metrics = server.metrics().await;
    assert_eq!(
        metric(
            &metrics,
            "sockudo_delta_messages_total{app_id=\"app-1\",kind=\"delta\"}"
        ),
        72.0
    );
    let original = metric(&metrics, "sockudo_delta_original_bytes_total");
    let sent = metric(&metrics, "sockudo_delta_sent_bytes_total");
    assert!(sent * 2.0 < original, "sent {sent} of {original} bytes");
}

#[tokio::test]
async fn subscriptions_choose_their_own_deltas_and_some_channels_never_get_them() {
    let server = Server::with_config(extensions_config()).await;
    let (mut client, socket_id) = server.connected("key-1").await;
    enable_deltas(&mut client, &["fossil"]).await;
    client
        .send(
            json!({"event": "pusher:subscribe", "data": {"channel": "ticker-off", "delta": false}}),
        )
        .await;
    client.next().await;
    client.subscribe("ticker-plain").await;
    let ok = client
        .subscribe_signed(&socket_id, "private-encrypted-t", None)
        .await;
    assert_eq!(ok["event"], "pusher_internal:subscription_succeeded");
    for channel in ["ticker-off", "ticker-plain", "private-encrypted-t"] {
        for step in 0..3 {
            let sent = quote("BTC", step);
            publish(
                &server,
                json!({"name": "q", "channel": channel, "data": sent}),
            )
            .await;
            let frame = client.next().await;
            assert_eq!(
                frame,
                json!({"event": "q", "channel": channel, "data": sent})
            );
        }
    }
    // A socket that never enabled deltas may ask for them on one channel.
    let (mut other, _) = server.connected("key-1").await;
    other
        .send(json!({"event": "pusher:subscribe", "data": {"channel": "ticker-x", "delta": "xdelta3"}}))
        .await;
    other.next().await;
    let mut decoder = Decoder::default();
    for step in 0..3 {
        let sent = quote("BTC", step);
        publish(
            &server,
            json!({"name": "q", "channel": "ticker-x", "data": sent}),
        )
        .await;
        assert_eq!(decoder.decode(&other.next().await).1, sent);
    }
    assert_eq!(decoder.deltas, 2);
}

#[tokio::test]
async fn a_sync_error_restarts_the_streams_with_full_messages() {
    let server = Server::with_config(extensions_config()).await;
    let (mut client, _) = server.connected("key-1").await;
    enable_deltas(&mut client, &[]).await;
    client.subscribe("ticker-s").await;
    for step in 0..2 {
        publish(
            &server,
            json!({"name": "q", "channel": "ticker-s", "data": quote("A", step)}),
        )
        .await;
    }
    client.next().await;
    assert_eq!(client.next().await["event"], "pusher:delta");
    client
        .send(json!({"event": "pusher:delta_sync_error", "data": {"channel": "ticker-s"}}))
        .await;
    // The sync error is handled before the next publish reaches the socket's queue.
    client.send(json!({"event": "pusher:ping"})).await;
    client.expect_event("pusher:pong").await;
    publish(
        &server,
        json!({"name": "q", "channel": "ticker-s", "data": quote("A", 2)}),
    )
    .await;
    let frame = client.next().await;
    assert_eq!(frame["event"], "q");
    assert_eq!(frame["__delta_seq"], 3);
}

#[tokio::test]
async fn bad_extension_requests_are_refused_with_reasons() {
    let mut config = extensions_config();
    config["delta_compression"] = json!({"enabled": true});
    let server = Server::with_config(config).await;
    let (mut client, _) = server.connected("key-1").await;
    let refused = enable_deltas(&mut client, &["gzip"]).await;
    assert_eq!(refused["event"], "pusher:error");
    assert!(refused["data"]["message"]
        .as_str()
        .unwrap()
        .contains("gzip"));

    let cases = [
        (json!({"delta": "gzip"}), "Unknown delta algorithm \"gzip\""),
        (
            json!({"filter": {"key": "a", "cmp": "like", "val": "x"}}),
            "invalid filter at filter.cmp: unknown comparison \"like\"",
        ),
        (
            json!({"filter": {"op": "not", "nodes": [{"key": "a", "cmp": "ex"}, {"key": "b", "cmp": "ex"}]}}),
            "\"not\" takes exactly one node",
        ),
    ];
    for (extra, expected) in cases {
        let mut data = json!({"channel": "c"});
        data.as_object_mut()
            .unwrap()
            .extend(extra.as_object().unwrap().clone());
        client
            .send(json!({"event": "pusher:subscribe", "data": data}))
            .await;
        assert_eq!(client.next().await["event"], "pusher:subscription_error");
        let error = client.next().await;
        let message = error["data"]["message"].as_str().unwrap();
        assert!(message.contains(expected), "{message:?} lacks {expected:?}");
    }
    // Refused subscriptions leave nothing behind.
    let (_, channels) = server.api(APP1, "GET", "/channels", &[], None).await;
    assert_eq!(channels, json!({"channels": {}}));

    let bad_tags = [
        json!("BTC"),
        json!({"asset": 1}),
        json!({"asset": "x".repeat(300)}),
        Value::Object((0..33).map(|i| (format!("k{i}"), json!("v"))).collect()),
    ];
    for tags in bad_tags {
        let (status, reply) = publish(
            &server,
            json!({"name": "e", "channel": "c", "data": "x", "tags": tags}),
        )
        .await;
        assert_eq!(status, 400, "{reply}");
        assert!(reply.to_string().contains("ag"), "{reply}");
    }

    // With filtering off (the default), a filter is refused rather than ignored.
    let plain = Server::start().await;
    let (mut client, _) = plain.connected("key-1").await;
    client
        .send(json!({"event": "pusher:subscribe", "data": {"channel": "c", "filter": {"key": "a", "cmp": "ex"}}}))
        .await;
    assert_eq!(client.next().await["event"], "pusher:subscription_error");
    let error = client.next().await;
    assert!(error["data"]["message"]
        .as_str()
        .unwrap()
        .contains("Tag filtering is not enabled"));
}

#[tokio::test]
async fn tag_filters_deliver_exactly_the_matching_events() {
    let server = Server::with_config(extensions_config()).await;
    let filters = [
        json!({"key": "asset", "cmp": "eq", "val": "BTC"}),
        json!({"key": "asset", "cmp": "in", "vals": ["BTC", "ETH"]}),
        json!({"op": "and", "nodes": [
            {"key": "market", "cmp": "eq", "val": "spot"},
            {"key": "size", "cmp": "gte", "val": 10}
        ]}),
        json!({"op": "not", "nodes": [{"key": "asset", "cmp": "ex"}]}),
    ];
    let mut clients = Vec::new();
    for filter in &filters {
        let (mut client, _) = server.connected("key-1").await;
        client
            .send(json!({"event": "pusher:subscribe", "data": {"channel": "trades", "filter": filter}}))
            .await;
        assert_eq!(
            client.next().await["event"],
            "pusher_internal:subscription_succeeded"
        );
        clients.push(client);
    }
    let (mut everything, _) = server.connected("key-1").await;
    everything.subscribe("trades").await;
    let events = [
        json!({"asset": "BTC", "market": "spot", "size": "12"}),
        json!({"asset": "ETH", "market": "spot", "size": "3"}),
        json!({"asset": "SOL", "market": "futures", "size": "50"}),
        Value::Null,
    ];
    for (i, tags) in events.iter().enumerate() {
        let mut body = json!({"name": "trade", "channel": "trades", "data": i.to_string()});
        if !tags.is_null() {
            body["tags"] = tags.clone();
        }
        assert_eq!(publish(&server, body).await.0, 200);
    }
    let expected: [&[&str]; 4] = [&["0"], &["0", "1"], &["0"], &["3"]];
    for (client, expected) in clients.iter_mut().zip(expected) {
        for data in expected {
            let frame = client.next().await;
            assert_eq!(frame["data"], *data);
        }
        client.expect_silence(Duration::from_millis(200)).await;
    }
    for (i, tags) in events.iter().enumerate() {
        let frame = everything.next().await;
        assert_eq!(frame["data"], i.to_string());
        // Tags are emitted to clients by default while filtering is on.
        assert_eq!(frame["tags"], *tags);
    }
}

/// Subscribes a new socket of `server` to `channel` with `filter` (if any); returns the frame
/// that follows `subscription_succeeded`: a cache channel's replay or `pusher:cache_miss`.
pub async fn replay_for(server: &Server, channel: &str, filter: Option<Value>) -> Value {
    let (mut client, _) = server.connected("key-1").await;
    let mut data = json!({"channel": channel});
    if let Some(filter) = filter {
        data["filter"] = filter;
    }
    client
        .send(json!({"event": "pusher:subscribe", "data": data}))
        .await;
    assert_eq!(
        client.next().await["event"],
        "pusher_internal:subscription_succeeded"
    );
    client.next().await
}

pub fn asset_is(asset: &str) -> Option<Value> {
    Some(json!({"key": "asset", "cmp": "eq", "val": asset}))
}

#[tokio::test]
async fn a_cache_channel_replays_its_last_event_only_through_the_filter() {
    let server = Server::with_config(extensions_config()).await;
    let body =
        json!({"name": "trade", "channel": "cache-trades", "data": "1", "tags": {"asset": "BTC"}});
    assert_eq!(publish(&server, body).await.0, 200);
    let replayed =
        json!({"event": "trade", "channel": "cache-trades", "data": "1", "tags": {"asset": "BTC"}});
    assert_eq!(replay_for(&server, "cache-trades", None).await, replayed);
    assert_eq!(
        replay_for(&server, "cache-trades", asset_is("BTC")).await,
        replayed
    );
    assert_eq!(
        replay_for(&server, "cache-trades", asset_is("ETH")).await,
        json!({"event": "pusher:cache_miss", "channel": "cache-trades"})
    );
}

#[tokio::test]
async fn a_filtered_delta_stream_is_based_only_on_what_the_socket_received() {
    let server = Server::with_config(extensions_config()).await;
    let (mut client, _) = server.connected("key-1").await;
    enable_deltas(&mut client, &["fossil"]).await;
    client
        .send(json!({"event": "pusher:subscribe", "data": {"channel": "feed", "filter": {"key": "keep", "cmp": "eq", "val": "yes"}}}))
        .await;
    client.next().await;
    let mut decoder = Decoder::default();
    for step in 0..12 {
        let keep = if step % 3 == 0 { "no" } else { "yes" };
        let sent = quote("X", step);
        publish(
            &server,
            json!({"name": "q", "channel": "feed", "data": sent, "tags": {"keep": keep}}),
        )
        .await;
        if keep == "yes" {
            assert_eq!(decoder.decode(&client.next().await).1, sent);
        }
    }
    assert!(decoder.deltas >= 6, "{} deltas", decoder.deltas);
    client.expect_silence(Duration::from_millis(200)).await;
}
