//! Disconnect cleanup off the socket tasks.
//!
//! A closing socket leaves its channels: presence `member_removed`, subscription counts,
//! webhooks, cluster updates. When thousands of sockets drop at once (a load balancer restart, a
//! network blip), doing all of that on their own tasks keeps the runtime's threads busy while
//! publishes wait behind it. Instead a closing socket hands its cleanup to a few dedicated worker
//! threads, which take it in batches; the runtime stays free to deliver. A socket's queue is
//! dropped before its cleanup is queued, so publishes meanwhile skip it at once.

use crate::config::CleanupConfig;
use crate::metrics::CleanupMetrics;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::mpsc::{self, Receiver, SyncSender, TrySendError};
use std::time::{Duration, Instant};

/// One socket's cleanup.
pub type Job = Box<dyn FnOnce() + Send>;

pub struct CleanupQueue {
    workers: Vec<SyncSender<Job>>,
    next_worker: AtomicUsize,
    /// Further workers a job tries when its first choice is full.
    retries: usize,
    fallback_to_sync: bool,
    metrics: CleanupMetrics,
}

impl CleanupQueue {
    /// Starts the worker threads; `None` when `async_enabled` is off (sockets clean up inline).
    pub fn start(config: &CleanupConfig, metrics: CleanupMetrics) -> Option<CleanupQueue> {
        if !config.async_enabled {
            return None;
        }
        let threads = config.worker_threads.resolve();
        let runtime = tokio::runtime::Handle::try_current().ok();
        let batching = Batching {
            size: config.batch_size.max(1),
            wait: Duration::from_millis(config.batch_timeout_ms),
        };
        let workers = (0..threads)
            .map(|n| {
                let (sender, receiver) = mpsc::sync_channel(config.queue_buffer_size.max(1));
                let metrics = metrics.clone();
                let runtime = runtime.clone();
                std::thread::Builder::new()
                    .name(format!("sockudo-cleanup-{n}"))
                    .spawn(move || {
                        // Cleanup may spawn tasks (webhook retries, cluster sends).
                        let _entered = runtime.as_ref().map(|r| r.enter());
                        work(receiver, batching, &metrics);
                    })
                    .expect("spawn a cleanup thread");
                sender
            })
            .collect();
        Some(CleanupQueue {
            workers,
            next_worker: AtomicUsize::new(0),
            retries: config.max_retry_attempts,
            fallback_to_sync: config.fallback_to_sync,
            metrics,
        })
    }

    /// Hands `job` to a worker. When every worker tried is full, runs it here
    /// (`fallback_to_sync`) or waits for room.
    pub async fn submit(&self, job: Job) {
        self.metrics.pending.inc();
        let first = self.next_worker.fetch_add(1, Ordering::Relaxed);
        let mut job = job;
        for attempt in 0..=self.retries {
            let worker = &self.workers[(first + attempt) % self.workers.len()];
            match worker.try_send(job) {
                Ok(()) => return,
                Err(TrySendError::Full(back) | TrySendError::Disconnected(back)) => job = back,
            }
            tokio::task::yield_now().await;
        }
        if self.fallback_to_sync {
            self.metrics.ran_inline.inc();
            job();
            self.metrics.pending.dec();
            return;
        }
        let worker = self.workers[first % self.workers.len()].clone();
        // A full std channel blocks the sender: wait off the runtime's threads.
        let refused = tokio::task::spawn_blocking(move || worker.send(job).err())
            .await
            .ok()
            .flatten();
        // Only when the worker thread died; the job must still run.
        if let Some(mpsc::SendError(job)) = refused {
            job();
            self.metrics.pending.dec();
        }
    }
}

#[derive(Clone, Copy)]
struct Batching {
    size: usize,
    /// Longest a worker waits for a batch to fill once it has a first job.
    wait: Duration,
}

fn work(jobs: Receiver<Job>, batching: Batching, metrics: &CleanupMetrics) {
    let mut batch = Vec::with_capacity(batching.size);
    while let Ok(first) = jobs.recv() {
        batch.push(first);
        let deadline = Instant::now() + batching.wait;
        while batch.len() < batching.size {
            let left = deadline.saturating_duration_since(Instant::now());
            match jobs.recv_timeout(left) {
                Ok(job) => batch.push(job),
                Err(_) => break,
            }
        }
        let done = batch.len();
        for job in batch.drain(..) {
            job();
        }
        metrics.pending.sub(done as i64);
        metrics.batches.inc();
        // Between batches, let the threads that publish have the core.
        std::thread::yield_now();
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::WorkerThreads;
    use crate::metrics::Metrics;
    use std::sync::{Arc, Mutex};

    fn start(config: &CleanupConfig) -> Option<CleanupQueue> {
        CleanupQueue::start(config, Metrics::new("test_").cleanup)
    }

    fn config(buffer: usize, batch: usize, fallback: bool) -> CleanupConfig {
        CleanupConfig {
            async_enabled: true,
            fallback_to_sync: fallback,
            queue_buffer_size: buffer,
            batch_size: batch,
            batch_timeout_ms: 20,
            worker_threads: WorkerThreads::Count(1),
            max_retry_attempts: 2,
        }
    }

    async fn settle(queue: &CleanupQueue) {
        while queue.metrics.pending.get() > 0 {
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
    }

    #[tokio::test]
    async fn every_job_runs_once_off_the_callers_thread() {
        let queue = start(&config(1000, 25, true)).unwrap();
        let ran = Arc::new(Mutex::new(Vec::new()));
        for n in 0..500 {
            let ran = ran.clone();
            queue
                .submit(Box::new(move || {
                    let thread = std::thread::current().name().map(str::to_owned);
                    ran.lock().unwrap().push((n, thread));
                }))
                .await;
        }
        settle(&queue).await;
        let ran = ran.lock().unwrap();
        let mut order: Vec<_> = ran.iter().map(|(n, _)| *n).collect();
        order.sort_unstable();
        assert_eq!(order, (0..500).collect::<Vec<_>>());
        assert!(ran
            .iter()
            .all(|(_, thread)| thread.as_deref() == Some("sockudo-cleanup-0")));
        assert_eq!(queue.metrics.ran_inline.get(), 0);
        // 500 jobs in batches of at most 25.
        assert!(queue.metrics.batches.get() >= 20);
    }

    /// Blocks the only worker on a job until the returned sender is dropped.
    async fn stall_worker(queue: &CleanupQueue) -> std::sync::mpsc::Sender<()> {
        let (release, wait) = std::sync::mpsc::channel::<()>();
        let (started, running) = std::sync::mpsc::channel();
        queue
            .submit(Box::new(move || {
                started.send(()).unwrap();
                let _ = wait.recv();
            }))
            .await;
        running.recv().unwrap();
        release
    }

    #[tokio::test]
    async fn a_full_queue_falls_back_to_running_inline() {
        let queue = start(&config(2, 25, true)).unwrap();
        let release = stall_worker(&queue).await;
        let count = Arc::new(AtomicUsize::new(0));
        for _ in 0..5 {
            let count = count.clone();
            queue
                .submit(Box::new(move || {
                    count.fetch_add(1, Ordering::Relaxed);
                }))
                .await;
        }
        // Two fit in the queue; the other three ran on this task.
        assert_eq!(count.load(Ordering::Relaxed), 3);
        assert_eq!(queue.metrics.ran_inline.get(), 3);
        drop(release);
        settle(&queue).await;
        assert_eq!(count.load(Ordering::Relaxed), 5);
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn without_fallback_a_full_queue_makes_the_caller_wait() {
        let queue = Arc::new(start(&config(1, 25, false)).unwrap());
        let release = stall_worker(&queue).await;
        let count = Arc::new(AtomicUsize::new(0));
        let submit = |queue: Arc<CleanupQueue>, count: Arc<AtomicUsize>| async move {
            queue
                .submit(Box::new(move || {
                    count.fetch_add(1, Ordering::Relaxed);
                }))
                .await
        };
        submit(queue.clone(), count.clone()).await;
        let waiting = tokio::spawn(submit(queue.clone(), count.clone()));
        tokio::time::sleep(Duration::from_millis(100)).await;
        assert!(
            !waiting.is_finished(),
            "the second job should wait for room"
        );
        assert_eq!(count.load(Ordering::Relaxed), 0);
        drop(release);
        waiting.await.unwrap();
        settle(&queue).await;
        assert_eq!(count.load(Ordering::Relaxed), 2);
        assert_eq!(queue.metrics.ran_inline.get(), 0);
    }

    #[test]
    fn disabled_means_no_queue() {
        let mut disabled = config(10, 10, true);
        disabled.async_enabled = false;
        assert!(start(&disabled).is_none());
    }
}
