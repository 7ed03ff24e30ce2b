//! `idle`: hold N subscribed sockets for `--duration`; with `--server-pid`, the server's resident
//! memory per socket above its baseline before the run.

use super::group::GroupSpec;
use super::report::Report;
use super::{Ramp, Run};
use std::net::IpAddr;
use std::time::Duration;

#[derive(clap::Args, Debug)]
pub struct Args {
    /// Sockets to hold.
    #[arg(long, default_value_t = 1000)]
    pub connections: u64,
    /// Channels they subscribe to, round robin.
    #[arg(long, default_value_t = 100)]
    pub channels: u64,
    #[command(flatten)]
    pub ramp: Ramp,
}

impl Args {
    pub fn group(&self, source_ips: &[IpAddr]) -> GroupSpec {
        GroupSpec {
            count: self.connections,
            offset: 0,
            channels: self.channels.max(1),
            prefix: "bench-idle-".into(),
            rate: self.ramp.rate,
            concurrency: self.ramp.concurrency,
            source_ips: source_ips.to_vec(),
            presence: false,
        }
    }
}

pub async fn run(run: &mut Run, args: &Args) -> anyhow::Result<Report> {
    let mut report = run.new_report(
        "idle",
        serde_json::json!({
            "connections": args.connections, "channels": args.channels,
            "hold_seconds": run.common.duration, "connect_rate": args.ramp.rate,
            "workers": run.common.workers,
        }),
    );
    let group = run.start_group(args.group(&run.source_ips))?;
    run.wait_settled(&group, args.connections).await?;
    let until = tokio::time::Instant::now() + run.duration();
    while tokio::time::Instant::now() < until {
        let p = group.progress();
        run.bar.show(format!(
            "holding: {} subscribed, {} dropped, {} failed",
            p.subscribed.saturating_sub(p.dropped),
            p.dropped,
            p.failed
        ));
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    // Memory is read while every socket is still open.
    let server_now = run.whole.server();
    let partial = run.stop_group(group, args.connections, &mut report).await?;
    if let Some((_, now)) = server_now {
        let held = partial
            .progress
            .subscribed
            .saturating_sub(partial.progress.dropped);
        let before = run.whole.server_rss_before();
        let server = report.server.get_or_insert_with(Default::default);
        server.rss_kib_after = now.rss_kib;
        if held > 0 {
            server.rss_kib_per_socket = Some(
                ((now.rss_kib.saturating_sub(before)) as f64 / held as f64 * 10.0).round() / 10.0,
            );
        }
    }
    Ok(report)
}
