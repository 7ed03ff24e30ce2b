//! `sockudo bench`: a load generator for any Pusher-compatible server.
//!
//! # Layout
//! - `mod.rs`: the command line, the target app, and what every scenario shares ([`Run`]): the
//!   socket group, waiting for it with a progress bar, CPU/memory readings, thresholds, output.
//! - one file per scenario: `connect`, `idle`, `fanout` (also `publish`), `churn` (also
//!   `presence`), `delta`.
//! - `client.rs` opens Pusher sockets with the sockudo-ws client; `group.rs` holds many of them and
//!   counts what they receive; `publisher.rs` sends signed HTTP publishes over keep-alive HTTP/1.1.
//! - `tracker.rs` (sequence numbers: lost and duplicates), `histogram.rs` (HDR latency, mergeable),
//!   `sign.rs`: the measurement itself, kept free of I/O and tested on its own.
//! - `workers.rs`: `--workers N` runs N processes of this binary and merges their histograms.
//! - `usage.rs`: CPU of the generator and of the server, the server's RSS; `report.rs`: output.
//!
//! Every process runs one single-threaded runtime, so one generator process uses at most one core;
//! the report shows how close it came, so the generator is never mistaken for the server.

mod churn;
mod client;
mod connect;
mod delta;
mod fanout;
mod group;
mod histogram;
mod idle;
mod progress;
mod publisher;
mod report;
mod sign;
mod ticker;
mod tracker;
mod usage;
mod workers;

use crate::store::UsageError;
use client::Target;
use group::{GroupSpec, LocalGroup, Partial, Progress};
use report::Report;
use std::path::Path;
use std::time::Duration;

#[derive(clap::Args)]
#[command(
    after_help = "Every number in the report is explained next to it; see docs/benchmarks.md."
)]
pub struct Args {
    #[command(flatten)]
    common: Common,
    #[command(subcommand)]
    scenario: Scenario,
}

#[derive(clap::Args, Clone, Debug)]
pub struct Common {
    /// The server's HTTP address; the WebSocket URL is derived from it.
    #[arg(long, global = true, default_value = "http://127.0.0.1:6001")]
    url: String,
    /// App id (default: the first app of the configuration, else the development app).
    #[arg(long, global = true)]
    app_id: Option<String>,
    /// App key (default: like --app-id).
    #[arg(long, global = true)]
    key: Option<String>,
    /// App secret (default: like --app-id).
    #[arg(long, global = true)]
    secret: Option<String>,
    /// Seconds to publish, hold or churn.
    #[arg(long, global = true, default_value_t = 10.0, value_name = "SECONDS")]
    duration: f64,
    /// Print one JSON document on stdout instead of the table.
    #[arg(long, global = true)]
    json: bool,
    /// Exit 1 when the scenario's main latency p99 is above this many milliseconds.
    #[arg(long, global = true, value_name = "MS")]
    max_p99_ms: Option<f64>,
    /// Exit 1 when more messages than this were lost.
    #[arg(long, global = true, value_name = "N")]
    max_lost: Option<u64>,
    /// Exit 1 when more than this many connections or publishes failed.
    #[arg(long, global = true, value_name = "N")]
    max_errors: Option<u64>,
    /// Run the sockets in N worker processes (connect, idle, fanout) to pass one process's
    /// open-files limit.
    #[arg(long, global = true, default_value_t = 1, value_name = "N")]
    workers: u32,
    /// Spread client sockets over these source addresses, e.g. 127.0.0.1-127.0.0.8.
    #[arg(long, global = true, value_name = "RANGE")]
    source_ips: Option<String>,
    /// The server's pid on this host: report its CPU and memory.
    #[arg(long, global = true, value_name = "PID")]
    server_pid: Option<u32>,
    /// Seconds allowed for opening all connections.
    #[arg(long, global = true, default_value_t = 60.0, value_name = "SECONDS")]
    ramp_timeout: f64,
    /// Internal: run as one of the worker processes of --workers.
    #[arg(long, global = true, hide = true)]
    worker: bool,
    /// Internal: this worker's number, from 0.
    #[arg(long, global = true, hide = true, default_value_t = 0)]
    worker_index: u32,
    /// Internal: how many workers share the sockets.
    #[arg(long, global = true, hide = true, default_value_t = 1)]
    worker_count: u32,
}

#[derive(clap::Subcommand, Debug)]
enum Scenario {
    /// Ramp N connections, each subscribing to one of C channels: time to connected and subscribed.
    Connect(connect::Args),
    /// Hold N subscribed sockets for --duration; with --server-pid, the server's memory per socket.
    Idle(idle::Args),
    /// N subscribers over C channels, a publisher at R publishes/s: end-to-end latency, lost, duplicates.
    Fanout(fanout::FanoutArgs),
    /// The most signed HTTP publishes/s at concurrency K, to a channel with one subscriber.
    Publish(fanout::PublishArgs),
    /// Connect, subscribe, disconnect cycles from K concurrent loops.
    Churn(churn::ChurnArgs),
    /// Join/leave churn on presence channels, watched by one member per channel.
    Presence(churn::PresenceArgs),
    /// A ticker stream with delta compression on: bytes on the wire vs bytes of the messages.
    Delta(delta::Args),
}

pub fn run(config: Option<&Path>, args: Args) -> anyhow::Result<()> {
    let common = args.common;
    if common.workers == 0 {
        return Err(UsageError("--workers must be at least 1".into()).into());
    }
    if common.workers > 1
        && !matches!(
            args.scenario,
            Scenario::Connect(_) | Scenario::Idle(_) | Scenario::Fanout(_)
        )
    {
        return Err(UsageError(
            "--workers applies to connect, idle and fanout; the other scenarios hold few sockets"
                .into(),
        )
        .into());
    }
    if !(common.duration > 0.0 && common.duration <= 3600.0) {
        return Err(UsageError("--duration must be between 0 and 3600 seconds".into()).into());
    }
    let source_ips = match &common.source_ips {
        Some(spec) => {
            client::parse_source_ips(spec).map_err(|e| UsageError(format!("--source-ips: {e}")))?
        }
        None => Vec::new(),
    };
    let (app_id, key, secret) = credentials(config, &common)?;
    sockudo::limits::raise_open_file_limit();
    let runtime = crate::store::runtime()?;
    runtime.block_on(async move {
        let target = Target::resolve(&common.url, app_id, key, secret).await?;
        if common.worker {
            let spec = match &args.scenario {
                Scenario::Connect(a) => a.group(&source_ips),
                Scenario::Idle(a) => a.group(&source_ips),
                Scenario::Fanout(a) => a.group(&source_ips),
                _ => anyhow::bail!("this scenario has no worker mode"),
            };
            let share = workers::share(&spec, common.worker_index, common.worker_count);
            return workers::serve(target, share).await;
        }
        let mut run = Run::new(target, common, source_ips);
        let report = match &args.scenario {
            Scenario::Connect(a) => connect::run(&mut run, a).await?,
            Scenario::Idle(a) => idle::run(&mut run, a).await?,
            Scenario::Fanout(a) => fanout::run_fanout(&mut run, a).await?,
            Scenario::Publish(a) => fanout::run_publish(&mut run, a).await?,
            Scenario::Churn(a) => churn::run_churn(&mut run, a).await?,
            Scenario::Presence(a) => churn::run_presence(&mut run, a).await?,
            Scenario::Delta(a) => delta::run(&mut run, a).await?,
        };
        run.finish(report)
    })
}

/// `--app-id/--key/--secret`, filling what is missing from the configured first app, else the
/// development app `serve` runs when nothing is configured.
fn credentials(config: Option<&Path>, common: &Common) -> anyhow::Result<(String, String, String)> {
    if let (Some(id), Some(key), Some(secret)) = (&common.app_id, &common.key, &common.secret) {
        return Ok((id.clone(), key.clone(), secret.clone()));
    }
    let config = crate::store::load_config(config)?;
    let app = config
        .app_manager
        .array
        .apps
        .first()
        .cloned()
        .unwrap_or_else(sockudo::config::development_app);
    Ok((
        common.app_id.clone().unwrap_or(app.id),
        common.key.clone().unwrap_or(app.key),
        common.secret.clone().unwrap_or(app.secret),
    ))
}

/// Sockets held by this process or by worker processes.
pub enum Group {
    Local(LocalGroup),
    Remote(workers::RemoteGroup),
}

impl Group {
    pub fn progress(&self) -> Progress {
        match self {
            Group::Local(g) => g.shared.progress(),
            Group::Remote(g) => g.progress(),
        }
    }

    fn fatal(&self) -> Option<String> {
        match self {
            Group::Local(g) => g.shared.fatal(),
            Group::Remote(_) => None,
        }
    }

    async fn stop(self, run: &Run) -> anyhow::Result<Partial> {
        match self {
            Group::Local(g) => {
                // This process's CPU is counted for the whole run in `finish`.
                let mut partial = g.stop(0.0, run.whole.elapsed_secs()).await;
                partial.process_cpu.clear();
                partial.process_wall.clear();
                Ok(partial)
            }
            Group::Remote(g) => g.stop().await,
        }
    }
}

/// What every scenario shares while it runs.
pub struct Run {
    pub target: Target,
    pub common: Common,
    pub source_ips: Vec<std::net::IpAddr>,
    pub bar: progress::Bar,
    /// The whole run: the generator's and the server's CPU, the server's memory before.
    pub whole: usage::Window,
    /// CPU of worker processes and whether the run had any.
    worker_cpu: Vec<(f64, f64)>,
}

impl Run {
    fn new(target: Target, common: Common, source_ips: Vec<std::net::IpAddr>) -> Run {
        use std::io::IsTerminal;
        let bar = progress::Bar::new(!common.json && std::io::stderr().is_terminal());
        Run {
            whole: usage::Window::start(common.server_pid),
            target,
            common,
            source_ips,
            bar,
            worker_cpu: Vec::new(),
        }
    }

    pub fn duration(&self) -> Duration {
        Duration::from_secs_f64(self.common.duration)
    }

    pub fn start_group(&mut self, spec: GroupSpec) -> anyhow::Result<Group> {
        if self.common.workers > 1 {
            Ok(Group::Remote(workers::RemoteGroup::spawn(
                self.common.workers,
            )?))
        } else {
            Ok(Group::Local(LocalGroup::start(self.target.clone(), spec)))
        }
    }

    /// Waits until every socket of the group was tried, showing progress; bounded by
    /// `--ramp-timeout`. Stops early on a failure that retrying cannot fix.
    pub async fn wait_settled(&self, group: &Group, requested: u64) -> anyhow::Result<Progress> {
        let deadline =
            tokio::time::Instant::now() + Duration::from_secs_f64(self.common.ramp_timeout);
        loop {
            let p = group.progress();
            self.bar.show(format!(
                "connecting: {}/{} subscribed, {} failed",
                p.subscribed, requested, p.failed
            ));
            if let Some(fatal) = group.fatal() {
                anyhow::bail!(fatal);
            }
            if p.settled && (p.attempted >= requested || matches!(group, Group::Remote(_))) {
                return Ok(p);
            }
            if tokio::time::Instant::now() >= deadline {
                return Ok(p);
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    /// Stops the group and fills in what every socket scenario reports.
    pub async fn stop_group(
        &mut self,
        group: Group,
        requested: u64,
        report: &mut Report,
    ) -> anyhow::Result<Partial> {
        let partial = group.stop(self).await?;
        if let Some(fatal) = &partial.fatal {
            anyhow::bail!(fatal.clone());
        }
        let p = &partial.progress;
        let to_all = p.last_subscribed_micros as f64 / 1e6;
        report.connections = Some(report::Connections {
            requested,
            attempted: p.attempted,
            connected: p.connected,
            subscribed: p.subscribed,
            failed: p.failed,
            dropped: p.dropped,
            seconds_to_all_subscribed: usage::round3(to_all),
            subscribed_per_second: if to_all > 0.0 {
                (p.subscribed as f64 / to_all).round()
            } else {
                0.0
            },
        });
        if !partial.connect.is_empty() {
            report.connect_ms = Some(partial.connect.summary());
        }
        if !partial.subscribe.is_empty() {
            report.subscribe_ms = Some(partial.subscribe.summary());
        }
        for (kind, n) in &partial.errors {
            *report.errors.entry(kind.clone()).or_default() += n;
        }
        self.worker_cpu.extend(
            partial
                .process_cpu
                .iter()
                .copied()
                .zip(partial.process_wall.iter().copied()),
        );
        Ok(partial)
    }

    pub fn new_report(&self, scenario: &str, settings: serde_json::Value) -> Report {
        Report {
            scenario: scenario.into(),
            url: self.target.url.clone(),
            app_id: self.target.app_id.clone(),
            settings,
            ..Default::default()
        }
    }

    /// CPU, thresholds and output; an error (exit 1) when a threshold was missed.
    fn finish(self, mut report: Report) -> anyhow::Result<()> {
        self.bar.finish();
        let wall = self.whole.elapsed_secs();
        report.wall_seconds = usage::round3(wall);
        let own = self.whole.own();
        let (_, children) = usage::own_cpu_seconds();
        let workers_cpu: f64 = self.worker_cpu.iter().map(|(cpu, _)| cpu).sum();
        let measured = report.cpu.bench_measured.map(|m| m.cores).unwrap_or(0.0);
        let busiest = self
            .worker_cpu
            .iter()
            .map(|(cpu, wall)| if *wall > 0.0 { cpu / wall } else { 0.0 })
            .fold(own.cores.max(measured), f64::max);
        report.cpu = report::Cpu {
            bench_measured: report.cpu.bench_measured,
            bench: usage::cpu_use(own.seconds + children.max(workers_cpu), wall),
            bench_processes: 1 + self.worker_cpu.len(),
            bench_busiest_process_cores: usage::round3(busiest),
            bench_saturated: busiest >= 0.85,
        };
        if report.cpu.bench_saturated {
            report.warnings.push(format!(
                "a generator process used {busiest:.2} cores (one is its maximum): the generator, not \
                 the server, may have been the limit; spread it with --workers"
            ));
        }
        if let Some((cpu, now)) = self.whole.server() {
            let server = report.server.get_or_insert_with(Default::default);
            server.pid = self.common.server_pid.unwrap_or_default();
            server.cpu = cpu;
            if server.rss_kib_after == 0 {
                server.rss_kib_after = now.rss_kib;
            }
            server.rss_kib_before = self.whole.server_rss_before();
        } else if self.common.server_pid.is_none() {
            report.warnings.push(
                "the server's CPU and memory are not reported: pass --server-pid when it runs on this host"
                    .into(),
            );
        } else {
            report
                .warnings
                .push("cannot read the server's /proc entry: is --server-pid right?".into());
        }
        self.check_thresholds(&mut report);
        if self.common.json {
            println!("{}", serde_json::to_string_pretty(&report)?);
        } else {
            print!("{}", report.human());
        }
        if report.thresholds.passed {
            Ok(())
        } else {
            anyhow::bail!("threshold missed: {}", report.thresholds.missed.join("; "))
        }
    }

    fn check_thresholds(&self, report: &mut Report) {
        let mut missed = Vec::new();
        if let Some(max) = self.common.max_p99_ms {
            let primary = report
                .latency_ms
                .or(report.cycle_ms)
                .or(report.subscribe_ms);
            match primary {
                Some(s) if s.p99_ms > max => {
                    missed.push(format!("p99 {:.2} ms > --max-p99-ms {max}", s.p99_ms))
                }
                Some(_) => {}
                None => missed.push("--max-p99-ms: no latency was measured".into()),
            }
        }
        if let Some(max) = self.common.max_lost {
            let lost = report.deliveries.as_ref().map(|d| d.lost).unwrap_or(0);
            if lost > max {
                missed.push(format!("{lost} lost > --max-lost {max}"));
            }
        }
        if let Some(max) = self.common.max_errors {
            let errors: u64 = report.errors.values().sum();
            if errors > max {
                missed.push(format!("{errors} errors > --max-errors {max}"));
            }
        }
        report.thresholds = report::Thresholds {
            passed: missed.is_empty(),
            missed,
        };
    }
}

/// Socket-group settings every socket scenario shares.
#[derive(clap::Args, Debug, Clone)]
pub struct Ramp {
    /// New connections per second (0 = as fast as --concurrency allows).
    #[arg(
        id = "connect_rate",
        long = "connect-rate",
        default_value_t = 0.0,
        value_name = "PER_SECOND"
    )]
    pub rate: f64,
    /// Connections being opened at once.
    #[arg(
        id = "connect_concurrency",
        long = "connect-concurrency",
        default_value_t = 256,
        value_name = "N"
    )]
    pub concurrency: usize,
}
