//! Cluster bus messages: `adapter::fuzz_decode` on arbitrary bytes, as a node reads them from a
//! bus other software (or another deployment) may write to, with and without `adapter.secret`.
//!
//! Input: the raw message (a JSON header line, then the payload; or `sig:` and a signature line
//! before them).
//!
//! Checks: nothing panics, and nothing allocates without bound: a decoded `Snapshot` is expanded
//! into deltas only within `MAX_SNAPSHOT_SOCKETS` (decoding refuses absurd counts).

#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|message: &[u8]| {
    sockudo::adapter::fuzz_decode(message);
});
