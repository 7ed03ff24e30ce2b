//! Socket settings shared by the plain and the TLS listener.

use tokio::net::TcpStream;

/// Turns Nagle's algorithm off for an accepted connection. sockudo-ws already gathers what is
/// ready into one write, so Nagle can only hold a frame back until the client acknowledges the
/// one before, and clients delay acknowledgements by up to 40 ms.
pub fn send_without_delay(tcp: &TcpStream) {
    if let Err(error) = tcp.set_nodelay(true) {
        tracing::debug!(%error, "could not set TCP_NODELAY");
    }
}
