//! The publishing side: signed `POST /apps/{id}/events` over a few keep-alive HTTP/1.1
//! connections, either paced at a total rate or as fast as the server answers (closed loop).
//! The send timestamp is taken just before each request is written.

use super::client::{self, Target};
use super::histogram::Latency;
use super::sign;
use super::ticker::Ticker;
use super::tracker;
use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use hyper::client::conn::http1::{self, SendRequest};
use hyper_util::rt::TokioIo;
use parking_lot::Mutex;
use std::collections::BTreeMap;
use std::sync::atomic::{AtomicU64, Ordering::Relaxed};
use std::sync::Arc;
use std::time::Duration;
use tokio::time::Instant;
use tokio_util::sync::CancellationToken;

/// The event name of benchmark publishes.
pub const EVENT: &str = "bench-tick";

#[derive(Debug, Clone)]
pub struct PublishSpec {
    pub channels: Vec<String>,
    /// Publishes per second over all connections; 0 = each connection sends its next publish as
    /// soon as the previous one is answered.
    pub rate: f64,
    pub duration: Duration,
    /// Bytes of the event's `data`.
    pub payload: usize,
    /// Keep-alive HTTP connections (requests in flight at once).
    pub connections: usize,
    /// Publish market quotes of this many symbols instead of padded markers (`delta`).
    pub ticker_symbols: Option<usize>,
}

/// Counters the publisher keeps; read for progress while it runs.
#[derive(Default)]
pub struct PublishState {
    pub sent: AtomicU64,
    pub accepted: AtomicU64,
    pub failed: AtomicU64,
    /// Accepted publishes per channel index: what each subscriber of that channel should receive.
    pub accepted_per_channel: Vec<AtomicU64>,
    next_seq: Vec<AtomicU64>,
    /// Request sent to response read.
    pub http: Mutex<Latency>,
    pub errors: Mutex<BTreeMap<String, u64>>,
    pub fatal: Mutex<Option<String>>,
    /// Publishes that went out more than 10 ms after their scheduled time (paced mode only).
    pub late: AtomicU64,
}

impl PublishState {
    pub fn new(channels: usize) -> PublishState {
        PublishState {
            accepted_per_channel: (0..channels).map(|_| AtomicU64::new(0)).collect(),
            next_seq: (0..channels).map(|_| AtomicU64::new(0)).collect(),
            http: Mutex::new(Latency::new()),
            ..Default::default()
        }
    }

    fn error(&self, kind: String) {
        self.failed.fetch_add(1, Relaxed);
        *self.errors.lock().entry(kind).or_default() += 1;
    }

    pub fn accepted_per_channel(&self) -> Vec<u64> {
        self.accepted_per_channel
            .iter()
            .map(|c| c.load(Relaxed))
            .collect()
    }
}

/// Publishes for `spec.duration` (or until `cancel`); returns the wall time spent.
pub async fn run(
    target: Arc<Target>,
    spec: Arc<PublishSpec>,
    state: Arc<PublishState>,
    cancel: CancellationToken,
) -> Duration {
    let started = Instant::now();
    let until = started + spec.duration;
    let tasks: Vec<_> = (0..spec.connections.max(1))
        .map(|lane| {
            tokio::spawn(lane_loop(
                target.clone(),
                spec.clone(),
                state.clone(),
                cancel.clone(),
                lane,
                started,
                until,
            ))
        })
        .collect();
    for task in tasks {
        let _ = task.await;
    }
    started.elapsed()
}

/// One keep-alive connection. In paced mode lane `k` of `K` sends publish `n` of the run (with
/// `n % K == k`) at `start + n / rate`, so the lanes together keep the rate without a dispatcher.
async fn lane_loop(
    target: Arc<Target>,
    spec: Arc<PublishSpec>,
    state: Arc<PublishState>,
    cancel: CancellationToken,
    lane: usize,
    started: Instant,
    until: Instant,
) {
    let lanes = spec.connections.max(1) as u64;
    let channels = spec.channels.len().max(1) as u64;
    let mut n = lane as u64;
    let mut sender: Option<SendRequest<Full<Bytes>>> = None;
    let mut ticker = spec.ticker_symbols.map(Ticker::new);
    loop {
        if spec.rate > 0.0 {
            let due = started + Duration::from_secs_f64(n as f64 / spec.rate);
            if due >= until {
                break;
            }
            tokio::select! {
                _ = tokio::time::sleep_until(due) => {}
                _ = cancel.cancelled() => break,
            }
            // Late publishes are counted, and the run still ends at `until`: a slow server
            // shortens the run's publish count, never lengthens the run.
            if Instant::now() >= until {
                break;
            }
            if Instant::now().saturating_duration_since(due) > Duration::from_millis(10) {
                state.late.fetch_add(1, Relaxed);
            }
        } else if Instant::now() >= until || cancel.is_cancelled() {
            break;
        }
        let channel = (n % channels) as usize;
        n += lanes;

        let ready = match sender.as_mut() {
            Some(s) => s.ready().await.is_ok(),
            None => false,
        };
        if !ready {
            match open(&target).await {
                Ok(s) => sender = Some(s),
                Err(e) => {
                    state.error(format!("http connect: {e}"));
                    if e.contains("refused") {
                        state.fatal.lock().get_or_insert(format!(
                            "the HTTP API at {} refused the connection: is the server running there?",
                            target.addr
                        ));
                        cancel.cancel();
                        break;
                    }
                    tokio::time::sleep(Duration::from_millis(100)).await;
                    continue;
                }
            }
        }
        let Some(s) = sender.as_mut() else { continue };

        let seq = state.next_seq[channel].fetch_add(1, Relaxed);
        let sent_at = client::now_micros();
        let body = match ticker.as_mut() {
            Some(ticker) => serde_json::json!({
                "name": EVENT,
                "channel": spec.channels[channel],
                "data": ticker.quote(seq, sent_at),
            })
            .to_string(),
            None => {
                let data = tracker::payload(seq, sent_at, spec.payload);
                format!(
                    r#"{{"name":"{EVENT}","channel":"{}","data":"{data}"}}"#,
                    spec.channels[channel]
                )
            }
        };
        let path = sign::signed_events_path(
            &target.app_id,
            &target.key,
            &target.secret,
            body.as_bytes(),
            sent_at / 1_000_000,
        );
        let request = hyper::Request::post(path)
            .header(hyper::header::HOST, target.authority.as_str())
            .header(hyper::header::CONTENT_TYPE, "application/json")
            .body(Full::new(Bytes::from(body)))
            .expect("a valid request");
        let request_started = Instant::now();
        state.sent.fetch_add(1, Relaxed);
        let response = tokio::select! {
            response = tokio::time::timeout(Duration::from_secs(10), s.send_request(request)) => response,
            _ = cancel.cancelled() => break,
        };
        let response = match response {
            Ok(Ok(response)) => response,
            Ok(Err(e)) => {
                state.error(format!("http: {e}"));
                sender = None;
                continue;
            }
            Err(_) => {
                state.error("http: no answer within 10 s".into());
                sender = None;
                continue;
            }
        };
        let status = response.status().as_u16();
        let body = response.into_body().collect().await.map(|b| b.to_bytes());
        state.http.lock().record(request_started.elapsed());
        if (200..300).contains(&status) {
            state.accepted.fetch_add(1, Relaxed);
            state.accepted_per_channel[channel].fetch_add(1, Relaxed);
        } else {
            let text = body
                .map(|b| {
                    String::from_utf8_lossy(&b)
                        .chars()
                        .take(200)
                        .collect::<String>()
                })
                .unwrap_or_default();
            state.error(format!("http {status}"));
            if matches!(status, 401 | 403 | 404) {
                let hint = match status {
                    401 => "check --app-id, --key and --secret",
                    403 => "the app is disabled or over a quota",
                    _ => "check --app-id and --url",
                };
                state.fatal.lock().get_or_insert(format!(
                    "the HTTP API refused the publish with {status} ({hint}): {text}"
                ));
                cancel.cancel();
                break;
            }
        }
    }
}

async fn open(target: &Target) -> Result<SendRequest<Full<Bytes>>, String> {
    let stream = client::tcp_connect(target.addr, None)
        .await
        .map_err(|e| match e.kind() {
            std::io::ErrorKind::ConnectionRefused => "connection refused".to_owned(),
            _ => e.to_string(),
        })?;
    let (sender, connection) = http1::handshake(TokioIo::new(stream))
        .await
        .map_err(|e| e.to_string())?;
    tokio::spawn(connection);
    Ok(sender)
}
