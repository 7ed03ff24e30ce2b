//! Tests that open sockets by the thousand. They live in a binary of their own, so `cargo test`
//! runs them after the other integration tests rather than beside them, and they run one at a
//! time ([`one_at_a_time`]): side by side they would starve each other of cores and of this
//! process's open files. Each first checks that this process may open as many files as it needs
//! ([`open_files_for`]), so a low limit fails with a clear message instead of as a handshake
//! error deep inside the test.

mod connection_limits;
mod mass_disconnect;
mod slow_consumers;
// The harness is shared with the integration binary; not every helper is used here.
#[allow(dead_code)]
#[path = "../integration/support.rs"]
mod support;

use tokio::sync::{Mutex, MutexGuard};

/// Held for the whole of a heavy test (an async lock: every test has a runtime of its own).
pub async fn one_at_a_time() -> MutexGuard<'static, ()> {
    static HEAVY: Mutex<()> = Mutex::const_new(());
    HEAVY.lock().await
}

/// Raises this process's open-file limit to its hard limit and checks that `sockets` client
/// sockets fit under it, with room for the harness's own files.
pub fn open_files_for(sockets: u64) {
    const HARNESS_FILES: u64 = 200;
    let limit = sockudo::limits::raise_open_file_limit();
    assert!(
        limit >= sockets + HARNESS_FILES,
        "this test opens {sockets} sockets but the open-file limit is {limit}: \
         raise the hard limit (ulimit -Hn) to at least {}",
        sockets + HARNESS_FILES
    );
}
