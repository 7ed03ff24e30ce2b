//! A channel's life over the whole cluster, decided in one place: when it becomes occupied or
//! vacated, when a presence member is added or removed, and when its subscription count is
//! reported. The node where a socket subscribes or leaves ([`crate::connection`]) and every other
//! node, when the bus tells it of that change ([`crate::adapter`]), ask [`outcome`] what the
//! change means, and [`apply`] it to their own sockets: each socket hears each transition once,
//! and the channel's owner alone sends its webhooks.
//!
//! [`outcome`] is pure: the counts before and after the change in, frames and webhooks out.

use crate::app::App;
use crate::channels::Namespace;
use crate::protocol::channel::classify;
use crate::protocol::{outbound, ChannelKind, SocketId};
use crate::webhooks::{Emitter, WebhookEvent};
use bytes::Bytes;
use serde_json::Value;
use std::sync::Arc;

/// A channel over the whole cluster, before or after one change.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct Occupancy {
    /// Subscribers on every node.
    pub subscribers: usize,
    /// The changing member is present on some node (presence channels).
    pub present: bool,
}

/// The presence member a change concerns.
#[derive(Debug, Clone, Copy)]
pub enum Member<'a> {
    Joined { user: &'a str, info: &'a Value },
    Left { user: &'a str },
}

/// One subscription change of `channel`, as one node sees it.
#[derive(Debug, Clone, Copy)]
pub struct Change<'a> {
    pub channel: &'a str,
    pub member: Option<Member<'a>>,
    pub before: Occupancy,
    pub after: Occupancy,
    /// Subscribers on this node after the change.
    pub here: usize,
    /// This node sends the channel's webhooks (see `Cluster::is_owner`).
    pub owner: bool,
    /// The app wants `subscription_count` events.
    pub count_events: bool,
}

/// What a change means for this node.
#[derive(Debug, Default, PartialEq)]
pub struct Outcome {
    /// For this node's subscribers of the channel.
    pub frames: Vec<Bytes>,
    /// For the app's backend (only ever on the owner).
    pub webhooks: Vec<WebhookEvent>,
    /// The subscription count to report, if the throttle lets it out.
    pub count: Option<Count>,
}

/// A `subscription_count` to report ([`Namespace::count_event_due`] throttles it).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Count {
    pub subscribers: usize,
    /// To this node's subscribers (it has some).
    pub frame: bool,
    /// To the app's backend (this node is the owner).
    pub webhook: bool,
}

/// What `change` means: pure, and the same on every node.
pub fn outcome(change: &Change) -> Outcome {
    let Change {
        channel,
        before,
        after,
        ..
    } = *change;
    let mut outcome = Outcome::default();
    let mut webhook = |event: WebhookEvent| {
        if change.owner {
            outcome.webhooks.push(event);
        }
    };
    if before.subscribers == 0 && after.subscribers > 0 {
        webhook(WebhookEvent::ChannelOccupied {
            channel: channel.to_owned(),
        });
    }
    match change.member {
        Some(Member::Joined { user, info }) if !before.present && after.present => {
            outcome
                .frames
                .push(outbound::member_added(channel, user, info));
            webhook(WebhookEvent::MemberAdded {
                channel: channel.to_owned(),
                user_id: user.to_owned(),
            });
        }
        Some(Member::Left { user }) if before.present && !after.present => {
            outcome.frames.push(outbound::member_removed(channel, user));
            webhook(WebhookEvent::MemberRemoved {
                channel: channel.to_owned(),
                user_id: user.to_owned(),
            });
        }
        _ => {}
    }
    if before.subscribers > 0 && after.subscribers == 0 {
        webhook(WebhookEvent::ChannelVacated {
            channel: channel.to_owned(),
        });
    }
    // Presence channels count members instead, and a #server-to-user channel is one user's.
    let counted = !matches!(
        classify(channel).0,
        ChannelKind::Presence | ChannelKind::ServerToUser
    );
    // The owner reports counts even when every subscriber is on other nodes. A count of 0 is
    // never sent, but goes to the throttle, which then forgets the channel.
    if change.count_events
        && counted
        && before.subscribers != after.subscribers
        && (change.here > 0 || change.owner)
    {
        outcome.count = Some(Count {
            subscribers: after.subscribers,
            frame: change.here > 0,
            webhook: change.owner,
        });
    }
    outcome
}

/// Sends `outcome` for `channel`: its frames to this node's subscribers but `except` (a joining
/// socket is told of itself by its own confirmation), its webhooks, and its count when the
/// throttle lets it out.
pub fn apply(
    outcome: Outcome,
    channel: &str,
    except: Option<SocketId>,
    namespace: &Namespace,
    app: &Arc<App>,
    webhooks: &Emitter,
) {
    for frame in &outcome.frames {
        namespace.broadcast(channel, frame, except);
    }
    for event in outcome.webhooks {
        webhooks.emit(app, event);
    }
    let Some(count) = outcome.count else {
        return;
    };
    if !namespace.count_event_due(channel, count.subscribers) {
        return;
    }
    if count.frame {
        let frame = outbound::subscription_count(channel, count.subscribers);
        namespace.broadcast(channel, &frame, None);
    }
    if count.webhook {
        webhooks.emit(
            app,
            WebhookEvent::SubscriptionCount {
                channel: channel.to_owned(),
                count: count.subscribers,
            },
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn occupancy(subscribers: usize, present: bool) -> Occupancy {
        Occupancy {
            subscribers,
            present,
        }
    }

    /// `channel` going from `before` to `after` subscribers cluster-wide, all of them here, on
    /// the owner of an app that wants counts.
    fn change(channel: &str, before: usize, after: usize) -> Change<'_> {
        Change {
            channel,
            member: None,
            before: occupancy(before, false),
            after: occupancy(after, false),
            here: after,
            owner: true,
            count_events: true,
        }
    }

    fn names(outcome: &Outcome) -> Vec<&'static str> {
        outcome.webhooks.iter().map(WebhookEvent::name).collect()
    }

    fn count(subscribers: usize, frame: bool, webhook: bool) -> Option<Count> {
        Some(Count {
            subscribers,
            frame,
            webhook,
        })
    }

    #[test]
    fn the_first_subscriber_occupies_the_channel_and_is_counted() {
        let outcome = outcome(&change("news", 0, 1));
        assert_eq!(names(&outcome), ["channel_occupied"]);
        assert!(outcome.frames.is_empty());
        assert_eq!(outcome.count, count(1, true, true));
    }

    #[test]
    fn the_last_subscriber_vacates_the_channel_and_a_count_of_zero_only_resets_the_throttle() {
        let outcome = outcome(&change("news", 1, 0));
        assert_eq!(names(&outcome), ["channel_vacated"]);
        let Some(Count { subscribers: 0, .. }) = outcome.count else {
            panic!("{:?}", outcome.count);
        };
    }

    #[test]
    fn a_second_subscriber_is_only_counted() {
        let outcome = outcome(&change("news", 1, 2));
        assert!(outcome.webhooks.is_empty());
        assert_eq!(outcome.count, count(2, true, true));
    }

    #[test]
    fn only_the_owner_sends_webhooks_and_others_tell_their_own_subscribers() {
        let elsewhere = Change {
            owner: false,
            ..change("news", 0, 1)
        };
        let outcome = outcome(&elsewhere);
        assert!(outcome.webhooks.is_empty());
        assert_eq!(outcome.count, count(1, true, false));
    }

    #[test]
    fn the_owner_reports_counts_of_a_channel_with_no_subscriber_here() {
        let owner = Change {
            here: 0,
            ..change("news", 3, 4)
        };
        assert_eq!(outcome(&owner).count, count(4, false, true));
        let bystander = Change {
            owner: false,
            ..owner
        };
        assert_eq!(outcome(&bystander).count, None);
    }

    #[test]
    fn counts_only_when_the_app_wants_them_and_the_number_changed() {
        let unwanted = Change {
            count_events: false,
            ..change("news", 1, 2)
        };
        assert_eq!(outcome(&unwanted).count, None);
        assert_eq!(outcome(&change("news", 2, 2)).count, None);
    }

    #[test]
    fn cache_channels_are_counted_and_server_to_user_channels_are_not() {
        assert_eq!(
            outcome(&change("cache-prices", 0, 1)).count,
            count(1, true, true)
        );
        let own = outcome(&change("#server-to-user-42", 0, 1));
        assert_eq!(names(&own), ["channel_occupied"]);
        assert_eq!(own.count, None);
    }

    #[test]
    fn a_user_new_to_the_cluster_is_added_and_presence_is_not_counted() {
        let info = json!({ "name": "Ada" });
        let joined = Change {
            member: Some(Member::Joined {
                user: "ada",
                info: &info,
            }),
            before: occupancy(0, false),
            after: occupancy(1, true),
            ..change("presence-room", 0, 1)
        };
        let outcome = outcome(&joined);
        assert_eq!(names(&outcome), ["channel_occupied", "member_added"]);
        assert_eq!(
            outcome.frames,
            [outbound::member_added("presence-room", "ada", &info)]
        );
        assert_eq!(outcome.count, None);
    }

    #[test]
    fn the_same_user_on_a_second_socket_or_node_is_not_added_again() {
        let info = json!({});
        let again = Change {
            member: Some(Member::Joined {
                user: "ada",
                info: &info,
            }),
            before: occupancy(1, true),
            after: occupancy(2, true),
            ..change("presence-room", 1, 2)
        };
        assert_eq!(outcome(&again), Outcome::default());
    }

    #[test]
    fn a_user_leaving_one_of_two_sockets_stays_and_the_last_leaves() {
        let one_of_two = Change {
            member: Some(Member::Left { user: "ada" }),
            before: occupancy(2, true),
            after: occupancy(1, true),
            ..change("presence-room", 2, 1)
        };
        assert_eq!(outcome(&one_of_two), Outcome::default());
        let last = Change {
            before: occupancy(1, true),
            after: occupancy(0, false),
            ..one_of_two
        };
        let outcome = outcome(&last);
        assert_eq!(names(&outcome), ["member_removed", "channel_vacated"]);
        assert_eq!(
            outcome.frames,
            [outbound::member_removed("presence-room", "ada")]
        );
    }

    #[test]
    fn a_member_gone_from_this_node_but_present_on_another_stays() {
        let moved = Change {
            member: Some(Member::Left { user: "ada" }),
            before: occupancy(2, true),
            after: occupancy(1, true),
            here: 0,
            ..change("presence-room", 2, 1)
        };
        assert_eq!(outcome(&moved), Outcome::default());
    }
}
