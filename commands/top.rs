//! `sockudo top`: the live dashboard, or one snapshot for scripts (`--once --json`).

use crate::store::{self, UsageError};
use anyhow::Context;
use sockudo_tui::Options;
use std::io::IsTerminal;
use std::path::Path;
use std::time::Duration;

#[derive(clap::Args)]
pub struct Args {
    /// The server's metrics listener (default: from the config's metrics.host/port, on loopback).
    #[arg(long)]
    url: Option<String>,
    /// Bearer token for /stats (default: the config's metrics.stats_token).
    #[arg(long, env = "SOCKUDO_STATS_TOKEN", hide_env_values = true)]
    token: Option<String>,
    /// Start with this app selected (the `a` key changes it).
    #[arg(long)]
    app: Option<String>,
    /// Seconds between snapshots.
    #[arg(long, default_value_t = 1.0)]
    interval: f64,
    /// Print one snapshot and exit.
    #[arg(long)]
    once: bool,
    /// With --once: print the snapshot as JSON.
    #[arg(long, requires = "once")]
    json: bool,
}

pub fn run(file: Option<&Path>, args: Args) -> anyhow::Result<()> {
    let config = store::load_config(file)?;
    if !(0.1..=3600.0).contains(&args.interval) {
        return Err(UsageError("--interval must be between 0.1 and 3600 seconds".into()).into());
    }
    let url = args.url.unwrap_or_else(|| {
        let host = match config.metrics.host.as_str() {
            "0.0.0.0" | "::" | "" => "127.0.0.1",
            host => host,
        };
        format!("http://{host}:{}", config.metrics.port)
    });
    let options = Options {
        url,
        token: args.token.or(config.metrics.stats_token),
        interval: Duration::from_secs_f64(args.interval),
        app: args.app,
    };
    let runtime = tokio::runtime::Runtime::new().context("cannot start the async runtime")?;
    if args.once {
        let snapshot = runtime
            .block_on(sockudo_tui::once(&options))
            .with_context(|| format!("cannot read stats from {}", options.url))?;
        if args.json {
            println!("{}", serde_json::to_string_pretty(&snapshot)?);
        } else {
            println!(
                "{} connections, {} channels listed, {} messages out, {} node(s), up {} s",
                snapshot.connections,
                snapshot.channels.len(),
                snapshot.totals.messages_out,
                snapshot.nodes,
                snapshot.uptime_secs
            );
        }
        return Ok(());
    }
    if !std::io::stdout().is_terminal() {
        return Err(UsageError(
            "the dashboard needs a terminal; use --once --json in scripts".into(),
        )
        .into());
    }
    runtime.block_on(sockudo_tui::run(options))
}
