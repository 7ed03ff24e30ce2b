//! The 3-second grace of `channel_vacated` and `member_removed`: they wait, and a matching
//! `channel_occupied` / `member_added` within the window cancels both, so a page reload does not
//! tell the backend "vacated, occupied". Pure state; the dispatcher supplies the clock.

use super::WebhookEvent;
use crate::app::App;
use std::cmp::Reverse;
use std::collections::{BinaryHeap, HashMap};
use std::sync::Arc;
use std::time::{Duration, Instant};

#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
enum Key {
    Channel(String, String),
    Member(String, String, String),
}

/// An event in its grace period; `seq` tells its deadline's heap entry from a stale one.
struct Pending {
    seq: u64,
    app: Arc<App>,
    event: WebhookEvent,
}

/// Pending events by key (so a rejoin finds and cancels its event in O(1)), and their deadlines
/// in a min-heap (so the dispatcher finds what is due without scanning every pending event: with
/// 100,000 channels vacated at once a scan per event cost about 10^10 steps). A cancelled or
/// replaced event leaves its heap entry behind; entries whose `seq` no longer matches are skipped.
pub struct Debouncer {
    delay: Duration,
    pending: HashMap<Key, Pending>,
    deadlines: BinaryHeap<Reverse<(Instant, u64, Key)>>,
    next_seq: u64,
}

impl Debouncer {
    pub fn new(delay: Duration) -> Self {
        Debouncer {
            delay,
            pending: HashMap::new(),
            deadlines: BinaryHeap::new(),
            next_seq: 0,
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
                self.hold(key, app, event, now);
                None
            }
            WebhookEvent::MemberRemoved { channel, user_id } => {
                let key = key(channel, Some(user_id));
                self.hold(key, app, event, now);
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

    fn hold(&mut self, key: Key, app: Arc<App>, event: WebhookEvent, now: Instant) {
        let seq = self.next_seq;
        self.next_seq += 1;
        self.deadlines
            .push(Reverse((now + self.delay, seq, key.clone())));
        self.pending.insert(key, Pending { seq, app, event });
    }

    /// Events whose grace ended by `now` (all of them when `now` is None: shutting down), in
    /// the order of their deadlines.
    pub fn due(&mut self, now: Option<Instant>) -> Vec<(Arc<App>, WebhookEvent)> {
        let mut released = Vec::new();
        while let Some(Reverse((deadline, _, _))) = self.deadlines.peek() {
            if now.is_some_and(|now| *deadline > now) {
                break;
            }
            let Some(Reverse((_, seq, key))) = self.deadlines.pop() else {
                break;
            };
            if self.pending.get(&key).is_some_and(|held| held.seq == seq) {
                if let Some(held) = self.pending.remove(&key) {
                    released.push((held.app, held.event));
                }
            }
        }
        released
    }

    /// The earliest deadline of an event still pending (stale heap entries on top are dropped).
    pub fn next_deadline(&mut self) -> Option<Instant> {
        while let Some(Reverse((deadline, seq, key))) = self.deadlines.peek() {
            if self.pending.get(key).is_some_and(|held| held.seq == *seq) {
                return Some(*deadline);
            }
            self.deadlines.pop();
        }
        None
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

    #[test]
    fn a_cancelled_event_leaves_no_deadline_and_a_repeat_keeps_only_its_own() {
        let start = Instant::now();
        let mut debouncer = Debouncer::new(Duration::from_secs(3));
        let occupied = WebhookEvent::ChannelOccupied {
            channel: "c".into(),
        };
        debouncer.offer(app(), vacated(), start);
        debouncer.offer(app(), occupied, start + Duration::from_secs(1));
        assert_eq!(debouncer.next_deadline(), None, "cancelled");
        // Vacated again later: only the new deadline counts.
        debouncer.offer(app(), vacated(), start + Duration::from_secs(2));
        assert!(debouncer
            .due(Some(start + Duration::from_secs(3)))
            .is_empty());
        assert_eq!(
            debouncer.next_deadline(),
            Some(start + Duration::from_secs(5))
        );
        assert_eq!(debouncer.due(Some(start + Duration::from_secs(5))).len(), 1);
    }

    #[test]
    fn many_pending_events_come_out_in_deadline_order() {
        let start = Instant::now();
        let mut debouncer = Debouncer::new(Duration::from_secs(3));
        for n in (0..1000u64).rev() {
            let event = WebhookEvent::ChannelVacated {
                channel: format!("c{n}"),
            };
            debouncer.offer(app(), event, start + Duration::from_millis(n));
        }
        let due = debouncer.due(Some(start + Duration::from_secs(10)));
        let order: Vec<String> = due
            .iter()
            .map(|(_, event)| match event {
                WebhookEvent::ChannelVacated { channel } => channel.clone(),
                other => panic!("{other:?}"),
            })
            .collect();
        let expected: Vec<String> = (0..1000).map(|n| format!("c{n}")).collect();
        assert_eq!(order, expected);
    }
}
