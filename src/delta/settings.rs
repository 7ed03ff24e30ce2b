//! Which delta settings apply to a channel: the global `delta_compression` defaults, overridden by
//! the app's `channel_delta_compression` entry for that channel. An exact channel name wins; among
//! `*` patterns the most specific (most literal characters) wins, ties going to the pattern that
//! sorts first, so the outcome never depends on map order.

use super::Algorithm;
use serde::{Deserialize, Serialize};
use serde_json::Value;
use std::collections::BTreeMap;
use std::time::Duration;

/// The global defaults (config `delta_compression`).
#[derive(Debug, Clone)]
pub struct DeltaDefaults {
    pub enabled: bool,
    /// Used when a client enables deltas without naming algorithms.
    pub algorithm: Algorithm,
    /// Every n-th message of a stream goes out full (0: only when needed).
    pub full_message_interval: u32,
    /// Smaller `data` always goes out full.
    pub min_message_size: usize,
    /// A socket's position in a stream older than this is forgotten (its next message is full).
    pub max_state_age: Duration,
    /// Delta-enabled subscriptions one socket may hold; more subscribe without deltas.
    pub max_channel_states_per_socket: usize,
    /// Streams (conflation values) one channel tracks; the least recently used is dropped.
    pub max_conflation_states_per_channel: usize,
    pub conflation_key_path: Option<String>,
    pub omit_delta_algorithm: bool,
}

/// Messages of each stream kept as possible bases when nothing else is configured.
pub const DEFAULT_MESSAGES_PER_KEY: usize = 10;

/// What applies to one channel.
#[derive(Debug, Clone, PartialEq)]
pub struct ChannelDelta {
    /// The channel's own algorithm, used instead of the client's first choice (if the client
    /// listed it).
    pub algorithm: Option<Algorithm>,
    /// Dot path into the event's data JSON naming the stream (`symbol`, `quote.asset`).
    pub conflation_key: Option<String>,
    pub max_messages_per_key: usize,
    pub max_conflation_keys: usize,
    pub full_message_interval: u32,
    pub min_message_size: usize,
    pub max_state_age: Duration,
    pub omit_algorithm: bool,
}

/// The app's per-channel overrides, keyed by channel name or `*` pattern.
pub type ChannelOverrides = BTreeMap<String, ChannelMode>;

/// One override: a word (`inherit`, `disabled`, `fossil`, `xdelta3`) or an object.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(try_from = "Value", into = "Value")]
pub enum ChannelMode {
    Inherit,
    Disabled,
    Algorithm(Algorithm),
    Custom(CustomMode),
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CustomMode {
    #[serde(default = "enabled")]
    pub enabled: bool,
    #[serde(default)]
    pub algorithm: Option<Algorithm>,
    #[serde(default)]
    pub conflation_key: Option<String>,
    #[serde(default)]
    pub max_messages_per_key: Option<usize>,
    #[serde(default)]
    pub max_conflation_keys: Option<usize>,
}

fn enabled() -> bool {
    true
}

impl TryFrom<Value> for ChannelMode {
    type Error = String;

    fn try_from(value: Value) -> Result<Self, String> {
        match value {
            Value::String(word) => match word.to_ascii_lowercase().as_str() {
                "inherit" => Ok(ChannelMode::Inherit),
                "disabled" => Ok(ChannelMode::Disabled),
                other => Algorithm::parse(other).map(ChannelMode::Algorithm).ok_or_else(|| {
                    format!(
                        "unknown mode {word:?}; expected inherit, disabled, fossil, xdelta3 or an object"
                    )
                }),
            },
            Value::Object(_) => serde_json::from_value(value)
                .map(ChannelMode::Custom)
                .map_err(|e| e.to_string()),
            other => Err(format!(
                "expected a mode name or an object, found {other}"
            )),
        }
    }
}

impl From<ChannelMode> for Value {
    fn from(mode: ChannelMode) -> Value {
        match mode {
            ChannelMode::Inherit => "inherit".into(),
            ChannelMode::Disabled => "disabled".into(),
            ChannelMode::Algorithm(algorithm) => algorithm.name().into(),
            ChannelMode::Custom(custom) => {
                serde_json::to_value(custom).expect("plain struct serialises")
            }
        }
    }
}

/// The override that applies to `channel`, if any.
fn lookup<'a>(overrides: &'a ChannelOverrides, channel: &str) -> Option<&'a ChannelMode> {
    if let Some(exact) = overrides.get(channel) {
        return Some(exact);
    }
    overrides
        .iter()
        .filter(|(pattern, _)| pattern.contains('*') && crate::glob::matches(pattern, channel))
        // Most literal characters first; `min_by_key` keeps the first (sorted) of equals.
        .min_by_key(|(pattern, _)| std::cmp::Reverse(pattern.len() - pattern.matches('*').count()))
        .map(|(_, mode)| mode)
}

/// The settings for `channel`, or `None` when deltas are off for it.
pub fn resolve(
    defaults: &DeltaDefaults,
    overrides: Option<&ChannelOverrides>,
    channel: &str,
) -> Option<ChannelDelta> {
    if !defaults.enabled {
        return None;
    }
    let mut settings = ChannelDelta {
        algorithm: None,
        conflation_key: defaults.conflation_key_path.clone(),
        max_messages_per_key: DEFAULT_MESSAGES_PER_KEY,
        max_conflation_keys: defaults.max_conflation_states_per_channel,
        full_message_interval: defaults.full_message_interval,
        min_message_size: defaults.min_message_size,
        max_state_age: defaults.max_state_age,
        omit_algorithm: defaults.omit_delta_algorithm,
    };
    match overrides.and_then(|o| lookup(o, channel)) {
        None | Some(ChannelMode::Inherit) => {}
        Some(ChannelMode::Disabled) => return None,
        Some(ChannelMode::Algorithm(algorithm)) => settings.algorithm = Some(*algorithm),
        Some(ChannelMode::Custom(custom)) => {
            if !custom.enabled {
                return None;
            }
            settings.algorithm = custom.algorithm;
            if custom.conflation_key.is_some() {
                settings.conflation_key = custom.conflation_key.clone();
            }
            if let Some(n) = custom.max_messages_per_key {
                settings.max_messages_per_key = n.max(1);
            }
            if let Some(n) = custom.max_conflation_keys {
                settings.max_conflation_keys = n.max(1);
            }
        }
    }
    settings.conflation_key = settings.conflation_key.filter(|k| !k.is_empty());
    Some(settings)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn defaults() -> DeltaDefaults {
        DeltaDefaults {
            enabled: true,
            algorithm: Algorithm::Fossil,
            full_message_interval: 10,
            min_message_size: 100,
            max_state_age: Duration::from_secs(300),
            max_channel_states_per_socket: 100,
            max_conflation_states_per_channel: 100,
            conflation_key_path: None,
            omit_delta_algorithm: false,
        }
    }

    fn overrides(value: Value) -> ChannelOverrides {
        serde_json::from_value(value).expect("valid overrides")
    }

    #[test]
    fn exact_names_win_then_the_most_specific_pattern() {
        let o = overrides(json!({
            "*": "disabled",
            "ticker-*": {"conflation_key": "symbol", "algorithm": "xdelta3"},
            "ticker-fx-*": "fossil",
            "ticker-fx-eur": "inherit",
        }));
        let d = defaults();
        assert_eq!(resolve(&d, Some(&o), "chat"), None);
        let ticker = resolve(&d, Some(&o), "ticker-btc").unwrap();
        assert_eq!(ticker.algorithm, Some(Algorithm::Xdelta3));
        assert_eq!(ticker.conflation_key.as_deref(), Some("symbol"));
        let fx = resolve(&d, Some(&o), "ticker-fx-usd").unwrap();
        assert_eq!(fx.algorithm, Some(Algorithm::Fossil));
        assert_eq!(fx.conflation_key, None);
        assert_eq!(
            resolve(&d, Some(&o), "ticker-fx-eur").unwrap().algorithm,
            None
        );
    }

    #[test]
    fn equally_specific_patterns_resolve_the_same_way_every_time() {
        let o = overrides(json!({"a-*": "fossil", "*-b": "xdelta3"}));
        for _ in 0..3 {
            let chosen = resolve(&defaults(), Some(&o), "a-b").unwrap().algorithm;
            assert_eq!(chosen, Some(Algorithm::Xdelta3), "\"*-b\" sorts first");
        }
    }

    #[test]
    fn globally_disabled_means_no_channel_has_deltas() {
        let mut d = defaults();
        d.enabled = false;
        let o = overrides(json!({"x": "fossil"}));
        assert_eq!(resolve(&d, Some(&o), "x"), None);
    }

    #[test]
    fn bad_modes_are_refused_with_a_reason() {
        let error = serde_json::from_value::<ChannelOverrides>(json!({"x": "gzip"})).unwrap_err();
        assert!(
            error.to_string().contains("unknown mode \"gzip\""),
            "{error}"
        );
        let error = serde_json::from_value::<ChannelOverrides>(json!({"x": {"conflation": "s"}}))
            .unwrap_err();
        assert!(
            error.to_string().contains("unknown field `conflation`"),
            "{error}"
        );
        let round: ChannelOverrides =
            serde_json::from_value(json!({"x": "Fossil", "y": {"enabled": false}})).unwrap();
        let again: ChannelOverrides =
            serde_json::from_value(serde_json::to_value(&round).unwrap()).unwrap();
        assert_eq!(round, again);
    }
}
