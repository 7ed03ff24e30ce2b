//! Past one process's open-files limit: `--workers N` runs N copies of this executable, each
//! holding a share of the sockets, and merges what they measured.
//!
//! The parent starts `sockudo bench <same arguments> --worker --worker-index i --worker-count N`.
//! A worker opens its share of the sockets and prints one JSON line per 250 ms on stdout,
//! `{"progress":{..}}`; on a `stop` line (or end of input) on stdin it closes its sockets and prints
//! `{"result":{..}}` with its histograms in HDR V2 encoding. Publishing stays in the parent, so
//! sequence numbers and accepted counts have one source.

use super::client::Target;
use super::group::{GroupSpec, LocalGroup, Partial, Progress};
use super::usage;
use anyhow::Context;
use serde::{Deserialize, Serialize};
use std::process::Stdio;
use std::sync::Arc;
use std::time::Duration;
use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
use tokio::process::{Child, ChildStdin};

#[derive(Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
enum Line {
    Progress(Progress),
    Result(Box<Partial>),
}

/// The share of `spec` that worker `index` of `count` holds.
pub fn share(spec: &GroupSpec, index: u32, count: u32) -> GroupSpec {
    let (index, count) = (u64::from(index), u64::from(count.max(1)));
    let base = spec.count / count;
    let extra = spec.count % count;
    let mut share = spec.clone();
    share.count = base + u64::from(index < extra);
    share.offset = spec.offset + index * base + index.min(extra);
    share.rate = spec.rate / count as f64;
    share.concurrency = (spec.concurrency / count as usize).max(1);
    share
}

/// Runs in a worker process: hold a share of the group until told to stop.
pub async fn serve(target: Target, spec: GroupSpec) -> anyhow::Result<()> {
    let window = usage::Window::start(None);
    let group = LocalGroup::start(target, spec);
    let shared = group.shared.clone();
    let reporter = tokio::spawn(async move {
        let mut tick = tokio::time::interval(Duration::from_millis(250));
        loop {
            tick.tick().await;
            print_line(&Line::Progress(shared.progress()));
        }
    });
    let mut stdin = BufReader::new(tokio::io::stdin()).lines();
    while let Ok(Some(line)) = stdin.next_line().await {
        if line.trim() == "stop" {
            break;
        }
    }
    reporter.abort();
    let own = window.own();
    let partial = group.stop(own.seconds, window.elapsed_secs()).await;
    print_line(&Line::Result(Box::new(partial)));
    Ok(())
}

fn print_line(line: &Line) {
    if let Ok(text) = serde_json::to_string(line) {
        println!("{text}");
    }
}

struct Worker {
    child: Child,
    stdin: Option<ChildStdin>,
    progress: Arc<parking_lot::Mutex<Progress>>,
    result: tokio::sync::oneshot::Receiver<Partial>,
}

/// Worker processes holding one group between them.
pub struct RemoteGroup {
    workers: Vec<Worker>,
}

impl RemoteGroup {
    /// Starts `count` workers with this process's arguments minus `--workers`/`--json`.
    pub fn spawn(count: u32) -> anyhow::Result<RemoteGroup> {
        let exe = std::env::current_exe().context("cannot find the sockudo executable")?;
        let args = worker_args(std::env::args().skip(1));
        let mut workers = Vec::new();
        for index in 0..count {
            let mut child = tokio::process::Command::new(&exe)
                .args(&args)
                .args([
                    "--worker".to_owned(),
                    "--worker-index".to_owned(),
                    index.to_string(),
                    "--worker-count".to_owned(),
                    count.to_string(),
                ])
                .stdin(Stdio::piped())
                .stdout(Stdio::piped())
                .stderr(Stdio::inherit())
                .kill_on_drop(true)
                .spawn()
                .with_context(|| format!("cannot start worker process {}", exe.display()))?;
            let stdout = child.stdout.take().context("worker stdout")?;
            let progress = Arc::new(parking_lot::Mutex::new(Progress::default()));
            let (tx, result) = tokio::sync::oneshot::channel();
            let latest = progress.clone();
            tokio::spawn(async move {
                let mut lines = BufReader::new(stdout).lines();
                let mut tx = Some(tx);
                while let Ok(Some(line)) = lines.next_line().await {
                    match serde_json::from_str::<Line>(&line) {
                        Ok(Line::Progress(p)) => *latest.lock() = p,
                        Ok(Line::Result(partial)) => {
                            if let Some(tx) = tx.take() {
                                let _ = tx.send(*partial);
                            }
                        }
                        Err(_) => eprintln!("worker {index}: {line}"),
                    }
                }
            });
            workers.push(Worker {
                stdin: child.stdin.take(),
                child,
                progress,
                result,
            });
        }
        Ok(RemoteGroup { workers })
    }

    /// The workers' latest progress, summed; settled when every worker is.
    pub fn progress(&self) -> Progress {
        let mut total = Progress {
            settled: true,
            ..Default::default()
        };
        for worker in &self.workers {
            let p = worker.progress.lock();
            total.add(&p);
            total.settled &= p.settled;
        }
        total
    }

    pub async fn stop(mut self) -> anyhow::Result<Partial> {
        for worker in &mut self.workers {
            if let Some(mut stdin) = worker.stdin.take() {
                let _ = stdin.write_all(b"stop\n").await;
            }
        }
        let mut merged: Option<Partial> = None;
        for (index, worker) in self.workers.into_iter().enumerate() {
            let partial = tokio::time::timeout(Duration::from_secs(60), worker.result)
                .await
                .ok()
                .and_then(Result::ok)
                .with_context(|| format!("worker {index} did not report its result"))?;
            let mut child = worker.child;
            let _ = tokio::time::timeout(Duration::from_secs(10), child.wait()).await;
            match merged.as_mut() {
                Some(m) => m.merge(partial),
                None => merged = Some(partial),
            }
        }
        merged.context("no workers")
    }
}

/// This process's arguments for a worker: everything but `--workers N` and `--json`.
pub fn worker_args(args: impl Iterator<Item = String>) -> Vec<String> {
    let mut out = Vec::new();
    let mut skip_next = false;
    for arg in args {
        if skip_next {
            skip_next = false;
            continue;
        }
        if arg == "--workers" {
            skip_next = true;
            continue;
        }
        if arg.starts_with("--workers=") || arg == "--json" {
            continue;
        }
        out.push(arg);
    }
    out
}
