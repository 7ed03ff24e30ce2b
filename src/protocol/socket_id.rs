//! Socket ids: `"{u32}.{u32}"`, the shape every server SDK validates (`^\d+\.\d+$`).

use std::fmt;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct SocketId(u64);

impl SocketId {
    /// A fresh random id. Random, not sequential, so ids do not collide across nodes.
    pub fn random() -> Self {
        let value: u64 = rand::random();
        // Keep both halves non-zero-length numbers; the value space is still 2^64.
        SocketId(value)
    }

    /// Parses the wire form; `None` for anything that is not two decimal u32s.
    pub fn parse(text: &str) -> Option<Self> {
        let (high, low) = text.split_once('.')?;
        let valid = |part: &str| !part.is_empty() && part.bytes().all(|b| b.is_ascii_digit());
        if !valid(high) || !valid(low) {
            return None;
        }
        let high: u32 = high.parse().ok()?;
        let low: u32 = low.parse().ok()?;
        Some(SocketId((u64::from(high) << 32) | u64::from(low)))
    }
}

impl fmt::Display for SocketId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}.{}", self.0 >> 32, self.0 & 0xffff_ffff)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips_and_matches_the_sdk_pattern() {
        for _ in 0..100 {
            let id = SocketId::random();
            let text = id.to_string();
            let (a, b) = text.split_once('.').unwrap();
            assert!(a.bytes().all(|c| c.is_ascii_digit()) && b.bytes().all(|c| c.is_ascii_digit()));
            assert_eq!(SocketId::parse(&text), Some(id));
        }
    }

    #[test]
    fn rejects_malformed_ids() {
        for bad in ["", "1", "1.", ".1", "a.1", "1.2.3", "-1.2", "99999999999.1"] {
            assert_eq!(SocketId::parse(bad), None, "{bad}");
        }
    }
}
