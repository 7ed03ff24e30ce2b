//! The generator's client side: where the server is, opening a Pusher WebSocket connection with the
//! sockudo-ws client (optionally from a chosen source address), and why a connection failed.

use anyhow::Context;
use bytes::Bytes;
use sockudo_ws::client::WebSocketClient;
use sockudo_ws::{Config, Http1, Message, SplitReader, SplitWriter};
use std::net::{IpAddr, SocketAddr};
use std::time::Duration;
use tokio::net::{TcpSocket, TcpStream};
use tokio::time::Instant;

/// The server under test and the app the generator acts for.
#[derive(Debug, Clone)]
pub struct Target {
    /// As given, e.g. `http://127.0.0.1:6001`.
    pub url: String,
    /// `host:port`, for the Host header.
    pub authority: String,
    pub addr: SocketAddr,
    pub app_id: String,
    pub key: String,
    pub secret: String,
}

impl Target {
    pub async fn resolve(
        url: &str,
        app_id: String,
        key: String,
        secret: String,
    ) -> anyhow::Result<Target> {
        let (scheme, rest) = url.split_once("://").unwrap_or(("http", url));
        match scheme {
            "http" | "ws" => {}
            "https" | "wss" => anyhow::bail!(
                "--url {url}: TLS is not supported by the generator; point it at the server's plain port"
            ),
            other => anyhow::bail!("--url {url}: unknown scheme {other:?} (use http:// or ws://)"),
        }
        let authority = rest.split('/').next().unwrap_or_default();
        if authority.is_empty() {
            anyhow::bail!("--url {url} has no host");
        }
        let authority = if authority
            .rsplit_once(':')
            .is_some_and(|(_, p)| p.parse::<u16>().is_ok())
        {
            authority.to_owned()
        } else {
            format!("{authority}:80")
        };
        let addr = tokio::net::lookup_host(&authority)
            .await
            .with_context(|| format!("cannot resolve {authority}"))?
            .next()
            .with_context(|| format!("{authority} resolves to no address"))?;
        Ok(Target {
            url: url.to_owned(),
            authority,
            addr,
            app_id,
            key,
            secret,
        })
    }

    fn ws_path(&self) -> String {
        format!(
            "/app/{}?protocol=7&client=sockudo-bench&version={}&flash=false",
            self.key,
            env!("CARGO_PKG_VERSION")
        )
    }
}

pub type Reader = SplitReader<TcpStream>;
pub type Writer = SplitWriter<TcpStream>;

/// Why one connection did not get as far as it should have.
#[derive(Debug, Clone)]
pub enum Failure {
    /// TCP connect failed (refused, no ephemeral port, ...).
    Connect(String),
    /// The HTTP upgrade failed.
    Handshake(String),
    /// The server sent `pusher:error` (code, message) or closed with a code before we were ready.
    Refused(Option<u16>, String),
    /// Nothing arrived in time.
    Timeout(&'static str),
    /// The connection ended without a close code.
    Dropped(String),
}

impl Failure {
    /// A short stable label to count failures by.
    pub fn kind(&self) -> String {
        match self {
            Failure::Connect(e) => format!("tcp connect: {e}"),
            Failure::Handshake(e) => format!("websocket handshake: {e}"),
            Failure::Refused(Some(code), _) => format!("refused with {code}"),
            Failure::Refused(None, message) => format!("refused: {message}"),
            Failure::Timeout(what) => format!("timeout waiting for {what}"),
            Failure::Dropped(e) => format!("dropped: {e}"),
        }
    }

    /// Failures that will not go away by retrying: a wrong key, a disabled app, a full quota.
    /// The first one stops the run with an explanation instead of counting thousands of them.
    pub fn fatal_explanation(&self, target: &Target) -> Option<String> {
        match self {
            Failure::Connect(e) if e.contains("refused") => Some(format!(
                "connection refused at {}: is the server running there? (--url)",
                target.addr
            )),
            Failure::Refused(Some(code @ 4000..=4099), message) => {
                let hint = match code {
                    4001 => " (check --key: the server does not know this app key)",
                    4003 => " (the app is disabled)",
                    4004 => " (the app is over its connection quota)",
                    _ => "",
                };
                Some(format!(
                    "the server refused the connection with {code}: {message}{hint}"
                ))
            }
            _ => None,
        }
    }
}

/// Opens a TCP connection, from `source` when given. With a source address the port is picked at
/// connect time (IP_BIND_ADDRESS_NO_PORT), so every source address has its own ephemeral range.
pub async fn tcp_connect(addr: SocketAddr, source: Option<IpAddr>) -> std::io::Result<TcpStream> {
    let socket = if addr.is_ipv4() {
        TcpSocket::new_v4()?
    } else {
        TcpSocket::new_v6()?
    };
    if let Some(ip) = source {
        #[cfg(target_os = "linux")]
        {
            use std::os::fd::AsRawFd;
            let one: libc::c_int = 1;
            // SAFETY: setsockopt on a socket we own, with a pointer to a live c_int.
            unsafe {
                libc::setsockopt(
                    socket.as_raw_fd(),
                    libc::IPPROTO_IP,
                    libc::IP_BIND_ADDRESS_NO_PORT,
                    &one as *const libc::c_int as *const libc::c_void,
                    std::mem::size_of::<libc::c_int>() as libc::socklen_t,
                );
            }
        }
        socket.bind(SocketAddr::new(ip, 0))?;
    }
    let stream = socket.connect(addr).await?;
    stream.set_nodelay(true)?;
    Ok(stream)
}

fn ws_config() -> Config {
    Config {
        auto_ping: false,
        idle_timeout: 0,
        write_buffer_size: 1024,
        max_message_size: 1 << 20,
        max_frame_size: 1 << 20,
        ..Config::default()
    }
}

/// A connected Pusher socket.
pub struct Connection {
    pub reader: Reader,
    pub writer: Writer,
    pub socket_id: String,
}

/// Connects, performs the WebSocket upgrade and reads `pusher:connection_established`.
pub async fn connect(
    target: &Target,
    source: Option<IpAddr>,
    deadline: Instant,
) -> Result<Connection, Failure> {
    let work = async {
        let stream = tcp_connect(target.addr, source)
            .await
            .map_err(|e| Failure::Connect(io_label(&e)))?;
        let (ws, _) = WebSocketClient::<Http1>::new(ws_config())
            .connect_raw(stream, &target.authority, &target.ws_path(), None)
            .await
            .map_err(|e| Failure::Handshake(e.to_string()))?;
        let (mut reader, writer) = ws.split();
        let frame = next_text(&mut reader).await?;
        let text = String::from_utf8_lossy(&frame);
        if !text.contains("pusher:connection_established") {
            return Err(refusal(&text));
        }
        let socket_id = socket_id(&text).ok_or_else(|| {
            Failure::Refused(
                None,
                format!("connection_established without socket_id: {text}"),
            )
        })?;
        Ok(Connection {
            reader,
            writer,
            socket_id,
        })
    };
    match tokio::time::timeout_at(deadline, work).await {
        Ok(result) => result,
        Err(_) => Err(Failure::Timeout("connection_established")),
    }
}

impl Connection {
    /// Subscribes to `channel`, as presence member `user_id` when given (signing the auth with
    /// the target's secret), and waits for the subscription to succeed.
    pub async fn join(
        &mut self,
        target: &Target,
        channel: &str,
        user_id: Option<&str>,
        deadline: Instant,
    ) -> Result<(), Failure> {
        let Some(user_id) = user_id else {
            return self.subscribe(channel, None, None, deadline).await;
        };
        let data = format!(r#"{{"user_id":"{user_id}","user_info":{{}}}}"#);
        let auth = super::sign::channel_auth(
            &target.key,
            &target.secret,
            &self.socket_id,
            channel,
            Some(&data),
        );
        self.subscribe(channel, Some(&auth), Some(&data), deadline)
            .await
    }

    /// Subscribes to `channel` and waits for `pusher_internal:subscription_succeeded`.
    /// `auth` and `channel_data` are for private and presence channels.
    pub async fn subscribe(
        &mut self,
        channel: &str,
        auth: Option<&str>,
        channel_data: Option<&str>,
        deadline: Instant,
    ) -> Result<(), Failure> {
        let mut data = serde_json::json!({"channel": channel, "auth": auth.unwrap_or("")});
        if let Some(channel_data) = channel_data {
            data["channel_data"] = channel_data.into();
        }
        let frame = serde_json::json!({"event": "pusher:subscribe", "data": data}).to_string();
        self.send_text(frame).await?;
        let work = async {
            loop {
                let frame = next_text(&mut self.reader).await?;
                let text = String::from_utf8_lossy(&frame);
                if text.contains("pusher_internal:subscription_succeeded") {
                    return Ok(());
                }
                if text.contains("pusher:error") || text.contains("subscription_error") {
                    return Err(refusal(&text));
                }
            }
        };
        match tokio::time::timeout_at(deadline, work).await {
            Ok(result) => result,
            Err(_) => Err(Failure::Timeout("subscription_succeeded")),
        }
    }

    pub async fn send_text(&mut self, text: String) -> Result<(), Failure> {
        self.writer
            .send(Message::text(text))
            .await
            .map_err(|e| Failure::Dropped(e.to_string()))
    }
}

/// The next text frame; a close or error becomes a [`Failure`].
pub async fn next_text(reader: &mut Reader) -> Result<Bytes, Failure> {
    loop {
        match reader.next().await {
            Some(Ok(Message::Text(bytes))) => return Ok(bytes),
            Some(Ok(Message::Close(reason))) => {
                return Err(match reason {
                    Some(r) => Failure::Refused(Some(r.code), r.reason),
                    None => Failure::Dropped("closed without a code".into()),
                })
            }
            Some(Ok(_)) => continue,
            Some(Err(sockudo_ws::Error::Closed(Some(r)))) => {
                return Err(Failure::Refused(Some(r.code), r.reason))
            }
            Some(Err(e)) => return Err(Failure::Dropped(e.to_string())),
            None => return Err(Failure::Dropped("connection ended".into())),
        }
    }
}

/// A `pusher:error` frame (or anything unexpected) as a refusal with its code and message.
fn refusal(text: &str) -> Failure {
    let value: serde_json::Value = serde_json::from_str(text).unwrap_or_default();
    let data = match &value["data"] {
        serde_json::Value::String(s) => serde_json::from_str(s).unwrap_or_default(),
        other => other.clone(),
    };
    let code = data["code"].as_u64().map(|c| c as u16);
    let message = data["message"]
        .as_str()
        .map(str::to_owned)
        .unwrap_or_else(|| text.chars().take(200).collect());
    Failure::Refused(code, message)
}

fn socket_id(text: &str) -> Option<String> {
    let value: serde_json::Value = serde_json::from_str(text).ok()?;
    let data: serde_json::Value = serde_json::from_str(value["data"].as_str()?).ok()?;
    Some(data["socket_id"].as_str()?.to_owned())
}

fn io_label(e: &std::io::Error) -> String {
    match e.kind() {
        std::io::ErrorKind::ConnectionRefused => "connection refused".into(),
        std::io::ErrorKind::AddrNotAvailable => {
            "no free local port (spread sockets with --source-ips)".into()
        }
        _ if e.raw_os_error() == Some(libc::EMFILE) => "too many open files (use --workers)".into(),
        _ => e.to_string(),
    }
}

/// Current time in microseconds since the Unix epoch: the clock publish timestamps use, shared by
/// every process on the host.
pub fn now_micros() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_micros() as u64)
        .unwrap_or(0)
}

/// Parses `127.0.0.1-127.0.0.8` or `127.0.0.1,127.0.0.2` into addresses.
pub fn parse_source_ips(spec: &str) -> Result<Vec<IpAddr>, String> {
    let mut out = Vec::new();
    for part in spec.split(',').map(str::trim).filter(|p| !p.is_empty()) {
        if let Some((from, to)) = part.split_once('-') {
            let from: std::net::Ipv4Addr = from
                .trim()
                .parse()
                .map_err(|_| format!("{from:?} is not an IPv4 address"))?;
            let to: std::net::Ipv4Addr = to
                .trim()
                .parse()
                .map_err(|_| format!("{to:?} is not an IPv4 address"))?;
            let (from, to) = (u32::from(from), u32::from(to));
            if to < from || to - from > 65_535 {
                return Err(format!(
                    "{part}: the range must go up and span at most 65,536 addresses"
                ));
            }
            out.extend((from..=to).map(|ip| IpAddr::from(std::net::Ipv4Addr::from(ip))));
        } else {
            out.push(
                part.parse()
                    .map_err(|_| format!("{part:?} is not an IP address"))?,
            );
        }
    }
    Ok(out)
}

/// How long to wait for one connection to be ready.
pub const CONNECT_TIMEOUT: Duration = Duration::from_secs(20);
