//! Batching per (app, URL): events within a short window go out in one request, never mixed
//! across apps or URLs. Pure state; the dispatcher supplies the clock.

use super::job::Job;
use crate::app::{App, Webhook};
use serde_json::Value;
use std::collections::HashMap;
use std::sync::Arc;
use std::time::{Duration, Instant};

struct Open {
    started: Instant,
    app: Arc<App>,
    webhook: Webhook,
    events: Vec<Value>,
}

pub struct Batcher {
    window: Duration,
    max_events: usize,
    open: HashMap<(String, String), Open>,
}

impl Batcher {
    /// `window` zero sends every event on its own.
    pub fn new(window: Duration, max_events: usize) -> Self {
        Batcher {
            window,
            max_events: max_events.max(1),
            open: HashMap::new(),
        }
    }

    /// Adds an event for `webhook`; returns a job when the batch is full (or batching is off).
    pub fn push(
        &mut self,
        app: &Arc<App>,
        webhook: &Webhook,
        event: Value,
        now: Instant,
    ) -> Option<Job> {
        let key = (app.id.clone(), webhook.target());
        let open = self.open.entry(key.clone()).or_insert_with(|| Open {
            started: now,
            app: app.clone(),
            webhook: webhook.clone(),
            events: Vec::new(),
        });
        open.events.push(event);
        if open.events.len() >= self.max_events || self.window.is_zero() {
            return self.open.remove(&key).map(seal);
        }
        None
    }

    /// Batches whose window has closed by `now` (all of them when `now` is None).
    pub fn due(&mut self, now: Option<Instant>) -> Vec<Job> {
        let window = self.window;
        let keys: Vec<_> = self
            .open
            .iter()
            .filter(|(_, open)| now.is_none_or(|now| open.started + window <= now))
            .map(|(key, _)| key.clone())
            .collect();
        keys.iter()
            .filter_map(|key| self.open.remove(key))
            .map(seal)
            .collect()
    }

    pub fn next_deadline(&self) -> Option<Instant> {
        self.open
            .values()
            .map(|open| open.started + self.window)
            .min()
    }
}

fn seal(open: Open) -> Job {
    Job::new(&open.app, &open.webhook, open.events)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn hook(url: &str) -> Webhook {
        Webhook {
            url: url.into(),
            ..Webhook::default()
        }
    }

    #[test]
    fn batches_per_app_and_url_within_the_window() {
        let start = Instant::now();
        let mut batcher = Batcher::new(Duration::from_millis(50), 100);
        let a = Arc::new(App::new("a", "ka", "sa"));
        let b = Arc::new(App::new("b", "kb", "sb"));
        for i in 0..3 {
            assert!(batcher
                .push(&a, &hook("http://one"), json!(i), start)
                .is_none());
        }
        batcher.push(&a, &hook("http://two"), json!("x"), start);
        batcher.push(&b, &hook("http://one"), json!("y"), start);
        assert!(batcher
            .due(Some(start + Duration::from_millis(49)))
            .is_empty());
        let mut jobs = batcher.due(Some(start + Duration::from_millis(50)));
        jobs.sort_by(|x, y| (&x.app_id, &x.url).cmp(&(&y.app_id, &y.url)));
        let sizes: Vec<(String, String, usize)> = jobs
            .iter()
            .map(|j| {
                let body: Value = serde_json::from_str(&j.body).unwrap();
                (
                    j.app_id.clone(),
                    j.url.clone(),
                    body["events"].as_array().unwrap().len(),
                )
            })
            .collect();
        assert_eq!(
            sizes,
            [
                ("a".into(), "http://one".into(), 3),
                ("a".into(), "http://two".into(), 1),
                ("b".into(), "http://one".into(), 1)
            ]
        );
    }

    #[test]
    fn a_full_batch_goes_at_once() {
        let mut batcher = Batcher::new(Duration::from_secs(60), 2);
        let a = Arc::new(App::new("a", "ka", "sa"));
        let now = Instant::now();
        assert!(batcher
            .push(&a, &hook("http://one"), json!(1), now)
            .is_none());
        assert!(batcher
            .push(&a, &hook("http://one"), json!(2), now)
            .is_some());
        assert!(batcher.next_deadline().is_none());
    }
}
