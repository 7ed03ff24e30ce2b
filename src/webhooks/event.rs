//! Webhook events, in exactly the shape Pusher sends them.

use serde_json::{json, Value};

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum WebhookEvent {
    ChannelOccupied {
        channel: String,
    },
    ChannelVacated {
        channel: String,
    },
    MemberAdded {
        channel: String,
        user_id: String,
    },
    MemberRemoved {
        channel: String,
        user_id: String,
    },
    ClientEvent {
        channel: String,
        event: String,
        data: String,
        socket_id: String,
        user_id: Option<String>,
    },
    CacheMiss {
        channel: String,
    },
    SubscriptionCount {
        channel: String,
        count: usize,
    },
}

impl WebhookEvent {
    /// The `name` field, which is also what a webhook's `event_types` lists.
    pub fn name(&self) -> &'static str {
        match self {
            WebhookEvent::ChannelOccupied { .. } => "channel_occupied",
            WebhookEvent::ChannelVacated { .. } => "channel_vacated",
            WebhookEvent::MemberAdded { .. } => "member_added",
            WebhookEvent::MemberRemoved { .. } => "member_removed",
            WebhookEvent::ClientEvent { .. } => "client_event",
            WebhookEvent::CacheMiss { .. } => "cache_miss",
            WebhookEvent::SubscriptionCount { .. } => "subscription_count",
        }
    }

    pub fn channel(&self) -> &str {
        match self {
            WebhookEvent::ChannelOccupied { channel }
            | WebhookEvent::ChannelVacated { channel }
            | WebhookEvent::MemberAdded { channel, .. }
            | WebhookEvent::MemberRemoved { channel, .. }
            | WebhookEvent::ClientEvent { channel, .. }
            | WebhookEvent::CacheMiss { channel }
            | WebhookEvent::SubscriptionCount { channel, .. } => channel,
        }
    }

    pub fn to_json(&self) -> Value {
        let name = self.name();
        match self {
            WebhookEvent::ChannelOccupied { channel }
            | WebhookEvent::ChannelVacated { channel }
            | WebhookEvent::CacheMiss { channel } => json!({ "name": name, "channel": channel }),
            WebhookEvent::MemberAdded { channel, user_id }
            | WebhookEvent::MemberRemoved { channel, user_id } => {
                json!({ "name": name, "channel": channel, "user_id": user_id })
            }
            WebhookEvent::ClientEvent {
                channel,
                event,
                data,
                socket_id,
                user_id,
            } => {
                let mut value = json!({
                    "name": name, "channel": channel, "event": event, "data": data, "socket_id": socket_id
                });
                if let Some(user_id) = user_id {
                    value["user_id"] = json!(user_id);
                }
                value
            }
            WebhookEvent::SubscriptionCount { channel, count } => {
                json!({ "name": name, "channel": channel, "subscription_count": count })
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shapes_match_pusher() {
        let event = WebhookEvent::MemberAdded {
            channel: "presence-a".into(),
            user_id: "1".into(),
        };
        assert_eq!(
            event.to_json(),
            json!({"name": "member_added", "channel": "presence-a", "user_id": "1"})
        );
        let event = WebhookEvent::ClientEvent {
            channel: "private-a".into(),
            event: "client-x".into(),
            data: "{\"a\":1}".into(),
            socket_id: "1.2".into(),
            user_id: None,
        };
        assert_eq!(
            event.to_json(),
            json!({"name": "client_event", "channel": "private-a", "event": "client-x", "data": "{\"a\":1}", "socket_id": "1.2"})
        );
        let count = WebhookEvent::SubscriptionCount {
            channel: "c".into(),
            count: 3,
        };
        assert_eq!(count.to_json()["subscription_count"], 3);
    }
}
