//! Webhook delivery: `webhooks` and its `queue` (memory, redis, sqs, none; Lambda targets).

use super::QueueDriver;
use crate::lenient;
use serde::{Deserialize, Serialize};

/// Where webhook deliveries wait: `memory` (this process), `redis` (durable, shared by nodes),
/// `sqs` (an Amazon SQS queue; builds with the `aws` feature), or `none` (webhooks off).
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default)]
pub struct QueueConfig {
    pub driver: QueueDriver,
    /// Jobs one webhook queue (an app's URL) may hold in the memory and redis drivers; beyond,
    /// new webhooks are dropped and counted.
    #[serde(deserialize_with = "lenient::number")]
    pub max_length: usize,
    pub sqs: SqsConfig,
}

impl Default for QueueConfig {
    fn default() -> Self {
        QueueConfig {
            driver: QueueDriver::Memory,
            max_length: 10_000,
            sqs: SqsConfig::default(),
        }
    }
}

/// The `sqs` queue driver (env `SQS_QUEUE_URL`, `AWS_REGION`, `AWS_ENDPOINT_URL(_SQS)`,
/// `AWS_ACCESS_KEY_ID`, `AWS_SECRET_ACCESS_KEY`, `AWS_SESSION_TOKEN`).
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default)]
pub struct SqsConfig {
    /// The queue; a URL ending in `.fifo` is a FIFO queue, which keeps each URL's order.
    pub queue_url: String,
    /// None: the region in an AWS queue URL, else `us-east-1`.
    pub region: Option<String>,
    /// None: the queue URL's own host.
    pub endpoint_url: Option<String>,
    pub access_key_id: Option<String>,
    pub secret_access_key: Option<String>,
    pub session_token: Option<String>,
    /// Seconds a received job stays invisible to other consumers (renewed while it is retried).
    #[serde(deserialize_with = "lenient::number")]
    pub visibility_timeout: u64,
    /// Seconds an idle node long-polls for jobs (0 to 20).
    #[serde(deserialize_with = "lenient::number")]
    pub wait_time_seconds: u64,
}

impl Default for SqsConfig {
    fn default() -> Self {
        SqsConfig {
            queue_url: String::new(),
            region: None,
            endpoint_url: None,
            access_key_id: None,
            secret_access_key: None,
            session_token: None,
            visibility_timeout: 30,
            wait_time_seconds: 1,
        }
    }
}

/// AWS Lambda webhook targets (builds with the `aws` feature); env `AWS_REGION`,
/// `AWS_ENDPOINT_URL(_LAMBDA)`, `AWS_ACCESS_KEY_ID`, `AWS_SECRET_ACCESS_KEY`, `AWS_SESSION_TOKEN`.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default)]
pub struct LambdaConfig {
    /// The region of functions whose webhook names none (and that are not ARNs).
    pub region: String,
    pub endpoint_url: Option<String>,
    pub access_key_id: Option<String>,
    pub secret_access_key: Option<String>,
    pub session_token: Option<String>,
}

impl Default for LambdaConfig {
    fn default() -> Self {
        LambdaConfig {
            region: "us-east-1".into(),
            endpoint_url: None,
            access_key_id: None,
            secret_access_key: None,
            session_token: None,
        }
    }
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default)]
pub struct WebhooksConfig {
    pub batching: WebhookBatching,
    pub retry: WebhookRetry,
    /// Milliseconds one delivery attempt may take.
    #[serde(deserialize_with = "lenient::number")]
    pub request_timeout_ms: u64,
    pub lambda: LambdaConfig,
}

impl Default for WebhooksConfig {
    fn default() -> Self {
        WebhooksConfig {
            batching: WebhookBatching::default(),
            retry: WebhookRetry::default(),
            request_timeout_ms: 5000,
            lambda: LambdaConfig::default(),
        }
    }
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default)]
pub struct WebhookBatching {
    #[serde(deserialize_with = "lenient::boolean")]
    pub enabled: bool,
    /// Milliseconds events for one URL are gathered before they are sent together.
    #[serde(deserialize_with = "lenient::number")]
    pub duration: u64,
    /// Most events in one request.
    #[serde(deserialize_with = "lenient::number")]
    pub size: usize,
}

impl Default for WebhookBatching {
    fn default() -> Self {
        WebhookBatching {
            enabled: true,
            duration: 50,
            size: 100,
        }
    }
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default)]
pub struct WebhookRetry {
    /// Seconds a delivery keeps being retried before it is given up (and logged and counted).
    #[serde(deserialize_with = "lenient::number")]
    pub max_elapsed_secs: u64,
    #[serde(deserialize_with = "lenient::number")]
    pub initial_backoff_ms: u64,
    #[serde(deserialize_with = "lenient::number")]
    pub max_backoff_ms: u64,
}

impl Default for WebhookRetry {
    fn default() -> Self {
        WebhookRetry {
            max_elapsed_secs: 300,
            initial_backoff_ms: 500,
            max_backoff_ms: 30_000,
        }
    }
}
