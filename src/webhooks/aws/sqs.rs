//! The `sqs` queue driver: webhook jobs wait in an Amazon SQS queue (through `aws-sdk-sqs`).
//!
//! How the [`JobQueue`] calls map onto SQS:
//! - `push` is `SendMessage`; on a FIFO queue (URL ending in `.fifo`) with `MessageGroupId` =
//!   the job's queue key (one per app and URL) and a random deduplication id.
//! - `queues` is `ReceiveMessage` (up to 10, long polling when this node holds nothing): received
//!   messages are held here, per queue key, in the order SQS gave them; the keys held are the
//!   queues to work.
//! - The lease is SQS's own: a received message stays invisible to every other consumer for the
//!   visibility timeout, which `lease` renews (`ChangeMessageVisibility`) while a delivery retries.
//!   On a FIFO queue SQS also hands out no later message of a group while one is in flight, so a
//!   URL's jobs go one at a time, in order, across all nodes.
//! - `head` is the oldest held message of the key (receiving more when none is held), `pop` is
//!   `DeleteMessage`.
//! - `depth` is `ApproximateNumberOfMessages` + `ApproximateNumberOfMessagesNotVisible`.

use crate::aws::{error_text, sdk_config, Settings};
use crate::config::SqsConfig;
use crate::webhooks::job::Job;
use crate::webhooks::queue::{JobQueue, Pushed, QueueError};
use async_trait::async_trait;
use aws_sdk_sqs::types::QueueAttributeName;
use aws_sdk_sqs::Client;
use parking_lot::Mutex;
use std::collections::{HashMap, HashSet, VecDeque};
use std::time::Duration;

/// Most messages one `ReceiveMessage` may return.
const RECEIVE_BATCH: i32 = 10;

/// Whole seconds, as SQS takes them.
fn seconds(duration: Duration) -> i32 {
    i32::try_from(duration.as_secs()).unwrap_or(i32::MAX)
}

/// A failed SQS call as a queue error that names the action and every cause.
fn failed(action: &str, error: &(dyn std::error::Error + 'static)) -> QueueError {
    QueueError::new(format!("SQS {action}: {}", error_text(error)))
}

/// The AWS settings of the `sqs` section. The region defaults to the one an AWS queue URL
/// names; the endpoint to the queue URL's own origin when it is not AWS's (a local server).
fn settings(config: &SqsConfig, timeout: Duration) -> Result<Settings, String> {
    let queue_url = reqwest::Url::parse(&config.queue_url)
        .map_err(|e| format!("queue.sqs.queue_url {:?}: {e}", config.queue_url))?;
    let region = config
        .region
        .clone()
        .filter(|r| !r.is_empty())
        .or_else(|| region_of(&queue_url));
    let endpoint_url = match config.endpoint_url.as_deref().filter(|e| !e.is_empty()) {
        Some(endpoint) => Some(endpoint.to_owned()),
        None if is_aws(&queue_url) => None,
        None => {
            let mut origin = queue_url.clone();
            origin.set_path("/");
            origin.set_query(None);
            Some(origin.to_string())
        }
    };
    Ok(Settings {
        region,
        endpoint_url,
        access_key_id: config.access_key_id.clone(),
        secret_access_key: config.secret_access_key.clone(),
        session_token: config.session_token.clone(),
        profile: None,
        attempt_timeout: Some(timeout),
        sdk_retries: true,
    })
}

fn is_aws(url: &reqwest::Url) -> bool {
    url.host_str()
        .is_some_and(|host| host.ends_with(".amazonaws.com"))
}

/// `sqs.{region}.amazonaws.com` names its region.
fn region_of(url: &reqwest::Url) -> Option<String> {
    let host = url.host_str()?;
    let mut parts = host.split('.');
    (parts.next() == Some("sqs"))
        .then(|| parts.next())
        .flatten()
        .filter(|r| is_aws(url) && !r.is_empty())
        .map(str::to_owned)
}

/// A message this node received and has not deleted yet.
struct Held {
    message_id: String,
    receipt: String,
    job: Job,
}

pub struct SqsQueue {
    client: Client,
    queue_url: String,
    fifo: bool,
    visibility: Duration,
    wait: Duration,
    /// Received messages per queue key, oldest first.
    held: Mutex<HashMap<String, VecDeque<Held>>>,
    /// Keys a worker of this node is draining (the lease is SQS's visibility timeout).
    leased: Mutex<HashSet<String>>,
}

impl SqsQueue {
    pub async fn new(config: &SqsConfig) -> Result<SqsQueue, QueueError> {
        // Leases are renewed every 3.3 s (a third of the workers' 10 s lease): keep a margin.
        let visibility = Duration::from_secs(config.visibility_timeout.max(5));
        let wait = Duration::from_secs(config.wait_time_seconds.min(20));
        // A long poll must be able to finish inside the request timeout.
        let settings = settings(config, wait + Duration::from_secs(10)).map_err(QueueError::new)?;
        Ok(SqsQueue {
            fifo: config.queue_url.ends_with(".fifo"),
            client: Client::new(&sdk_config(&settings).await),
            queue_url: config.queue_url.clone(),
            visibility,
            wait,
            held: Mutex::default(),
            leased: Mutex::default(),
        })
    }

    /// Checks the queue answers (and that the credentials work) at startup.
    pub async fn check(&self) -> Result<(), QueueError> {
        self.depth().await.map(|_| ())
    }

    /// One `ReceiveMessage`; what it returns joins the held messages.
    async fn receive(&self, wait: Duration) -> Result<(), QueueError> {
        let answer = self
            .client
            .receive_message()
            .queue_url(&self.queue_url)
            .max_number_of_messages(RECEIVE_BATCH)
            .visibility_timeout(seconds(self.visibility))
            .wait_time_seconds(seconds(wait))
            .send()
            .await
            .map_err(|e| failed("ReceiveMessage", &e))?;
        for message in answer.messages() {
            let message_id = message.message_id().unwrap_or_default().to_owned();
            let receipt = message.receipt_handle().unwrap_or_default().to_owned();
            let body = message.body().unwrap_or_default();
            let job: Job = match serde_json::from_str(body) {
                Ok(job) => job,
                Err(error) => {
                    // A job we cannot read would come back forever: drop it, loudly.
                    tracing::error!(%error, message_id, "dropping an unreadable webhook job from SQS");
                    self.delete(&receipt).await?;
                    continue;
                }
            };
            let mut held = self.held.lock();
            let jobs = held.entry(job.queue_key()).or_default();
            match jobs.iter_mut().find(|h| h.message_id == message_id) {
                // Received again (its visibility lapsed): only the newest receipt deletes it.
                Some(again) => again.receipt = receipt,
                None => jobs.push_back(Held {
                    message_id,
                    receipt,
                    job,
                }),
            }
        }
        Ok(())
    }

    async fn delete(&self, receipt: &str) -> Result<(), QueueError> {
        self.client
            .delete_message()
            .queue_url(&self.queue_url)
            .receipt_handle(receipt)
            .send()
            .await
            .map_err(|e| failed("DeleteMessage", &e))?;
        Ok(())
    }

    fn held_keys(&self) -> Vec<String> {
        self.held
            .lock()
            .iter()
            .filter(|(_, jobs)| !jobs.is_empty())
            .map(|(key, _)| key.clone())
            .collect()
    }
}

#[async_trait]
impl JobQueue for SqsQueue {
    async fn push(&self, job: &Job) -> Result<Pushed, QueueError> {
        let body = serde_json::to_string(job).map_err(|e| QueueError::new(e.to_string()))?;
        let mut request = self
            .client
            .send_message()
            .queue_url(&self.queue_url)
            .message_body(body);
        if self.fifo {
            request = request
                .message_group_id(job.queue_key())
                .message_deduplication_id(hex::encode(rand::random::<[u8; 16]>()));
        }
        // SQS bounds its own queues (and bills for them): no length check here.
        request
            .send()
            .await
            .map_err(|e| failed("SendMessage", &e))?;
        Ok(Pushed::Queued)
    }

    async fn queues(&self) -> Result<Vec<String>, QueueError> {
        // Long-poll only when there is nothing to work on; otherwise a quick look for more.
        let wait = if self.held_keys().is_empty() {
            self.wait
        } else {
            Duration::ZERO
        };
        self.receive(wait).await?;
        Ok(self.held_keys())
    }

    async fn lease(&self, queue: &str, ttl: Duration) -> Result<bool, QueueError> {
        let receipts: Vec<String> = match self.held.lock().get(queue) {
            Some(jobs) if !jobs.is_empty() => jobs.iter().map(|h| h.receipt.clone()).collect(),
            _ => return Ok(false),
        };
        if self.leased.lock().insert(queue.to_owned()) {
            // Just received: the visibility timeout already covers it.
            return Ok(true);
        }
        let visibility = seconds(ttl.max(self.visibility));
        for receipt in receipts {
            self.client
                .change_message_visibility()
                .queue_url(&self.queue_url)
                .receipt_handle(receipt)
                .visibility_timeout(visibility)
                .send()
                .await
                .map_err(|e| failed("ChangeMessageVisibility", &e))?;
        }
        Ok(true)
    }

    async fn release(&self, queue: &str) -> Result<(), QueueError> {
        // Messages still held (a drain cut short) stay held: the next drain of this key takes
        // them while they are invisible, and SQS hands them out again if this node dies.
        self.leased.lock().remove(queue);
        Ok(())
    }

    async fn head(&self, queue: &str) -> Result<Option<Job>, QueueError> {
        let held = |this: &Self| {
            this.held
                .lock()
                .get(queue)
                .and_then(|jobs| jobs.front().map(|h| h.job.clone()))
        };
        if let Some(job) = held(self) {
            return Ok(Some(job));
        }
        self.receive(Duration::ZERO).await?;
        Ok(held(self))
    }

    async fn pop(&self, queue: &str) -> Result<(), QueueError> {
        let first = self
            .held
            .lock()
            .get_mut(queue)
            .and_then(VecDeque::pop_front);
        match first {
            Some(first) => self.delete(&first.receipt).await,
            None => Ok(()),
        }
    }

    async fn depth(&self) -> Result<usize, QueueError> {
        let answer = self
            .client
            .get_queue_attributes()
            .queue_url(&self.queue_url)
            .attribute_names(QueueAttributeName::ApproximateNumberOfMessages)
            .attribute_names(QueueAttributeName::ApproximateNumberOfMessagesNotVisible)
            .send()
            .await
            .map_err(|e| failed("GetQueueAttributes", &e))?;
        let count = |name: QueueAttributeName| {
            answer
                .attributes()
                .and_then(|attributes| attributes.get(&name))
                .and_then(|value| value.parse::<usize>().ok())
                .unwrap_or(0)
        };
        Ok(count(QueueAttributeName::ApproximateNumberOfMessages)
            + count(QueueAttributeName::ApproximateNumberOfMessagesNotVisible))
    }

    fn durable(&self) -> bool {
        true
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn regions_come_from_aws_queue_urls() {
        let url = |u: &str| reqwest::Url::parse(u).unwrap();
        assert_eq!(
            region_of(&url("https://sqs.eu-west-1.amazonaws.com/123/q.fifo")).as_deref(),
            Some("eu-west-1")
        );
        assert_eq!(region_of(&url("http://127.0.0.1:4566/123/q")), None);
    }

    #[test]
    fn the_endpoint_is_the_queue_urls_origin_unless_it_is_aws() {
        let config = |queue_url: &str| SqsConfig {
            queue_url: queue_url.into(),
            ..SqsConfig::default()
        };
        let aws = settings(
            &config("https://sqs.eu-west-1.amazonaws.com/123/hooks.fifo"),
            Duration::from_secs(1),
        )
        .unwrap();
        assert_eq!(aws.region.as_deref(), Some("eu-west-1"));
        assert_eq!(aws.endpoint_url, None);
        let local = settings(
            &config("http://127.0.0.1:5000/123/hooks?x=1"),
            Duration::from_secs(1),
        )
        .unwrap();
        assert_eq!(local.region, None);
        assert_eq!(
            local.endpoint_url.as_deref(),
            Some("http://127.0.0.1:5000/")
        );
        assert!(settings(&config("not a url"), Duration::from_secs(1)).is_err());
    }
}
