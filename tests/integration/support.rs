//! The harness: run the built `sockudo` binary on ports chosen at run time, talk to it as a
//! WebSocket client and as a signed HTTP API caller.

use serde_json::{json, Value};
use sockudo::protocol::signature;
use sockudo_ws::client::WebSocketClient;
use sockudo_ws::{Config, Http1, Message, SplitReader, SplitWriter, Stream};
use std::io::Write;
use std::net::TcpListener;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

/// How long a test waits for a frame before it fails. Only a bound: a passing test goes on as soon
/// as the frame is there, and the suite must also pass on a loaded machine.
pub const WAIT: Duration = Duration::from_secs(20);

/// A config with `app-1` (client events, sign-in, watchlists on), `app-2` (all off), `app-count`
/// (subscription counts on), a disabled app and one allowing a single connection.
pub fn default_config() -> Value {
    json!({
        "activity_timeout": 30,
        "app_manager": {"driver": "memory", "array": {"apps": [
            {"id": "app-1", "key": "key-1", "secret": "secret-1",
             "enable_client_messages": true, "enable_user_authentication": true,
             "enable_watchlist_events": true,
             "max_client_events_per_second": 5, "max_presence_members_per_channel": 3},
            {"id": "app-2", "key": "key-2", "secret": "secret-2"},
            {"id": "app-count", "key": "key-count", "secret": "secret-count", "enable_subscription_count": true},
            {"id": "app-off", "key": "key-off", "secret": "secret-off", "enabled": false},
            {"id": "app-small", "key": "key-small", "secret": "secret-small", "max_connections": 1},
            {"id": "app-web", "key": "key-web", "secret": "secret-web", "allowed_origins": ["https://*.example.com"]}
        ]}}
    })
}

pub fn free_port() -> u16 {
    let [port] = free_ports();
    port
}

/// `N` distinct free ports. The listeners are held until all are chosen: released one at a
/// time, the kernel may hand the same ephemeral port out twice.
pub fn free_ports<const N: usize>() -> [u16; N] {
    let listeners: [TcpListener; N] =
        std::array::from_fn(|_| TcpListener::bind("127.0.0.1:0").unwrap());
    listeners.map(|listener| listener.local_addr().unwrap().port())
}

/// A port held bound but not listening: connections to it are refused, and no other test's
/// server can take it before [`ReservedPort::release`] hands it over.
pub struct ReservedPort(socket2::Socket);

impl ReservedPort {
    pub fn new() -> ReservedPort {
        let socket =
            socket2::Socket::new(socket2::Domain::IPV4, socket2::Type::STREAM, None).unwrap();
        socket
            .bind(&std::net::SocketAddr::from(([127, 0, 0, 1], 0)).into())
            .unwrap();
        ReservedPort(socket)
    }

    pub fn port(&self) -> u16 {
        self.0.local_addr().unwrap().as_socket().unwrap().port()
    }

    /// Frees the port for the caller to bind at once.
    pub fn release(self) -> u16 {
        self.port()
    }
}

pub struct Server {
    pub port: u16,
    pub metrics_port: u16,
    child: Child,
    _dir: tempfile::TempDir,
}

impl Server {
    pub async fn start() -> Server {
        Self::with_config(default_config()).await
    }

    pub async fn with_config(config: Value) -> Server {
        Self::with_config_and_env(config, &[]).await
    }

    pub async fn with_config_and_env(config: Value, env: &[(&str, &str)]) -> Server {
        // Ports are chosen free but bound later by the child; another test may take one in
        // between, so a start that lost that race is retried on new ports.
        for _ in 0..5 {
            match Self::try_start(&config, env).await {
                Ok(server) => return server,
                Err(log) if log.contains("Address already in use") => continue,
                Err(log) => panic!("sockudo did not come up: {log}"),
            }
        }
        panic!("sockudo could not find free ports");
    }

    async fn try_start(config: &Value, env: &[(&str, &str)]) -> Result<Server, String> {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("config.json");
        std::fs::File::create(&path)
            .unwrap()
            .write_all(config.to_string().as_bytes())
            .unwrap();
        let [port, metrics_port] = free_ports();
        let child = spawn_serve(dir.path(), &path, (port, metrics_port), env);
        let mut server = Server {
            port,
            metrics_port,
            child,
            _dir: dir,
        };
        for _ in 0..300 {
            if let Ok(Some(status)) = server.child.try_wait() {
                return Err(format!("exited with {status}: {}", server.stderr()));
            }
            if let Ok(response) = reqwest::get(format!("http://127.0.0.1:{}/up", server.port)).await
            {
                if response.status() == 200 {
                    return Ok(server);
                }
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        let _ = server.child.kill();
        Err(format!("not up after 15 s: {}", server.stderr()))
    }

    /// The server's log so far.
    pub fn stderr(&mut self) -> String {
        std::fs::read_to_string(self._dir.path().join("server.log")).unwrap_or_default()
    }

    pub fn pid(&self) -> i32 {
        self.child.id() as i32
    }

    /// The server process's resident memory, from /proc/<pid>/status.
    pub fn rss_kib(&self) -> u64 {
        let status = std::fs::read_to_string(format!("/proc/{}/status", self.pid())).unwrap();
        status
            .lines()
            .find_map(|line| line.strip_prefix("VmRSS:"))
            .and_then(|kib| kib.split_whitespace().next())
            .and_then(|kib| kib.parse().ok())
            .unwrap()
    }

    /// Sends SIGHUP, the signal operators send to reload.
    pub fn hangup(&self) {
        // SAFETY: kill(2) with a pid we spawned.
        unsafe { libc::kill(self.pid(), libc::SIGHUP) };
    }

    /// Whether the process is still running.
    pub fn running(&mut self) -> bool {
        matches!(self.child.try_wait(), Ok(None))
    }

    /// Sends SIGTERM and waits for the exit status, at most 15 s.
    pub async fn terminate(mut self) -> std::process::ExitStatus {
        // SAFETY: kill(2) with a pid we spawned.
        unsafe { libc::kill(self.pid(), libc::SIGTERM) };
        for _ in 0..300 {
            if let Ok(Some(status)) = self.child.try_wait() {
                return status;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        panic!("sockudo did not exit after SIGTERM");
    }

    pub async fn connect(&self, key: &str) -> Client {
        Client::connect(&format!(
            "ws://127.0.0.1:{}/app/{key}?protocol=7&client=js&version=8.4.0",
            self.port
        ))
        .await
    }

    /// Connects and reads `connection_established`; returns the client and its socket id.
    pub async fn connected(&self, key: &str) -> (Client, String) {
        let mut client = self.connect(key).await;
        let established = client.expect_event("pusher:connection_established").await;
        let data: Value = serde_json::from_str(established["data"].as_str().unwrap()).unwrap();
        let socket_id = data["socket_id"].as_str().unwrap().to_owned();
        (client, socket_id)
    }

    pub async fn metrics(&self) -> String {
        reqwest::get(format!("http://127.0.0.1:{}/metrics", self.metrics_port))
            .await
            .unwrap()
            .text()
            .await
            .unwrap()
    }

    /// A signed HTTP API call as the Pusher SDKs make it.
    pub async fn api(
        &self,
        app: (&str, &str, &str),
        method: &str,
        path: &str,
        query: &[(&str, &str)],
        body: Option<&Value>,
    ) -> (u16, Value) {
        let body = body.map(|b| b.to_string());
        let url = signed_url(self.port, app, method, path, query, body.as_deref(), now());
        raw_request(method, &url, body).await
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

pub fn sockudo() -> Command {
    Command::new(env!("CARGO_BIN_EXE_sockudo"))
}

/// `sockudo serve` in `dir` (where the embedded store lives) on `port`, without the metrics
/// listener and with stderr discarded; the caller sets HOST and spawns it.
pub fn serve_in(dir: &std::path::Path, port: u16) -> Command {
    let mut serve = sockudo();
    serve
        .arg("serve")
        .current_dir(dir)
        .env("PORT", port.to_string())
        .env("METRICS_ENABLED", "false")
        .stderr(std::process::Stdio::null());
    serve
}

pub fn now() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_secs()
}

pub const APP1: (&str, &str, &str) = ("app-1", "key-1", "secret-1");

/// The URL of a signed request; `timestamp` is explicit so tests can sign stale requests.
pub fn signed_url(
    port: u16,
    (app_id, key, secret): (&str, &str, &str),
    method: &str,
    path: &str,
    query: &[(&str, &str)],
    body: Option<&str>,
    timestamp: u64,
) -> String {
    let path = format!("/apps/{app_id}{path}");
    let timestamp = timestamp.to_string();
    let mut params: Vec<(String, String)> = vec![
        ("auth_key".into(), key.into()),
        ("auth_timestamp".into(), timestamp),
        ("auth_version".into(), "1.0".into()),
    ];
    if let Some(body) = body {
        params.push(("body_md5".into(), signature::body_md5(body.as_bytes())));
    }
    params.extend(query.iter().map(|(k, v)| (k.to_string(), v.to_string())));
    let to_sign = signature::http_string_to_sign(
        method,
        &path,
        params.iter().map(|(k, v)| (k.as_str(), v.as_str())),
    );
    params.push(("auth_signature".into(), signature::sign(secret, &to_sign)));
    let query: String = form_urlencoded::Serializer::new(String::new())
        .extend_pairs(&params)
        .finish();
    format!("http://127.0.0.1:{port}{path}?{query}")
}

pub async fn raw_request(method: &str, url: &str, body: Option<String>) -> (u16, Value) {
    let client = reqwest::Client::new();
    let request = match method {
        "POST" => client
            .post(url)
            .header("content-type", "application/json")
            .body(body.unwrap_or_default()),
        _ => client.get(url),
    };
    let response = request.send().await.unwrap();
    let status = response.status().as_u16();
    let text = response.text().await.unwrap();
    (
        status,
        serde_json::from_str(&text).unwrap_or(Value::String(text)),
    )
}

/// A WebSocket client as a browser is one: a task of its own reads the socket all the time, so
/// it answers the server's pings even while the test is busy elsewhere (opening thousands of
/// other sockets, or blocked on a thread). A client that read only when the test asked would
/// leave pings unanswered, and the server rightly closes such a peer after `ping_interval` plus
/// the pong timeout (30 + 10 s): that is what made the mass-disconnect test lose its witnesses
/// on a loaded machine. Tests that need a client which does not read use a raw TCP socket.
pub struct Client {
    writer: SplitWriter<Stream<Http1>>,
    inbox: tokio::sync::mpsc::UnboundedReceiver<Inbound>,
    reading: tokio::task::JoinHandle<()>,
    /// Set once the reading task reported the end; every later wait returns it.
    ended: Option<Ended>,
}

/// What the reading task saw: a data frame, or the end of the connection (always last).
enum Inbound {
    Message(Message),
    Ended(Ended),
}

/// How a connection ended, as the client saw it.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Ended {
    Closed(Option<u16>),
    Dropped,
}

/// The outcome of waiting for one frame.
enum Received {
    Text(Value),
    /// A frame that is not text (binary), which no Pusher server sends.
    Other,
    Ended(Ended),
    TimedOut,
}

impl Client {
    /// Connects as a browser on `origin` would.
    pub async fn connect_from(url: &str, origin: &str) -> Client {
        Self::open(url, Some(&[("Origin".to_string(), origin.to_string())])).await
    }

    pub async fn connect(url: &str) -> Client {
        Self::open(url, None).await
    }

    /// A client on a WebSocket the caller opened (over TLS, for instance).
    pub fn over(ws: sockudo_ws::WebSocketStream<Stream<Http1>>) -> Client {
        let (reader, writer) = ws.split();
        let (sender, inbox) = tokio::sync::mpsc::unbounded_channel();
        let reading = tokio::spawn(read_all(reader, sender));
        Client {
            writer,
            inbox,
            reading,
            ended: None,
        }
    }

    async fn open(url: &str, headers: Option<&[(String, String)]>) -> Client {
        let config = Config {
            auto_ping: false,
            idle_timeout: 0,
            ..Config::default()
        };
        let (ws, _) = WebSocketClient::<Http1>::new(config)
            .connect_to_url_with_headers(url, None, headers)
            .await
            .expect("websocket handshake");
        Self::over(ws)
    }

    pub async fn send(&mut self, frame: Value) {
        self.send_text(&frame.to_string()).await;
    }

    pub async fn send_text(&mut self, text: &str) {
        self.writer
            .send(Message::text(text.to_owned()))
            .await
            .expect("send");
    }

    pub async fn send_message(&mut self, message: Message) {
        self.writer.send(message).await.expect("send");
    }

    /// Sends `frame` unless the connection is already closed (the server may close it part way
    /// through a burst, as `terminate_on_limit` does); returns whether it was sent.
    pub async fn send_unless_closed(&mut self, frame: Value) -> bool {
        self.writer
            .send(Message::text(frame.to_string()))
            .await
            .is_ok()
    }

    async fn receive(&mut self, wait: Duration) -> Received {
        if let Some(ended) = self.ended {
            return Received::Ended(ended);
        }
        match tokio::time::timeout(wait, self.inbox.recv()).await {
            Err(_) => Received::TimedOut,
            Ok(Some(Inbound::Message(Message::Text(bytes)))) => {
                Received::Text(serde_json::from_slice(&bytes).expect("server sent JSON"))
            }
            Ok(Some(Inbound::Message(_))) => Received::Other,
            Ok(Some(Inbound::Ended(ended))) => {
                self.ended = Some(ended);
                Received::Ended(ended)
            }
            // The reading task reports the end before it stops, so it cannot stop unseen.
            Ok(None) => unreachable!("the reading task stopped without reporting the end"),
        }
    }

    /// The next text frame as JSON, or None when the connection ended or nothing came in `wait`.
    pub async fn next_within(&mut self, wait: Duration) -> Option<Value> {
        match self.receive(wait).await {
            Received::Text(frame) => Some(frame),
            _ => None,
        }
    }

    pub async fn next(&mut self) -> Value {
        match self.receive(WAIT).await {
            Received::Text(frame) => frame,
            other => panic!("expected a frame from the server, {}", other.describe()),
        }
    }

    /// Reads until a frame with `event` arrives (skipping others); panics after WAIT, or at once
    /// when the connection ended, saying which.
    pub async fn expect_event(&mut self, event: &str) -> Value {
        let deadline = tokio::time::Instant::now() + WAIT;
        loop {
            let left = deadline.saturating_duration_since(tokio::time::Instant::now());
            match self.receive(left).await {
                Received::Text(frame) if frame["event"] == event => return frame,
                Received::Text(_) | Received::Other => continue,
                other => panic!("expected {event}, {}", other.describe()),
            }
        }
    }

    /// Asserts that no frame arrives within `wait` and the connection stays open.
    pub async fn expect_silence(&mut self, wait: Duration) {
        match self.receive(wait).await {
            Received::TimedOut => {}
            Received::Text(frame) => panic!("expected no frame, got {frame}"),
            other => panic!("expected silence, {}", other.describe()),
        }
    }

    /// Reads until the connection ends; returns the close code the server sent.
    pub async fn ended(&mut self) -> Ended {
        let deadline = tokio::time::Instant::now() + WAIT * 2;
        loop {
            let left = deadline.saturating_duration_since(tokio::time::Instant::now());
            match self.receive(left).await {
                Received::Ended(ended) => return ended,
                Received::TimedOut => panic!("connection did not end"),
                Received::Text(_) | Received::Other => continue,
            }
        }
    }

    pub async fn subscribe(&mut self, channel: &str) -> Value {
        self.send(json!({"event": "pusher:subscribe", "data": {"channel": channel, "auth": ""}}))
            .await;
        self.next().await
    }

    /// Subscribes to a private or presence channel with a valid signature.
    pub async fn subscribe_signed(
        &mut self,
        socket_id: &str,
        channel: &str,
        channel_data: Option<&str>,
    ) -> Value {
        let message = signature::channel_auth_message(socket_id, channel, channel_data);
        let auth = format!("key-1:{}", signature::sign("secret-1", &message));
        let mut data = json!({"channel": channel, "auth": auth});
        if let Some(channel_data) = channel_data {
            data["channel_data"] = json!(channel_data);
        }
        self.send(json!({"event": "pusher:subscribe", "data": data}))
            .await;
        self.next().await
    }

    pub async fn signin(&mut self, socket_id: &str, user_data: &str) -> Value {
        let message = signature::user_auth_message(socket_id, user_data);
        let auth = format!("key-1:{}", signature::sign("secret-1", &message));
        self.send(
            json!({"event": "pusher:signin", "data": {"auth": auth, "user_data": user_data}}),
        )
        .await;
        self.next().await
    }
}

impl Drop for Client {
    fn drop(&mut self) {
        // The reading task holds the socket open; without it the connection closes.
        self.reading.abort();
    }
}

/// Reads `reader` until the connection ends, forwarding data frames and then the end. Reading is
/// what answers the server's pings (the transport queues the pong as it reads one).
async fn read_all(
    mut reader: SplitReader<Stream<Http1>>,
    inbox: tokio::sync::mpsc::UnboundedSender<Inbound>,
) {
    let ended = loop {
        match reader.next().await {
            Some(Ok(Message::Close(reason))) => break Ended::Closed(reason.map(|r| r.code)),
            Some(Ok(Message::Ping(_) | Message::Pong(_))) => continue,
            Some(Ok(message)) => {
                if inbox.send(Inbound::Message(message)).is_err() {
                    return;
                }
            }
            Some(Err(_)) | None => break Ended::Dropped,
        }
    };
    let _ = inbox.send(Inbound::Ended(ended));
}

impl Received {
    fn describe(&self) -> String {
        match self {
            Received::Text(frame) => format!("got {frame}"),
            Received::Other => "got a binary frame".to_owned(),
            Received::Ended(Ended::Closed(code)) => {
                format!("but the server closed the connection (code {code:?})")
            }
            Received::Ended(Ended::Dropped) => "but the connection dropped".to_owned(),
            Received::TimedOut => format!("but nothing came within {WAIT:?}"),
        }
    }
}

/// The double-encoded `data` of a frame, decoded.
pub fn data(frame: &Value) -> Value {
    match &frame["data"] {
        Value::String(text) => serde_json::from_str(text).unwrap_or(Value::String(text.clone())),
        other => other.clone(),
    }
}

/// A metric's value in Prometheus text (first line that starts with `name`), or None when it
/// is not there.
pub fn metric_value(text: &str, name: &str) -> Option<f64> {
    text.lines()
        .find(|line| line.starts_with(name) && line[name.len()..].starts_with([' ', '{']))
        .and_then(|line| line.rsplit(' ').next())
        .and_then(|v| v.parse().ok())
}

/// A metric's value in Prometheus text; panics when it is missing, so a metric that is not
/// exported (or a misspelt name) fails loudly instead of reading as 0.
pub fn metric(text: &str, name: &str) -> f64 {
    metric_value(text, name).unwrap_or_else(|| panic!("metric {name} is missing:\n{text}"))
}

/// How long [`poll`] keeps trying. Only a bound: a passing test stops polling as soon as the
/// condition holds, and CI runs heavy tests side by side, so it is generous.
pub const POLL_BOUND: Duration = Duration::from_secs(30);

/// Probes every 50 ms until `done` accepts the value or `bound` has passed; returns the last
/// value, for the caller's assertion to show.
pub async fn poll<T, Fut>(
    bound: Duration,
    mut probe: impl FnMut() -> Fut,
    done: impl Fn(&T) -> bool,
) -> T
where
    Fut: std::future::Future<Output = T>,
{
    let deadline = tokio::time::Instant::now() + bound;
    loop {
        let value = probe().await;
        if done(&value) || tokio::time::Instant::now() >= deadline {
            return value;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// Polls the server's metric `name` until `done` accepts it; returns its last value.
pub async fn poll_metric(server: &Server, name: &str, done: impl Fn(f64) -> bool) -> f64 {
    poll_metric_at(server.metrics_port, name, done).await
}

pub async fn poll_metric_at(metrics_port: u16, name: &str, done: impl Fn(f64) -> bool) -> f64 {
    let url = format!("http://127.0.0.1:{metrics_port}/metrics");
    let url = url.as_str();
    let read = move || async move {
        let text = reqwest::get(url).await.unwrap().text().await.unwrap();
        metric_value(&text, name)
    };
    // A labelled series appears with its first sample: missing counts as not done yet.
    let last = poll(POLL_BOUND, read, |value| value.is_some_and(&done)).await;
    last.unwrap_or_else(|| panic!("metric {name} never appeared within {POLL_BOUND:?}"))
}

/// Polls the server's metrics until `name` reaches `expected`; returns its last value.
pub async fn eventually_metric(server: &Server, name: &str, expected: f64) -> f64 {
    poll_metric(server, name, |value| value == expected).await
}

pub async fn eventually_metric_at(metrics_port: u16, name: &str, expected: f64) -> f64 {
    poll_metric_at(metrics_port, name, |value| value == expected).await
}

/// Opens a plain TCP connection to `port` of process `pid` (a server this test spawned) and
/// tells whether the server has Nagle's algorithm off on its end of it (`None`: it never
/// accepted it). The connection is closed again without a byte sent.
pub async fn server_nodelay_on_new_connection(pid: i32, port: u16) -> Option<bool> {
    let probe = tokio::net::TcpStream::connect(("127.0.0.1", port))
        .await
        .unwrap();
    let local = probe.local_addr().unwrap();
    poll(
        POLL_BOUND,
        move || async move { server_nodelay(pid, local) },
        Option::is_some,
    )
    .await
}

/// Whether process `pid` has Nagle's algorithm off on its end of the TCP connection from
/// `client`; `None` while it holds no such socket. The socket is borrowed with pidfd_getfd(2),
/// which a parent may do to its child.
fn server_nodelay(pid: i32, client: std::net::SocketAddr) -> Option<bool> {
    use std::os::fd::FromRawFd;
    // SAFETY: plain syscalls; every descriptor they return is owned by one value below.
    let pidfd = unsafe { libc::syscall(libc::SYS_pidfd_open, pid, 0) };
    assert!(
        pidfd >= 0,
        "pidfd_open: {}",
        std::io::Error::last_os_error()
    );
    let pidfd = unsafe { std::os::fd::OwnedFd::from_raw_fd(pidfd as i32) };
    let fds = std::fs::read_dir(format!("/proc/{pid}/fd")).ok()?;
    fds.flatten()
        .filter(|entry| {
            std::fs::read_link(entry.path())
                .is_ok_and(|link| link.to_string_lossy().starts_with("socket:"))
        })
        .filter_map(|entry| entry.file_name().to_str()?.parse::<i32>().ok())
        .find_map(|target| {
            use std::os::fd::AsRawFd;
            let fd = unsafe { libc::syscall(libc::SYS_pidfd_getfd, pidfd.as_raw_fd(), target, 0) };
            if fd < 0 {
                return None;
            }
            let socket = unsafe { std::net::TcpStream::from_raw_fd(fd as i32) };
            (socket.peer_addr().ok()? == client).then(|| socket.nodelay().unwrap())
        })
}

/// A service URL `scripts/test.sh` exports (Redis, NATS, databases). Missing: the test is skipped,
/// except under `CI`, where a missing service is a failure rather than a silent pass.
pub fn service_env(variable: &str) -> Option<String> {
    match std::env::var(variable) {
        Ok(url) => Some(url),
        Err(_) if std::env::var_os("CI").is_some() => panic!("{variable} is not set"),
        Err(_) => {
            eprintln!("skipping: {variable} is not set (scripts/test.sh sets it)");
            None
        }
    }
}

/// Sends a WebSocket upgrade for `key-1` by hand (plus `extra` header lines, each ending in
/// CRLF); returns the stream, positioned after the response head, and that head.
pub async fn upgrade_by_hand(port: u16, extra: &str) -> (tokio::net::TcpStream, String) {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let mut stream = tokio::net::TcpStream::connect(("127.0.0.1", port))
        .await
        .unwrap();
    let request = format!(
        "GET /app/key-1?protocol=7 HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\n\
         Connection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\
         Sec-WebSocket-Version: 13\r\n{extra}\r\n"
    );
    stream.write_all(request.as_bytes()).await.unwrap();
    let mut head = Vec::new();
    let mut byte = [0u8; 1];
    while !head.ends_with(b"\r\n\r\n") {
        stream.read_exact(&mut byte).await.unwrap();
        head.push(byte[0]);
    }
    (stream, String::from_utf8(head).unwrap())
}

/// Starts `sockudo serve` with the config file `config` on loopback ports `(port, metrics_port)`,
/// its log in `dir/server.log`: a file, not a pipe, since nobody reads a pipe while the test runs
/// and a full pipe would block the server.
pub fn spawn_serve(
    dir: &std::path::Path,
    config: &std::path::Path,
    (port, metrics_port): (u16, u16),
    env: &[(&str, &str)],
) -> std::process::Child {
    let log = std::fs::File::create(dir.join("server.log")).unwrap();
    sockudo()
        .args(["serve", "--config"])
        .arg(config)
        .env("HOST", "127.0.0.1")
        .env("PORT", port.to_string())
        .env("METRICS_HOST", "127.0.0.1")
        .env("METRICS_PORT", metrics_port.to_string())
        .envs(env.iter().copied())
        .stdout(Stdio::null())
        .stderr(log)
        .spawn()
        .unwrap()
}

/// Opens a WebSocket by hand, subscribes to `channels`, and returns the TCP stream unread. Its
/// kernel receive buffer is kept small so the server's writes back up quickly.
pub async fn stalled_subscriber(port: u16, channels: &[&str]) -> tokio::net::TcpStream {
    unread_subscriber(port, channels, Some(4096)).await
}

/// [`stalled_subscriber`] with the kernel's receive buffer set to `recv_buffer`, or left to
/// autotuning (which keeps the window of a socket that is not read at its initial size, and
/// grows it when the test reads, so the test can catch up at full speed).
pub async fn unread_subscriber(
    port: u16,
    channels: &[&str],
    recv_buffer: Option<usize>,
) -> tokio::net::TcpStream {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let mut stream = tokio::net::TcpStream::connect(("127.0.0.1", port))
        .await
        .unwrap();
    if let Some(size) = recv_buffer {
        socket2::SockRef::from(&stream)
            .set_recv_buffer_size(size)
            .unwrap();
    }
    let request = "GET /app/key-1?protocol=7 HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n";
    stream.write_all(request.as_bytes()).await.unwrap();
    let mut buffer = vec![0u8; 4096];
    let mut seen = Vec::new();
    // Read the 101 response and the connection_established frame.
    while !String::from_utf8_lossy(&seen).contains("socket_id") {
        let n = stream.read(&mut buffer).await.unwrap();
        assert!(n > 0, "closed during handshake");
        seen.extend_from_slice(&buffer[..n]);
    }
    for channel in channels {
        let subscribe =
            json!({"event": "pusher:subscribe", "data": {"channel": channel}}).to_string();
        stream
            .write_all(&masked_text_frame(subscribe.as_bytes()))
            .await
            .unwrap();
    }
    tokio::time::sleep(Duration::from_millis(200)).await;
    stream
}

/// A text frame as a client sends it (masked), for tests that write the wire by hand.
pub fn masked_text_frame(payload: &[u8]) -> Vec<u8> {
    let mask = [1u8, 2, 3, 4];
    let mut frame = vec![0x81];
    match u16::try_from(payload.len()) {
        Ok(short) if short < 126 => frame.push(0x80 | short as u8),
        Ok(length) => {
            frame.push(0x80 | 126);
            frame.extend_from_slice(&length.to_be_bytes());
        }
        Err(_) => panic!("test frames stay under 64 KiB"),
    }
    frame.extend_from_slice(&mask);
    frame.extend(payload.iter().enumerate().map(|(i, b)| b ^ mask[i % 4]));
    frame
}

/// A Close frame with `code` as a client sends it (masked).
pub fn masked_close_frame(code: u16) -> Vec<u8> {
    let mask = [1u8, 2, 3, 4];
    let mut frame = vec![0x88, 0x80 | 2];
    frame.extend_from_slice(&mask);
    frame.extend(code.to_be_bytes().iter().zip(mask).map(|(b, m)| b ^ m));
    frame
}

/// The close code in the first Close frame among `bytes` (unmasked frames, as a server sends
/// them), or None when the bytes hold no complete Close frame.
pub fn close_code_in(bytes: &[u8]) -> Option<u16> {
    let mut rest = bytes;
    while rest.len() >= 2 {
        let (header, length) = match rest[1] & 0x7f {
            126 if rest.len() >= 4 => (4, u16::from_be_bytes([rest[2], rest[3]]) as usize),
            127 if rest.len() >= 10 => (
                10,
                u64::from_be_bytes(rest[2..10].try_into().unwrap()) as usize,
            ),
            126 | 127 => return None,
            short => (2, short as usize),
        };
        let payload = rest.get(header..header + length)?;
        if rest[0] & 0x0f == 0x8 {
            return payload
                .get(..2)
                .map(|code| u16::from_be_bytes([code[0], code[1]]));
        }
        rest = &rest[header + length..];
    }
    None
}
