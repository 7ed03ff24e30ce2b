//! systemd's readiness protocol (`sd_notify`): under `Type=notify` (contrib/sockudo.service),
//! systemd counts the service as started only when it is told `READY=1`, which `serve` sends
//! once its listeners are bound, and is told `STOPPING=1` when shutdown begins. Without
//! `$NOTIFY_SOCKET` (not under systemd) nothing is sent; a failed notification is logged, never
//! fatal.

use std::ffi::OsStr;
use std::os::unix::ffi::OsStrExt;
use std::os::unix::net::UnixDatagram;

pub fn notify(state: &str) {
    let Some(path) = std::env::var_os("NOTIFY_SOCKET") else {
        return;
    };
    if let Err(error) = send(&path, state) {
        tracing::warn!(%error, state, "cannot notify systemd");
    }
}

/// One datagram to `path`; a leading `@` names a socket in the abstract namespace.
fn send(path: &OsStr, state: &str) -> std::io::Result<()> {
    let socket = UnixDatagram::unbound()?;
    match path.as_bytes().strip_prefix(b"@") {
        Some(name) => {
            use std::os::linux::net::SocketAddrExt;
            let address = std::os::unix::net::SocketAddr::from_abstract_name(name)?;
            socket.send_to_addr(state.as_bytes(), &address)?;
        }
        None => {
            socket.send_to(state.as_bytes(), path)?;
        }
    }
    Ok(())
}
