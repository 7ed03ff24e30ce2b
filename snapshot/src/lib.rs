//! The stats snapshot a server serves at `GET /stats` on its metrics listener: the wire format
//! shared by the server (which builds it) and the dashboard (which reads it). A crate of its own
//! so that each depends on it and neither on the other.

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Snapshot {
    pub version: String,
    pub node_id: String,
    /// Nodes in the cluster, this one included (1 with the local adapter).
    pub nodes: usize,
    pub uptime_secs: u64,
    /// Sockets connected to this node now.
    pub connections: u64,
    /// This node's counters since it started.
    pub totals: Totals,
    pub apps: Vec<AppStats>,
    /// The busiest channels (by subscribers, cluster-wide), at most a bounded number.
    pub channels: Vec<ChannelStats>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Totals {
    pub connections: u64,
    pub disconnections: u64,
    pub messages_in: u64,
    pub messages_out: u64,
    pub bytes_in: u64,
    pub bytes_out: u64,
    pub http_calls: u64,
    pub webhooks_sent: u64,
    pub webhooks_failed: u64,
    pub webhooks_queued: u64,
    /// Bytes of the messages delta compression replaced, and bytes it sent instead.
    pub delta_bytes_original: u64,
    pub delta_bytes_sent: u64,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct AppStats {
    pub id: String,
    pub connections: u64,
    pub channels: u64,
    pub messages_in: u64,
    pub messages_out: u64,
    /// Times a limit refused something (client event rate, quotas).
    pub limits_hit: u64,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct ChannelStats {
    pub app: String,
    pub name: String,
    pub kind: String,
    pub subscribers: u64,
    pub members: u64,
    /// Events published to the channel through this node since it started.
    pub messages: u64,
    /// Bytes delta compression saved on this channel (0 while no subscriber uses it).
    #[serde(default)]
    pub delta_bytes_saved: u64,
}
