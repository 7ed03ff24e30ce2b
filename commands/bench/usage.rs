//! CPU and memory of the generator itself and of the server, so a report can tell which one was
//! the limit. The server is read from `/proc/<pid>` when it runs on the same host.

use serde::Serialize;
use std::time::Instant;

/// CPU seconds (user + system) this process has used, plus those of its children that were waited
/// for (the worker processes, once they exit).
pub fn own_cpu_seconds() -> (f64, f64) {
    (rusage(libc::RUSAGE_SELF), rusage(libc::RUSAGE_CHILDREN))
}

fn rusage(who: libc::c_int) -> f64 {
    // SAFETY: getrusage writes into the struct we pass and nothing else.
    let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
    if unsafe { libc::getrusage(who, &mut usage) } != 0 {
        return 0.0;
    }
    let secs = |t: libc::timeval| t.tv_sec as f64 + t.tv_usec as f64 / 1e6;
    secs(usage.ru_utime) + secs(usage.ru_stime)
}

/// One reading of a process: CPU seconds so far and resident memory.
#[derive(Debug, Clone, Copy)]
pub struct ProcSample {
    pub cpu_seconds: f64,
    pub rss_kib: u64,
}

/// Reads `/proc/<pid>/stat` (utime + stime) and `/proc/<pid>/status` (VmRSS).
pub fn sample_pid(pid: u32) -> Option<ProcSample> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    // The command name may contain spaces and parentheses: fields start after the last ')'.
    let rest = &stat[stat.rfind(')')? + 2..];
    let fields: Vec<&str> = rest.split_whitespace().collect();
    // Fields 14 and 15 of stat(5); `rest` starts at field 3.
    let utime: f64 = fields.get(11)?.parse().ok()?;
    let stime: f64 = fields.get(12)?.parse().ok()?;
    // SAFETY: sysconf only reads a constant.
    let ticks = unsafe { libc::sysconf(libc::_SC_CLK_TCK) }.max(1) as f64;
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    let rss_kib = status
        .lines()
        .find_map(|line| line.strip_prefix("VmRSS:"))
        .and_then(|v| v.split_whitespace().next())
        .and_then(|v| v.parse().ok())
        .unwrap_or(0);
    Some(ProcSample {
        cpu_seconds: (utime + stime) / ticks,
        rss_kib,
    })
}

/// Watches the server (when its pid is known) and this process over one window of time.
pub struct Window {
    started: Instant,
    own_start: f64,
    server_pid: Option<u32>,
    server_start: Option<ProcSample>,
}

/// CPU used over a window, in seconds and in cores (seconds per wall second).
#[derive(Debug, Clone, Copy, Serialize, Default)]
pub struct CpuUse {
    pub seconds: f64,
    pub cores: f64,
}

impl Window {
    pub fn start(server_pid: Option<u32>) -> Window {
        let (own, _) = own_cpu_seconds();
        Window {
            started: Instant::now(),
            own_start: own,
            server_pid,
            server_start: server_pid.and_then(sample_pid),
        }
    }

    pub fn elapsed_secs(&self) -> f64 {
        self.started.elapsed().as_secs_f64()
    }

    /// CPU this process used since the window started.
    pub fn own(&self) -> CpuUse {
        let (own, _) = own_cpu_seconds();
        cpu_use(own - self.own_start, self.elapsed_secs())
    }

    /// The server's resident memory when the window started (0 when unknown).
    pub fn server_rss_before(&self) -> u64 {
        self.server_start.map(|s| s.rss_kib).unwrap_or(0)
    }

    /// The server's CPU since the window started and its memory now.
    pub fn server(&self) -> Option<(CpuUse, ProcSample)> {
        let start = self.server_start?;
        let now = sample_pid(self.server_pid?)?;
        Some((
            cpu_use(now.cpu_seconds - start.cpu_seconds, self.elapsed_secs()),
            now,
        ))
    }
}

pub fn cpu_use(seconds: f64, wall: f64) -> CpuUse {
    CpuUse {
        seconds: round3(seconds),
        cores: if wall > 0.0 {
            round3(seconds / wall)
        } else {
            0.0
        },
    }
}

pub fn round3(value: f64) -> f64 {
    (value * 1000.0).round() / 1000.0
}
