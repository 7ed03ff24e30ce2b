//! Delta compression: for both algorithms, `Algorithm::decode(base, encode(base, target))` is
//! `target`, for arbitrary base and target.
//!
//! Input: `base`, a NUL byte, `target` (without a NUL, the two halves of the input).

#![no_main]

use libfuzzer_sys::fuzz_target;
use sockudo::delta::Algorithm;

fuzz_target!(|input: &[u8]| {
    let (base, target) = match input.iter().position(|&b| b == 0) {
        Some(at) => (&input[..at], &input[at + 1..]),
        None => input.split_at(input.len() / 2),
    };
    for algorithm in [Algorithm::Fossil, Algorithm::Xdelta3] {
        let Some(delta) = algorithm.encode(base, target) else {
            continue;
        };
        let decoded = algorithm.decode(base, &delta);
        assert_eq!(
            decoded.as_deref(),
            Some(target),
            "{algorithm:?}: decode(encode) is not the target"
        );
    }
});
