//! Costs of the opt-in extensions, measured in-process (no sockets), so they can be compared with
//! the plain fan-out: `cargo bench --bench extensions`. Results: docs/benchmarks.md.
//!
//! - `delta_encode/*`: one delta between two consecutive ~560-byte ticker quotes of a symbol.
//! - `filtered_publish/*`: one publish to a channel with 10,000 filtered subscribers (100
//!   symbols, 100 subscribers each), tagged with one symbol. `indexed` uses `eq` filters, found
//!   through the index; `scanned` uses `sw` filters, which the index cannot narrow, so every
//!   filter is evaluated: the cost the index avoids.
//! - `delta_publish/*`: one publish to 1,000 delta-enabled subscribers at the same base.

use bytes::Bytes;
use criterion::{criterion_group, criterion_main, Criterion};
use serde_json::json;
use sockudo::channels::{DeltaSubscription, Namespace, Published, Spread, SubscriptionOptions};
use sockudo::delta::settings::ChannelDelta;
use sockudo::delta::Algorithm;
use sockudo::filter::{Filter, Tags};
use sockudo::protocol::{outbound, SocketId};
use sockudo::socket::{QueueLimits, SlowConsumerPolicy, SocketHandle, SocketQueue};
use std::hint::black_box;
use std::sync::Arc;
use std::time::Duration;

const SYMBOLS: usize = 100;

fn quote(symbol: usize, price: f64) -> String {
    format!(
        concat!(
            r#"{{"symbol":"SYM{:03}","name":"Instrument {:03} Holdings Inc.","exchange":"XNAS","#,
            r#""currency":"USD","isin":"US00000{:05}","sector":"Information Technology","#,
            r#""bid":"{:.2}","ask":"{:.2}","last":"{:.2}","bid_size":1200,"ask_size":900,"#,
            r#""volume":1834211,"open":"101.10","prev_close":"99.87","day_high":"103.20","#,
            r#""day_low":"98.95","market_state":"REGULAR","halted":false,"lot_size":100,"#,
            r#""tick_size":"0.01","venue_flags":"TQ-ADV-OPEN"}}"#
        ),
        symbol,
        symbol,
        symbol,
        price - 0.02,
        price + 0.02,
        price
    )
}

fn socket() -> (Arc<SocketHandle>, SocketQueue) {
    let limits = Arc::new(QueueLimits {
        max_frames: 1 << 16,
        max_bytes: 1 << 30,
        policy: SlowConsumerPolicy::DropFrame,
    });
    SocketHandle::new(SocketId::random(), Arc::from("bench"), limits)
}

fn drain(queues: &mut [SocketQueue]) {
    for queue in queues {
        while queue.try_next_frame().is_some() {}
    }
}

fn delta_encode(c: &mut Criterion) {
    let base = quote(42, 101.37);
    let target = quote(42, 101.41);
    for algorithm in [Algorithm::Fossil, Algorithm::Xdelta3] {
        c.bench_function(&format!("delta_encode/{}", algorithm.name()), |b| {
            b.iter(|| algorithm.encode(black_box(base.as_bytes()), black_box(target.as_bytes())))
        });
    }
}

fn filtered_publish(c: &mut Criterion) {
    for (name, cmp) in [("indexed", "eq"), ("scanned", "sw")] {
        let ns = Namespace::new(None, Arc::new(Spread::new(1)));
        let mut queues = Vec::new();
        for i in 0..SYMBOLS * 100 {
            let (handle, queue) = socket();
            let filter =
                json!({"key": "symbol", "cmp": cmp, "val": format!("SYM{:03}", i % SYMBOLS)});
            let options = SubscriptionOptions {
                filter: Some(Arc::new(Filter::parse(&filter).unwrap())),
                delta: None,
            };
            ns.subscribe("ticker", &handle, options);
            queues.push(queue);
        }
        let data = quote(7, 100.0);
        let frame = outbound::channel_event("quote", "ticker", &data);
        let tags: Tags = [("symbol".to_owned(), "SYM007".to_owned())].into();
        let event = Published {
            name: "quote",
            data: &data,
            tags: Some(&tags),
        };
        // Subscribers of SYM007: every 100th queue from index 7.
        let (matching, _others): (Vec<_>, Vec<_>) = queues
            .into_iter()
            .enumerate()
            .partition(|(i, _)| i % SYMBOLS == 7);
        let mut matching: Vec<SocketQueue> = matching.into_iter().map(|(_, q)| q).collect();
        c.bench_function(&format!("filtered_publish/{name}"), |b| {
            b.iter(|| {
                let fanout = ns.publish("ticker", &frame, Some(&event), None);
                assert_eq!(fanout.delivered, 100);
                drain(&mut matching);
            })
        });
    }
}

fn delta_publish(c: &mut Criterion) {
    let settings = ChannelDelta {
        algorithm: None,
        conflation_key: Some("symbol".into()),
        max_messages_per_key: 10,
        max_conflation_keys: 100,
        full_message_interval: 0,
        min_message_size: 100,
        max_state_age: Duration::from_secs(300),
        omit_algorithm: false,
    };
    for (name, delta) in [("off", false), ("fossil", true)] {
        let ns = Namespace::new(None, Arc::new(Spread::new(1)));
        let mut queues = Vec::new();
        for _ in 0..1000 {
            let (handle, queue) = socket();
            let options = SubscriptionOptions {
                filter: None,
                delta: delta.then(|| DeltaSubscription {
                    algorithm: Algorithm::Fossil,
                    settings: settings.clone(),
                }),
            };
            ns.subscribe("ticker", &handle, options);
            queues.push(queue);
        }
        let mut price = 100.0;
        c.bench_function(&format!("delta_publish/{name}_1000_subscribers"), |b| {
            b.iter(|| {
                price += 0.01;
                let data = quote(1, price);
                let frame: Bytes = outbound::channel_event("quote", "ticker", &data);
                let event = Published {
                    name: "quote",
                    data: &data,
                    tags: None,
                };
                ns.publish("ticker", &frame, Some(&event), None);
                drain(&mut queues);
            })
        });
    }
}

criterion_group!(benches, delta_encode, filtered_publish, delta_publish);
criterion_main!(benches);
