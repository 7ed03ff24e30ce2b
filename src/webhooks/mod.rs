//! Webhooks: tell an app's backend about channels and users, and never lose an event on the way.
//!
//! The path: connections [`Emitter::emit`] events (only those some webhook of the app lists) ->
//! the dispatcher task applies the 3 s grace of `channel_vacated` / `member_removed`
//! ([`debounce`]), picks the webhooks whose filters match ([`routing`]), gathers events per
//! (app, URL) for a short window ([`batch`]) and signs each batch into a [`job::Job`] -> the job
//! waits in a queue ([`queue`]: memory, Redis, or SQS with the `aws` feature) -> a delivery
//! worker holding that queue's lease sends it (to a URL, or to an AWS Lambda function), retrying
//! with backoff ([`delivery`]), and only then removes it.

#[cfg(feature = "aws")]
pub mod aws;
mod batch;
mod debounce;
mod delivery;
mod event;
mod job;
mod queue;
mod routing;

pub use event::WebhookEvent;
pub use queue::{JobQueue, MemoryQueue, Pushed, QueueError, RedisQueue};

use crate::app::App;
use crate::config::{Config, QueueDriver};
use crate::metrics::Metrics;
use crate::throttle::LogThrottle;
use batch::Batcher;
use debounce::Debouncer;
use delivery::{Final, Sender};
use std::collections::HashSet;
use std::sync::Arc;
use std::time::{Duration, Instant};
use tokio::sync::mpsc;
use tokio_util::sync::CancellationToken;

/// The grace before `channel_vacated` and `member_removed` go out.
pub const VACATE_DELAY: Duration = Duration::from_secs(3);
/// Events waiting for the dispatcher; beyond this they are dropped and counted.
const EMIT_BUFFER: usize = 100_000;
/// How long a worker's claim on a queue lasts without renewal.
const LEASE: Duration = Duration::from_secs(10);
/// How often workers look for queues with jobs (pushes from this node wake them at once).
const POLL: Duration = Duration::from_millis(500);

/// Where connections send webhook events. Cheap to clone; a disabled emitter drops everything.
#[derive(Clone)]
pub struct Emitter {
    events: Option<mpsc::Sender<(Arc<App>, WebhookEvent)>>,
    metrics: Option<Metrics>,
    queue: Option<Arc<dyn JobQueue>>,
}

impl Emitter {
    pub fn disabled() -> Emitter {
        Emitter {
            events: None,
            metrics: None,
            queue: None,
        }
    }

    /// On shutdown, after the sockets closed: waits until every emitted event is queued and, for
    /// the in-process queue, delivered, or until `deadline`.
    pub async fn settle(&self, deadline: tokio::time::Instant, durable: bool) {
        let (Some(events), Some(queue)) = (&self.events, &self.queue) else {
            return;
        };
        let durable = durable || queue.durable();
        while tokio::time::Instant::now() < deadline {
            let buffered = events.max_capacity() - events.capacity();
            let waiting = if durable {
                0
            } else {
                queue.depth().await.unwrap_or(0)
            };
            if buffered == 0 && waiting == 0 {
                // One more beat for the dispatcher to push what it just took.
                tokio::time::sleep(Duration::from_millis(100)).await;
                if queue.depth().await.unwrap_or(0) == 0 || durable {
                    return;
                }
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    /// True when `app` has a webhook for events named `name`, or for the event whose grace
    /// `name` cancels (a hook for `channel_vacated` alone still needs `channel_occupied` to
    /// reach the debouncer): lets callers skip building events.
    pub fn wants(&self, app: &App, name: &str) -> bool {
        let cancelled = match name {
            "channel_occupied" => Some("channel_vacated"),
            "member_added" => Some("member_removed"),
            _ => None,
        };
        self.events.is_some()
            && app.webhooks.iter().any(|w| {
                routing::wants_type(w, name) || cancelled.is_some_and(|c| routing::wants_type(w, c))
            })
    }

    pub fn emit(&self, app: &Arc<App>, event: WebhookEvent) {
        let Some(events) = &self.events else { return };
        if !self.wants(app, event.name()) {
            return;
        }
        if events.try_send((app.clone(), event)).is_err() {
            if let Some(metrics) = &self.metrics {
                metrics.webhooks_dropped.with_label_values(&[&app.id]).inc();
            }
            tracing::error!(app_id = %app.id, "webhook buffer full: event dropped");
        }
    }
}

/// Starts the webhook pipeline for `config.queue.driver`; `none` disables webhooks.
pub async fn start(
    config: &Config,
    metrics: Metrics,
    shutdown: CancellationToken,
) -> Result<Emitter, QueueError> {
    let queue: Arc<dyn JobQueue> = match config.queue.driver {
        QueueDriver::None => return Ok(Emitter::disabled()),
        QueueDriver::Redis => {
            let redis = &config.database.redis;
            Arc::new(
                RedisQueue::connect(
                    &redis.connection_url(),
                    &redis.key_prefix,
                    config.queue.max_length,
                )
                .await?,
            )
        }
        #[cfg(feature = "aws")]
        QueueDriver::Sqs => {
            let queue = aws::sqs::SqsQueue::new(&config.queue.sqs).await?;
            queue.check().await?;
            Arc::new(queue)
        }
        _ => Arc::new(MemoryQueue::new(config.queue.max_length)),
    };
    let (tx, rx) = mpsc::channel(EMIT_BUFFER);
    let wake = Arc::new(tokio::sync::Notify::new());
    let batching = &config.webhooks.batching;
    let window = if batching.enabled {
        Duration::from_millis(batching.duration)
    } else {
        Duration::ZERO
    };
    let dispatcher = Dispatcher {
        debouncer: Debouncer::new(VACATE_DELAY),
        batcher: Batcher::new(window, batching.size),
        router: routing::Router::default(),
        queue: queue.clone(),
        wake: wake.clone(),
        metrics: metrics.clone(),
        full_logged: LogThrottle::default(),
    };
    let queue_handle = queue.clone();
    tokio::spawn(dispatcher.run(rx, shutdown));
    let timeout = Duration::from_millis(config.webhooks.request_timeout_ms);
    let sender = Sender::new(timeout, config.webhooks.retry.clone());
    #[cfg(feature = "aws")]
    let sender =
        sender.with_lambda(aws::lambda::Invoker::new(&config.webhooks.lambda, timeout).await);
    let workers = Workers {
        queue,
        sender: Arc::new(sender),
        metrics: metrics.clone(),
        active: Arc::new(parking_lot::Mutex::new(HashSet::new())),
    };
    tokio::spawn(workers.run(wake));
    Ok(Emitter {
        events: Some(tx),
        metrics: Some(metrics),
        queue: Some(queue_handle),
    })
}

struct Dispatcher {
    debouncer: Debouncer,
    batcher: Batcher,
    router: routing::Router,
    queue: Arc<dyn JobQueue>,
    wake: Arc<tokio::sync::Notify>,
    metrics: Metrics,
    /// A full queue is logged once per interval (every drop is counted in the metrics).
    full_logged: LogThrottle,
}

impl Dispatcher {
    /// Runs for the life of the process. Once `shutdown` is cancelled the sockets are closing for
    /// good, so grace periods and batch windows end at once: everything goes straight out.
    async fn run(
        mut self,
        mut events: mpsc::Receiver<(Arc<App>, WebhookEvent)>,
        shutdown: CancellationToken,
    ) {
        loop {
            let flushing = shutdown.is_cancelled();
            let next = [self.debouncer.next_deadline(), self.batcher.next_deadline()]
                .into_iter()
                .flatten()
                .min();
            let sleep = async {
                match next {
                    Some(deadline) => tokio::time::sleep_until(deadline.into()).await,
                    None => std::future::pending().await,
                }
            };
            tokio::select! {
                received = events.recv() => match received {
                    Some((app, event)) => {
                        tracing::debug!(app_id = %app.id, event = event.name(), channel = event.channel(), "webhook event");
                        if let Some((app, event)) = self.debouncer.offer(app, event, Instant::now()) {
                            self.route(&app, &event).await;
                        }
                    }
                    None => return,
                },
                _ = sleep => {}
                _ = shutdown.cancelled(), if !flushing => {}
            }
            let now = (!shutdown.is_cancelled()).then(Instant::now);
            for (app, event) in self.debouncer.due(now) {
                self.route(&app, &event).await;
            }
            for job in self.batcher.due(now) {
                self.enqueue(job).await;
            }
        }
    }

    async fn route(&mut self, app: &Arc<App>, event: &WebhookEvent) {
        let json = event.to_json();
        for webhook in &app.webhooks {
            if self.router.wants(webhook, event) {
                if let Some(job) = self
                    .batcher
                    .push(app, webhook, json.clone(), Instant::now())
                {
                    self.enqueue(job).await;
                }
            }
        }
    }

    async fn enqueue(&mut self, job: job::Job) {
        match self.queue.push(&job).await {
            Ok(Pushed::Queued) => {
                tracing::debug!(app_id = %job.app_id, url = %job.url, "webhook job queued")
            }
            Ok(Pushed::Full) => {
                self.metrics
                    .webhooks_dropped
                    .with_label_values(&[&job.app_id])
                    .inc();
                if self.full_logged.due() {
                    tracing::warn!(
                        app_id = %job.app_id,
                        url = %job.url,
                        "webhook queue full (queue.max_length); dropping new webhooks (counted in webhooks_dropped_total)"
                    );
                }
            }
            Err(error) => {
                tracing::error!(%error, app_id = %job.app_id, url = %job.url, "cannot queue webhook; it is lost")
            }
        }
        self.wake.notify_one();
    }
}

struct Workers {
    queue: Arc<dyn JobQueue>,
    sender: Arc<Sender>,
    metrics: Metrics,
    /// Queues a worker of this process is draining.
    active: Arc<parking_lot::Mutex<HashSet<String>>>,
}

impl Workers {
    /// Runs for the life of the process, so deliveries continue through a graceful shutdown.
    async fn run(self, wake: Arc<tokio::sync::Notify>) {
        let this = Arc::new(self);
        loop {
            match this.queue.queues().await {
                Ok(queues) => {
                    for queue in queues {
                        if this.active.lock().insert(queue.clone()) {
                            tokio::spawn(this.clone().drain(queue));
                        }
                    }
                }
                Err(error) => tracing::warn!(%error, "cannot list webhook queues"),
            }
            if let Ok(depth) = this.queue.depth().await {
                this.metrics.webhook_queue_depth.set(depth as i64);
            }
            tokio::select! {
                _ = wake.notified() => {}
                _ = tokio::time::sleep(POLL) => {}
            }
        }
    }

    /// Delivers `queue`'s jobs in order while holding its lease.
    async fn drain(self: Arc<Self>, queue: String) {
        if let Ok(true) = self.queue.lease(&queue, LEASE).await {
            if let Err(error) = self.drain_leased(&queue).await {
                tracing::warn!(%error, queue, "webhook queue interrupted; it will be retried");
            }
            let _ = self.queue.release(&queue).await;
        }
        self.active.lock().remove(&queue);
    }

    async fn drain_leased(&self, queue: &str) -> Result<(), QueueError> {
        while let Some(job) = self.queue.head(queue).await? {
            let started = Instant::now();
            let app = job.app_id.clone();
            let metrics = self.metrics.clone();
            let renewals = self.queue.clone();
            let delivery = self.sender.deliver(&job, |_| {
                metrics.webhooks_retried.with_label_values(&[&app]).inc();
            });
            // Keep the lease while retries go on, so no other node takes the same job. Once it
            // cannot be renewed another node may hold it: stop, and leave the queue to that one.
            let keep_lease = async {
                loop {
                    tokio::time::sleep(LEASE / 3).await;
                    match renewals.lease(queue, LEASE).await {
                        Ok(true) => {}
                        Ok(false) => return QueueError::new("the queue's lease was lost"),
                        Err(error) => return error,
                    }
                }
            };
            let outcome = tokio::select! {
                outcome = delivery => outcome,
                lost = keep_lease => return Err(lost),
            };
            match outcome {
                Final::Delivered { .. } => {
                    self.metrics.webhooks_sent.with_label_values(&[&app]).inc();
                    self.metrics
                        .webhook_latency
                        .observe(started.elapsed().as_secs_f64());
                }
                Final::Rejected(status) => {
                    tracing::warn!(app_id = %app, url = %job.url, status, "webhook refused; not retried");
                    self.metrics
                        .webhooks_failed
                        .with_label_values(&[&app])
                        .inc();
                }
                Final::GaveUp { attempts } => {
                    tracing::error!(app_id = %app, url = %job.url, attempts, "webhook given up after its retry window");
                    self.metrics
                        .webhooks_failed
                        .with_label_values(&[&app])
                        .inc();
                    self.metrics
                        .webhooks_dropped
                        .with_label_values(&[&app])
                        .inc();
                }
            }
            self.queue.pop(queue).await?;
        }
        Ok(())
    }
}
