use super::*;
use std::time::Duration;

fn settings() -> ChannelDelta {
    ChannelDelta {
        algorithm: None,
        conflation_key: Some("symbol".into()),
        max_messages_per_key: 4,
        max_conflation_keys: 2,
        full_message_interval: 5,
        min_message_size: 10,
        max_state_age: Duration::from_secs(60),
        omit_algorithm: false,
    }
}

fn quote(symbol: &str, price: u32) -> String {
    let book = "bid-ask-depth-".repeat(20);
    format!(r#"{{"symbol":"{symbol}","price":"{price}.00","venue":"spot","book":"{book}"}}"#)
}

/// Publishes `data` to `sockets` (all delivered) and returns what each got.
fn publish(
    streams: &mut ChannelStreams,
    sockets: &mut [&mut SocketStreams],
    data: &str,
    now: Instant,
) -> (Vec<Sent>, usize) {
    let plain = outbound::channel_event("quote", "ticker", data);
    let recorded = streams.record("quote", data, now);
    let mut publish = Publish::new(streams, recorded, "ticker", "quote", data, &plain, now);
    let sent: Vec<Sent> = sockets.iter().map(|s| publish.frame_for(s)).collect();
    let encodes = publish.deltas.len();
    let max = streams.settings().max_conflation_keys;
    for (socket, sent) in sockets.iter_mut().zip(&sent) {
        socket.delivered(sent, max);
    }
    (sent, encodes)
}

fn frame(sent: &Sent) -> serde_json::Value {
    serde_json::from_slice(&sent.frame).unwrap()
}

/// What a client does: the data of a full frame, or the delta applied to its base.
fn reconstruct(sent: &Sent, history: &HashMap<u64, String>) -> (u64, String) {
    let frame = frame(sent);
    if frame["event"] == "pusher:delta" {
        let message: serde_json::Value =
            serde_json::from_str(frame["data"].as_str().unwrap()).unwrap();
        let algorithm = Algorithm::parse(message["algorithm"].as_str().unwrap()).unwrap();
        let delta = base64::engine::general_purpose::STANDARD
            .decode(message["delta"].as_str().unwrap())
            .unwrap();
        let base = &history[&message["base_seq"].as_u64().unwrap()];
        let data = algorithm.decode(base.as_bytes(), &delta).unwrap();
        (
            message["seq"].as_u64().unwrap(),
            String::from_utf8(data).unwrap(),
        )
    } else {
        (
            frame["__delta_seq"].as_u64().unwrap(),
            frame["data"].as_str().unwrap().to_owned(),
        )
    }
}

#[test]
fn first_message_is_full_then_deltas_until_the_interval() {
    let now = Instant::now();
    let mut streams = ChannelStreams::new(settings());
    let mut socket = SocketStreams::new(Algorithm::Fossil);
    let mut history = HashMap::new();
    let mut kinds = Vec::new();
    for price in 0..11 {
        let data = quote("BTC", 64000 + price);
        let (sent, _) = publish(&mut streams, &mut [&mut socket], &data, now);
        let (seq, rebuilt) = reconstruct(&sent[0], &history);
        assert_eq!(rebuilt, data);
        assert_eq!(seq, u64::from(price) + 1);
        history.insert(seq, rebuilt);
        kinds.push(sent[0].kind);
    }
    use SentKind::{Delta as D, Full as F};
    assert_eq!(kinds, [F, D, D, D, D, F, D, D, D, D, F]);
    assert_eq!(
        frame(&publish(&mut streams, &mut [&mut socket], &quote("BTC", 1), now).0[0])
            ["__conflation_key"],
        serde_json::Value::Null,
        "a delta frame carries it in data"
    );
}

#[test]
fn conflation_keys_keep_streams_apart() {
    let now = Instant::now();
    let mut streams = ChannelStreams::new(settings());
    let mut socket = SocketStreams::new(Algorithm::Xdelta3);
    let mut history: HashMap<(String, u64), String> = HashMap::new();
    for round in 0..4 {
        for symbol in ["BTC", "ETH"] {
            let data = quote(symbol, 100 + round);
            let (sent, _) = publish(&mut streams, &mut [&mut socket], &data, now);
            let f = frame(&sent[0]);
            if round == 0 {
                assert_eq!(f["__conflation_key"], symbol);
                assert_eq!(f["__delta_seq"], 1, "each symbol counts from 1");
            } else {
                let message: serde_json::Value =
                    serde_json::from_str(f["data"].as_str().unwrap()).unwrap();
                assert_eq!(message["conflation_key"], symbol);
                assert_eq!(
                    message["base_seq"], round,
                    "the base is the same symbol's last"
                );
            }
            let bases: HashMap<u64, String> = history
                .iter()
                .filter(|((s, _), _)| s == symbol)
                .map(|((_, seq), d)| (*seq, d.clone()))
                .collect();
            let (seq, rebuilt) = reconstruct(&sent[0], &bases);
            assert_eq!(rebuilt, data);
            history.insert((symbol.to_owned(), seq), rebuilt);
        }
    }
}

#[test]
fn sockets_at_the_same_base_share_one_encode() {
    let now = Instant::now();
    let mut streams = ChannelStreams::new(settings());
    let mut a = SocketStreams::new(Algorithm::Fossil);
    let mut b = SocketStreams::new(Algorithm::Fossil);
    let mut c = SocketStreams::new(Algorithm::Xdelta3);
    publish(
        &mut streams,
        &mut [&mut a, &mut b, &mut c],
        &quote("BTC", 1),
        now,
    );
    let (sent, encodes) = publish(
        &mut streams,
        &mut [&mut a, &mut b, &mut c],
        &quote("BTC", 2),
        now,
    );
    assert!(sent.iter().all(|s| s.kind == SentKind::Delta));
    assert_eq!(encodes, 2, "one per algorithm, not one per socket");
    assert_eq!(sent[0].frame, sent[1].frame);
}

#[test]
fn a_socket_that_missed_messages_gets_a_delta_from_what_it_has() {
    let now = Instant::now();
    let mut streams = ChannelStreams::new(settings());
    let mut steady = SocketStreams::new(Algorithm::Fossil);
    let mut skipper = SocketStreams::new(Algorithm::Fossil);
    let first = quote("BTC", 1);
    publish(&mut streams, &mut [&mut steady, &mut skipper], &first, now);
    publish(&mut streams, &mut [&mut steady], &quote("BTC", 2), now);
    let third = quote("BTC", 3);
    let (sent, encodes) = publish(&mut streams, &mut [&mut steady, &mut skipper], &third, now);
    assert_eq!(encodes, 2, "two bases, two deltas");
    let history: HashMap<u64, String> = [(1, first)].into();
    assert_eq!(reconstruct(&sent[1], &history), (3, third));
}

#[test]
fn forgotten_bases_small_messages_and_stale_state_go_out_full() {
    let start = Instant::now();
    let mut streams = ChannelStreams::new(settings());
    let mut socket = SocketStreams::new(Algorithm::Fossil);
    let mut idle = SocketStreams::new(Algorithm::Fossil);
    publish(
        &mut streams,
        &mut [&mut socket, &mut idle],
        &quote("BTC", 1),
        start,
    );
    for price in 2..8 {
        publish(
            &mut streams,
            &mut [&mut socket],
            &quote("BTC", price),
            start,
        );
    }
    let (sent, _) = publish(&mut streams, &mut [&mut idle], &quote("BTC", 9), start);
    assert_eq!(
        sent[0].kind,
        SentKind::Full,
        "its base fell out of the history"
    );

    let (sent, _) = publish(&mut streams, &mut [&mut socket], "tiny", start);
    assert_eq!(sent[0].kind, SentKind::Full, "under min_message_size");

    let later = start + Duration::from_secs(61);
    let (sent, _) = publish(&mut streams, &mut [&mut idle], &quote("BTC", 10), later);
    assert_eq!(
        sent[0].kind,
        SentKind::Full,
        "state older than max_state_age"
    );
}

#[test]
fn the_least_recently_used_stream_is_dropped_at_the_limit() {
    let now = Instant::now();
    let mut streams = ChannelStreams::new(settings());
    let mut socket = SocketStreams::new(Algorithm::Fossil);
    for symbol in ["A", "B", "C"] {
        publish(&mut streams, &mut [&mut socket], &quote(symbol, 1), now);
    }
    assert_eq!(streams.stream_count(), 2);
    assert_eq!(socket.positions.len(), 2);
    let (sent, _) = publish(&mut streams, &mut [&mut socket], &quote("C", 2), now);
    assert_eq!(sent[0].kind, SentKind::Delta);
    socket.reset();
    let (sent, _) = publish(&mut streams, &mut [&mut socket], &quote("C", 3), now);
    assert_eq!(
        sent[0].kind,
        SentKind::Full,
        "a sync error restarts with a full message"
    );
}

#[test]
fn conflation_values_come_from_the_data_path() {
    assert_eq!(conflation_value(r#"{"q":{"s":"BTC"}}"#, "q.s"), "BTC");
    assert_eq!(conflation_value(r#"{"id":7}"#, "id"), "7");
    assert_eq!(conflation_value(r#"{"id":{"x":1}}"#, "id"), "");
    assert_eq!(conflation_value("not json", "id"), "");
}

#[test]
fn a_stream_dropped_and_begun_again_never_serves_an_old_base() {
    let now = Instant::now();
    let mut streams = ChannelStreams::new(settings());
    let mut filtered = SocketStreams::new(Algorithm::Fossil);
    let mut everyone = SocketStreams::new(Algorithm::Fossil);
    publish(
        &mut streams,
        &mut [&mut filtered, &mut everyone],
        &quote("A", 1),
        now,
    );
    // B and C push A out (two streams at most); A begins again at seq 1.
    let later = |ms| now + Duration::from_millis(ms);
    publish(&mut streams, &mut [&mut everyone], &quote("B", 1), later(1));
    publish(&mut streams, &mut [&mut everyone], &quote("C", 1), later(2));
    let (sent, _) = publish(&mut streams, &mut [&mut filtered], &quote("A", 2), later(3));
    assert_eq!(
        sent[0].kind,
        SentKind::Full,
        "seq 1 of the new A is not the old seq 1"
    );
}
