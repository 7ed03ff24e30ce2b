//! The `sqs` queue driver: webhook jobs wait in an Amazon SQS queue (AWS JSON protocol).
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

use super::{AwsError, Credentials, Signer};
use crate::config::SqsConfig;
use crate::webhooks::job::Job;
use crate::webhooks::queue::{JobQueue, Pushed, QueueError};
use async_trait::async_trait;
use parking_lot::Mutex;
use serde_json::{json, Value};
use std::collections::{HashMap, HashSet, VecDeque};
use std::time::Duration;

/// Most messages one `ReceiveMessage` may return.
const RECEIVE_BATCH: u32 = 10;

impl From<AwsError> for QueueError {
    fn from(error: AwsError) -> Self {
        QueueError::new(error.to_string())
    }
}

/// A thin SQS client: one queue, the JSON protocol.
pub struct SqsClient {
    signer: Signer,
    endpoint: reqwest::Url,
    region: String,
    pub queue_url: String,
}

impl SqsClient {
    pub fn new(config: &SqsConfig, timeout: Duration) -> Result<SqsClient, String> {
        let queue_url = reqwest::Url::parse(&config.queue_url)
            .map_err(|e| format!("queue.sqs.queue_url {:?}: {e}", config.queue_url))?;
        let region = config
            .region
            .clone()
            .filter(|r| !r.is_empty())
            .or_else(|| region_of(&queue_url))
            .unwrap_or_else(|| "us-east-1".into());
        let endpoint = match config.endpoint_url.as_deref().filter(|e| !e.is_empty()) {
            Some(endpoint) => reqwest::Url::parse(endpoint)
                .map_err(|e| format!("queue.sqs.endpoint_url {endpoint:?}: {e}"))?,
            // The queue URL names its service endpoint.
            None => {
                let mut origin = queue_url.clone();
                origin.set_path("/");
                origin.set_query(None);
                origin
            }
        };
        let credentials = Credentials::from_parts(
            config.access_key_id.as_deref(),
            config.secret_access_key.as_deref(),
            config.session_token.as_deref(),
        )
        .ok_or("queue.sqs: access_key_id and secret_access_key are required (env AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY)")?;
        let http = reqwest::Client::builder()
            .user_agent(concat!("sockudo/", env!("CARGO_PKG_VERSION")))
            .build()
            .map_err(|e| e.to_string())?;
        Ok(SqsClient {
            signer: Signer {
                http,
                credentials,
                service: "sqs",
                timeout,
            },
            endpoint,
            region,
            queue_url: config.queue_url.clone(),
        })
    }

    /// Calls `action` with `request`; the answer's JSON.
    pub async fn call(&self, action: &str, request: Value) -> Result<Value, AwsError> {
        let target = format!("AmazonSQS.{action}");
        let failed = |status, message| AwsError {
            action: format!("SQS {action}"),
            status,
            message,
        };
        let response = self
            .signer
            .post(
                &self.region,
                &self.endpoint,
                &[
                    ("Content-Type", "application/x-amz-json-1.0"),
                    ("X-Amz-Target", &target),
                ],
                request.to_string().into_bytes(),
            )
            .await
            .map_err(|e| failed(None, e.to_string()))?;
        let status = response.status().as_u16();
        let text = response
            .text()
            .await
            .map_err(|e| failed(Some(status), e.to_string()))?;
        let body: Value = if text.trim().is_empty() {
            json!({})
        } else {
            serde_json::from_str(&text).map_err(|_| failed(Some(status), text.clone()))?
        };
        if (200..300).contains(&status) {
            Ok(body)
        } else {
            let kind = body["__type"].as_str().unwrap_or_default();
            let message = body["message"]
                .as_str()
                .or(body["Message"].as_str())
                .unwrap_or(&text);
            Err(failed(Some(status), format!("{kind} {message}")))
        }
    }
}

/// `sqs.{region}.amazonaws.com` names its region.
fn region_of(url: &reqwest::Url) -> Option<String> {
    let host = url.host_str()?;
    let mut parts = host.split('.');
    (parts.next() == Some("sqs"))
        .then(|| parts.next())
        .flatten()
        .filter(|r| host.ends_with(".amazonaws.com") && !r.is_empty())
        .map(str::to_owned)
}

/// A message this node received and has not deleted yet.
struct Held {
    message_id: String,
    receipt: String,
    job: Job,
}

pub struct SqsQueue {
    client: SqsClient,
    fifo: bool,
    visibility: Duration,
    wait: Duration,
    /// Received messages per queue key, oldest first.
    held: Mutex<HashMap<String, VecDeque<Held>>>,
    /// Keys a worker of this node is draining (the lease is SQS's visibility timeout).
    leased: Mutex<HashSet<String>>,
}

impl SqsQueue {
    pub fn new(config: &SqsConfig) -> Result<SqsQueue, QueueError> {
        // Leases are renewed every 3.3 s (a third of the workers' 10 s lease): keep a margin.
        let visibility = Duration::from_secs(config.visibility_timeout.max(5));
        let wait = Duration::from_secs(config.wait_time_seconds.min(20));
        // A long poll must be able to finish inside the request timeout.
        let client =
            SqsClient::new(config, wait + Duration::from_secs(10)).map_err(QueueError::new)?;
        Ok(SqsQueue {
            fifo: config.queue_url.ends_with(".fifo"),
            client,
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
            .call(
                "ReceiveMessage",
                json!({
                    "QueueUrl": self.client.queue_url,
                    "MaxNumberOfMessages": RECEIVE_BATCH,
                    "VisibilityTimeout": self.visibility.as_secs(),
                    "WaitTimeSeconds": wait.as_secs(),
                }),
            )
            .await?;
        let Some(messages) = answer["Messages"].as_array() else {
            return Ok(());
        };
        for message in messages {
            let message_id = message["MessageId"].as_str().unwrap_or_default().to_owned();
            let receipt = message["ReceiptHandle"]
                .as_str()
                .unwrap_or_default()
                .to_owned();
            let body = message["Body"].as_str().unwrap_or_default();
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
            .call(
                "DeleteMessage",
                json!({"QueueUrl": self.client.queue_url, "ReceiptHandle": receipt}),
            )
            .await?;
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
        let mut request = json!({"QueueUrl": self.client.queue_url, "MessageBody": body});
        if self.fifo {
            request["MessageGroupId"] = json!(job.queue_key());
            request["MessageDeduplicationId"] = json!(hex::encode(rand::random::<[u8; 16]>()));
        }
        // SQS bounds its own queues (and bills for them): no length check here.
        self.client.call("SendMessage", request).await?;
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
        let seconds = ttl.max(self.visibility).as_secs();
        for receipt in receipts {
            self.client
                .call(
                    "ChangeMessageVisibility",
                    json!({"QueueUrl": self.client.queue_url, "ReceiptHandle": receipt, "VisibilityTimeout": seconds}),
                )
                .await?;
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
            .call(
                "GetQueueAttributes",
                json!({
                    "QueueUrl": self.client.queue_url,
                    "AttributeNames": ["ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible"],
                }),
            )
            .await?;
        let count = |name: &str| {
            let value = &answer["Attributes"][name];
            value
                .as_str()
                .and_then(|v| v.parse().ok())
                .or(value.as_u64().map(|v| v as usize))
                .unwrap_or(0)
        };
        Ok(count("ApproximateNumberOfMessages") + count("ApproximateNumberOfMessagesNotVisible"))
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
    fn the_endpoint_defaults_to_the_queue_urls_origin() {
        let config = SqsConfig {
            queue_url: "https://sqs.eu-west-1.amazonaws.com/123/hooks.fifo".into(),
            access_key_id: Some("id".into()),
            secret_access_key: Some("secret".into()),
            ..SqsConfig::default()
        };
        let queue = SqsQueue::new(&config).unwrap();
        assert!(queue.fifo);
        assert_eq!(queue.client.region, "eu-west-1");
        assert_eq!(
            queue.client.endpoint.as_str(),
            "https://sqs.eu-west-1.amazonaws.com/"
        );
        let no_keys = SqsConfig {
            access_key_id: None,
            ..config
        };
        assert!(SqsQueue::new(&no_keys).is_err());
    }
}
