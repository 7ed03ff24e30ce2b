//! Fetching snapshots from a server: `GET {url}/stats` every interval, with a bearer token when
//! one is configured, backing off while the server is unreachable.

use crate::snapshot::Snapshot;
use crate::state::Event;
use std::time::{Duration, Instant};
use tokio::sync::mpsc;

#[derive(Clone)]
pub struct Source {
    client: reqwest::Client,
    url: String,
    token: Option<String>,
}

impl Source {
    pub fn new(base_url: &str, token: Option<String>) -> Source {
        let client = reqwest::Client::builder()
            .timeout(Duration::from_secs(5))
            .build()
            .unwrap_or_default();
        Source {
            client,
            url: format!("{}/stats", base_url.trim_end_matches('/')),
            token,
        }
    }

    pub async fn fetch(&self) -> anyhow::Result<Snapshot> {
        let mut request = self.client.get(&self.url);
        if let Some(token) = &self.token {
            request = request.bearer_auth(token);
        }
        let response = request
            .send()
            .await
            .map_err(|e| anyhow::anyhow!("{}", short(&e)))?;
        let status = response.status();
        if !status.is_success() {
            let body = response.text().await.unwrap_or_default();
            anyhow::bail!("{} answered {status}: {}", self.url, body.trim());
        }
        Ok(response.json().await?)
    }

    /// Sends a snapshot (or the failure) every `interval` until `events` closes; waits longer
    /// after consecutive failures, up to 10 s.
    pub async fn poll(self, interval: Duration, events: mpsc::Sender<Event>) {
        let mut failures = 0u32;
        loop {
            let event = match self.fetch().await {
                Ok(snapshot) => {
                    failures = 0;
                    Event::Snapshot(Box::new(snapshot), Instant::now())
                }
                Err(error) => {
                    failures += 1;
                    Event::FetchFailed(error.to_string())
                }
            };
            if events.send(event).await.is_err() {
                return;
            }
            let backoff = interval * 2u32.saturating_pow(failures.min(4));
            tokio::time::sleep(backoff.min(Duration::from_secs(10)).max(interval)).await;
        }
    }
}

fn short(error: &reqwest::Error) -> String {
    if error.is_connect() {
        "connection refused".into()
    } else if error.is_timeout() {
        "timed out".into()
    } else {
        error.to_string()
    }
}
