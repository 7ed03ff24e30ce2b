//! `churn` (connect, subscribe, disconnect cycles) and `presence` (the same on presence channels,
//! each watched by members that count `member_added` / `member_removed`).

use super::client::{self, Failure, Target};
use super::group::GroupSpec;
use super::histogram::Latency;
use super::report::{self, Report};
use super::usage;
use super::Run;
use parking_lot::Mutex;
use std::collections::BTreeMap;
use std::net::IpAddr;
use std::sync::atomic::{AtomicU64, Ordering::Relaxed};
use std::sync::Arc;
use std::time::Duration;
use tokio::time::Instant;
use tokio_util::sync::CancellationToken;

#[derive(clap::Args, Debug)]
pub struct ChurnArgs {
    /// Loops cycling at once.
    #[arg(long, default_value_t = 20)]
    pub concurrency: usize,
    /// Channels the cycles subscribe to, round robin.
    #[arg(long, default_value_t = 10)]
    pub channels: u64,
}

#[derive(clap::Args, Debug)]
pub struct PresenceArgs {
    /// Loops joining and leaving at once.
    #[arg(long, default_value_t = 10)]
    pub concurrency: usize,
    /// Presence channels.
    #[arg(long, default_value_t = 10)]
    pub channels: u64,
    /// Members that stay on each channel and count member_added / member_removed.
    #[arg(long, default_value_t = 1)]
    pub watchers: u64,
}

#[derive(Default)]
struct ChurnState {
    completed: AtomicU64,
    failed: AtomicU64,
    cycle: Mutex<Latency>,
    errors: Mutex<BTreeMap<String, u64>>,
    fatal: Mutex<Option<String>>,
}

struct Cycle {
    target: Target,
    prefix: String,
    channels: u64,
    presence: bool,
    source_ips: Vec<IpAddr>,
    until: Instant,
    cancel: CancellationToken,
    state: ChurnState,
}

pub async fn run_churn(run: &mut Run, args: &ChurnArgs) -> anyhow::Result<Report> {
    let mut report = run.new_report(
        "churn",
        serde_json::json!({
            "concurrency": args.concurrency, "channels": args.channels,
            "duration": run.common.duration,
        }),
    );
    let cycle = cycles(run, "bench-churn-", args.channels, false, args.concurrency).await?;
    fill(&mut report, &cycle, run.common.duration);
    Ok(report)
}

pub async fn run_presence(run: &mut Run, args: &PresenceArgs) -> anyhow::Result<Report> {
    let mut report = run.new_report(
        "presence",
        serde_json::json!({
            "concurrency": args.concurrency, "channels": args.channels,
            "watchers": args.watchers, "duration": run.common.duration,
        }),
    );
    let prefix = "presence-bench-";
    let watchers = GroupSpec {
        count: args.channels.max(1) * args.watchers,
        offset: 0,
        channels: args.channels.max(1),
        prefix: prefix.into(),
        rate: 0.0,
        concurrency: 64,
        source_ips: run.source_ips.clone(),
        presence: true,
    };
    let requested = watchers.count;
    let group = run.start_group(watchers)?;
    run.wait_settled(&group, requested).await?;
    let cycle = cycles(run, prefix, args.channels, true, args.concurrency).await?;
    // Give the last member_removed a moment to arrive.
    tokio::time::sleep(Duration::from_millis(300)).await;
    let partial = run.stop_group(group, requested, &mut report).await?;
    fill(&mut report, &cycle, run.common.duration);
    if let Some(cycles) = report.cycles.as_mut() {
        cycles.member_added = Some(partial.progress.member_added);
        cycles.member_removed = Some(partial.progress.member_removed);
    }
    Ok(report)
}

async fn cycles(
    run: &Run,
    prefix: &str,
    channels: u64,
    presence: bool,
    concurrency: usize,
) -> anyhow::Result<Arc<Cycle>> {
    let cycle = Arc::new(Cycle {
        target: run.target.clone(),
        prefix: prefix.into(),
        channels: channels.max(1),
        presence,
        source_ips: run.source_ips.clone(),
        until: Instant::now() + run.duration(),
        cancel: CancellationToken::new(),
        state: ChurnState {
            cycle: Mutex::new(Latency::new()),
            ..Default::default()
        },
    });
    let lanes: Vec<_> = (0..concurrency.max(1))
        .map(|lane| tokio::spawn(lane_loop(cycle.clone(), lane as u64, concurrency as u64)))
        .collect();
    while lanes.iter().any(|l| !l.is_finished()) {
        run.bar.show(format!(
            "cycling: {} completed, {} failed",
            cycle.state.completed.load(Relaxed),
            cycle.state.failed.load(Relaxed)
        ));
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    if let Some(fatal) = cycle.state.fatal.lock().clone() {
        anyhow::bail!(fatal);
    }
    Ok(cycle)
}

async fn lane_loop(cycle: Arc<Cycle>, lane: u64, lanes: u64) {
    let mut n = 0u64;
    while Instant::now() < cycle.until && !cycle.cancel.is_cancelled() {
        let index = n * lanes + lane;
        n += 1;
        let channel = format!("{}{}", cycle.prefix, index % cycle.channels);
        let source = (!cycle.source_ips.is_empty())
            .then(|| cycle.source_ips[(index as usize) % cycle.source_ips.len()]);
        let started = Instant::now();
        let deadline = started + client::CONNECT_TIMEOUT;
        let attempt = async {
            let mut connection = client::connect(&cycle.target, source, deadline).await?;
            let user = cycle.presence.then(|| format!("churn-{index}"));
            connection
                .join(&cycle.target, &channel, user.as_deref(), deadline)
                .await?;
            Ok::<_, Failure>(connection)
        };
        let outcome = tokio::select! {
            outcome = attempt => outcome,
            _ = cycle.cancel.cancelled() => break,
        };
        match outcome {
            // Dropping the connection closes the socket: the cycle's last step.
            Ok(connection) => {
                drop(connection);
                cycle.state.completed.fetch_add(1, Relaxed);
                cycle.state.cycle.lock().record(started.elapsed());
            }
            Err(failure) => {
                cycle.state.failed.fetch_add(1, Relaxed);
                *cycle.state.errors.lock().entry(failure.kind()).or_default() += 1;
                if let Some(explanation) = failure.fatal_explanation(&cycle.target) {
                    cycle.state.fatal.lock().get_or_insert(explanation);
                    cycle.cancel.cancel();
                }
            }
        }
    }
}

fn fill(report: &mut Report, cycle: &Cycle, duration: f64) {
    let completed = cycle.state.completed.load(Relaxed);
    report.cycles = Some(report::Cycles {
        completed,
        failed: cycle.state.failed.load(Relaxed),
        per_second: usage::round3(completed as f64 / duration.max(0.001)).round(),
        member_added: None,
        member_removed: None,
    });
    let latency = cycle.state.cycle.lock().clone();
    if !latency.is_empty() {
        report.cycle_ms = Some(latency.summary());
    }
    for (kind, n) in cycle.state.errors.lock().iter() {
        *report.errors.entry(kind.clone()).or_default() += n;
    }
}
