//! Latency histograms: HDR histograms of microseconds, merged across tasks and worker processes.
//!
//! Workers ship their histograms to the parent in JSON as base64 of the HDR V2 encoding, which is
//! lossless, so a merged histogram is exactly the one a single process would have recorded.
//!
//! This file only depends on external crates: the integration tests include it with `#[path]`.

use base64::Engine;
use hdrhistogram::serialization::{Deserializer, Serializer, V2Serializer};
use hdrhistogram::Histogram;
use serde::Serialize;

/// Largest value kept: one hour in microseconds. Larger values are clamped to it.
const HIGHEST_MICROS: u64 = 3_600_000_000;

/// A histogram of durations in microseconds, 3 significant figures.
#[derive(Clone)]
pub struct Latency {
    histogram: Histogram<u64>,
}

impl Default for Latency {
    fn default() -> Self {
        Latency::new()
    }
}

impl std::fmt::Debug for Latency {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Latency({:?})", self.summary())
    }
}

/// The percentiles a report shows, in milliseconds.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Summary {
    pub count: u64,
    pub p50_ms: f64,
    pub p90_ms: f64,
    pub p99_ms: f64,
    pub p999_ms: f64,
    pub max_ms: f64,
    pub mean_ms: f64,
}

impl Latency {
    pub fn new() -> Latency {
        Latency {
            histogram: Histogram::new_with_bounds(1, HIGHEST_MICROS, 3)
                .expect("valid histogram bounds"),
        }
    }

    pub fn record_micros(&mut self, micros: u64) {
        self.histogram
            .saturating_record(micros.clamp(1, HIGHEST_MICROS));
    }

    pub fn record(&mut self, elapsed: std::time::Duration) {
        self.record_micros(elapsed.as_micros().min(u128::from(u64::MAX)) as u64);
    }

    pub fn is_empty(&self) -> bool {
        self.histogram.is_empty()
    }

    /// Adds every sample of `other` (same bounds, so this cannot fail).
    pub fn merge(&mut self, other: &Latency) {
        self.histogram
            .add(&other.histogram)
            .expect("histograms with the same bounds merge");
    }

    pub fn summary(&self) -> Summary {
        let h = &self.histogram;
        Summary {
            count: h.len(),
            p50_ms: micros_to_ms(h.value_at_quantile(0.50)),
            p90_ms: micros_to_ms(h.value_at_quantile(0.90)),
            p99_ms: micros_to_ms(h.value_at_quantile(0.99)),
            p999_ms: micros_to_ms(h.value_at_quantile(0.999)),
            max_ms: micros_to_ms(h.max()),
            mean_ms: (h.mean() / 1000.0 * 1000.0).round() / 1000.0,
        }
    }

    /// Base64 of the HDR V2 encoding.
    pub fn encode(&self) -> String {
        let mut bytes = Vec::new();
        V2Serializer::new()
            .serialize(&self.histogram, &mut bytes)
            .expect("serialising into memory cannot fail");
        base64::engine::general_purpose::STANDARD.encode(bytes)
    }

    pub fn decode(text: &str) -> Result<Latency, String> {
        let bytes = base64::engine::general_purpose::STANDARD
            .decode(text)
            .map_err(|e| format!("histogram is not base64: {e}"))?;
        let decoded: Histogram<u64> = Deserializer::new()
            .deserialize(&mut bytes.as_slice())
            .map_err(|e| format!("histogram does not decode: {e:?}"))?;
        let mut latency = Latency::new();
        latency
            .histogram
            .add(&decoded)
            .map_err(|e| format!("histogram out of range: {e:?}"))?;
        Ok(latency)
    }
}

fn micros_to_ms(micros: u64) -> f64 {
    micros as f64 / 1000.0
}

/// In JSON a histogram is its base64 V2 encoding.
impl Serialize for Latency {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&self.encode())
    }
}

impl<'de> serde::Deserialize<'de> for Latency {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let text = String::deserialize(deserializer)?;
        Latency::decode(&text).map_err(serde::de::Error::custom)
    }
}
