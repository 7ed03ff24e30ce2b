//! `delta`: subscribers that turned on delta compression (a sockudo extension, see
//! docs/delta-compression.md) receive a market ticker: ~500-byte JSON quotes of `--symbols`
//! instruments with random-walk prices. The report compares the bytes that crossed the wire with
//! the bytes the messages would have taken in full, and counts deliveries per second. Run it with
//! `--no-delta` for the same stream without deltas. A server without the extension is reported
//! as such, and the run fails.
//!
//! Savings depend on the server's conflation key: with `conflation_key_path = "symbol"` each
//! symbol is its own stream, so a delta is taken against the previous quote of the same symbol.

use super::client::{self, Failure};
use super::publisher::{self, PublishSpec, PublishState};
use super::report::Report;
use super::tracker;
use super::Run;
use sockudo_ws::Message;
use std::sync::atomic::{AtomicU64, Ordering::Relaxed};
use std::sync::Arc;
use std::time::Duration;
use tokio_util::sync::CancellationToken;

#[derive(clap::Args, Debug)]
pub struct Args {
    /// Subscribers with delta compression on, all on one channel.
    #[arg(long, default_value_t = 10)]
    pub subscribers: u64,
    /// Publishes per second.
    #[arg(long, default_value_t = 10.0)]
    pub rate: f64,
    /// Instruments in the ticker; quotes cycle through them.
    #[arg(long, default_value_t = 100)]
    pub symbols: usize,
    /// Algorithm to ask for: fossil or xdelta3.
    #[arg(long, default_value = "fossil")]
    pub algorithm: String,
    /// Subscribe without delta compression: the baseline for deliveries per second.
    #[arg(long)]
    pub no_delta: bool,
}

#[derive(Default)]
struct Counts {
    full: AtomicU64,
    full_bytes: AtomicU64,
    deltas: AtomicU64,
    delta_bytes: AtomicU64,
}

const CHANNEL: &str = "bench-delta-0";

pub async fn run(run: &mut Run, args: &Args) -> anyhow::Result<Report> {
    let mut report = run.new_report(
        "delta",
        serde_json::json!({
            "subscribers": args.subscribers, "rate": args.rate, "symbols": args.symbols,
            "algorithm": if args.no_delta { "none" } else { args.algorithm.as_str() },
            "duration": run.common.duration,
        }),
    );
    let counts = Arc::new(Counts::default());
    let cancel = CancellationToken::new();
    let mut sockets = Vec::new();
    for _ in 0..args.subscribers.max(1) {
        let algorithm = (!args.no_delta).then_some(args.algorithm.as_str());
        let connection = open(run, algorithm).await?;
        let counts = counts.clone();
        let cancel = cancel.clone();
        sockets.push(tokio::spawn(async move {
            // Own the whole connection: the reader alone would let the writer drop, and
            // dropping either half of a split socket ends it.
            let mut connection = connection;
            let cancelled = cancel.cancelled();
            tokio::pin!(cancelled);
            loop {
                let message = tokio::select! {
                    _ = &mut cancelled => break,
                    m = connection.reader.next() => m,
                };
                match message {
                    Some(Ok(Message::Text(bytes))) => {
                        if tracker::parse_frame(&bytes).is_some() {
                            counts.full.fetch_add(1, Relaxed);
                            counts.full_bytes.fetch_add(bytes.len() as u64, Relaxed);
                        } else if bytes.windows(13).any(|w| w == b"pusher:delta\"") {
                            counts.deltas.fetch_add(1, Relaxed);
                            counts.delta_bytes.fetch_add(bytes.len() as u64, Relaxed);
                        }
                    }
                    Some(Ok(_)) => {}
                    _ => break,
                }
            }
        }));
    }
    let state = Arc::new(PublishState::new(1));
    let started = std::time::Instant::now();
    let publish = PublishSpec {
        channels: vec![CHANNEL.into()],
        rate: args.rate.max(0.1),
        duration: run.duration(),
        payload: 0,
        connections: 1,
        ticker_symbols: Some(args.symbols),
    };
    publisher::run(
        Arc::new(run.target.clone()),
        Arc::new(publish),
        state.clone(),
        cancel.clone(),
    )
    .await;
    if let Some(fatal) = state.fatal.lock().clone() {
        anyhow::bail!(fatal);
    }
    tokio::time::sleep(Duration::from_millis(500)).await;
    let elapsed = started.elapsed().as_secs_f64();
    cancel.cancel();
    for socket in sockets {
        let _ = socket.await;
    }
    let full = counts.full.load(Relaxed);
    let full_bytes = counts.full_bytes.load(Relaxed);
    let deltas = counts.deltas.load(Relaxed);
    let delta_bytes = counts.delta_bytes.load(Relaxed);
    let average_full = full_bytes.checked_div(full).unwrap_or(0);
    let messages = full + deltas;
    let uncompressed = messages * average_full;
    let wire = full_bytes + delta_bytes;
    report.delta = Some(serde_json::json!({
        "messages": messages, "full_frames": full, "delta_frames": deltas,
        "wire_bytes": wire, "bytes_if_all_full": uncompressed,
        "saved_ratio": if uncompressed > 0 { 1.0 - wire as f64 / uncompressed as f64 } else { 0.0 },
        "publishes_accepted": state.accepted.load(Relaxed),
        "deliveries_per_sec": messages as f64 / elapsed.max(0.001),
    }));
    for (kind, n) in state.errors.lock().iter() {
        *report.errors.entry(kind.clone()).or_default() += n;
    }
    Ok(report)
}

/// A subscriber, with delta compression on unless `algorithm` is `None`; fails when the server
/// does not answer the opt-in.
async fn open(run: &Run, algorithm: Option<&str>) -> anyhow::Result<client::Connection> {
    let deadline = tokio::time::Instant::now() + client::CONNECT_TIMEOUT;
    let mut connection = client::connect(&run.target, None, deadline)
        .await
        .map_err(|f| failure(run, f))?;
    if let Some(algorithm) = algorithm {
        enable(run, &mut connection, algorithm).await?;
    }
    let subscribe_deadline = tokio::time::Instant::now() + client::CONNECT_TIMEOUT;
    connection
        .subscribe(CHANNEL, None, None, subscribe_deadline)
        .await
        .map_err(|f| failure(run, f))?;
    Ok(connection)
}

async fn enable(
    run: &Run,
    connection: &mut client::Connection,
    algorithm: &str,
) -> anyhow::Result<()> {
    let enable = serde_json::json!({
        "event": "pusher:enable_delta_compression",
        "data": {"algorithms": [algorithm]},
    });
    connection
        .send_text(enable.to_string())
        .await
        .map_err(|f| failure(run, f))?;
    let answer = tokio::time::timeout(Duration::from_secs(2), async {
        loop {
            let frame = client::next_text(&mut connection.reader).await?;
            let text = String::from_utf8_lossy(&frame).into_owned();
            if text.contains("pusher:delta_compression_enabled") || text.contains("pusher:error") {
                return Ok::<_, Failure>(text);
            }
        }
    })
    .await;
    match answer {
        Ok(Ok(text)) if text.contains("delta_compression_enabled") => {}
        Ok(Ok(text)) => anyhow::bail!("the server refused delta compression: {text}"),
        Ok(Err(f)) => return Err(failure(run, f)),
        Err(_) => anyhow::bail!(
            "the server does not support delta compression: no pusher:delta_compression_enabled \
             within 2 s of pusher:enable_delta_compression"
        ),
    }
    Ok(())
}

fn failure(run: &Run, f: Failure) -> anyhow::Error {
    anyhow::anyhow!(f.fatal_explanation(&run.target).unwrap_or_else(|| f.kind()))
}
