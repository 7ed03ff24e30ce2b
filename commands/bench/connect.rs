//! `connect`: ramp N connections, each subscribing to one of C channels; time to connected and to
//! subscribed. With `--hold`, keep them open a while before closing.

use super::group::GroupSpec;
use super::report::Report;
use super::{Ramp, Run};
use std::net::IpAddr;
use std::time::Duration;

#[derive(clap::Args, Debug)]
pub struct Args {
    /// Connections to open.
    #[arg(long, default_value_t = 1000)]
    pub connections: u64,
    /// Channels they subscribe to, round robin.
    #[arg(long, default_value_t = 10)]
    pub channels: u64,
    /// Seconds to keep them open once all are subscribed.
    #[arg(long, default_value_t = 0.0)]
    pub hold: f64,
    #[command(flatten)]
    pub ramp: Ramp,
}

impl Args {
    pub fn group(&self, source_ips: &[IpAddr]) -> GroupSpec {
        GroupSpec {
            count: self.connections,
            offset: 0,
            channels: self.channels.max(1),
            prefix: "bench-".into(),
            rate: self.ramp.rate,
            concurrency: self.ramp.concurrency,
            source_ips: source_ips.to_vec(),
            presence: false,
        }
    }
}

pub async fn run(run: &mut Run, args: &Args) -> anyhow::Result<Report> {
    let mut report = run.new_report(
        "connect",
        serde_json::json!({
            "connections": args.connections, "channels": args.channels, "hold": args.hold,
            "connect_rate": args.ramp.rate, "connect_concurrency": args.ramp.concurrency,
            "workers": run.common.workers,
        }),
    );
    let group = run.start_group(args.group(&run.source_ips))?;
    run.wait_settled(&group, args.connections).await?;
    if args.hold > 0.0 {
        let until = tokio::time::Instant::now() + Duration::from_secs_f64(args.hold);
        while tokio::time::Instant::now() < until {
            let p = group.progress();
            run.bar.show(format!(
                "holding: {} subscribed, {} dropped",
                p.subscribed, p.dropped
            ));
            tokio::time::sleep(Duration::from_millis(200)).await;
        }
    }
    let server_now = run.whole.server();
    run.stop_group(group, args.connections, &mut report).await?;
    if let Some((_, now)) = server_now {
        report
            .server
            .get_or_insert_with(Default::default)
            .rss_kib_after = now.rss_kib;
    }
    Ok(report)
}
