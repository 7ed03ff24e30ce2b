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
    /// Set for a Lambda target (then `url` is `lambda:{region}:{function}`, for keys and logs).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub lambda: Option<LambdaTarget>,
}

/// The Lambda function a job invokes instead of POSTing to a URL.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LambdaTarget {
    pub function: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub region: Option<String>,
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
        let lambda = match webhook.lambda_target() {
            Some((function, region)) if webhook.url.is_empty() => {
                Some(LambdaTarget { function, region })
            }
            _ => None,
        };
        Job {
            app_id: app.id.clone(),
            url: webhook.target(),
            headers,
            body,
            created_ms,
            lambda,
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
            headers: [("Authorization".to_string(), "Bearer t".to_string())].into(),
            ..Webhook::default()
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

    #[test]
    fn lambda_webhooks_become_lambda_jobs_with_their_own_queue() {
        let app = App::new("a", "key", "secret");
        let legacy: Webhook =
            serde_json::from_value(json!({"lambda_function": "hooks", "event_types": []})).unwrap();
        let job = Job::new(&app, &legacy, vec![json!({"name": "channel_occupied"})]);
        assert_eq!(job.url, "lambda::hooks");
        assert_eq!(
            job.lambda,
            Some(LambdaTarget {
                function: "hooks".into(),
                region: None
            })
        );
        let sockudo: Webhook = serde_json::from_value(
            json!({"lambda": {"function_name": "other", "region": "eu-west-1"}}),
        )
        .unwrap();
        let other = Job::new(&app, &sockudo, vec![]);
        assert_eq!(other.url, "lambda:eu-west-1:other");
        assert_ne!(job.queue_key(), other.queue_key());
        // Jobs queued before Lambda targets existed still load.
        let mut old = serde_json::to_value(&job).unwrap();
        old.as_object_mut().unwrap().remove("lambda");
        let old: Job = serde_json::from_value(old).unwrap();
        assert_eq!(old.lambda, None);
        // An HTTP webhook serialises as before: no Lambda keys.
        let http = serde_json::to_value(Webhook {
            url: "http://x".into(),
            ..Webhook::default()
        })
        .unwrap();
        assert!(http.get("lambda_function").is_none() && http.get("lambda").is_none());
    }
}
