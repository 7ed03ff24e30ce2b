//! What a run found: one JSON document for scripts, or a table for people that says what each
//! number means.

use super::histogram::Summary;
use super::usage::CpuUse;
use serde::Serialize;
use std::collections::BTreeMap;
use std::fmt::Write;

#[derive(Debug, Default, Serialize)]
pub struct Report {
    pub scenario: String,
    pub url: String,
    pub app_id: String,
    /// The scenario's parameters as run.
    pub settings: serde_json::Value,
    /// Seconds from start to end of the run, connection ramp included.
    pub wall_seconds: f64,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub connections: Option<Connections>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub publishes: Option<Publishes>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub deliveries: Option<Deliveries>,
    /// End-to-end: publish timestamp (taken just before the HTTP request) to receipt.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub latency_ms: Option<Summary>,
    /// HTTP publish request written to response read.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub http_ms: Option<Summary>,
    /// TCP connect to `pusher:connection_established`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub connect_ms: Option<Summary>,
    /// TCP connect to `subscription_succeeded`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub subscribe_ms: Option<Summary>,
    /// Churn and presence: one connect-subscribe-close cycle.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cycle_ms: Option<Summary>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cycles: Option<Cycles>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub delta: Option<serde_json::Value>,
    pub cpu: Cpu,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub server: Option<Server>,
    /// Failures by kind (connections and publishes).
    pub errors: BTreeMap<String, u64>,
    pub warnings: Vec<String>,
    pub thresholds: Thresholds,
}

#[derive(Debug, Default, Serialize)]
pub struct Connections {
    pub requested: u64,
    pub attempted: u64,
    pub connected: u64,
    pub subscribed: u64,
    pub failed: u64,
    /// Subscribed, then closed or dropped before the run ended.
    pub dropped: u64,
    /// From the first connection attempt until the last socket was subscribed.
    pub seconds_to_all_subscribed: f64,
    pub subscribed_per_second: f64,
}

#[derive(Debug, Default, Serialize)]
pub struct Publishes {
    /// Requests written.
    pub sent: u64,
    /// Requests the API answered 2xx: the messages subscribers are owed.
    pub accepted: u64,
    pub failed: u64,
    pub seconds: f64,
    pub accepted_per_second: f64,
    /// Paced mode: publishes sent more than 10 ms after their schedule (the generator fell behind).
    pub late: u64,
}

#[derive(Debug, Default, Serialize)]
pub struct Deliveries {
    /// Σ over channels of subscribers × accepted publishes.
    pub expected: u64,
    /// Benchmark frames received, duplicates included.
    pub delivered: u64,
    pub unique: u64,
    pub lost: u64,
    pub duplicates: u64,
    /// Frames delivered per second over the publish window plus the drain.
    pub per_second: f64,
    pub bytes: u64,
}

#[derive(Debug, Default, Serialize)]
pub struct Cycles {
    pub completed: u64,
    pub failed: u64,
    pub per_second: f64,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub member_added: Option<u64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub member_removed: Option<u64>,
}

#[derive(Debug, Default, Serialize)]
pub struct Cpu {
    /// All generator processes together over the whole run.
    pub bench: CpuUse,
    pub bench_processes: usize,
    /// The busiest generator process, in cores: each runs one thread, so near 1.0 it was the limit.
    pub bench_busiest_process_cores: f64,
    pub bench_saturated: bool,
    /// This process over the measured window (publishing and drain), when it holds the sockets
    /// itself: the ramp's idle time does not dilute it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub bench_measured: Option<CpuUse>,
}

#[derive(Debug, Default, Serialize)]
pub struct Server {
    pub pid: u32,
    /// Over the whole run.
    pub cpu: CpuUse,
    /// Over the measured window (publishing and drain, or holding).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub measured_cpu: Option<CpuUse>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cpu_seconds_per_million_deliveries: Option<f64>,
    pub rss_kib_before: u64,
    pub rss_kib_after: u64,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub rss_kib_per_socket: Option<f64>,
}

#[derive(Debug, Default, Serialize)]
pub struct Thresholds {
    pub passed: bool,
    pub missed: Vec<String>,
}

fn ms(s: &Summary) -> String {
    format!(
        "p50 {:.2}  p90 {:.2}  p99 {:.2}  p99.9 {:.2}  max {:.2}  ({} samples)",
        s.p50_ms, s.p90_ms, s.p99_ms, s.p999_ms, s.max_ms, s.count
    )
}

impl Report {
    pub fn human(&self) -> String {
        let mut out = String::new();
        let w = &mut out;
        let _ = writeln!(
            w,
            "sockudo bench {}: {} (app {}), {:.1} s",
            self.scenario, self.url, self.app_id, self.wall_seconds
        );
        let _ = writeln!(w, "settings: {}", self.settings);
        let row = |w: &mut String, name: &str, value: String, meaning: &str| {
            let _ = writeln!(w, "  {name:<24} {value:<40} {meaning}");
        };
        if let Some(c) = &self.connections {
            let _ = writeln!(w, "connections");
            row(
                w,
                "subscribed",
                format!("{} of {}", c.subscribed, c.requested),
                "sockets that got subscription_succeeded",
            );
            row(
                w,
                "failed",
                c.failed.to_string(),
                "never connected or subscribed (see errors)",
            );
            row(
                w,
                "dropped",
                c.dropped.to_string(),
                "subscribed, then lost before the end",
            );
            row(
                w,
                "time to all subscribed",
                format!("{:.2} s", c.seconds_to_all_subscribed),
                "first attempt to last subscription_succeeded",
            );
            row(
                w,
                "subscribed/s",
                format!("{:.0}", c.subscribed_per_second),
                "over that time",
            );
        }
        if let Some(s) = &self.connect_ms {
            row(
                w,
                "connect ms",
                ms(s),
                "TCP connect to connection_established",
            );
        }
        if let Some(s) = &self.subscribe_ms {
            row(
                w,
                "subscribe ms",
                ms(s),
                "TCP connect to subscription_succeeded",
            );
        }
        if let Some(p) = &self.publishes {
            let _ = writeln!(w, "publishes (signed HTTP API)");
            row(
                w,
                "accepted",
                format!("{} of {} sent", p.accepted, p.sent),
                "answered 2xx: messages subscribers are owed",
            );
            row(
                w,
                "failed",
                p.failed.to_string(),
                "non-2xx or no answer (see errors)",
            );
            row(
                w,
                "accepted/s",
                format!("{:.0}", p.accepted_per_second),
                &format!("over {:.1} s of publishing", p.seconds),
            );
            if p.late > 0 {
                row(
                    w,
                    "late",
                    p.late.to_string(),
                    "sent >10 ms after schedule: the generator fell behind",
                );
            }
        }
        if let Some(s) = &self.http_ms {
            row(w, "http ms", ms(s), "request written to response read");
        }
        if let Some(d) = &self.deliveries {
            let _ = writeln!(w, "deliveries (frames received by subscribers)");
            row(
                w,
                "expected",
                d.expected.to_string(),
                "subscribers x accepted publishes, per channel",
            );
            row(
                w,
                "delivered",
                d.delivered.to_string(),
                "frames received, duplicates included",
            );
            row(w, "lost", d.lost.to_string(), "expected but never received");
            row(
                w,
                "duplicates",
                d.duplicates.to_string(),
                "received more than once",
            );
            row(
                w,
                "delivered/s",
                format!("{:.0}", d.per_second),
                "over publishing + drain",
            );
        }
        if let Some(s) = &self.latency_ms {
            row(
                w,
                "latency ms",
                ms(s),
                "end to end: just before HTTP send -> receipt",
            );
        }
        if let Some(c) = &self.cycles {
            let _ = writeln!(w, "cycles (connect, subscribe, close)");
            row(w, "completed", c.completed.to_string(), "full cycles");
            row(
                w,
                "failed",
                c.failed.to_string(),
                "cycles that failed (see errors)",
            );
            row(w, "cycles/s", format!("{:.0}", c.per_second), "");
            if let (Some(a), Some(r)) = (c.member_added, c.member_removed) {
                row(
                    w,
                    "member_added/removed",
                    format!("{a} / {r}"),
                    "presence events seen by the watchers",
                );
            }
        }
        if let Some(s) = &self.cycle_ms {
            row(w, "cycle ms", ms(s), "one connect-subscribe-close cycle");
        }
        if let Some(d) = &self.delta {
            row(w, "delta", d.to_string(), "");
        }
        let _ = writeln!(w, "cpu");
        row(
            w,
            "bench",
            format!(
                "{:.2} s, {:.2} cores, {} process(es)",
                self.cpu.bench.seconds, self.cpu.bench.cores, self.cpu.bench_processes
            ),
            "the generator itself (all its processes)",
        );
        if let Some(m) = &self.cpu.bench_measured {
            row(
                w,
                "bench measured",
                format!("{:.2} s, {:.2} cores", m.seconds, m.cores),
                "this process while publishing/draining",
            );
        }
        row(
            w,
            "bench busiest process",
            format!("{:.2} cores", self.cpu.bench_busiest_process_cores),
            "near 1.0: the generator was the limit",
        );
        if let Some(s) = &self.server {
            row(
                w,
                "server",
                format!(
                    "{:.2} s, {:.2} cores (pid {})",
                    s.cpu.seconds, s.cpu.cores, s.pid
                ),
                "over the whole run",
            );
            if let Some(m) = &s.measured_cpu {
                row(
                    w,
                    "server measured",
                    format!("{:.2} s, {:.2} cores", m.seconds, m.cores),
                    "while publishing/holding",
                );
            }
            if let Some(per) = s.cpu_seconds_per_million_deliveries {
                row(
                    w,
                    "server cpu s / M deliv.",
                    format!("{per:.2}"),
                    "server CPU seconds per million frames delivered",
                );
            }
            row(
                w,
                "server rss",
                format!("{} -> {} KiB", s.rss_kib_before, s.rss_kib_after),
                "before the run -> at the end of the measured window",
            );
            if let Some(per) = s.rss_kib_per_socket {
                row(
                    w,
                    "server rss per socket",
                    format!("{per:.1} KiB"),
                    "growth over the baseline / sockets held",
                );
            }
        }
        if !self.errors.is_empty() {
            let _ = writeln!(w, "errors");
            for (kind, n) in &self.errors {
                let _ = writeln!(w, "  {n:>8}  {kind}");
            }
        }
        for warning in &self.warnings {
            let _ = writeln!(w, "warning: {warning}");
        }
        if self.thresholds.missed.is_empty() {
            let _ = writeln!(w, "thresholds: passed");
        } else {
            for missed in &self.thresholds.missed {
                let _ = writeln!(w, "threshold missed: {missed}");
            }
        }
        out
    }
}
