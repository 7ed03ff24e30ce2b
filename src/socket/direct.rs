//! Direct writes: a publisher writes a frame to an idle socket's TCP stream itself.
//!
//! Waking a socket's task for every delivery costs a wake-up, a task poll and a lock beside the
//! write syscall the delivery needs anyway. When nothing is queued for a socket and its transport
//! has nothing buffered, the publisher encodes the frame header and hands header and payload to
//! the kernel in one non-blocking `writev` (as uWebSockets does: write at once, buffer only on
//! backpressure). Only what the kernel does not take is left for the task: a frame it took none
//! of is queued as usual (the slow-consumer policy applies), and the unsent end of a frame it
//! took part of becomes the socket's *tail*, which the task writes before anything else.
//!
//! The socket's queue decides who may write. A publisher that finds the socket idle takes it
//! (under the queue's mutex) and writes *outside* the mutex, so other publishers to the same
//! socket queue their frames instead of waiting for its syscall; when its write is done, it gives
//! the socket back as idle only if nobody queued, claimed or held it meanwhile, and otherwise
//! leaves the rest to the task. The task's transport ([`Transport`]) claims the socket under the
//! same mutex before each of its own writes, waiting while a publisher's write is in flight, and
//! marks it idle again after a complete flush with nothing queued. So bytes of two frames never
//! interleave on the wire, and a socket's frames leave in the order they were accepted.
//!
//! Only plain TCP without permessage-deflate gets direct writes: TLS and compression keep state in
//! the transport that a publisher cannot share.

use super::SocketHandle;
use bytes::{Buf, Bytes, BytesMut};
use sockudo_ws::frame::encode_frame_header;
use sockudo_ws::OpCode;
use std::cell::RefCell;
use std::io::{self, IoSlice};
use std::pin::Pin;
use std::sync::Arc;
use std::task::{ready, Context, Poll};
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::net::TcpStream;

/// The publishers' side of a plain-TCP socket, kept in its queue while its task runs.
#[derive(Debug)]
pub struct Writer {
    tcp: Arc<TcpStream>,
    messages_sent: prometheus::IntCounter,
    bytes_sent: prometheus::IntCounter,
}

/// What the kernel took of a frame written directly.
pub(super) enum Written {
    All,
    /// The frame's unsent end, to be written by the socket's task before anything else.
    Part(Bytes),
    /// Nothing (the socket's buffer is full, or the connection failed): queue the frame.
    Nothing,
}

thread_local! {
    /// A frame header is at most 10 bytes; one buffer per thread saves an allocation per write.
    static HEADER: RefCell<BytesMut> = RefCell::new(BytesMut::with_capacity(16));
}

impl Writer {
    /// `messages_sent` and `bytes_sent` count what publishers write, as the task counts its own.
    pub fn new(
        tcp: Arc<TcpStream>,
        messages_sent: prometheus::IntCounter,
        bytes_sent: prometheus::IntCounter,
    ) -> Self {
        Writer {
            tcp,
            messages_sent,
            bytes_sent,
        }
    }

    /// The stream, for a publisher to write to outside the queue's mutex.
    pub(super) fn stream(&self) -> Arc<TcpStream> {
        self.tcp.clone()
    }

    /// Counts a frame written directly (or left, whole or in part, for the task to write).
    pub(super) fn count(&self, payload_len: usize) {
        self.messages_sent.inc();
        self.bytes_sent.inc_by(payload_len as u64);
    }
}

/// Writes `payload` as one text frame without waiting. The caller has taken the socket from the
/// queue (it was idle), so nothing else writes to `tcp` meanwhile.
pub(super) fn write(tcp: &TcpStream, payload: &Bytes) -> Written {
    HEADER.with_borrow_mut(|header| {
        header.clear();
        encode_frame_header(header, OpCode::Text, payload.len(), true, None);
        let slices = [IoSlice::new(header), IoSlice::new(payload)];
        match tcp.try_write_vectored(&slices) {
            Ok(0) | Err(_) => Written::Nothing,
            Ok(n) if n == header.len() + payload.len() => Written::All,
            Ok(n) if n >= header.len() => Written::Part(payload.slice(n - header.len()..)),
            Ok(n) => {
                let mut tail = BytesMut::with_capacity(header.len() - n + payload.len());
                tail.extend_from_slice(&header[n..]);
                tail.extend_from_slice(payload);
                Written::Part(tail.freeze())
            }
        }
    })
}

/// The socket task's own view of the TCP stream, for sockudo-ws to read and write through: every
/// write first claims the socket from the publishers and writes any tail they left.
pub struct Transport {
    /// Shared with the publishers' [`Writer`]; reads and writes go through `&TcpStream`.
    tcp: Arc<TcpStream>,
    handle: Arc<SocketHandle>,
    /// A tail taken from the queue and not yet fully written (boxed as in the queue: every
    /// connection's task holds this field).
    tail: Option<Box<Bytes>>,
}

impl Transport {
    /// The task's transport over `tcp`, and the publishers' copy of the stream, which the caller
    /// attaches to `handle` (with [`SocketHandle::write_directly`]) once the task is ready to run.
    pub fn new(tcp: TcpStream, handle: Arc<SocketHandle>) -> (Self, Arc<TcpStream>) {
        let tcp = Arc::new(tcp);
        let transport = Transport {
            tcp: tcp.clone(),
            handle,
            tail: None,
        };
        (transport, tcp)
    }

    /// Claims the socket (once a publisher's write in flight is done) and writes the tail a
    /// publisher left, if any.
    fn poll_tail(&mut self, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        if self.tail.is_none() {
            self.tail = ready!(self.handle.claim_transport(cx));
        }
        while let Some(tail) = &self.tail {
            let n = ready!(poll_write_with(&self.tcp, cx, |tcp| tcp.try_write(tail)))?;
            if n == 0 {
                return Poll::Ready(Err(io::ErrorKind::WriteZero.into()));
            }
            let tail = self.tail.as_mut().expect("checked above");
            tail.advance(n);
            if tail.is_empty() {
                self.tail = None;
            }
        }
        Poll::Ready(Ok(()))
    }
}

/// Runs a non-blocking write once the stream is writable, retrying when the readiness was stale.
fn poll_write_with(
    tcp: &TcpStream,
    cx: &mut Context<'_>,
    mut write: impl FnMut(&TcpStream) -> io::Result<usize>,
) -> Poll<io::Result<usize>> {
    loop {
        ready!(tcp.poll_write_ready(cx))?;
        match write(tcp) {
            Err(error) if error.kind() == io::ErrorKind::WouldBlock => continue,
            result => return Poll::Ready(result),
        }
    }
}

impl AsyncRead for Transport {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        loop {
            ready!(self.tcp.poll_read_ready(cx))?;
            // Reads into the buffer's unfilled part without initialising it first.
            match self.tcp.try_read_buf(buf) {
                Err(error) if error.kind() == io::ErrorKind::WouldBlock => continue,
                result => return Poll::Ready(result.map(drop)),
            }
        }
    }
}

impl AsyncWrite for Transport {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        ready!(self.poll_tail(cx))?;
        poll_write_with(&self.tcp, cx, |tcp| tcp.try_write(buf))
    }

    fn poll_write_vectored(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        ready!(self.poll_tail(cx))?;
        poll_write_with(&self.tcp, cx, |tcp| tcp.try_write_vectored(bufs))
    }

    fn is_write_vectored(&self) -> bool {
        true
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        self.poll_tail(cx)
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        ready!(self.poll_tail(cx))?;
        // The publishers' copy of the stream is dropped with the queue, before the close
        // handshake; until then the connection closes when the last copy is dropped.
        match Arc::get_mut(&mut self.tcp) {
            Some(tcp) => Pin::new(tcp).poll_shutdown(cx),
            None => Poll::Ready(Ok(())),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::protocol::SocketId;
    use crate::socket::{Delivery, QueueLimits, SlowConsumerPolicy, SocketQueue};
    use futures_util::{SinkExt, StreamExt};
    use sockudo_ws::{Config, Message, Role, WebSocketStream};
    use tokio::net::TcpSocket;

    /// A server socket whose kernel buffers (and the client's) hold only a few KiB, so a large
    /// frame cannot be taken at once.
    async fn small_buffered_pair() -> (TcpStream, TcpStream) {
        let listen = TcpSocket::new_v4().unwrap();
        listen.set_send_buffer_size(4096).unwrap();
        listen.bind("127.0.0.1:0".parse().unwrap()).unwrap();
        let listener = listen.listen(1).unwrap();
        let client = TcpSocket::new_v4().unwrap();
        client.set_recv_buffer_size(4096).unwrap();
        let client = client
            .connect(listener.local_addr().unwrap())
            .await
            .unwrap();
        let (server, _) = listener.accept().await.unwrap();
        (server, client)
    }

    fn counter(name: &str) -> prometheus::IntCounter {
        prometheus::IntCounter::new(name, name).unwrap()
    }

    /// A socket as the server runs it on plain TCP, before its task first reports it idle, with
    /// the client's end of the connection and the counter of frames written directly.
    struct Direct {
        handle: Arc<SocketHandle>,
        queue: SocketQueue,
        ws: WebSocketStream<Transport>,
        client: TcpStream,
        messages_sent: prometheus::IntCounter,
    }

    async fn direct_socket(max_frames: usize) -> Direct {
        let (server, client) = small_buffered_pair().await;
        let limits = Arc::new(QueueLimits {
            max_frames,
            max_bytes: 1 << 30,
            policy: SlowConsumerPolicy::DropFrame,
        });
        let (handle, queue) = SocketHandle::new(SocketId::random(), Arc::from("app"), limits);
        let (transport, writer) = Transport::new(server, handle.clone());
        let messages_sent = counter("messages");
        handle.write_directly(Writer::new(writer, messages_sent.clone(), counter("bytes")));
        let ws = WebSocketStream::from_raw(transport, Role::Server, Config::default());
        Direct {
            handle,
            queue,
            ws,
            client,
            messages_sent,
        }
    }

    /// Writes what the queue holds (after the tail, which the transport writes first) as the
    /// socket's task does, until nothing is left, then lets publishers write directly again.
    async fn drain(ws: &mut WebSocketStream<Transport>, queue: &mut SocketQueue) {
        while let Some(frame) = queue.try_next_frame() {
            ws.feed(Message::Text(frame)).await.unwrap();
        }
        ws.flush().await.unwrap();
        queue.release_direct_writes();
    }

    #[tokio::test]
    async fn a_full_kernel_buffer_moves_frames_to_the_queue_without_loss_or_reordering() {
        let Direct {
            handle,
            mut queue,
            mut ws,
            client,
            messages_sent,
        } = direct_socket(1000).await;
        let frame = |i: usize, len: usize| Bytes::from(format!("{i:03}:{}", "x".repeat(len)));

        // Not idle until the task says so (it writes `connection_established` first).
        assert_eq!(handle.send(frame(0, 10)), Delivery::Queued);
        drain(&mut ws, &mut queue).await;
        // Idle: written at once, nothing queued, no wake-up.
        assert_eq!(handle.send(frame(1, 10)), Delivery::Written);
        // A frame far larger than the kernel's buffers: written in part, its end left as the tail.
        assert_eq!(handle.send(frame(2, 1 << 20)), Delivery::Written);
        assert!(queue.has_unsent_tail());
        // Everything after it waits in the queue behind the tail.
        let mut sent = vec![frame(0, 10), frame(1, 10), frame(2, 1 << 20)];
        for i in 3..50 {
            assert_eq!(handle.send(frame(i, 1000)), Delivery::Queued);
            sent.push(frame(i, 1000));
        }
        assert_eq!(messages_sent.get(), 2, "direct writes count as sent");
        // The task held direct writes for a reply of its own: queued behind the rest.
        queue.hold_direct_writes();
        let reader = read_frames(client, 52);
        drain(&mut ws, &mut queue).await;
        // Caught up: direct again, after everything queued.
        assert!(!queue.has_unsent_tail());
        for i in 50..52 {
            assert_eq!(handle.send(frame(i, 10)), Delivery::Written);
            sent.push(frame(i, 10));
        }
        let received = reader.await.unwrap();
        assert_eq!(received.len(), sent.len());
        for (i, (got, want)) in received.iter().zip(&sent).enumerate() {
            assert!(got == want, "frame {i} differs (lost or reordered)");
        }
    }

    /// Reads `count` text frames on the client's side.
    fn read_frames(client: TcpStream, count: usize) -> tokio::task::JoinHandle<Vec<Bytes>> {
        tokio::spawn(async move {
            let config = Config {
                max_message_size: 2 << 20,
                max_frame_size: 2 << 20,
                ..Config::default()
            };
            let mut client = WebSocketStream::from_raw(client, Role::Client, config);
            let mut received = Vec::new();
            while received.len() < count {
                match client.next().await {
                    Some(Ok(Message::Text(text))) => received.push(text),
                    other => panic!("unexpected {other:?}"),
                }
            }
            received
        })
    }

    /// Small frames fill the kernel's buffers one whole frame at a time, so the write that meets
    /// them full is refused whole (`WouldBlock`) and the frame is queued.
    #[tokio::test]
    async fn a_frame_the_kernel_refuses_whole_is_queued_in_order() {
        let Direct {
            handle,
            mut queue,
            mut ws,
            client,
            ..
        } = direct_socket(100_000).await;
        drain(&mut ws, &mut queue).await;
        let mut sent = Vec::new();
        let refused = loop {
            let frame = Bytes::from(format!("{:06}", sent.len()));
            let delivery = handle.send(frame.clone());
            sent.push(frame);
            if delivery != Delivery::Written || sent.len() == 1_000_000 {
                break delivery;
            }
        };
        assert_eq!(refused, Delivery::Queued, "after {} frames", sent.len());
        for _ in 0..10 {
            let frame = Bytes::from(format!("{:06}", sent.len()));
            assert_eq!(handle.send(frame.clone()), Delivery::Queued);
            sent.push(frame);
        }
        let reader = read_frames(client, sent.len());
        drain(&mut ws, &mut queue).await;
        let received = reader.await.unwrap();
        assert!(received == sent, "frames lost or reordered");
    }

    #[tokio::test]
    async fn held_direct_writes_queue_until_the_task_flushes() {
        let Direct {
            handle,
            mut queue,
            mut ws,
            // Kept open: a closed peer would fail the writes.
            client: _client,
            ..
        } = direct_socket(10).await;
        drain(&mut ws, &mut queue).await;
        assert!(!queue.direct_writes_held());
        queue.hold_direct_writes();
        assert!(queue.direct_writes_held());
        assert_eq!(handle.send(Bytes::from_static(b"after")), Delivery::Queued);
        drain(&mut ws, &mut queue).await;
        assert_eq!(
            handle.send(Bytes::from_static(b"direct")),
            Delivery::Written
        );
        // A closing socket takes nothing, directly or not.
        handle.close(crate::protocol::CloseCode::Reconnect);
        assert_eq!(handle.send(Bytes::from_static(b"late")), Delivery::Closed);
        // Once the task is gone, its write half is no longer the publishers'.
        drop(queue);
        assert_eq!(handle.send(Bytes::from_static(b"gone")), Delivery::Closed);
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn publishers_racing_on_one_socket_keep_their_order_and_lose_nothing() {
        const PUBLISHERS: usize = 4;
        const EACH: usize = 20_000;
        let Direct {
            handle,
            mut queue,
            mut ws,
            client,
            ..
        } = direct_socket(1_000_000).await;
        drain(&mut ws, &mut queue).await;
        let reader = read_frames(client, PUBLISHERS * EACH);
        // Threads, not tasks: the publishers really run at once, so direct writes in flight meet
        // frames queued behind them, the task claiming the socket, and kernel buffers that fill.
        let publishers: Vec<_> = (0..PUBLISHERS)
            .map(|publisher| {
                let handle = handle.clone();
                std::thread::spawn(move || {
                    for n in 0..EACH {
                        let frame = format!("{publisher}:{n:05}:{}", "x".repeat(50));
                        assert!(handle.send(Bytes::from(frame)).is_delivered());
                    }
                })
            })
            .collect();
        // The socket's task, as the connection runs it: write what is queued, flush when direct
        // writes are held, until the publishers are done and nothing is left.
        loop {
            let done = publishers.iter().all(|publisher| publisher.is_finished());
            while let Some(frame) = queue.try_next_frame() {
                ws.feed(Message::Text(frame)).await.unwrap();
            }
            if queue.direct_writes_held() {
                ws.flush().await.unwrap();
                queue.release_direct_writes();
            } else if done {
                break;
            }
            tokio::task::yield_now().await;
        }
        for publisher in publishers {
            publisher.join().unwrap();
        }
        let mut next = [0usize; PUBLISHERS];
        for frame in reader.await.unwrap() {
            let text = std::str::from_utf8(&frame).unwrap();
            let (publisher, rest) = text.split_once(':').unwrap();
            let publisher: usize = publisher.parse().unwrap();
            let n: usize = rest[..5].parse().unwrap();
            assert_eq!(
                n, next[publisher],
                "publisher {publisher}: lost or reordered"
            );
            next[publisher] += 1;
        }
        assert_eq!(next, [EACH; PUBLISHERS]);
    }
}
