//! One socket's life: the upgrade and its checks, the read loop, the writer, the timers.
//!
//! A single task per socket selects over: shutdown, its outbound queue (frames other sockets and
//! the HTTP API enqueued), the client's next frame, and the activity timer. Protocol decisions are
//! made by [`session::Session`], which does no I/O.

mod rate;
pub mod session;

use crate::app::App;
use crate::protocol::{outbound, CloseCode, SocketId};
use crate::socket::{Next, SocketHandle};
use crate::state::State;
use axum::extract::{Path, Query, State as Extract};
use axum::response::Response;
use session::{AppContext, Session};
use sockudo_ws::axum_integration::{WebSocket, WebSocketUpgrade, WebSocketWriter};
use sockudo_ws::Message;
use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;
use tokio::time::Instant;
use tokio_util::sync::CancellationToken;

/// Protocol versions we speak; pysher sends 6, pusher-js 7.
const SUPPORTED_PROTOCOLS: std::ops::RangeInclusive<u32> = 5..=7;

/// `GET /app/{key}`: checks the app and protocol, then upgrades. Refusals are sent over the
/// upgraded socket (`pusher:error` then close) because that is the only way a Pusher client learns
/// the code that tells it whether to reconnect.
pub async fn upgrade(
    Extract(state): Extract<Arc<State>>,
    Path(key): Path<String>,
    Query(query): Query<HashMap<String, String>>,
    ws: WebSocketUpgrade,
) -> Response {
    let verdict = admit(&state, &key, query.get("protocol").map(String::as_str)).await;
    // The transport's own cap is looser than ours so that a message over our limit still gets a
    // `pusher:error` and a 1009 close (the transport can only drop the TCP connection); anything
    // over the transport's cap is dropped unread.
    let max_payload = state.config.websocket_max_payload_kb as usize * 1024;
    let ws = ws
        .max_message_size(max_payload.saturating_mul(2).max(max_payload + 64 * 1024))
        .max_frame_size(state.config.websocket.max_frame_size)
        .write_buffer_size(state.config.websocket.write_buffer_size);
    ws.on_upgrade(move |socket| async move {
        match verdict {
            Ok(app) => run(socket, state, app).await,
            Err(code) => refuse(socket, code).await,
        }
    })
    .into_response()
}

use axum::response::IntoResponse;

async fn admit(state: &State, key: &str, protocol: Option<&str>) -> Result<Arc<App>, CloseCode> {
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
    if let Some(max) = state.config.max_connections {
        if state.registry.socket_count() as u64 >= max {
            return Err(CloseCode::OverCapacity);
        }
    }
    if let Some(max) = app.max_connections {
        let current = state
            .registry
            .existing(&app.id)
            .map_or(0, |ns| ns.socket_count());
        if current as u64 >= max {
            return Err(CloseCode::OverConnectionQuota);
        }
    }
    Ok(app)
}

async fn refuse(socket: WebSocket, code: CloseCode) {
    let (_reader, mut writer) = socket.split();
    let _ = writer
        .send(Message::Text(outbound::error(
            Some(code.code()),
            code.reason(),
        )))
        .await;
    let _ = writer.close(code.code(), code.reason()).await;
}

async fn run(websocket: WebSocket, state: Arc<State>, app: Arc<App>) {
    let app_id: Arc<str> = Arc::from(app.id.as_str());
    let namespace = state.registry.namespace(&app.id);
    let (handle, mut queue) =
        SocketHandle::new(SocketId::random(), app_id.clone(), state.queue_limits);
    let ctx = AppContext {
        limits: state.limit_defaults.for_app(&app),
        counters: state.metrics.for_app(&app.id),
        namespace: namespace.clone(),
        webhooks: state.webhooks.clone(),
        cluster: state.cluster.clone(),

        app,
    };
    let counters = ctx.counters.clone();
    namespace.add_socket(handle.clone());
    state
        .metrics
        .connections
        .with_label_values(&[&app_id])
        .inc();
    let socket = handle.clone();
    let mut session = Session::new(ctx, handle);

    let (mut reader, mut writer) = websocket.split();
    let activity = Duration::from_secs(state.config.activity_timeout);
    let max_payload = state.config.websocket_max_payload_kb as usize * 1024;
    let pong_wait = Duration::from_secs(state.config.pong_timeout);
    let mut out = Writer {
        writer: &mut writer,
        counters: &counters,
        socket: &socket,
        shutdown: &state.shutdown,
    };
    let established =
        outbound::connection_established(session.socket_id(), state.config.activity_timeout);
    let mut close = None;
    if out.write(established).await {
        let timer = tokio::time::sleep(activity);
        tokio::pin!(timer);
        let mut awaiting_pong = false;
        close = loop {
            tokio::select! {
                biased;
                _ = state.shutdown.cancelled() => break Some(CloseCode::Reconnect.code()),
                next = queue.next() => match next {
                    Next::Frame(frame) => {
                        if !out.write(frame).await {
                            break None;
                        }
                        // Write what else is already queued before looking at anything else.
                        while let Some(frame) = queue.try_next_frame() {
                            if !out.write(frame).await {
                                break;
                            }
                        }
                    }
                    Next::Close(code) => break Some(code),
                },
                message = reader.next() => {
                    let message = match message {
                        Some(Ok(message)) => message,
                        Some(Err(sockudo_ws::Error::MessageTooLarge | sockudo_ws::Error::FrameTooLarge)) => {
                            break Some(MESSAGE_TOO_BIG);
                        }
                        Some(Err(_)) | None => break None,
                    };
                    timer.as_mut().reset(Instant::now() + activity);
                    awaiting_pong = false;
                    match message {
                        Message::Text(bytes) => {
                            counters.messages_received.inc();
                            counters.bytes_received.inc_by(bytes.len() as u64);
                            if bytes.len() > max_payload {
                                let error = outbound::error(None, &format!(
                                    "Message of {} bytes is over the limit of {max_payload} bytes", bytes.len()
                                ));
                                out.write(error).await;
                                break Some(MESSAGE_TOO_BIG);
                            }
                            // The transport validated UTF-8; a failure here would be its bug.
                            let Ok(text) = std::str::from_utf8(&bytes) else { break None };
                            let replies = session.on_text(text);
                            let mut ok = true;
                            for frame in replies.frames {
                                ok = ok && out.write(frame).await;
                            }
                            if let Some(code) = replies.close {
                                break Some(code.code());
                            }
                            if !ok {
                                break None;
                            }
                        }
                        Message::Binary(_) => {
                            let error = outbound::error(None, "Binary frames are not part of the Pusher protocol");
                            if !out.write(error).await {
                                break None;
                            }
                        }
                        Message::Close(_) => break None,
                        Message::Ping(_) | Message::Pong(_) => {}
                    }
                }
                _ = &mut timer => {
                    if awaiting_pong {
                        break Some(CloseCode::PongNotReceived.code());
                    }
                    awaiting_pong = true;
                    timer.as_mut().reset(Instant::now() + pong_wait);
                    if !out.write(outbound::ping()).await {
                        break None;
                    }
                }
            }
        };
    }
    // Leave channels first: others see member_removed without waiting for a slow close handshake.
    session.end();
    if let Some(code) = close {
        let _ = writer.close(code, reason_for(code)).await;
    }
    state
        .metrics
        .disconnections
        .with_label_values(&[&app_id])
        .inc();
}

/// The WebSocket close code for an inbound message over `websocket_max_payload_kb`.
const MESSAGE_TOO_BIG: u16 = 1009;

fn reason_for(code: u16) -> &'static str {
    match code {
        MESSAGE_TOO_BIG => "Message too big",
        _ => CloseCode::from_code(code).map_or("", CloseCode::reason),
    }
}

struct Writer<'a> {
    writer: &'a mut WebSocketWriter,
    counters: &'a crate::metrics::AppCounters,
    socket: &'a SocketHandle,
    shutdown: &'a CancellationToken,
}

impl Writer<'_> {
    /// Writes one frame; false when the connection is gone. A write blocked by a client that does
    /// not read is abandoned (which aborts the connection) as soon as the socket is told to close
    /// or the server shuts down: that client can no longer receive a close frame anyway.
    async fn write(&mut self, frame: bytes::Bytes) -> bool {
        let len = frame.len() as u64;
        let sent = tokio::select! {
            sent = self.writer.send(Message::Text(frame)) => sent.is_ok(),
            _ = self.socket.close_requested() => false,
            _ = self.shutdown.cancelled() => false,
        };
        if !sent {
            return false;
        }
        self.counters.messages_sent.inc();
        self.counters.bytes_sent.inc_by(len);
        true
    }
}
