//! `fanout` (N subscribers over C channels, a paced publisher) and `publish` (a closed-loop
//! publisher at concurrency K, one subscriber): the same measurement with different shapes.
//!
//! Subscribers all subscribe before the first publish. After publishing stops, the run drains until
//! every owed message arrived or `--drain` seconds passed; whatever is still missing is lost.

use super::client::Target;
use super::group::{GroupSpec, Partial};
use super::publisher::{self, PublishSpec, PublishState};
use super::report::{self, Report};
use super::tracker;
use super::usage;
use super::{Ramp, Run};
use std::net::IpAddr;
use std::sync::atomic::Ordering::Relaxed;
use std::sync::Arc;
use std::time::Duration;
use tokio_util::sync::CancellationToken;

#[derive(clap::Args, Debug)]
pub struct FanoutArgs {
    /// Subscribed sockets.
    #[arg(long, default_value_t = 1000)]
    pub subscribers: u64,
    /// Channels, subscribers spread round robin; publishes go round robin too.
    #[arg(long, default_value_t = 10)]
    pub channels: u64,
    /// Publishes per second, all channels together.
    #[arg(long, default_value_t = 100.0)]
    pub rate: f64,
    /// Bytes of each event's data.
    #[arg(long, default_value_t = 200)]
    pub payload: usize,
    /// Keep-alive HTTP connections publishing.
    #[arg(long, default_value_t = 4)]
    pub publishers: usize,
    /// Seconds to wait for owed messages after publishing stops.
    #[arg(long, default_value_t = 5.0)]
    pub drain: f64,
    /// Publish through this server instead of --url (subscribers stay on --url): measures
    /// fan-out across the nodes of a cluster.
    #[arg(long, value_name = "URL")]
    pub publish_url: Option<String>,
    #[command(flatten)]
    pub ramp: Ramp,
}

impl FanoutArgs {
    pub fn group(&self, source_ips: &[IpAddr]) -> GroupSpec {
        GroupSpec {
            count: self.subscribers,
            offset: 0,
            channels: self.channels.max(1),
            prefix: "bench-fanout-".into(),
            rate: self.ramp.rate,
            concurrency: self.ramp.concurrency,
            source_ips: source_ips.to_vec(),
            presence: false,
        }
    }
}

#[derive(clap::Args, Debug)]
pub struct PublishArgs {
    /// Requests in flight at once, one keep-alive connection each.
    #[arg(long, default_value_t = 32)]
    pub concurrency: usize,
    /// Bytes of each event's data.
    #[arg(long, default_value_t = 200)]
    pub payload: usize,
    /// Seconds to wait for owed messages after publishing stops.
    #[arg(long, default_value_t = 5.0)]
    pub drain: f64,
}

pub async fn run_fanout(run: &mut Run, args: &FanoutArgs) -> anyhow::Result<Report> {
    if args.rate <= 0.0 {
        return Err(crate::store::UsageError("--rate must be above 0".into()).into());
    }
    let report = run.new_report(
        "fanout",
        serde_json::json!({
            "subscribers": args.subscribers, "channels": args.channels, "rate": args.rate,
            "payload": args.payload, "publishers": args.publishers, "duration": run.common.duration,
            "drain": args.drain, "workers": run.common.workers,
            "publish_url": args.publish_url.as_deref().unwrap_or(&run.target.url),
        }),
    );
    let publish_target = match &args.publish_url {
        Some(url) => Target::resolve(
            url,
            run.target.app_id.clone(),
            run.target.key.clone(),
            run.target.secret.clone(),
        )
        .await
        .map_err(|e| crate::store::UsageError(format!("--publish-url: {e:#}")))?,
        None => run.target.clone(),
    };
    let spec = args.group(&run.source_ips);
    let publish = PublishSpec {
        channels: (0..spec.channels).map(|c| spec.channel_name(c)).collect(),
        rate: args.rate,
        duration: run.duration(),
        payload: args.payload,
        connections: args.publishers.max(1),
        ticker_symbols: None,
    };
    measure(run, report, spec, publish_target, publish, args.drain).await
}

pub async fn run_publish(run: &mut Run, args: &PublishArgs) -> anyhow::Result<Report> {
    let report = run.new_report(
        "publish",
        serde_json::json!({
            "concurrency": args.concurrency, "payload": args.payload,
            "duration": run.common.duration, "drain": args.drain, "subscribers": 1,
        }),
    );
    let spec = GroupSpec {
        count: 1,
        offset: 0,
        channels: 1,
        prefix: "bench-publish-".into(),
        rate: 0.0,
        concurrency: 1,
        source_ips: run.source_ips.clone(),
        presence: false,
    };
    let publish = PublishSpec {
        channels: vec![spec.channel_name(0)],
        rate: 0.0,
        duration: run.duration(),
        payload: args.payload,
        connections: args.concurrency.max(1),
        ticker_symbols: None,
    };
    let target = run.target.clone();
    measure(run, report, spec, target, publish, args.drain).await
}

async fn measure(
    run: &mut Run,
    mut report: Report,
    spec: GroupSpec,
    publish_target: Target,
    publish: PublishSpec,
    drain: f64,
) -> anyhow::Result<Report> {
    let requested = spec.count;
    let group = run.start_group(spec)?;
    let ready = run.wait_settled(&group, requested).await?;
    if ready.subscribed == 0 {
        let partial = group.stop(run).await?;
        anyhow::bail!(
            "no subscriber got subscribed ({}), nothing to measure",
            describe_errors(&partial)
        );
    }

    // The measured window: publishing plus drain.
    let window = usage::Window::start(run.common.server_pid);
    let state = Arc::new(PublishState::new(publish.channels.len()));
    let cancel = CancellationToken::new();
    let publishing = tokio::spawn(publisher::run(
        Arc::new(publish_target),
        Arc::new(publish),
        state.clone(),
        cancel.clone(),
    ));
    while !publishing.is_finished() {
        let p = group.progress();
        run.bar.show(format!(
            "publishing: {} accepted, {} failed; {} delivered, {} dropped sockets",
            state.accepted.load(Relaxed),
            state.failed.load(Relaxed),
            p.delivered,
            p.dropped
        ));
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let publish_time = publishing.await.unwrap_or_default();
    let fatal = state.fatal.lock().clone();
    if let Some(fatal) = fatal {
        let _ = group.stop(run).await;
        anyhow::bail!(fatal);
    }

    let drain_until = tokio::time::Instant::now() + Duration::from_secs_f64(drain.max(0.0));
    let accepted = state.accepted_per_channel();
    loop {
        let p = group.progress();
        let expected = expected(&p.channel_subscribers, &accepted);
        run.bar.show(format!(
            "draining: {} of {} owed messages received",
            p.unique, expected
        ));
        if p.unique >= expected || tokio::time::Instant::now() >= drain_until {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let measured_secs = window.elapsed_secs();
    if run.common.workers <= 1 {
        report.cpu.bench_measured = Some(window.own());
    }
    let server_measured = window.server();

    let partial = run.stop_group(group, requested, &mut report).await?;
    let p = &partial.progress;
    let channels: Vec<(u64, u64, u64)> = accepted
        .iter()
        .enumerate()
        .map(|(c, &acc)| {
            let subs = p.channel_subscribers.get(c).copied().unwrap_or(0);
            let unique = p.channel_unique.get(c).copied().unwrap_or(0);
            (subs, acc, unique)
        })
        .collect();
    let expected_total: u64 = channels.iter().map(|(s, a, _)| s * a).sum();
    let lost = tracker::lost(&channels);
    let publish_secs = publish_time.as_secs_f64();
    report.publishes = Some(report::Publishes {
        sent: state.sent.load(Relaxed),
        accepted: state.accepted.load(Relaxed),
        failed: state.failed.load(Relaxed),
        seconds: usage::round3(publish_secs),
        accepted_per_second: rate(state.accepted.load(Relaxed), publish_secs),
        late: state.late.load(Relaxed),
    });
    report.deliveries = Some(report::Deliveries {
        expected: expected_total,
        delivered: p.delivered,
        unique: p.unique,
        lost,
        duplicates: p.duplicates,
        per_second: rate(p.delivered, measured_secs),
        bytes: p.bytes,
    });
    if !partial.latency.is_empty() {
        report.latency_ms = Some(partial.latency.summary());
    }
    let http = state.http.lock().clone();
    if !http.is_empty() {
        report.http_ms = Some(http.summary());
    }
    for (kind, n) in state.errors.lock().iter() {
        *report.errors.entry(kind.clone()).or_default() += n;
    }
    if let Some((cpu, now)) = server_measured {
        let server = report.server.get_or_insert_with(Default::default);
        server.measured_cpu = Some(cpu);
        server.rss_kib_after = now.rss_kib;
        if p.delivered > 0 {
            server.cpu_seconds_per_million_deliveries =
                Some(usage::round3(cpu.seconds / (p.delivered as f64 / 1e6)));
        }
    }
    if state.late.load(Relaxed) > 0 {
        report.warnings.push(format!(
            "{} publishes went out more than 10 ms late: the publisher could not keep the rate \
             (server answers too slow for --publishers, or the generator is saturated)",
            state.late.load(Relaxed)
        ));
    }
    Ok(report)
}

/// Messages owed: Σ subscribers(channel) × accepted(channel).
pub fn expected(channel_subscribers: &[u64], accepted: &[u64]) -> u64 {
    channel_subscribers
        .iter()
        .zip(accepted)
        .map(|(s, a)| s * a)
        .sum()
}

fn rate(count: u64, seconds: f64) -> f64 {
    if seconds > 0.0 {
        (count as f64 / seconds).round()
    } else {
        0.0
    }
}

fn describe_errors(partial: &Partial) -> String {
    if let Some(fatal) = &partial.fatal {
        return fatal.clone();
    }
    let mut kinds: Vec<_> = partial.errors.iter().collect();
    kinds.sort_by(|a, b| b.1.cmp(a.1));
    match kinds.first() {
        Some((kind, n)) => format!("{n} x {kind}"),
        None => "no error reported".into(),
    }
}
