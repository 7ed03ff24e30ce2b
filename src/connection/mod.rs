//! One socket's life: the upgrade and its checks, the read loop, the writer, the timers.
//!
//! A single task per socket owns the whole (unsplit) WebSocket and waits on: shutdown, its outbound
//! queue (frames other sockets and the HTTP API enqueued), the client's next frame, and the
//! activity timer. Protocol decisions are made by [`session::Session`], which does no I/O.
//!
//! Writes are batched: every frame already queued is encoded into the WebSocket's write buffer
//! (`start_send`) and the buffer goes out in one flush, so a socket that fell behind catches up
//! with one syscall instead of one per frame, and no helper task or lock sits between the queue
//! and the TCP socket. While more than the transport's high-water mark is buffered (a client that
//! does not read), nothing more is taken from the queue, so the queue's bounds and the
//! slow-consumer policy apply, and the client's own messages are not read either.
//!
//! On plain TCP (no TLS, no permessage-deflate) publishers write to an idle socket themselves
//! (`socket::direct`): the task only writes what they queued or left unsent, and holds their
//! direct writes from the moment it reads a client's message until its replies are flushed, so
//! a reply (`subscription_succeeded`) is never overtaken by a frame published after it.

mod handshake;
mod rate;
pub mod session;

use crate::app::App;
use crate::metrics::ConnectionError;
use crate::protocol::{outbound, CloseCode, SocketId};
use crate::socket::admission::Slot;
use crate::socket::{direct, Next, SocketHandle, SocketQueue};
use crate::state::State;
use axum::extract::{Path, Query, Request, State as Extract};
use axum::response::Response;
use session::{AppContext, Session};
// `Sink` comes through futures-util's `sink` feature (enabled in the dependency graph).
use futures_util::{Sink, SinkExt, Stream, StreamExt};
use sockudo_ws::axum_integration::WebSocketUpgrade;
use sockudo_ws::error::CloseReason;
use sockudo_ws::{Message, Role, WebSocketStream};
use std::collections::HashMap;
use std::future::{poll_fn, Future};
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::Duration;
use tokio::time::Instant;
use tokio_util::sync::WaitForCancellationFuture;

/// Protocol versions we speak; pysher sends 6, pusher-js 7.
const SUPPORTED_PROTOCOLS: std::ops::RangeInclusive<u32> = 5..=7;

/// `GET /app/{key}`: checks the request, the app and the protocol, then upgrades. Refusals are
/// sent over the upgraded socket (`pusher:error` then close) because that is the only way a Pusher
/// client learns the code that tells it whether to reconnect.
pub async fn upgrade(
    Extract(state): Extract<Arc<State>>,
    Path(key): Path<String>,
    Query(query): Query<HashMap<String, String>>,
    mut request: Request,
) -> Response {
    // The transport's own cap is looser than ours so that a message over our limit still gets a
    // `pusher:error` and a 1009 close (the transport can only drop the TCP connection); anything
    // over the transport's cap is dropped unread.
    let config = transport_config(&state.config);
    // Plain TCP without compression: we take the upgrade ourselves and keep the TCP stream, so
    // publishers can write to the socket directly. TLS and permessage-deflate go through
    // sockudo-ws's extractor, which negotiates the extension.
    let direct = !state.config.ssl.enabled && !config.compression.is_enabled();
    let origin = (request.headers().get("origin"))
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned);
    let ws = if direct {
        match handshake::check(&mut request) {
            Ok(upgrade) => Upgrade::Direct(upgrade),
            Err(refusal) => return refusal.into_response(),
        }
    } else {
        let (mut parts, _) = request.into_parts();
        match WebSocketUpgrade::from_request_parts(&mut parts, &()).await {
            Ok(ws) => Upgrade::Extracted(ws),
            Err(rejection) => return rejection.into_response(),
        }
    };
    let verdict = admit(
        &state,
        &key,
        query.get("protocol").map(String::as_str),
        origin.as_deref(),
    )
    .await;
    if let Err(code) = verdict {
        state
            .metrics
            .connection_refusals
            .with_label_values(&[&code.code().to_string()])
            .inc();
    }
    match ws {
        Upgrade::Direct(upgrade) => {
            let (response, upgraded) = upgrade.accept();
            tokio::spawn(async move {
                if let Some(upgraded) = upgraded.await {
                    start_direct(upgraded, config, state, verdict).await;
                }
            });
            response
        }
        // The connection's future is boxed as it is, without an async block around it that
        // would hold the socket (1,152 bytes) a second time for the life of the connection.
        Upgrade::Extracted(ws) => ws
            .config(config)
            .on_upgrade(move |ws| -> Pin<Box<dyn Future<Output = ()> + Send>> {
                match verdict {
                    Ok((app, slots)) => {
                        let socket = new_socket(&state, &app);
                        Box::pin(run(ws, socket, None, state, app, slots))
                    }
                    Err(code) => Box::pin(refuse(ws, code)),
                }
            })
            .into_response(),
    }
}

/// The two ways a WebSocket upgrade is taken.
enum Upgrade {
    Direct(handshake::Upgrade),
    Extracted(WebSocketUpgrade),
}

/// Runs (or refuses) a plain-TCP connection whose upgrade we took. The connection's future is
/// boxed, as in the extractor's path, so the spawned task holds the stream once.
fn start_direct(
    upgraded: handshake::Upgraded,
    config: sockudo_ws::Config,
    state: Arc<State>,
    verdict: Result<(Arc<App>, Slots), CloseCode>,
) -> Pin<Box<dyn Future<Output = ()> + Send>> {
    let handshake::Upgraded { tcp, leftover } = upgraded;
    match verdict {
        Ok((app, slots)) => {
            let socket = new_socket(&state, &app);
            let (transport, writer) = direct::Transport::new(tcp, socket.0.clone());
            let ws =
                WebSocketStream::from_raw_with_leftover(transport, Role::Server, config, leftover);
            Box::pin(run(ws, socket, Some(writer), state, app, slots))
        }
        Err(code) => {
            let ws = WebSocketStream::from_raw_with_leftover(tcp, Role::Server, config, leftover);
            Box::pin(refuse(ws, code))
        }
    }
}

/// A new socket's handle (for publishers) and queue (for its task).
fn new_socket(state: &State, app: &App) -> (Arc<SocketHandle>, SocketQueue) {
    SocketHandle::new(
        SocketId::random(),
        Arc::from(app.id.as_str()),
        state.queue_limits.clone(),
    )
}

use axum::extract::FromRequestParts;
use axum::response::IntoResponse;

/// The places an admitted connection holds under the node's and the app's connection limits.
type Slots = (Option<Slot>, Option<Slot>);

async fn admit(
    state: &State,
    key: &str,
    protocol: Option<&str>,
    origin: Option<&str>,
) -> Result<(Arc<App>, Slots), CloseCode> {
    let protocol = protocol.ok_or(CloseCode::NoProtocol)?;
    let version: u32 = protocol.parse().map_err(|_| CloseCode::InvalidVersion)?;
    if !SUPPORTED_PROTOCOLS.contains(&version) {
        return Err(CloseCode::UnsupportedProtocol);
    }
    let app = match state.apps.find_by_key(key).await {
        Ok(Some(app)) => app,
        Ok(None) => return Err(CloseCode::AppNotFound),
        Err(error) => {
            tracing::error!(%error, "app lookup failed; refusing connection");
            return Err(CloseCode::OverCapacity);
        }
    };
    if !app.enabled {
        return Err(CloseCode::AppDisabled);
    }
    if !origin_allowed(&app.allowed_origins, origin) {
        return Err(CloseCode::Unauthorized);
    }
    let node = match state.config.max_connections {
        Some(max) => Some(
            (state.registry.admitting)
                .try_take(state.registry.socket_count(), max)
                .ok_or(CloseCode::OverCapacity)?,
        ),
        None => None,
    };
    let quota = match app.max_connections {
        Some(max) => {
            let namespace = state.registry.namespace(&app.id);
            Some(
                (namespace.admitting)
                    .try_take(namespace.socket_count(), max)
                    .ok_or(CloseCode::OverConnectionQuota)?,
            )
        }
        None => None,
    };
    Ok((app, (node, quota)))
}

/// What the socket's task needs of its WebSocket: sockudo-ws's stream over plain TCP, or its
/// axum `WebSocket` (TLS, permessage-deflate).
trait Transport:
    Sink<Message, Error = sockudo_ws::Error> + Stream<Item = sockudo_ws::Result<Message>> + Unpin + Send
{
}

impl<W> Transport for W where
    W: Sink<Message, Error = sockudo_ws::Error>
        + Stream<Item = sockudo_ws::Result<Message>>
        + Unpin
        + Send
{
}

async fn refuse(mut socket: impl Transport, code: CloseCode) {
    let error = outbound::error(Some(code.code()), code.reason());
    // An empty write buffer accepts a frame at once; `close` flushes it with the close frame,
    // bounded by the transport's close timeout.
    if poll_fn(|cx| Pin::new(&mut socket).poll_ready(cx))
        .await
        .is_ok()
    {
        let _ = Pin::new(&mut socket).start_send(Message::Text(error));
    }
    close_handshake(&mut socket, code.code()).await;
}

/// One admitted socket's life. `direct` is the write half publishers may write to (plain TCP).
///
/// A plain `fn` returning an `async move` block rather than an `async fn`: an `async fn` keeps its
/// arguments and their moved-in copies as two fields of its future, and the WebSocket (960 bytes)
/// is one of them; every idle socket pays for its future's size.
#[allow(clippy::manual_async_fn)]
fn run(
    mut ws: impl Transport + 'static,
    (handle, mut queue): (Arc<SocketHandle>, SocketQueue),
    direct: Option<Arc<tokio::net::TcpStream>>,
    state: Arc<State>,
    app: Arc<App>,
    slots: Slots,
) -> impl Future<Output = ()> + Send {
    async move {
        let app_id = handle.app_id.clone();
        let namespace = state.registry.namespace(&app.id);
        let ctx = AppContext {
            limits: state.limit_defaults.for_app(&app),
            counters: state.metrics.for_app(&app.id),
            namespace: namespace.clone(),
            webhooks: state.webhooks.clone(),
            cluster: state.cluster.clone(),
            publisher: state.publisher.clone(),
            delta: state.delta_defaults.clone(),
            tag_filtering: state.config.tag_filtering.enabled,
            app,
        };
        let counters = ctx.counters.clone();
        if let Some(writer) = direct {
            handle.write_directly(direct::Writer::new(
                writer,
                counters.messages_sent.clone(),
                counters.bytes_sent.clone(),
            ));
        }
        namespace.add_socket(handle.clone());
        // Registered: the socket itself counts against the limits now.
        drop(slots);
        state
            .metrics
            .connections
            .with_label_values(&[&app_id])
            .inc();
        let mut session = Session::new(ctx, handle);

        let activity = Duration::from_secs(state.config.activity_timeout);
        let max_payload = state.config.websocket_max_payload_kb as usize * 1024;
        let pong_wait = Duration::from_secs(state.config.pong_timeout);
        let mut out = Output {
            ws: &mut ws,
            counters: &counters,
            unflushed: false,
        };
        let established =
            outbound::connection_established(session.socket_id(), state.config.activity_timeout);
        let timer = tokio::time::sleep(activity);
        tokio::pin!(timer);
        let shutdown = state.shutdown.cancelled();
        tokio::pin!(shutdown);
        let mut awaiting_pong = false;
        let close = 'socket: {
            if !out.feed(established) {
                break 'socket None;
            }
            loop {
                let event =
                    poll_fn(|cx| out.poll_event(cx, &mut queue, shutdown.as_mut(), timer.as_mut()))
                        .await;
                let message = match event {
                    Event::Shutdown => break Some(CloseCode::Reconnect.code()),
                    // A client that does not read cannot receive a close frame behind the data it
                    // has not read: abandon the blocked write and drop the connection.
                    Event::Close(_) if out.unflushed || queue.has_unsent_tail() => break None,
                    Event::Close(code) => break Some(code),
                    Event::Gone => break None,
                    Event::Timer => {
                        if awaiting_pong {
                            break Some(CloseCode::PongNotReceived.code());
                        }
                        awaiting_pong = true;
                        timer.as_mut().reset(Instant::now() + pong_wait);
                        if !out.feed(outbound::ping()) {
                            break None;
                        }
                        continue;
                    }
                    Event::Inbound(message) => message,
                };
                let message = match message {
                    Some(Ok(message)) => message,
                    Some(Err(
                        sockudo_ws::Error::MessageTooLarge | sockudo_ws::Error::FrameTooLarge,
                    )) => {
                        state
                            .metrics
                            .connection_failed(ConnectionError::MessageTooBig);
                        break Some(MESSAGE_TOO_BIG);
                    }
                    // Other transport errors are protocol violations (invalid UTF-8, unmasked or
                    // reserved frames, bad close codes): the transport has already failed the
                    // connection by closing TCP, as RFC 6455 7.1.7 allows.
                    Some(Err(error)) if is_protocol_violation(&error) => {
                        state.metrics.connection_failed(ConnectionError::Protocol);
                        break None;
                    }
                    Some(Err(_)) | None => break None,
                };
                timer.as_mut().reset(Instant::now() + activity);
                awaiting_pong = false;
                // The replies to this message go out before frames published after it.
                queue.hold_direct_writes();
                match message {
                    Message::Text(bytes) => {
                        counters.messages_received.inc();
                        counters.bytes_received.inc_by(bytes.len() as u64);
                        if bytes.len() > max_payload {
                            let error = outbound::error(
                                None,
                                &format!(
                                    "Message of {} bytes is over the limit of {max_payload} bytes",
                                    bytes.len()
                                ),
                            );
                            out.feed(error);
                            break Some(MESSAGE_TOO_BIG);
                        }
                        // The transport validated UTF-8; a failure here would be its bug.
                        let Ok(text) = std::str::from_utf8(&bytes) else {
                            break None;
                        };
                        let replies = session.on_text(text);
                        let mut ok = true;
                        for frame in replies.frames {
                            ok = ok && out.feed(frame);
                        }
                        if let Some(code) = replies.close {
                            break Some(code.code());
                        }
                        if !ok {
                            break None;
                        }
                    }
                    Message::Binary(_) => {
                        let error = outbound::error(
                            None,
                            "Binary frames are not part of the Pusher protocol",
                        );
                        if !out.feed(error) {
                            break None;
                        }
                    }
                    Message::Close(_) => break None,
                    Message::Ping(_) | Message::Pong(_) => {}
                }
            }
        };
        // Publishes skip this socket from here on.
        drop(queue);
        // Leave channels before the close handshake: others see member_removed without waiting for a
        // slow client.
        // The futures of these last steps are boxed: inline they would double the size of every
        // connection's future (8,320 bytes, 4,032 boxed), while only closing sockets need them.
        match &state.cleanup {
            Some(cleanup) => Box::pin(cleanup.submit(Box::new(move || session.end()))).await,
            None => session.end(),
        }
        if let Some(code) = close {
            Box::pin(close_handshake(&mut ws, code)).await;
        }
        state
            .metrics
            .disconnections
            .with_label_values(&[&app_id])
            .inc();
    }
}

/// What woke the socket's task.
enum Event {
    Shutdown,
    /// Someone asked this socket to close (slow consumer, app disabled, terminate, ...).
    Close(u16),
    /// The transport failed.
    Gone,
    Timer,
    Inbound(Option<sockudo_ws::Result<Message>>),
}

/// The socket's write side: frames are fed into the transport's buffer and flushed in batches.
struct Output<'a, W> {
    ws: &'a mut W,
    counters: &'a crate::metrics::AppCounters,
    /// Frames were fed since the last completed flush.
    unflushed: bool,
}

impl<W: Transport> Output<'_, W> {
    /// Buffers one frame for the next flush; false when the connection is gone. Replies to the
    /// client's own messages go through here without waiting for buffer space: they are few per
    /// message read, and no message is read while the buffer is over its high-water mark.
    fn feed(&mut self, frame: bytes::Bytes) -> bool {
        let len = frame.len() as u64;
        if Pin::new(&mut *self.ws)
            .start_send(Message::Text(frame))
            .is_err()
        {
            return false;
        }
        self.unflushed = true;
        self.counters.messages_sent.inc();
        self.counters.bytes_sent.inc_by(len);
        true
    }

    /// Moves queued frames into the write buffer and flushes it, then looks at shutdown, the
    /// client's next message and the timer. Everything it waits on registers this task's waker.
    fn poll_event(
        &mut self,
        cx: &mut Context<'_>,
        queue: &mut SocketQueue,
        shutdown: Pin<&mut WaitForCancellationFuture<'_>>,
        timer: Pin<&mut tokio::time::Sleep>,
    ) -> Poll<Event> {
        if shutdown.poll(cx).is_ready() {
            return Poll::Ready(Event::Shutdown);
        }
        let mut writable = true;
        let (mut frames, mut bytes) = (0u64, 0u64);
        let event = loop {
            match Pin::new(&mut *self.ws).poll_ready(cx) {
                Poll::Ready(Ok(())) => {}
                Poll::Ready(Err(_)) => break Some(Event::Gone),
                Poll::Pending => {
                    // Over the high-water mark: leave frames in the bounded queue, but still
                    // hear a close request.
                    writable = false;
                    break queue.poll_close(cx).map(Event::Close);
                }
            }
            match queue.poll_next(cx) {
                Poll::Ready(Next::Frame(frame)) => {
                    let len = frame.len() as u64;
                    if Pin::new(&mut *self.ws)
                        .start_send(Message::Text(frame))
                        .is_err()
                    {
                        break Some(Event::Gone);
                    }
                    self.unflushed = true;
                    frames += 1;
                    bytes += len;
                }
                Poll::Ready(Next::Close(code)) => break Some(Event::Close(code)),
                Poll::Pending => break None,
            }
        };
        if frames > 0 {
            self.counters.messages_sent.inc_by(frames);
            self.counters.bytes_sent.inc_by(bytes);
        }
        if let Some(event) = event {
            return Poll::Ready(event);
        }
        // Held direct writes are released only after a complete flush: the transport may hold
        // frames the task fed, a Pong, or the tail of a direct write.
        if self.unflushed || queue.direct_writes_held() {
            match Pin::new(&mut *self.ws).poll_flush(cx) {
                Poll::Ready(Ok(())) => {
                    self.unflushed = false;
                    queue.release_direct_writes();
                }
                Poll::Ready(Err(_)) => return Poll::Ready(Event::Gone),
                Poll::Pending => {}
            }
        }
        if writable {
            if let Poll::Ready(message) = Pin::new(&mut *self.ws).poll_next(cx) {
                return Poll::Ready(Event::Inbound(message));
            }
        }
        if timer.poll(cx).is_ready() {
            return Poll::Ready(Event::Timer);
        }
        Poll::Pending
    }
}

/// The transport settings of `websocket{...}`.
fn transport_config(config: &crate::config::Config) -> sockudo_ws::Config {
    let ws = &config.websocket;
    let max_payload = config.websocket_max_payload_kb as usize * 1024;
    sockudo_ws::Config {
        max_message_size: ws
            .max_message_size
            .unwrap_or(max_payload.saturating_mul(2).max(max_payload + 64 * 1024)),
        max_frame_size: ws.max_frame_size,
        write_buffer_size: ws.write_buffer_size,
        max_backpressure: ws.max_backpressure,
        auto_ping: ws.auto_ping,
        ping_interval: ws.ping_interval,
        idle_timeout: ws.idle_timeout,
        // Validated when the config was loaded.
        compression: ws.compression_mode().unwrap_or_default(),
        ..sockudo_ws::Config::default()
    }
}

/// The WebSocket close code for an inbound message over `websocket_max_payload_kb`.
const MESSAGE_TOO_BIG: u16 = 1009;

/// How long a closing socket waits for the client's Close frame (the transport's default close
/// timeout): long enough for a client across the world, short enough that a silent one is let go.
const CLOSE_HANDSHAKE: Duration = Duration::from_secs(5);

/// Flushes what is buffered and the close frame, then reads (and discards) until the client's
/// Close. Dropping the socket with the client's frames unread would make the kernel answer with a
/// RST, and a RST can discard the close frame (and the `pusher:error` before it) on the client's
/// side before it is read: the client would see a dropped connection instead of the code that
/// tells it whether to reconnect.
async fn close_handshake(ws: &mut impl Transport, code: u16) {
    let close = Message::Close(Some(CloseReason::new(code, reason_for(code))));
    let _ = tokio::time::timeout(CLOSE_HANDSHAKE, async {
        if ws.send(close).await.is_ok() {
            while let Some(Ok(_)) = ws.next().await {}
        }
    })
    .await;
}

fn reason_for(code: u16) -> &'static str {
    match code {
        MESSAGE_TOO_BIG => "Message too big",
        _ => CloseCode::from_code(code).map_or("", CloseCode::reason),
    }
}

/// The client broke the WebSocket protocol (as opposed to leaving or a network failure).
fn is_protocol_violation(error: &sockudo_ws::Error) -> bool {
    use sockudo_ws::Error::*;
    matches!(
        error,
        InvalidFrame(_) | InvalidUtf8 | Protocol(_) | InvalidCloseCode(_) | Compression(_)
    )
}

/// An app with `allowed_origins` accepts only browsers from those origins (`*` matches any run of
/// characters, so `https://*.example.com` covers its subdomains). A connection without an Origin
/// header (a server, not a browser) is not restricted: browsers always send one.
fn origin_allowed(allowed: &[String], origin: Option<&str>) -> bool {
    let Some(origin) = origin else { return true };
    let origin = origin.to_ascii_lowercase();
    allowed.is_empty()
        || allowed
            .iter()
            .any(|pattern| crate::glob::matches(&pattern.to_ascii_lowercase(), &origin))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn origins_match_exactly_or_by_wildcard() {
        let allowed = vec![
            "https://app.example.com".to_string(),
            "https://*.shop.io".to_string(),
        ];
        assert!(origin_allowed(&allowed, Some("https://app.example.com")));
        assert!(origin_allowed(&allowed, Some("HTTPS://APP.EXAMPLE.COM")));
        assert!(origin_allowed(&allowed, Some("https://eu.shop.io")));
        assert!(!origin_allowed(&allowed, Some("https://shop.io.evil.com")));
        assert!(!origin_allowed(&allowed, Some("https://evil.com")));
        assert!(
            origin_allowed(&allowed, None),
            "non-browser clients send no Origin"
        );
        assert!(origin_allowed(&[], Some("https://anything")));
        assert!(origin_allowed(&["*".to_string()], Some("https://anything")));
    }
}
