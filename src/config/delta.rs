//! `delta_compression` and `tag_filtering`.

use crate::delta::Algorithm;
use crate::lenient;
use serde::{Deserialize, Serialize};

/// Delta compression for clients that opt in (see docs/delta-compression.md).
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default)]
pub struct DeltaCompressionConfig {
    /// Off: clients asking for deltas are told so, and get plain frames.
    #[serde(deserialize_with = "lenient::boolean")]
    pub enabled: bool,
    /// For clients that enable deltas without naming algorithms.
    pub algorithm: Algorithm,
    /// Every n-th message of a stream goes out full (0: only when needed).
    #[serde(deserialize_with = "lenient::number")]
    pub full_message_interval: u32,
    /// Event data smaller than this many bytes always goes out full.
    #[serde(deserialize_with = "lenient::number")]
    pub min_message_size: usize,
    /// A socket's place in a stream is forgotten after this many seconds without a message.
    #[serde(deserialize_with = "lenient::number")]
    pub max_state_age_secs: u64,
    /// Delta-enabled subscriptions per socket; further ones get plain frames.
    #[serde(deserialize_with = "lenient::number")]
    pub max_channel_states_per_socket: usize,
    /// Streams (conflation values) tracked per channel; the least recently used is dropped.
    #[serde(deserialize_with = "lenient::number")]
    pub max_conflation_states_per_channel: usize,
    /// Dot path into each event's data JSON that names its stream, e.g. `symbol`.
    pub conflation_key_path: Option<String>,
    /// Accepted for Sockudo compatibility and ignored: sequence numbers here are per node, and a
    /// socket is only ever on one node, so nodes need not agree on them.
    #[serde(deserialize_with = "lenient::boolean")]
    pub cluster_coordination: bool,
    /// Leave `algorithm` out of delta messages (the client knows what it negotiated).
    #[serde(deserialize_with = "lenient::boolean")]
    pub omit_delta_algorithm: bool,
}

impl Default for DeltaCompressionConfig {
    fn default() -> Self {
        DeltaCompressionConfig {
            enabled: true,
            algorithm: Algorithm::Fossil,
            full_message_interval: 10,
            min_message_size: 100,
            max_state_age_secs: 300,
            max_channel_states_per_socket: 100,
            max_conflation_states_per_channel: 100,
            conflation_key_path: None,
            cluster_coordination: false,
            omit_delta_algorithm: false,
        }
    }
}

/// Server-side tag filtering (see docs/tag-filtering.md).
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default)]
pub struct TagFilteringConfig {
    /// Off: subscriptions with a filter are refused.
    #[serde(deserialize_with = "lenient::boolean")]
    pub enabled: bool,
    /// Delivered frames carry the event's `tags` (only while filtering is enabled).
    #[serde(deserialize_with = "lenient::boolean")]
    pub enable_tags: bool,
}

impl Default for TagFilteringConfig {
    fn default() -> Self {
        TagFilteringConfig {
            enabled: false,
            enable_tags: true,
        }
    }
}
