//! The sending side of one socket: a bounded queue of frames and a close signal.
//!
//! Broadcasts never wait on a socket: [`SocketHandle::send`] either queues the frame or applies the
//! slow-consumer policy at once (drop the frame, or close with 4100), so a client that stops
//! reading cannot stall the publisher or anyone else. The queue is bounded by frame count (the
//! channel's capacity) and by bytes (an atomic counter), whichever fills first.

use crate::protocol::{CloseCode, SocketId};
use bytes::Bytes;
use std::sync::atomic::{AtomicU16, AtomicUsize, Ordering};
use std::sync::{Arc, OnceLock};
use tokio::sync::{mpsc, Notify};

/// What happens when a socket's queue is full.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SlowConsumerPolicy {
    DropFrame,
    Disconnect,
}

#[derive(Debug, Clone, Copy)]
pub struct QueueLimits {
    pub max_frames: usize,
    pub max_bytes: usize,
    pub policy: SlowConsumerPolicy,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Delivery {
    Queued,
    /// The queue was full and the frame was dropped (policy `DropFrame`).
    Dropped,
    /// The socket is closing (or just overflowed under policy `Disconnect`); nothing was queued.
    Closed,
}

#[derive(Debug)]
pub struct SocketHandle {
    pub id: SocketId,
    pub app_id: Arc<str>,
    queue: mpsc::Sender<Bytes>,
    queued_bytes: AtomicUsize,
    limits: QueueLimits,
    /// The close code requested by someone other than the socket's own task; 0 while open.
    close_code: AtomicU16,
    close_signal: Notify,
    /// Set once, by a successful `pusher:signin`.
    user_id: OnceLock<Arc<str>>,
}

/// The receiving end, owned by the socket's task.
pub struct SocketQueue {
    frames: mpsc::Receiver<Bytes>,
    handle: Arc<SocketHandle>,
}

impl SocketHandle {
    pub fn new(id: SocketId, app_id: Arc<str>, limits: QueueLimits) -> (Arc<Self>, SocketQueue) {
        let (tx, rx) = mpsc::channel(limits.max_frames.max(1));
        let handle = Arc::new(SocketHandle {
            id,
            app_id,
            queue: tx,
            queued_bytes: AtomicUsize::new(0),
            limits,
            close_code: AtomicU16::new(0),
            close_signal: Notify::new(),
            user_id: OnceLock::new(),
        });
        let queue = SocketQueue {
            frames: rx,
            handle: handle.clone(),
        };
        (handle, queue)
    }

    /// Queues `frame` without waiting.
    pub fn send(&self, frame: Bytes) -> Delivery {
        if self.is_closing() {
            return Delivery::Closed;
        }
        let len = frame.len();
        let over_bytes = self.queued_bytes.load(Ordering::Relaxed) + len > self.limits.max_bytes
            && self.queued_bytes.load(Ordering::Relaxed) > 0;
        if !over_bytes {
            self.queued_bytes.fetch_add(len, Ordering::Relaxed);
            match self.queue.try_send(frame) {
                Ok(()) => return Delivery::Queued,
                Err(mpsc::error::TrySendError::Closed(_)) => {
                    self.queued_bytes.fetch_sub(len, Ordering::Relaxed);
                    return Delivery::Closed;
                }
                Err(mpsc::error::TrySendError::Full(_)) => {
                    self.queued_bytes.fetch_sub(len, Ordering::Relaxed);
                }
            }
        }
        match self.limits.policy {
            SlowConsumerPolicy::DropFrame => Delivery::Dropped,
            SlowConsumerPolicy::Disconnect => {
                self.close(CloseCode::OverCapacity);
                Delivery::Closed
            }
        }
    }

    /// Asks the socket's task to close the connection with `code`. The first request wins.
    pub fn close(&self, code: CloseCode) {
        if self
            .close_code
            .compare_exchange(0, code.code(), Ordering::AcqRel, Ordering::Acquire)
            .is_ok()
        {
            self.close_signal.notify_one();
        }
    }

    /// Resolves once a close has been requested.
    pub async fn close_requested(&self) {
        while !self.is_closing() {
            self.close_signal.notified().await;
        }
    }

    pub fn is_closing(&self) -> bool {
        self.close_code.load(Ordering::Acquire) != 0
    }

    pub fn user_id(&self) -> Option<&str> {
        self.user_id.get().map(|id| &**id)
    }

    /// Records the signed-in user; false when the socket had already signed in.
    pub fn set_user_id(&self, user_id: &str) -> bool {
        self.user_id.set(Arc::from(user_id)).is_ok()
    }
}

/// The next thing the socket's task must do with its queue.
pub enum Next {
    Frame(Bytes),
    Close(u16),
}

impl SocketQueue {
    pub fn handle(&self) -> &Arc<SocketHandle> {
        &self.handle
    }

    /// Waits for a frame to write or a close request. Cancel-safe.
    pub async fn next(&mut self) -> Next {
        loop {
            let code = self.handle.close_code.load(Ordering::Acquire);
            if code != 0 {
                return Next::Close(code);
            }
            tokio::select! {
                frame = self.frames.recv() => match frame {
                    Some(frame) => {
                        self.handle.queued_bytes.fetch_sub(frame.len(), Ordering::Relaxed);
                        return Next::Frame(frame);
                    }
                    // Unreachable while we hold the handle (it owns the sender), but be total.
                    None => return Next::Close(CloseCode::Reconnect.code()),
                },
                _ = self.handle.close_signal.notified() => {}
            }
        }
    }

    /// A frame that is already queued, without waiting; used to write bursts back to back.
    pub fn try_next_frame(&mut self) -> Option<Bytes> {
        if self.handle.is_closing() {
            return None;
        }
        let frame = self.frames.try_recv().ok()?;
        self.handle
            .queued_bytes
            .fetch_sub(frame.len(), Ordering::Relaxed);
        Some(frame)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn handle(
        policy: SlowConsumerPolicy,
        max_frames: usize,
        max_bytes: usize,
    ) -> (Arc<SocketHandle>, SocketQueue) {
        SocketHandle::new(
            SocketId::random(),
            Arc::from("app"),
            QueueLimits {
                max_frames,
                max_bytes,
                policy,
            },
        )
    }

    #[tokio::test]
    async fn full_queue_drops_under_drop_policy() {
        let (h, mut q) = handle(SlowConsumerPolicy::DropFrame, 2, 1 << 20);
        assert_eq!(h.send(Bytes::from_static(b"a")), Delivery::Queued);
        assert_eq!(h.send(Bytes::from_static(b"b")), Delivery::Queued);
        assert_eq!(h.send(Bytes::from_static(b"c")), Delivery::Dropped);
        assert!(matches!(q.next().await, Next::Frame(f) if f == "a"));
        assert_eq!(h.send(Bytes::from_static(b"d")), Delivery::Queued);
        assert!(!h.is_closing());
    }

    #[tokio::test]
    async fn byte_limit_closes_under_disconnect_policy() {
        let (h, mut q) = handle(SlowConsumerPolicy::Disconnect, 100, 10);
        assert_eq!(h.send(Bytes::from_static(b"12345678")), Delivery::Queued);
        assert_eq!(h.send(Bytes::from_static(b"12345")), Delivery::Closed);
        assert!(matches!(q.next().await, Next::Close(4100)));
        assert_eq!(h.send(Bytes::from_static(b"x")), Delivery::Closed);
    }

    #[tokio::test]
    async fn a_single_large_frame_is_accepted_into_an_empty_queue() {
        let (h, _q) = handle(SlowConsumerPolicy::Disconnect, 10, 4);
        assert_eq!(h.send(Bytes::from_static(b"0123456789")), Delivery::Queued);
    }

    #[tokio::test]
    async fn first_close_request_wins() {
        let (h, mut q) = handle(SlowConsumerPolicy::Disconnect, 10, 100);
        h.close(CloseCode::Unauthorized);
        h.close(CloseCode::Reconnect);
        assert!(matches!(q.next().await, Next::Close(4009)));
    }
}
