//! Delta compression (PROTOCOL.md, "delta compression"): a socket that opted in receives, instead
//! of each event's full `data`, the difference from the previous message of the same *stream*
//! (channel, event name, conflation value).
//!
//! - [`Algorithm`]: the fossil and xdelta3 (VCDIFF) encoders.
//! - [`settings`]: what applies to one channel, from the global config and the app's per-channel
//!   overrides.
//! - [`streams`]: the per-channel message history and per-socket positions that decide, on each
//!   publish, who gets a full message and who a delta from which base, computing each delta once
//!   per group of sockets that share a base.

pub mod settings;
pub mod streams;

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Algorithm {
    #[serde(alias = "Fossil")]
    Fossil,
    #[serde(alias = "Xdelta3", alias = "vcdiff")]
    Xdelta3,
}

impl Algorithm {
    pub fn parse(name: &str) -> Option<Algorithm> {
        match name.to_ascii_lowercase().as_str() {
            "fossil" => Some(Algorithm::Fossil),
            "xdelta3" | "vcdiff" => Some(Algorithm::Xdelta3),
            _ => None,
        }
    }

    pub fn name(self) -> &'static str {
        match self {
            Algorithm::Fossil => "fossil",
            Algorithm::Xdelta3 => "xdelta3",
        }
    }

    /// The delta that rebuilds `target` from `base`; `None` if the encoder failed (the caller
    /// then sends the full message).
    pub fn encode(self, base: &[u8], target: &[u8]) -> Option<Vec<u8>> {
        match self {
            // fossil-delta takes the target first.
            Algorithm::Fossil => Some(fossil_delta::delta(target, base)),
            Algorithm::Xdelta3 => {
                let options = oxidelta::compress::CompressOptions {
                    // Adler-32 is an extension `@ably/vcdiff-decoder` refuses.
                    checksum: false,
                    ..Default::default()
                };
                let delta =
                    oxidelta::compress::encoder::encode_all(Vec::new(), base, target, options)
                        .ok()?;
                // oxidelta 0.1.4 can emit a wrong delta: two adjacent runs of different bytes
                // (`"0000000000xxxx..."`) come out as one run of the first byte (found by
                // fuzz/delta_roundtrip). Clients would silently get other data than was
                // published, so a delta that does not rebuild the target is not used.
                (self.decode(base, &delta).as_deref() == Some(target)).then_some(delta)
            }
        }
    }

    /// Applies a delta made by [`Algorithm::encode`]. Only for our own deltas (`encode`'s check,
    /// tests, `bench`): the decoders may panic on malformed input.
    pub fn decode(self, base: &[u8], delta: &[u8]) -> Option<Vec<u8>> {
        match self {
            Algorithm::Fossil => fossil_delta::apply(base, delta).ok(),
            Algorithm::Xdelta3 => oxidelta::compress::decoder::decode_all(base, delta).ok(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn names_parse_in_either_case() {
        assert_eq!(Algorithm::parse("Fossil"), Some(Algorithm::Fossil));
        assert_eq!(Algorithm::parse("xdelta3"), Some(Algorithm::Xdelta3));
        assert_eq!(Algorithm::parse("gzip"), None);
    }

    #[test]
    fn a_small_change_gives_a_small_delta() {
        let base = br#"{"symbol":"BTC","bid":"64000.10","ask":"64000.90","volume":"1234.5678","venue":"spot"}"#;
        let target = br#"{"symbol":"BTC","bid":"64000.20","ask":"64001.00","volume":"1234.5678","venue":"spot"}"#;
        for algorithm in [Algorithm::Fossil, Algorithm::Xdelta3] {
            let delta = algorithm.encode(base, target).unwrap();
            assert!(
                delta.len() < target.len() / 2,
                "{algorithm:?}: {}",
                delta.len()
            );
            assert_eq!(algorithm.decode(base, &delta).unwrap(), target);
        }
    }

    /// Regression (fuzz/delta_roundtrip): oxidelta encodes two adjacent runs of different bytes
    /// as one run of the first, so the client would decode `{"p":"000...0"}`. Such a delta must
    /// never be returned; the stream then sends the full message.
    #[test]
    fn a_delta_that_does_not_rebuild_the_target_is_never_returned() {
        let base = br#"{"p":"1"}"#;
        let target = format!(r#"{{"p":"{}{}"}}"#, "0".repeat(10), "x".repeat(100));
        for algorithm in [Algorithm::Fossil, Algorithm::Xdelta3] {
            if let Some(delta) = algorithm.encode(base, target.as_bytes()) {
                let decoded = algorithm.decode(base, &delta);
                assert_eq!(decoded.as_deref(), Some(target.as_bytes()), "{algorithm:?}");
            }
        }
    }

    /// A JSON-ish stream: a base document and a target made by random edits of it.
    fn base_and_target() -> impl Strategy<Value = (String, String)> {
        (
            "[a-z0-9\":,{} ]{0,600}",
            prop::collection::vec(
                (any::<prop::sample::Index>(), "[a-z0-9.\"]{0,12}", 0..8usize),
                0..8,
            ),
        )
            .prop_map(|(base, edits)| {
                let mut target = base.clone();
                for (at, insert, remove) in edits {
                    let start = if target.is_empty() {
                        0
                    } else {
                        at.index(target.len())
                    };
                    let end = (start + remove).min(target.len());
                    target.replace_range(start..end, &insert);
                }
                (base, target)
            })
    }

    proptest! {
        #[test]
        fn decode_of_encode_is_the_target((base, target) in base_and_target()) {
            for algorithm in [Algorithm::Fossil, Algorithm::Xdelta3] {
                let delta = algorithm.encode(base.as_bytes(), target.as_bytes()).unwrap();
                let decoded = algorithm.decode(base.as_bytes(), &delta).unwrap();
                prop_assert_eq!(decoded, target.as_bytes(), "{:?}", algorithm);
            }
        }

        #[test]
        fn unrelated_documents_round_trip(base in ".{0,300}", target in ".{0,300}") {
            for algorithm in [Algorithm::Fossil, Algorithm::Xdelta3] {
                let delta = algorithm.encode(base.as_bytes(), target.as_bytes()).unwrap();
                let decoded = algorithm.decode(base.as_bytes(), &delta).unwrap();
                prop_assert_eq!(decoded, target.as_bytes(), "{:?}", algorithm);
            }
        }
    }
}
