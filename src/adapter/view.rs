//! What this node knows of the other nodes: per node, its subscriber counts, presence members and
//! signed-in users, kept up to date from their deltas and snapshots. Pure data; the cluster module
//! decides what a change means for local sockets.

use serde::{Deserialize, Serialize};
use serde_json::Value;
use std::collections::HashMap;
use std::time::Instant;

/// One change of one node's state.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "t")]
pub enum Delta {
    Sub {
        app: String,
        channel: String,
    },
    Unsub {
        app: String,
        channel: String,
    },
    Join {
        app: String,
        channel: String,
        user: String,
        info: Value,
    },
    Leave {
        app: String,
        channel: String,
        user: String,
    },
    Online {
        app: String,
        user: String,
    },
    Offline {
        app: String,
        user: String,
    },
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct ChannelState {
    pub subscribers: usize,
    /// User id -> (sockets, user_info).
    pub members: HashMap<String, (usize, Value)>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct AppState {
    pub channels: HashMap<String, ChannelState>,
    /// Signed-in user id -> sockets.
    pub users: HashMap<String, usize>,
}

/// The most subscriptions plus signed-in sockets one node's snapshot may claim. A snapshot is
/// expanded into one delta per socket, so a larger claim (a bug, or software sharing the bus) is
/// refused rather than allocated; a real node holds far fewer sockets than this.
pub const MAX_SNAPSHOT_SOCKETS: usize = 1 << 24;

/// Everything one node holds, as the cluster needs to know it.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct NodeState {
    pub apps: HashMap<String, AppState>,
}

impl NodeState {
    /// Whether the counts are possible: each channel's member sockets within its subscribers,
    /// and everything together within [`MAX_SNAPSHOT_SOCKETS`].
    pub fn is_plausible(&self) -> bool {
        let mut total: usize = 0;
        let mut add = |count: usize| {
            total = total.saturating_add(count);
            total <= MAX_SNAPSHOT_SOCKETS
        };
        self.apps.values().all(|app| {
            app.channels.values().all(|channel| {
                let members = channel
                    .members
                    .values()
                    .try_fold(0usize, |sum, (sockets, _)| sum.checked_add(*sockets));
                members.is_some_and(|members| members <= channel.subscribers)
                    && add(channel.subscribers)
            }) && app.users.values().all(|sockets| add(*sockets))
        })
    }

    pub fn apply(&mut self, delta: &Delta) {
        match delta {
            Delta::Sub { app, channel } => {
                let state = self.channel(app, channel);
                state.subscribers = state.subscribers.saturating_add(1);
            }
            Delta::Unsub { app, channel } => {
                let state = self.channel(app, channel);
                state.subscribers = state.subscribers.saturating_sub(1);
                self.prune(app, channel);
            }
            Delta::Join {
                app,
                channel,
                user,
                info,
            } => {
                let state = self.channel(app, channel);
                state.subscribers = state.subscribers.saturating_add(1);
                let member = state
                    .members
                    .entry(user.clone())
                    .or_insert((0, info.clone()));
                member.0 = member.0.saturating_add(1);
            }
            Delta::Leave { app, channel, user } => {
                let state = self.channel(app, channel);
                state.subscribers = state.subscribers.saturating_sub(1);
                if let Some(member) = state.members.get_mut(user) {
                    member.0 = member.0.saturating_sub(1);
                    if member.0 == 0 {
                        state.members.remove(user);
                    }
                }
                self.prune(app, channel);
            }
            Delta::Online { app, user } => {
                let sockets = self
                    .apps
                    .entry(app.clone())
                    .or_default()
                    .users
                    .entry(user.clone())
                    .or_default();
                *sockets = sockets.saturating_add(1);
            }
            Delta::Offline { app, user } => {
                if let Some(state) = self.apps.get_mut(app) {
                    if let Some(count) = state.users.get_mut(user) {
                        *count = count.saturating_sub(1);
                        if *count == 0 {
                            state.users.remove(user);
                        }
                    }
                }
            }
        }
    }

    fn channel(&mut self, app: &str, channel: &str) -> &mut ChannelState {
        self.apps
            .entry(app.to_owned())
            .or_default()
            .channels
            .entry(channel.to_owned())
            .or_default()
    }

    fn prune(&mut self, app: &str, channel: &str) {
        if let Some(state) = self.apps.get_mut(app) {
            if state
                .channels
                .get(channel)
                .is_some_and(|c| c.subscribers == 0)
            {
                state.channels.remove(channel);
            }
        }
    }

    /// The deltas that turn an empty state into this one.
    pub fn as_deltas(&self) -> Vec<Delta> {
        let mut deltas = Vec::new();
        for (app, state) in &self.apps {
            for (channel, channel_state) in &state.channels {
                let mut joined = 0;
                for (user, (sockets, info)) in &channel_state.members {
                    for _ in 0..*sockets {
                        deltas.push(Delta::Join {
                            app: app.clone(),
                            channel: channel.clone(),
                            user: user.clone(),
                            info: info.clone(),
                        });
                        joined += 1;
                    }
                }
                for _ in joined..channel_state.subscribers {
                    deltas.push(Delta::Sub {
                        app: app.clone(),
                        channel: channel.clone(),
                    });
                }
            }
            for (user, sockets) in &state.users {
                for _ in 0..*sockets {
                    deltas.push(Delta::Online {
                        app: app.clone(),
                        user: user.clone(),
                    });
                }
            }
        }
        deltas
    }

    /// The deltas that empty this state (what a node's death means).
    pub fn as_removals(&self) -> Vec<Delta> {
        self.as_deltas().iter().map(Self::removal_of).collect()
    }

    /// The delta that undoes `delta`.
    pub fn removal_of(delta: &Delta) -> Delta {
        match delta.clone() {
            Delta::Sub { app, channel } => Delta::Unsub { app, channel },
            Delta::Join {
                app, channel, user, ..
            } => Delta::Leave { app, channel, user },
            Delta::Online { app, user } => Delta::Offline { app, user },
            other => other,
        }
    }
}

pub struct RemoteNode {
    pub state: NodeState,
    pub last_seq: u64,
    pub last_seen: Instant,
    /// Declared dead: its state is being removed, and it owns nothing any more, so the live
    /// nodes send the webhooks of that removal.
    pub buried: bool,
}

/// The other nodes.
#[derive(Default)]
pub struct RemoteView {
    pub nodes: HashMap<String, RemoteNode>,
}

impl RemoteView {
    pub fn subscribers(&self, app: &str, channel: &str) -> usize {
        self.channels_of(app, channel).map(|c| c.subscribers).sum()
    }

    pub fn has_member(&self, app: &str, channel: &str, user: &str) -> bool {
        self.channels_of(app, channel)
            .any(|c| c.members.contains_key(user))
    }

    /// Every remote member of a channel, each once, with the info the first node reported.
    pub fn members(&self, app: &str, channel: &str) -> HashMap<String, Value> {
        let mut members = HashMap::new();
        for state in self.channels_of(app, channel) {
            for (user, (_, info)) in &state.members {
                members.entry(user.clone()).or_insert_with(|| info.clone());
            }
        }
        members
    }

    pub fn is_online(&self, app: &str, user: &str) -> bool {
        self.nodes.values().any(|n| {
            n.state
                .apps
                .get(app)
                .is_some_and(|a| a.users.contains_key(user))
        })
    }

    /// Occupied channels of `app` on other nodes, with subscriber counts and member ids.
    pub fn channels(&self, app: &str) -> HashMap<String, (usize, Vec<String>)> {
        let mut channels: HashMap<String, (usize, Vec<String>)> = HashMap::new();
        for node in self.nodes.values() {
            let Some(state) = node.state.apps.get(app) else {
                continue;
            };
            for (channel, channel_state) in &state.channels {
                let entry = channels.entry(channel.clone()).or_default();
                entry.0 += channel_state.subscribers;
                entry.1.extend(channel_state.members.keys().cloned());
            }
        }
        channels
    }

    fn channels_of<'a>(
        &'a self,
        app: &'a str,
        channel: &'a str,
    ) -> impl Iterator<Item = &'a ChannelState> + 'a {
        self.nodes
            .values()
            .filter_map(move |n| n.state.apps.get(app).and_then(|a| a.channels.get(channel)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn join(user: &str) -> Delta {
        Delta::Join {
            app: "a".into(),
            channel: "presence-c".into(),
            user: user.into(),
            info: json!({"n": user}),
        }
    }

    #[test]
    fn deltas_build_and_removals_empty_a_state() {
        let mut state = NodeState::default();
        for delta in [
            join("1"),
            join("1"),
            join("2"),
            Delta::Sub {
                app: "a".into(),
                channel: "pub".into(),
            },
            Delta::Online {
                app: "a".into(),
                user: "1".into(),
            },
        ] {
            state.apply(&delta);
        }
        let channel = &state.apps["a"].channels["presence-c"];
        assert_eq!(channel.subscribers, 3);
        assert_eq!(channel.members["1"].0, 2);

        let mut rebuilt = NodeState::default();
        for delta in state.as_deltas() {
            rebuilt.apply(&delta);
        }
        assert_eq!(rebuilt, state);
        for delta in state.as_removals() {
            rebuilt.apply(&delta);
        }
        assert!(rebuilt.apps["a"].channels.is_empty());
        assert!(rebuilt.apps["a"].users.is_empty());
    }

    #[test]
    fn the_view_merges_nodes() {
        let mut view = RemoteView::default();
        for (node, user) in [("n1", "1"), ("n2", "1"), ("n2", "2")] {
            let entry = view.nodes.entry(node.into()).or_insert_with(|| RemoteNode {
                state: NodeState::default(),
                last_seq: 0,
                last_seen: Instant::now(),
                buried: false,
            });
            entry.state.apply(&join(user));
        }
        assert_eq!(view.subscribers("a", "presence-c"), 3);
        assert_eq!(view.members("a", "presence-c").len(), 2);
        assert!(view.has_member("a", "presence-c", "2"));
        assert!(!view.has_member("a", "presence-c", "3"));
        let channels = view.channels("a");
        assert_eq!(channels["presence-c"].0, 3);
    }
}
