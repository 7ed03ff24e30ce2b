//! Which of an app's webhooks want an event: its `event_types` (empty means all) and its channel
//! `filter` (prefix, suffix, regular-expression pattern).

use super::WebhookEvent;
use crate::app::Webhook;
use regex::Regex;
use std::collections::HashMap;

/// Compiled `channel_pattern`s, kept because the same few patterns are matched again and again.
#[derive(Default)]
pub struct Router {
    patterns: HashMap<String, Option<Regex>>,
}

impl Router {
    pub fn wants(&mut self, webhook: &Webhook, event: &WebhookEvent) -> bool {
        if !wants_type(webhook, event.name()) {
            return false;
        }
        let Some(filter) = &webhook.filter else {
            return true;
        };
        let channel = event.channel();
        if filter
            .channel_prefix
            .as_deref()
            .is_some_and(|p| !channel.starts_with(p))
        {
            return false;
        }
        if filter
            .channel_suffix
            .as_deref()
            .is_some_and(|s| !channel.ends_with(s))
        {
            return false;
        }
        match filter.channel_pattern.as_deref() {
            None => true,
            Some(pattern) => {
                let compiled = self.patterns.entry(pattern.to_owned()).or_insert_with(|| {
                    let compiled = Regex::new(pattern);
                    if let Err(error) = &compiled {
                        tracing::warn!(pattern, %error, "webhook channel_pattern is invalid; it matches nothing");
                    }
                    compiled.ok()
                });
                compiled.as_ref().is_some_and(|re| re.is_match(channel))
            }
        }
    }
}

/// The cheap first check, done where events are born: does any webhook list this event type?
pub fn wants_type(webhook: &Webhook, name: &str) -> bool {
    webhook.event_types.is_empty() || webhook.event_types.iter().any(|t| t == name)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::app::WebhookFilter;

    fn hook(types: &[&str], filter: Option<WebhookFilter>) -> Webhook {
        Webhook {
            url: "http://x".into(),
            event_types: types.iter().map(|t| t.to_string()).collect(),
            filter,
            ..Webhook::default()
        }
    }

    #[test]
    fn types_and_filters_select_events() {
        let mut router = Router::default();
        let occupied = |c: &str| WebhookEvent::ChannelOccupied { channel: c.into() };
        assert!(router.wants(&hook(&[], None), &occupied("a")));
        assert!(!router.wants(&hook(&["channel_vacated"], None), &occupied("a")));
        let prefixed = hook(
            &["channel_occupied"],
            Some(WebhookFilter {
                channel_prefix: Some("private-".into()),
                ..Default::default()
            }),
        );
        assert!(router.wants(&prefixed, &occupied("private-x")));
        assert!(!router.wants(&prefixed, &occupied("public-x")));
        let suffixed = hook(
            &[],
            Some(WebhookFilter {
                channel_suffix: Some("-eu".into()),
                ..Default::default()
            }),
        );
        assert!(router.wants(&suffixed, &occupied("prices-eu")));
        assert!(!router.wants(&suffixed, &occupied("prices-us")));
        let pattern = hook(
            &[],
            Some(WebhookFilter {
                channel_pattern: Some("^room-[0-9]+$".into()),
                ..Default::default()
            }),
        );
        assert!(router.wants(&pattern, &occupied("room-42")));
        assert!(!router.wants(&pattern, &occupied("room-x")));
        let broken = hook(
            &[],
            Some(WebhookFilter {
                channel_pattern: Some("([".into()),
                ..Default::default()
            }),
        );
        assert!(!router.wants(&broken, &occupied("anything")));
    }
}
