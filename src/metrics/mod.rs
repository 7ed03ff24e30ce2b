//! Prometheus metrics. Label sets are bounded: `app_id` and fixed enums only, never a channel
//! name or socket id. The connected-sockets gauge is set from the live registry at scrape time,
//! so it cannot drift from the truth.

use prometheus::{
    Encoder, Histogram, HistogramOpts, IntCounterVec, IntGauge, IntGaugeVec, Opts, Registry,
    TextEncoder,
};

/// What delta compression did in one broadcast.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct DeltaTally {
    pub full_messages: u64,
    pub delta_messages: u64,
    /// Bytes the delta-enabled sockets would have been sent without deltas.
    pub original_bytes: u64,
    pub sent_bytes: u64,
}

impl std::ops::AddAssign for DeltaTally {
    fn add_assign(&mut self, other: DeltaTally) {
        self.full_messages += other.full_messages;
        self.delta_messages += other.delta_messages;
        self.original_bytes += other.original_bytes;
        self.sent_bytes += other.sent_bytes;
    }
}

impl DeltaTally {
    pub fn saved_bytes(&self) -> u64 {
        self.original_bytes.saturating_sub(self.sent_bytes)
    }
}

/// Gauges derived from live state at scrape time, so they cannot drift from it.
#[derive(Debug, Default)]
pub struct Live {
    pub connected: usize,
    /// Occupied channels by kind (`public`, `private`, ...), every kind listed, 0 included, so a
    /// kind's series does not vanish when its last channel empties.
    pub channels: Vec<(&'static str, usize)>,
    pub subscriptions: usize,
    /// Frames and bytes waiting in this node's socket queues (bounded per socket by
    /// `websocket.max_messages` and `websocket.max_bytes`).
    pub queued_frames: usize,
    pub queued_bytes: usize,
}

/// This process's resident memory, from /proc/self/status (Linux).
pub fn resident_memory_bytes() -> Option<u64> {
    proc_status_kib("VmRSS:").map(|kib| kib * 1024)
}

/// A `kB` field of /proc/self/status.
pub fn proc_status_kib(field: &str) -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    status
        .lines()
        .find(|line| line.starts_with(field))
        .and_then(|line| line.split_whitespace().nth(1))
        .and_then(|value| value.parse().ok())
}

#[derive(Clone)]
pub struct Metrics {
    registry: Registry,
    pub connected: IntGauge,
    /// Connections on the main port in their HTTP phase (not yet upgraded), against
    /// `http.max_connections`.
    pub http_connections: IntGauge,
    pub connections: IntCounterVec,
    pub disconnections: IntCounterVec,
    pub messages_received: IntCounterVec,
    pub messages_sent: IntCounterVec,
    pub bytes_received: IntCounterVec,
    pub bytes_sent: IntCounterVec,
    pub frames_dropped: IntCounterVec,
    pub limits_hit: IntCounterVec,
    pub delta_messages: IntCounterVec,
    pub delta_original_bytes: IntCounterVec,
    pub delta_sent_bytes: IntCounterVec,
    pub rate_limit_checks: IntCounterVec,
    pub rate_limit_rejections: IntCounterVec,
    pub rate_limit_errors: IntCounterVec,
    pub http_calls: IntCounterVec,
    pub broadcasts: IntCounterVec,
    pub webhooks_sent: IntCounterVec,
    pub webhooks_failed: IntCounterVec,
    pub webhooks_retried: IntCounterVec,
    pub webhooks_dropped: IntCounterVec,
    pub webhook_queue_depth: IntGauge,
    pub webhook_latency: Histogram,
    /// Time to queue one published event for this node's subscribers (all its channels).
    pub broadcast_latency: Histogram,
    pub connection_refusals: IntCounterVec,
    /// Connections that failed, by [`ConnectionError`].
    pub connection_errors: IntCounterVec,
    pub adapter_messages: IntCounterVec,
    pub adapter_failures: IntCounterVec,
    channels: IntGaugeVec,
    subscriptions: IntGauge,
    queued_frames: IntGauge,
    queued_bytes: IntGauge,
    resident_memory: IntGauge,
    open_fds: IntGauge,
    pub open_files_limit: IntGauge,
    pub cleanup: CleanupMetrics,
}

/// Why a connection failed (the `type` label of `connection_errors_total`).
#[derive(Debug, Clone, Copy)]
pub enum ConnectionError {
    TlsHandshake,
    TlsTimeout,
    /// The client broke RFC 6455 (invalid UTF-8, unmasked or reserved frames, bad close codes).
    Protocol,
    MessageTooBig,
    /// An HTTP connection over `http.max_connections`, closed when accepted.
    HttpLimit,
    /// An HTTP connection that did not send a request head within `http.header_timeout_secs`.
    HeaderTimeout,
}

impl ConnectionError {
    fn label(self) -> &'static str {
        match self {
            ConnectionError::TlsHandshake => "tls_handshake",
            ConnectionError::TlsTimeout => "tls_timeout",
            ConnectionError::Protocol => "protocol",
            ConnectionError::MessageTooBig => "message_too_big",
            ConnectionError::HttpLimit => "http_limit",
            ConnectionError::HeaderTimeout => "header_timeout",
        }
    }
}

/// The disconnect cleanup queue (src/cleanup.rs).
#[derive(Clone)]
pub struct CleanupMetrics {
    /// Closed sockets queued for cleanup and not yet cleaned up.
    pub pending: IntGauge,
    pub batches: prometheus::IntCounter,
    /// Cleanups run by the closing socket itself because the queue was full.
    pub ran_inline: prometheus::IntCounter,
}

/// Counter handles for one app, looked up once per connection instead of once per frame.
#[derive(Clone)]
pub struct AppCounters {
    pub messages_received: prometheus::IntCounter,
    pub messages_sent: prometheus::IntCounter,
    pub bytes_received: prometheus::IntCounter,
    pub bytes_sent: prometheus::IntCounter,
    pub frames_dropped: prometheus::IntCounter,
    pub limits_hit: prometheus::IntCounter,
}

impl Metrics {
    pub fn new(prefix: &str) -> Self {
        let registry = Registry::new();
        // The standard process metrics every Prometheus dashboard knows (unprefixed, as the
        // exposition conventions name them), beside our own.
        registry
            .register(Box::new(
                prometheus::process_collector::ProcessCollector::for_self(),
            ))
            .expect("the process collector registers once per registry");
        let name = |n: &str| format!("{prefix}{n}");
        let counter = |n: &str, help: &str, labels: &[&str]| {
            let c = IntCounterVec::new(Opts::new(name(n), help), labels).expect("valid metric");
            registry
                .register(Box::new(c.clone()))
                .expect("unique metric");
            c
        };
        let connections = counter(
            "new_connections_total",
            "WebSocket connections accepted",
            &["app_id"],
        );
        let disconnections = counter(
            "disconnections_total",
            "WebSocket connections closed",
            &["app_id"],
        );
        let messages_received = counter(
            "ws_messages_received_total",
            "WebSocket frames received",
            &["app_id"],
        );
        let messages_sent = counter(
            "ws_messages_sent_total",
            "WebSocket frames sent",
            &["app_id"],
        );
        let bytes_received = counter(
            "ws_bytes_received_total",
            "WebSocket payload bytes received",
            &["app_id"],
        );
        let bytes_sent = counter(
            "ws_bytes_sent_total",
            "WebSocket payload bytes sent",
            &["app_id"],
        );
        let frames_dropped = counter(
            "ws_frames_dropped_total",
            "Frames dropped because a socket's outbound queue was full",
            &["app_id"],
        );
        let limits_hit = counter(
            "limits_hit_total",
            "Requests refused by a limit (client event rate, channels per connection, subscription rate)",
            &["app_id"],
        );
        let delta_messages = counter(
            "delta_messages_total",
            "Channel events sent to delta-enabled sockets, by kind (delta or full)",
            &["app_id", "kind"],
        );
        let delta_original_bytes = counter(
            "delta_original_bytes_total",
            "Bytes delta-enabled sockets would have been sent without delta compression",
            &["app_id"],
        );
        let delta_sent_bytes = counter(
            "delta_sent_bytes_total",
            "Bytes actually sent to delta-enabled sockets (deltas and full messages)",
            &["app_id"],
        );
        let rate_limit_checks = counter(
            "rate_limit_checks_total",
            "Requests checked against a rate limit, by limit",
            &["limit"],
        );
        let rate_limit_rejections = counter(
            "rate_limit_rejections_total",
            "Requests refused with 429 by a rate limit, by limit",
            &["limit"],
        );
        let rate_limit_errors = counter(
            "rate_limit_errors_total",
            "Rate-limit checks the counter store could not answer (the request was allowed)",
            &["limit"],
        );
        let http_calls = counter("http_calls_total", "HTTP API calls", &["route", "status"]);
        let broadcasts = counter(
            "broadcasts_total",
            "Events published to channels",
            &["app_id"],
        );
        let webhooks_sent = counter(
            "webhooks_sent_total",
            "Webhook requests delivered",
            &["app_id"],
        );
        let webhooks_failed = counter(
            "webhooks_failed_total",
            "Webhook requests refused by the receiver or given up",
            &["app_id"],
        );
        let webhooks_retried = counter(
            "webhooks_retried_total",
            "Webhook delivery retries",
            &["app_id"],
        );
        let webhooks_dropped = counter(
            "webhooks_dropped_total",
            "Webhooks lost: given up after the retry window, or dropped on overload (full buffer or queue)",
            &["app_id"],
        );
        let gauge = |n: &str, help: &str| {
            let g = IntGauge::new(name(n), help).expect("valid metric");
            registry
                .register(Box::new(g.clone()))
                .expect("unique metric");
            g
        };
        let connected = gauge("connected", "Sockets connected to this node");
        let http_connections = gauge(
            "http_connections",
            "Connections on the main port in their HTTP phase (not yet upgraded)",
        );
        let webhook_queue_depth = gauge(
            "webhook_queue_depth",
            "Webhook requests waiting for delivery",
        );
        let connection_refusals = counter(
            "connection_refusals_total",
            "WebSocket connections refused at the upgrade, by Pusher close code",
            &["code"],
        );
        let connection_errors = counter(
            "connection_errors_total",
            "Connections that failed: TLS handshake errors and timeouts, protocol violations, oversized messages",
            &["type"],
        );
        let adapter_messages = counter(
            "adapter_messages_total",
            "Messages on the cluster bus, by direction (sent, received)",
            &["direction"],
        );
        let adapter_failures = counter(
            "adapter_failures_total",
            "Cluster bus messages that could not be sent or read, by kind",
            &["kind"],
        );
        let channels = IntGaugeVec::new(
            Opts::new(name("channels"), "Occupied channels on this node, by type"),
            &["type"],
        )
        .expect("valid metric");
        registry
            .register(Box::new(channels.clone()))
            .expect("unique metric");
        let subscriptions = gauge("subscriptions", "Channel subscriptions on this node");
        let queued_frames = gauge(
            "ws_queued_frames",
            "Frames waiting in this node's socket queues for slow readers",
        );
        let queued_bytes = gauge(
            "ws_queued_bytes",
            "Bytes waiting in this node's socket queues for slow readers",
        );
        let resident_memory = gauge(
            "process_resident_memory_bytes",
            "Resident memory of this process",
        );
        let open_fds = gauge("process_open_fds", "Open file descriptors of this process");
        let open_files_limit = gauge(
            "open_files_limit",
            "The open-file limit in force (caps concurrent connections)",
        );
        let cleanup = CleanupMetrics {
            pending: gauge(
                "cleanup_pending",
                "Closed sockets waiting for their cleanup (leaving channels)",
            ),
            batches: counter(
                "cleanup_batches_total",
                "Batches of closed sockets the cleanup workers processed",
                &[],
            )
            .with_label_values::<&str>(&[]),
            ran_inline: counter(
                "cleanup_inline_total",
                "Closed sockets that cleaned up themselves because the cleanup queue was full",
                &[],
            )
            .with_label_values::<&str>(&[]),
        };
        let broadcast_latency = Histogram::with_opts(
            HistogramOpts::new(
                name("broadcast_seconds"),
                "Time to queue one published event for this node's subscribers",
            )
            .buckets(vec![
                0.000_01, 0.000_05, 0.000_1, 0.000_5, 0.001, 0.005, 0.01, 0.05, 0.1, 0.5,
            ]),
        )
        .expect("valid metric");
        registry
            .register(Box::new(broadcast_latency.clone()))
            .expect("unique metric");
        let webhook_latency = Histogram::with_opts(HistogramOpts::new(
            name("webhook_delivery_seconds"),
            "Time from taking a webhook job to its delivery, retries included",
        ))
        .expect("valid metric");
        registry
            .register(Box::new(webhook_latency.clone()))
            .expect("unique metric");
        Metrics {
            registry,
            connected,
            http_connections,
            connections,
            disconnections,
            messages_received,
            messages_sent,
            bytes_received,
            bytes_sent,
            frames_dropped,
            limits_hit,
            delta_messages,
            delta_original_bytes,
            delta_sent_bytes,
            rate_limit_checks,
            rate_limit_rejections,
            rate_limit_errors,
            http_calls,
            broadcasts,
            webhooks_sent,
            webhooks_failed,
            webhooks_retried,
            webhooks_dropped,
            webhook_queue_depth,
            webhook_latency,
            broadcast_latency,
            connection_refusals,
            connection_errors,
            adapter_messages,
            adapter_failures,
            channels,
            subscriptions,
            queued_frames,
            queued_bytes,
            resident_memory,
            open_fds,
            open_files_limit,
            cleanup,
        }
    }

    pub fn for_app(&self, app_id: &str) -> AppCounters {
        AppCounters {
            messages_received: self.messages_received.with_label_values(&[app_id]),
            messages_sent: self.messages_sent.with_label_values(&[app_id]),
            bytes_received: self.bytes_received.with_label_values(&[app_id]),
            bytes_sent: self.bytes_sent.with_label_values(&[app_id]),
            frames_dropped: self.frames_dropped.with_label_values(&[app_id]),
            limits_hit: self.limits_hit.with_label_values(&[app_id]),
        }
    }

    pub fn connection_failed(&self, error: ConnectionError) {
        self.connection_errors
            .with_label_values(&[error.label()])
            .inc();
    }

    /// Counts what one broadcast did: frames dropped by full queues, and delta compression.
    pub fn record_fanout(&self, app_id: &str, dropped: usize, delta: &DeltaTally) {
        if dropped > 0 {
            self.frames_dropped
                .with_label_values(&[app_id])
                .inc_by(dropped as u64);
        }
        if delta.full_messages + delta.delta_messages == 0 {
            return;
        }
        self.delta_messages
            .with_label_values(&[app_id, "delta"])
            .inc_by(delta.delta_messages);
        self.delta_messages
            .with_label_values(&[app_id, "full"])
            .inc_by(delta.full_messages);
        self.delta_original_bytes
            .with_label_values(&[app_id])
            .inc_by(delta.original_bytes);
        self.delta_sent_bytes
            .with_label_values(&[app_id])
            .inc_by(delta.sent_bytes);
    }

    /// The Prometheus text exposition of every metric, with the gauges of `live` and this
    /// process's memory and open files read now.
    pub fn render(&self, live: &Live) -> String {
        self.connected.set(live.connected as i64);
        self.channels.reset();
        for (kind, count) in &live.channels {
            self.channels.with_label_values(&[kind]).set(*count as i64);
        }
        self.subscriptions.set(live.subscriptions as i64);
        self.queued_frames.set(live.queued_frames as i64);
        self.queued_bytes.set(live.queued_bytes as i64);
        if let Some(rss) = resident_memory_bytes() {
            self.resident_memory.set(rss as i64);
        }
        if let Ok(fds) = std::fs::read_dir("/proc/self/fd") {
            self.open_fds.set(fds.count() as i64);
        }
        let mut buffer = Vec::new();
        TextEncoder::new()
            .encode(&self.registry.gather(), &mut buffer)
            .expect("text encoding cannot fail");
        String::from_utf8(buffer).expect("prometheus text is UTF-8")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn renders_prefixed_names() {
        let metrics = Metrics::new("sockudo_");
        metrics.connections.with_label_values(&["a"]).inc();
        let live = Live {
            connected: 3,
            channels: vec![("presence", 2)],
            subscriptions: 5,
            queued_frames: 2,
            queued_bytes: 700,
        };
        let text = metrics.render(&live);
        assert!(
            text.contains("sockudo_channels{type=\"presence\"} 2"),
            "{text}"
        );
        assert!(text.contains("sockudo_subscriptions 5"), "{text}");
        assert!(text.contains("sockudo_ws_queued_frames 2"), "{text}");
        assert!(text.contains("sockudo_ws_queued_bytes 700"), "{text}");
        assert!(
            text.contains("sockudo_process_resident_memory_bytes"),
            "{text}"
        );
        assert!(text.contains("sockudo_connected 3"), "{text}");
        for standard in [
            "process_cpu_seconds_total",
            "process_open_fds",
            "process_start_time_seconds",
        ] {
            assert!(text.contains(standard), "{standard} missing: {text}");
        }
        assert!(
            text.contains("sockudo_new_connections_total{app_id=\"a\"} 1"),
            "{text}"
        );
    }
}
