//! The 3-second grace of `channel_vacated` and `member_removed`: they wait, and a matching
//! `channel_occupied` / `member_added` within the window cancels both, so a page reload does not
//! tell the backend "vacated, occupied". Pure state; the dispatcher supplies the clock.

use super::WebhookEvent;
use crate::app::App;
use std::collections::HashMap;
use std::sync::Arc;
use std::time::{Duration, Instant};

#[derive(Debug, Clone, PartialEq, Eq, Hash)]
enum Key {
    Channel(String, String),
    Member(String, String, String),
}

pub struct Debouncer {
    delay: Duration,
    pending: HashMap<Key, (Instant, Arc<App>, WebhookEvent)>,
}

impl Debouncer {
    pub fn new(delay: Duration) -> Self {
        Debouncer {
            delay,
            pending: HashMap::new(),
        }
    }

    /// Takes an event; returns it when it should go out now.
    pub fn offer(
        &mut self,
        app: Arc<App>,
        event: WebhookEvent,
        now: Instant,
    ) -> Option<(Arc<App>, WebhookEvent)> {
        let key = |channel: &str, user: Option<&str>| match user {
            Some(user) => Key::Member(app.id.clone(), channel.to_owned(), user.to_owned()),
            None => Key::Channel(app.id.clone(), channel.to_owned()),
        };
        match &event {
            WebhookEvent::ChannelVacated { channel } => {
                let key = key(channel, None);
                self.pending.insert(key, (now + self.delay, app, event));
                None
            }
            WebhookEvent::MemberRemoved { channel, user_id } => {
                let key = key(channel, Some(user_id));
                self.pending.insert(key, (now + self.delay, app, event));
                None
            }
            WebhookEvent::ChannelOccupied { channel } => {
                let cancelled = self.pending.remove(&key(channel, None)).is_some();
                (!cancelled).then_some((app, event))
            }
            WebhookEvent::MemberAdded { channel, user_id } => {
                let cancelled = self.pending.remove(&key(channel, Some(user_id))).is_some();
                (!cancelled).then_some((app, event))
            }
            _ => Some((app, event)),
        }
    }

    /// Events whose grace ended by `now` (all of them when `now` is None: shutting down).
    pub fn due(&mut self, now: Option<Instant>) -> Vec<(Arc<App>, WebhookEvent)> {
        let due: Vec<Key> = self
            .pending
            .iter()
            .filter(|(_, (deadline, _, _))| now.is_none_or(|now| *deadline <= now))
            .map(|(key, _)| key.clone())
            .collect();
        let mut released: Vec<(Instant, Arc<App>, WebhookEvent)> = due
            .iter()
            .filter_map(|key| self.pending.remove(key))
            .collect();
        released.sort_by_key(|(deadline, _, _)| *deadline);
        released
            .into_iter()
            .map(|(_, app, event)| (app, event))
            .collect()
    }

    pub fn next_deadline(&self) -> Option<Instant> {
        self.pending
            .values()
            .map(|(deadline, _, _)| *deadline)
            .min()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn app() -> Arc<App> {
        Arc::new(App::new("a", "k", "s"))
    }

    fn vacated() -> WebhookEvent {
        WebhookEvent::ChannelVacated {
            channel: "c".into(),
        }
    }

    #[test]
    fn vacated_waits_and_a_rejoin_cancels_both() {
        let start = Instant::now();
        let mut debouncer = Debouncer::new(Duration::from_secs(3));
        assert!(debouncer.offer(app(), vacated(), start).is_none());
        assert!(debouncer
            .due(Some(start + Duration::from_secs(2)))
            .is_empty());
        let occupied = WebhookEvent::ChannelOccupied {
            channel: "c".into(),
        };
        assert!(debouncer
            .offer(app(), occupied.clone(), start + Duration::from_secs(2))
            .is_none());
        assert!(debouncer
            .due(Some(start + Duration::from_secs(10)))
            .is_empty());
        // With nothing pending, occupied goes out at once.
        assert!(debouncer.offer(app(), occupied, start).is_some());
    }

    #[test]
    fn vacated_goes_out_after_the_grace() {
        let start = Instant::now();
        let mut debouncer = Debouncer::new(Duration::from_secs(3));
        debouncer.offer(app(), vacated(), start);
        assert_eq!(
            debouncer.next_deadline(),
            Some(start + Duration::from_secs(3))
        );
        let due = debouncer.due(Some(start + Duration::from_secs(3)));
        assert_eq!(due.len(), 1);
        assert_eq!(due[0].1, vacated());
    }

    #[test]
    fn members_debounce_per_user_and_shutdown_releases_everything() {
        let start = Instant::now();
        let mut debouncer = Debouncer::new(Duration::from_secs(3));
        let removed = |user: &str| WebhookEvent::MemberRemoved {
            channel: "presence-c".into(),
            user_id: user.into(),
        };
        debouncer.offer(app(), removed("1"), start);
        debouncer.offer(app(), removed("2"), start);
        let back = WebhookEvent::MemberAdded {
            channel: "presence-c".into(),
            user_id: "1".into(),
        };
        assert!(debouncer.offer(app(), back, start).is_none());
        let left = debouncer.due(None);
        assert_eq!(left.len(), 1);
        assert_eq!(left[0].1, removed("2"));
    }
}
