//! A group of subscribed sockets held by this process: ramped up at a rate, each counting what it
//! receives, stopped on request. `workers.rs` runs one group per worker process and merges them;
//! scenarios only see [`Group`], whichever way it runs.

use super::client::{self, Failure, Target};
use super::histogram::Latency;
use super::tracker::{self, Seen};
use parking_lot::Mutex;
use serde::{Deserialize, Serialize};
use sockudo_ws::Message;
use std::collections::BTreeMap;
use std::net::IpAddr;
use std::sync::atomic::{AtomicU64, Ordering::Relaxed};
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::Semaphore;
use tokio::time::Instant;
use tokio_util::sync::CancellationToken;

/// Which sockets a group opens: global indexes `offset..offset + count`, socket `i` on channel
/// `{prefix}{i % channels}`.
#[derive(Debug, Clone)]
pub struct GroupSpec {
    pub count: u64,
    pub offset: u64,
    pub channels: u64,
    pub prefix: String,
    /// New connections per second (0 = as fast as `concurrency` allows).
    pub rate: f64,
    /// Connections being opened at once.
    pub concurrency: usize,
    pub source_ips: Vec<IpAddr>,
    /// Presence channels: sign the subscription with channel_data for user `bench-{i}`.
    pub presence: bool,
}

impl GroupSpec {
    pub fn channel_name(&self, channel: u64) -> String {
        format!("{}{channel}", self.prefix)
    }
}

/// Counters a group keeps while it runs; summed over workers.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct Progress {
    /// Connections started.
    pub attempted: u64,
    /// Got `pusher:connection_established`.
    pub connected: u64,
    /// Got `subscription_succeeded`.
    pub subscribed: u64,
    /// Never got that far.
    pub failed: u64,
    /// Subscribed, then lost before the run ended.
    pub dropped: u64,
    /// Benchmark frames received, duplicates included.
    pub delivered: u64,
    /// Distinct (channel, sequence) pairs received per socket.
    pub unique: u64,
    pub duplicates: u64,
    /// Bytes of benchmark frames received (WebSocket payloads).
    pub bytes: u64,
    /// Microseconds from the group's start until its last socket was subscribed.
    pub last_subscribed_micros: u64,
    /// Subscribed sockets per channel index.
    pub channel_subscribers: Vec<u64>,
    /// Distinct messages received per channel index, all its subscribers together.
    pub channel_unique: Vec<u64>,
    /// Presence: `pusher_internal:member_added` / `member_removed` frames received.
    pub member_added: u64,
    pub member_removed: u64,
    /// Whether every socket of the group has been tried (subscribed or failed).
    pub settled: bool,
}

impl Progress {
    pub fn add(&mut self, other: &Progress) {
        self.attempted += other.attempted;
        self.connected += other.connected;
        self.subscribed += other.subscribed;
        self.failed += other.failed;
        self.dropped += other.dropped;
        self.delivered += other.delivered;
        self.unique += other.unique;
        self.duplicates += other.duplicates;
        self.bytes += other.bytes;
        self.member_added += other.member_added;
        self.member_removed += other.member_removed;
        self.last_subscribed_micros = self
            .last_subscribed_micros
            .max(other.last_subscribed_micros);
        add_vec(&mut self.channel_subscribers, &other.channel_subscribers);
        add_vec(&mut self.channel_unique, &other.channel_unique);
    }
}

pub fn add_vec(into: &mut Vec<u64>, from: &[u64]) {
    if into.len() < from.len() {
        into.resize(from.len(), 0);
    }
    for (a, b) in into.iter_mut().zip(from) {
        *a += b;
    }
}

/// Everything a group measured, after it stopped.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct Partial {
    pub progress: Progress,
    /// End-to-end latency: publish timestamp to receipt.
    pub latency: Latency,
    /// TCP connect to `connection_established`.
    pub connect: Latency,
    /// Connect start to `subscription_succeeded`.
    pub subscribe: Latency,
    pub errors: BTreeMap<String, u64>,
    pub fatal: Option<String>,
    /// CPU seconds of each process that ran part of the group (one entry per process).
    pub process_cpu: Vec<f64>,
    pub process_wall: Vec<f64>,
}

impl Partial {
    pub fn merge(&mut self, other: Partial) {
        self.progress.add(&other.progress);
        self.progress.settled &= other.progress.settled;
        self.latency.merge(&other.latency);
        self.connect.merge(&other.connect);
        self.subscribe.merge(&other.subscribe);
        for (kind, n) in other.errors {
            *self.errors.entry(kind).or_default() += n;
        }
        if self.fatal.is_none() {
            self.fatal = other.fatal;
        }
        self.process_cpu.extend(other.process_cpu);
        self.process_wall.extend(other.process_wall);
    }
}

/// State the socket tasks share. A single-threaded runtime drives them, so the locks and atomics
/// are never contended.
pub struct Shared {
    pub target: Target,
    pub spec: GroupSpec,
    pub started: Instant,
    pub cancel: CancellationToken,
    attempted: AtomicU64,
    connected: AtomicU64,
    subscribed: AtomicU64,
    failed: AtomicU64,
    dropped: AtomicU64,
    delivered: AtomicU64,
    unique: AtomicU64,
    duplicates: AtomicU64,
    bytes: AtomicU64,
    last_subscribed: AtomicU64,
    member_added: AtomicU64,
    member_removed: AtomicU64,
    channel_subscribers: Vec<AtomicU64>,
    channel_unique: Vec<AtomicU64>,
    latency: Mutex<Latency>,
    connect: Mutex<Latency>,
    subscribe: Mutex<Latency>,
    errors: Mutex<BTreeMap<String, u64>>,
    fatal: Mutex<Option<String>>,
    settled: std::sync::atomic::AtomicBool,
}

impl Shared {
    fn error(&self, failure: &Failure) {
        *self.errors.lock().entry(failure.kind()).or_default() += 1;
        if let Some(explanation) = failure.fatal_explanation(&self.target) {
            self.fatal.lock().get_or_insert(explanation);
            self.cancel.cancel();
        }
    }

    pub fn progress(&self) -> Progress {
        Progress {
            attempted: self.attempted.load(Relaxed),
            connected: self.connected.load(Relaxed),
            subscribed: self.subscribed.load(Relaxed),
            failed: self.failed.load(Relaxed),
            dropped: self.dropped.load(Relaxed),
            delivered: self.delivered.load(Relaxed),
            unique: self.unique.load(Relaxed),
            duplicates: self.duplicates.load(Relaxed),
            bytes: self.bytes.load(Relaxed),
            last_subscribed_micros: self.last_subscribed.load(Relaxed),
            member_added: self.member_added.load(Relaxed),
            member_removed: self.member_removed.load(Relaxed),
            channel_subscribers: self
                .channel_subscribers
                .iter()
                .map(|c| c.load(Relaxed))
                .collect(),
            channel_unique: self
                .channel_unique
                .iter()
                .map(|c| c.load(Relaxed))
                .collect(),
            settled: self.settled.load(Relaxed),
        }
    }

    pub fn fatal(&self) -> Option<String> {
        self.fatal.lock().clone()
    }
}

/// A group of sockets held by this process.
pub struct LocalGroup {
    pub shared: Arc<Shared>,
    ramp: tokio::task::JoinHandle<Vec<tokio::task::JoinHandle<()>>>,
}

impl LocalGroup {
    pub fn start(target: Target, spec: GroupSpec) -> LocalGroup {
        let shared = Arc::new(Shared {
            target,
            started: Instant::now(),
            cancel: CancellationToken::new(),
            attempted: AtomicU64::new(0),
            connected: AtomicU64::new(0),
            subscribed: AtomicU64::new(0),
            failed: AtomicU64::new(0),
            dropped: AtomicU64::new(0),
            delivered: AtomicU64::new(0),
            unique: AtomicU64::new(0),
            duplicates: AtomicU64::new(0),
            bytes: AtomicU64::new(0),
            last_subscribed: AtomicU64::new(0),
            member_added: AtomicU64::new(0),
            member_removed: AtomicU64::new(0),
            channel_subscribers: (0..spec.channels).map(|_| AtomicU64::new(0)).collect(),
            channel_unique: (0..spec.channels).map(|_| AtomicU64::new(0)).collect(),
            latency: Mutex::new(Latency::new()),
            connect: Mutex::new(Latency::new()),
            subscribe: Mutex::new(Latency::new()),
            errors: Mutex::new(BTreeMap::new()),
            fatal: Mutex::new(None),
            settled: Default::default(),
            spec,
        });
        let ramp = tokio::spawn(ramp(shared.clone()));
        LocalGroup { shared, ramp }
    }

    /// Stops every socket and returns what the group measured.
    pub async fn stop(self, cpu_seconds: f64, wall_seconds: f64) -> Partial {
        self.shared.cancel.cancel();
        if let Ok(tasks) = self.ramp.await {
            for task in tasks {
                let _ = task.await;
            }
        }
        let shared = &self.shared;
        let progress = shared.progress();
        Partial {
            progress,
            latency: shared.latency.lock().clone(),
            connect: shared.connect.lock().clone(),
            subscribe: shared.subscribe.lock().clone(),
            errors: shared.errors.lock().clone(),
            fatal: shared.fatal(),
            process_cpu: vec![cpu_seconds],
            process_wall: vec![wall_seconds],
        }
    }
}

/// Opens the group's sockets at the configured rate, at most `concurrency` at a time.
async fn ramp(shared: Arc<Shared>) -> Vec<tokio::task::JoinHandle<()>> {
    let spec = &shared.spec;
    let gate = Arc::new(Semaphore::new(spec.concurrency.max(1)));
    let mut tasks = Vec::with_capacity(spec.count as usize);
    for i in 0..spec.count {
        if spec.rate > 0.0 {
            let due = shared.started + Duration::from_secs_f64(i as f64 / spec.rate);
            tokio::select! {
                _ = tokio::time::sleep_until(due) => {}
                _ = shared.cancel.cancelled() => break,
            }
        }
        let permit = tokio::select! {
            permit = gate.clone().acquire_owned() => permit.expect("semaphore never closes"),
            _ = shared.cancel.cancelled() => break,
        };
        let index = spec.offset + i;
        tasks.push(tokio::spawn(socket(shared.clone(), index, permit)));
    }
    // Settled once every started socket got its answer: the semaphore is full again.
    let all = spec.concurrency.max(1) as u32;
    tokio::select! {
        _ = gate.acquire_many(all) => {}
        _ = shared.cancel.cancelled() => {}
    }
    shared.settled.store(true, Relaxed);
    tasks
}

/// One subscriber: connect, subscribe, then count benchmark frames until cancelled.
async fn socket(shared: Arc<Shared>, index: u64, permit: tokio::sync::OwnedSemaphorePermit) {
    let spec = &shared.spec;
    let channel_index = index % spec.channels.max(1);
    let channel = spec.channel_name(channel_index);
    let source = (!spec.source_ips.is_empty())
        .then(|| spec.source_ips[(index as usize) % spec.source_ips.len()]);
    shared.attempted.fetch_add(1, Relaxed);
    let started = Instant::now();
    let deadline = started + client::CONNECT_TIMEOUT;
    let opened = async {
        let mut connection = client::connect(&shared.target, source, deadline).await?;
        shared.connected.fetch_add(1, Relaxed);
        shared.connect.lock().record(started.elapsed());
        let user = spec.presence.then(|| format!("bench-{index}"));
        connection
            .join(&shared.target, &channel, user.as_deref(), deadline)
            .await?;
        Ok::<_, Failure>(connection)
    };
    let outcome = tokio::select! {
        outcome = opened => outcome,
        _ = shared.cancel.cancelled() => return,
    };
    let mut connection = match outcome {
        Ok(connection) => connection,
        Err(failure) => {
            shared.failed.fetch_add(1, Relaxed);
            shared.error(&failure);
            return;
        }
    };
    shared.subscribed.fetch_add(1, Relaxed);
    shared.subscribe.lock().record(started.elapsed());
    shared.channel_subscribers[channel_index as usize].fetch_add(1, Relaxed);
    shared
        .last_subscribed
        .fetch_max(shared.started.elapsed().as_micros() as u64, Relaxed);
    drop(permit);

    let mut seen = Seen::default();
    // One cancellation waiter for the socket's life: a fresh one per frame registered and
    // dropped a waiter every time (~5% of the generator's CPU in perf).
    let cancelled = shared.cancel.cancelled();
    tokio::pin!(cancelled);
    loop {
        let message = tokio::select! {
            biased;
            _ = &mut cancelled => break,
            message = connection.reader.next() => message,
        };
        match message {
            Some(Ok(Message::Text(bytes))) => {
                if let Some((seq, sent)) = tracker::parse_frame(&bytes) {
                    let now = client::now_micros();
                    shared.delivered.fetch_add(1, Relaxed);
                    shared.bytes.fetch_add(bytes.len() as u64, Relaxed);
                    if seen.record(seq) {
                        shared.unique.fetch_add(1, Relaxed);
                        shared.channel_unique[channel_index as usize].fetch_add(1, Relaxed);
                    } else {
                        shared.duplicates.fetch_add(1, Relaxed);
                    }
                    shared
                        .latency
                        .lock()
                        .record_micros(now.saturating_sub(sent));
                } else if contains(&bytes, b"pusher_internal:member_added") {
                    shared.member_added.fetch_add(1, Relaxed);
                } else if contains(&bytes, b"pusher_internal:member_removed") {
                    shared.member_removed.fetch_add(1, Relaxed);
                } else if contains(&bytes, b"\"pusher:ping\"") {
                    let pong = r#"{"event":"pusher:pong","data":{}}"#.to_owned();
                    if connection.send_text(pong).await.is_err() {
                        shared.dropped.fetch_add(1, Relaxed);
                        break;
                    }
                }
            }
            Some(Ok(Message::Close(reason))) => {
                shared.dropped.fetch_add(1, Relaxed);
                let code = reason.map(|r| r.code);
                shared.error(&Failure::Refused(code, "closed while subscribed".into()));
                break;
            }
            Some(Ok(_)) => {}
            Some(Err(e)) => {
                shared.dropped.fetch_add(1, Relaxed);
                shared.error(&Failure::Dropped(e.to_string()));
                break;
            }
            None => {
                shared.dropped.fetch_add(1, Relaxed);
                shared.error(&Failure::Dropped("connection ended".into()));
                break;
            }
        }
    }
}

fn contains(haystack: &[u8], needle: &[u8]) -> bool {
    haystack.windows(needle.len()).any(|w| w == needle)
}
