//! The main listener: `http_api`, `http`, `websocket`, `logging`, `console`, `cors`, `ssl`.

use crate::lenient;
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default)]
pub struct HttpApiConfig {
    /// Largest HTTP API request body, in MiB.
    #[serde(deserialize_with = "lenient::number")]
    pub request_limit_in_mb: u64,
}

/// Bounds on the main port's HTTP connections (before a WebSocket upgrade, and API calls), so a
/// client that opens connections and sends little or nothing cannot hold them.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default)]
pub struct HttpConfig {
    /// Seconds a connection has to send a whole request head (also between keep-alive requests).
    #[serde(deserialize_with = "lenient::number")]
    pub header_timeout_secs: u64,
    /// Seconds one request may take, body included, before it is answered 408.
    #[serde(deserialize_with = "lenient::number")]
    pub request_timeout_secs: u64,
    /// Connections this node holds in their HTTP phase at once (an upgraded WebSocket has left
    /// it); further ones are closed as soon as they are accepted.
    #[serde(deserialize_with = "lenient::number")]
    pub max_connections: usize,
}

impl Default for HttpConfig {
    fn default() -> Self {
        HttpConfig {
            header_timeout_secs: 15,
            request_timeout_secs: 30,
            max_connections: 4096,
        }
    }
}

impl Default for HttpApiConfig {
    fn default() -> Self {
        HttpApiConfig {
            request_limit_in_mb: 10,
        }
    }
}

/// Per-socket transport settings (Sockudo's `websocket` section).
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default)]
pub struct WebsocketConfig {
    /// Frames one socket may have queued for sending before the slow-consumer policy applies.
    #[serde(deserialize_with = "lenient::number")]
    pub max_messages: usize,
    /// Bytes one socket may have queued for sending before the slow-consumer policy applies.
    #[serde(deserialize_with = "lenient::number")]
    pub max_bytes: usize,
    /// When the queue is full: `true` closes the socket with 4100, `false` drops the frame.
    #[serde(deserialize_with = "lenient::boolean")]
    pub disconnect_on_buffer_full: bool,
    /// Largest WebSocket frame accepted, in bytes (messages are capped by `websocket_max_payload_kb`).
    #[serde(deserialize_with = "lenient::number")]
    pub max_frame_size: usize,
    #[serde(deserialize_with = "lenient::number")]
    pub write_buffer_size: usize,
    /// Largest WebSocket message the transport reads, in bytes; unset: twice
    /// `websocket_max_payload_kb`, so an oversized Pusher message still gets its error and 1009.
    #[serde(deserialize_with = "lenient::optional_number")]
    pub max_message_size: Option<usize>,
    /// Encoded bytes the transport may hold for one socket before a write waits (the per-socket
    /// queue above is what bounds memory; this tunes batching).
    #[serde(deserialize_with = "lenient::number")]
    pub max_backpressure: usize,
    /// WebSocket-level pings after `ping_interval` seconds of client silence (Pusher-level
    /// pings, `activity_timeout`, are separate and always on).
    #[serde(deserialize_with = "lenient::boolean")]
    pub auto_ping: bool,
    #[serde(deserialize_with = "lenient::number")]
    pub ping_interval: u32,
    /// Seconds of client silence after which the transport closes the socket (0: never).
    #[serde(deserialize_with = "lenient::number")]
    pub idle_timeout: u32,
    /// permessage-deflate: `disabled`, `dedicated`, `shared`, or a window size `window1kb` ...
    /// `window32kb`.
    pub compression: String,
}

impl Default for WebsocketConfig {
    fn default() -> Self {
        WebsocketConfig {
            max_messages: 1000,
            max_bytes: 1024 * 1024,
            disconnect_on_buffer_full: true,
            max_frame_size: 128 * 1024,
            write_buffer_size: 16 * 1024,
            max_message_size: None,
            max_backpressure: 1024 * 1024,
            auto_ping: true,
            ping_interval: 30,
            idle_timeout: 120,
            compression: "disabled".into(),
        }
    }
}

impl WebsocketConfig {
    /// The permessage-deflate mode named by `compression`.
    pub fn compression_mode(&self) -> Result<sockudo_ws::Compression, String> {
        use sockudo_ws::Compression::*;
        Ok(match self.compression.to_ascii_lowercase().as_str() {
            "disabled" | "none" | "off" | "" => Disabled,
            "dedicated" => Dedicated,
            "shared" => Shared,
            "window1kb" => Window1KB,
            "window2kb" => Window2KB,
            "window4kb" => Window4KB,
            "window8kb" => Window8KB,
            "window16kb" => Window16KB,
            "window32kb" => Window32KB,
            "window256b" | "window512b" => {
                return Err(format!(
                    "websocket.compression: {:?} is smaller than the transport supports; the smallest window is \"window1kb\"",
                    self.compression
                ))
            }
            _ => {
                return Err(format!(
                    "websocket.compression: unknown mode {:?}; use \"disabled\", \"dedicated\", \"shared\" or \"window1kb\" ... \"window32kb\"",
                    self.compression
                ))
            }
        })
    }
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default)]
pub struct LoggingConfig {
    /// `human` (default) or `json`.
    pub format: Option<String>,
    /// Colour in human logs: still only on a terminal, and never with `NO_COLOR` set.
    #[serde(deserialize_with = "lenient::boolean")]
    pub colors_enabled: bool,
    /// Each line names the module that logged it.
    #[serde(deserialize_with = "lenient::boolean")]
    pub include_target: bool,
}

impl Default for LoggingConfig {
    fn default() -> Self {
        LoggingConfig {
            format: None,
            colors_enabled: true,
            include_target: true,
        }
    }
}

impl LoggingConfig {
    /// Whether human logs get colour codes: asked for, written to a terminal, and `NO_COLOR`
    /// (no-color.org) unset.
    pub fn colour(&self, terminal: bool, no_color: bool) -> bool {
        self.colors_enabled && terminal && !no_color
    }
}

/// The web console (`sockudo serve --console`): a page on the main port to watch and drive
/// channels. Loopback clients only, unless the request carries `token`.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default)]
pub struct ConsoleConfig {
    #[serde(deserialize_with = "lenient::boolean")]
    pub enabled: bool,
    /// Where the page is served; its API lives under `{path}/api`.
    pub path: String,
    /// Admin token that lets non-loopback clients in (header or `?token=`); `None`: loopback only.
    pub token: Option<String>,
}

impl Default for ConsoleConfig {
    fn default() -> Self {
        ConsoleConfig {
            enabled: false,
            path: "/console".into(),
            token: None,
        }
    }
}

/// Cross-origin access to the HTTP server for browsers (see docs/configuration.md).
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default)]
pub struct CorsConfig {
    /// Let browsers send cookies and Authorization; with origin `*` the request's origin is
    /// echoed back, as browsers refuse `*` with credentials.
    #[serde(deserialize_with = "lenient::boolean")]
    pub credentials: bool,
    /// Allowed origins: `*`, exact origins, or patterns with `*` (`https://*.example.com`).
    pub origin: Vec<String>,
    pub methods: Vec<String>,
    pub allowed_headers: Vec<String>,
}

impl Default for CorsConfig {
    fn default() -> Self {
        CorsConfig {
            credentials: false,
            origin: vec!["*".into()],
            methods: vec!["GET".into(), "POST".into(), "OPTIONS".into()],
            allowed_headers: vec![
                "Authorization".into(),
                "Content-Type".into(),
                "X-Requested-With".into(),
                "Accept".into(),
            ],
        }
    }
}

/// TLS on the main listener (Sockudo's `ssl`; see docs/configuration.md#tls). The metrics
/// listener stays plain HTTP.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default)]
pub struct SslConfig {
    #[serde(deserialize_with = "lenient::boolean")]
    pub enabled: bool,
    /// PEM certificate chain, leaf first (Let's Encrypt's `fullchain.pem`).
    pub cert_path: String,
    /// PEM private key: PKCS#8, RSA (PKCS#1) or EC (SEC1); or PKCS#8-encrypted with `passphrase`.
    pub key_path: String,
    pub passphrase: Option<String>,
    /// PEM CA bundle; when set, clients must present a certificate it signed (mutual TLS).
    pub ca_path: Option<String>,
    /// Also listen for plain HTTP on `http_port` and redirect every request to https.
    #[serde(deserialize_with = "lenient::boolean")]
    pub redirect_http: bool,
    #[serde(deserialize_with = "lenient::number")]
    pub http_port: u16,
}

impl Default for SslConfig {
    fn default() -> Self {
        SslConfig {
            enabled: false,
            cert_path: String::new(),
            key_path: String::new(),
            passphrase: None,
            ca_path: None,
            redirect_http: false,
            http_port: 80,
        }
    }
}

impl SslConfig {
    /// With TLS on, the problems this section has on its own (the files are read by
    /// `tls::file_problems`, which `serve` and `config check` add: config reads no files).
    pub(super) fn problems(&self, port: u16) -> Vec<String> {
        if self.enabled && self.redirect_http && self.http_port == port && port != 0 {
            return vec![format!(
                "ssl.http_port: {} is also `port`; the redirect needs a port of its own",
                self.http_port
            )];
        }
        Vec::new()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn logs_are_coloured_only_on_a_terminal_when_asked_and_without_no_color() {
        let logging = LoggingConfig::default();
        assert!(logging.colour(true, false));
        assert!(
            !logging.colour(false, false),
            "journald, files, docker logs"
        );
        assert!(!logging.colour(true, true), "NO_COLOR");
        let off = LoggingConfig {
            colors_enabled: false,
            ..logging
        };
        assert!(!off.colour(true, false));
    }
}
