//! One webhook request, ready to send: the exact body bytes and the headers signing them. Jobs
//! are what the queue stores, so they serialise.

use crate::app::{App, Webhook};
use crate::protocol::signature;
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};
use sha2::{Digest, Sha256};
use std::collections::BTreeMap;
use std::time::{SystemTime, UNIX_EPOCH};

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Job {
    pub app_id: String,
    pub url: String,
    pub headers: BTreeMap<String, String>,
    pub body: String,
    /// When the job was made, in ms since the epoch; the retry window counts from here, across
    /// restarts.
    pub created_ms: u64,
}

pub fn now_ms() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_millis() as u64)
}

impl Job {
    pub fn new(app: &App, webhook: &Webhook, events: Vec<Value>) -> Job {
        let created_ms = now_ms();
        let body = json!({ "time_ms": created_ms, "events": events }).to_string();
        let mut headers = webhook.headers.clone();
        // The signature covers these exact bytes; Pusher's SDK validators reject a charset.
        headers.insert("Content-Type".into(), "application/json".into());
        headers.insert("X-Pusher-Key".into(), app.key.clone());
        headers.insert(
            "X-Pusher-Signature".into(),
            hex::encode(signature::sign_bytes(&app.secret, body.as_bytes())),
        );
        Job {
            app_id: app.id.clone(),
            url: webhook.url.clone(),
            headers,
            body,
            created_ms,
        }
    }

    /// The queue this job waits in: one per (app, URL), which keeps each URL's order.
    pub fn queue_key(&self) -> String {
        let digest = hex::encode(Sha256::digest(self.url.as_bytes()));
        format!("{}:{}", self.app_id, &digest[..16])
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn signs_the_exact_body() {
        let app = App::new("a", "key", "secret");
        let webhook = Webhook {
            url: "http://x".into(),
            event_types: vec![],
            filter: None,
            headers: [("Authorization".to_string(), "Bearer t".to_string())].into(),
        };
        let job = Job::new(
            &app,
            &webhook,
            vec![json!({"name": "channel_occupied", "channel": "c"})],
        );
        assert!(signature::verify(
            "secret",
            &job.body,
            &job.headers["X-Pusher-Signature"]
        ));
        assert_eq!(job.headers["Content-Type"], "application/json");
        assert_eq!(job.headers["Authorization"], "Bearer t");
        let body: Value = serde_json::from_str(&job.body).unwrap();
        assert_eq!(body["events"][0]["channel"], "c");
        assert!(body["time_ms"].as_u64().unwrap() > 0);
    }
}
