//! The `metrics` section: the Prometheus listener.

use super::MetricsDriver;
use crate::lenient;
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default)]
pub struct MetricsConfig {
    #[serde(deserialize_with = "lenient::boolean")]
    pub enabled: bool,
    pub driver: MetricsDriver,
    pub host: String,
    #[serde(deserialize_with = "lenient::number")]
    pub port: u16,
    pub prometheus: PrometheusConfig,
    /// Bearer token for `GET /stats` (what `sockudo top` reads); without one, only loopback
    /// clients get stats.
    pub stats_token: Option<String>,
}

impl Default for MetricsConfig {
    fn default() -> Self {
        MetricsConfig {
            enabled: true,
            driver: MetricsDriver::Prometheus,
            host: "0.0.0.0".into(),
            port: 9601,
            prometheus: PrometheusConfig::default(),
            stats_token: None,
        }
    }
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default)]
pub struct PrometheusConfig {
    pub prefix: String,
}

impl Default for PrometheusConfig {
    fn default() -> Self {
        PrometheusConfig {
            prefix: "sockudo_".into(),
        }
    }
}
