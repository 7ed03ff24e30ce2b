//! Sending one job: a POST with a timeout, retried with exponential backoff on timeouts,
//! connection errors, 5xx, 408 and 429 until the retry window (counted from the job's creation)
//! closes. Other answers are final.

use super::job::{now_ms, Job};
use crate::config::WebhookRetry;
use std::time::Duration;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    Delivered,
    /// A final refusal (4xx other than 408/429): not retried.
    Rejected(u16),
    /// A failure worth retrying.
    Retry,
}

pub fn classify(status: Result<u16, ()>) -> Outcome {
    match status {
        Ok(code) if (200..300).contains(&code) => Outcome::Delivered,
        Ok(408 | 429) => Outcome::Retry,
        Ok(code) if code >= 500 => Outcome::Retry,
        Ok(code) => Outcome::Rejected(code),
        Err(()) => Outcome::Retry,
    }
}

/// The pause before retry number `attempt` (0-based): doubling from the initial backoff, capped.
pub fn backoff(policy: &WebhookRetry, attempt: u32) -> Duration {
    let factor = 2u64.saturating_pow(attempt.min(30));
    Duration::from_millis(
        policy
            .initial_backoff_ms
            .saturating_mul(factor)
            .min(policy.max_backoff_ms),
    )
}

/// What finally happened to a job.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Final {
    Delivered { attempts: u32 },
    Rejected(u16),
    GaveUp { attempts: u32 },
}

pub struct Sender {
    client: reqwest::Client,
    timeout: Duration,
    policy: WebhookRetry,
    /// Invokes Lambda targets; None when the build or the config cannot.
    #[cfg(feature = "aws")]
    lambda: Option<super::aws::lambda::Invoker>,
}

impl Sender {
    pub fn new(timeout: Duration, policy: WebhookRetry) -> Sender {
        let client = reqwest::Client::builder()
            .timeout(timeout)
            .user_agent(concat!("sockudo/", env!("CARGO_PKG_VERSION")))
            .build()
            .unwrap_or_default();
        Sender {
            client,
            timeout,
            policy,
            #[cfg(feature = "aws")]
            lambda: None,
        }
    }

    /// Lambda targets go through `invoker`.
    #[cfg(feature = "aws")]
    pub fn with_lambda(mut self, invoker: super::aws::lambda::Invoker) -> Sender {
        self.lambda = Some(invoker);
        self
    }

    /// Why `job` cannot be sent at all by this process, if it cannot.
    fn unsendable(&self, job: &Job) -> Option<&'static str> {
        match &job.lambda {
            #[cfg(feature = "aws")]
            Some(_) if self.lambda.is_none() => Some("Lambda webhook, but no Lambda client"),
            #[cfg(not(feature = "aws"))]
            Some(_) => Some("Lambda webhooks need a build with the `aws` feature"),
            #[cfg(feature = "aws")]
            Some(_) => None,
            None if job.url.is_empty() => Some("webhook without a url or lambda_function"),
            None => None,
        }
    }

    async fn attempt(&self, job: &Job) -> Result<u16, ()> {
        #[cfg(feature = "aws")]
        if let (Some(target), Some(invoker)) = (&job.lambda, &self.lambda) {
            return invoker.invoke(job, target).await;
        }
        let mut request = self
            .client
            .post(&job.url)
            .timeout(self.timeout)
            .body(job.body.clone());
        for (name, value) in &job.headers {
            request = request.header(name, value);
        }
        match request.send().await {
            Ok(response) => Ok(response.status().as_u16()),
            Err(error) => {
                tracing::debug!(url = %job.url, %error, "webhook attempt failed");
                Err(())
            }
        }
    }

    /// Sends `job` until it is delivered, refused, or its retry window closes. `on_retry` runs
    /// before each retry (for metrics and for renewing a queue lease).
    pub async fn deliver(&self, job: &Job, mut on_retry: impl FnMut(u32)) -> Final {
        if let Some(reason) = self.unsendable(job) {
            tracing::error!(app_id = %job.app_id, target = %job.url, reason, "webhook cannot be sent");
            return Final::Rejected(0);
        }
        let deadline_ms = job.created_ms + self.policy.max_elapsed_secs * 1000;
        let mut attempt = 0;
        loop {
            match classify(self.attempt(job).await) {
                Outcome::Delivered => {
                    return Final::Delivered {
                        attempts: attempt + 1,
                    }
                }
                Outcome::Rejected(code) => return Final::Rejected(code),
                Outcome::Retry => {}
            }
            let pause = backoff(&self.policy, attempt);
            if now_ms() + pause.as_millis() as u64 > deadline_ms {
                return Final::GaveUp {
                    attempts: attempt + 1,
                };
            }
            attempt += 1;
            on_retry(attempt);
            tokio::time::sleep(pause).await;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn retries_only_what_may_succeed_later() {
        assert_eq!(classify(Ok(200)), Outcome::Delivered);
        assert_eq!(classify(Ok(204)), Outcome::Delivered);
        for code in [408, 429, 500, 502, 503] {
            assert_eq!(classify(Ok(code)), Outcome::Retry, "{code}");
        }
        for code in [400, 401, 403, 404, 410] {
            assert_eq!(classify(Ok(code)), Outcome::Rejected(code), "{code}");
        }
        assert_eq!(classify(Err(())), Outcome::Retry);
    }

    #[test]
    fn backoff_doubles_up_to_the_cap() {
        let policy = WebhookRetry {
            max_elapsed_secs: 300,
            initial_backoff_ms: 500,
            max_backoff_ms: 4000,
        };
        let pauses: Vec<u64> = (0..6)
            .map(|a| backoff(&policy, a).as_millis() as u64)
            .collect();
        assert_eq!(pauses, [500, 1000, 2000, 4000, 4000, 4000]);
        assert_eq!(backoff(&policy, 1000).as_millis(), 4000);
    }
}
