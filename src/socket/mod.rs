//! The sending side of one socket: a bounded queue of frames and a close signal.
//!
//! Broadcasts never wait on a socket: [`SocketHandle::send`] either queues the frame or applies the
//! slow-consumer policy at once (drop the frame, or close with 4100), so a client that stops
//! reading cannot stall the publisher or anyone else. The queue is bounded by frame count and by
//! bytes, whichever fills first.
//!
//! The queue is a `VecDeque` behind a short mutex, with the socket task's waker stored beside it.
//! A broadcast wakes the task only when the task is waiting (it takes the stored waker), so a burst
//! of frames to one socket costs one wake-up, and a close request wakes the task whatever it waits
//! on (its queue, or a write blocked by a client that does not read). Nothing is allocated for the
//! queue until the first frame, which keeps idle sockets small.
//!
//! A plain-TCP socket whose queue and transport are empty is not woken at all: the publisher
//! writes the frame to it directly ([`direct`]).

pub mod admission;
pub mod direct;

use crate::protocol::{CloseCode, SocketId};
use bytes::Bytes;
use std::collections::VecDeque;
use std::future::poll_fn;
use std::sync::atomic::{AtomicU16, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, OnceLock, PoisonError};
use std::task::{Context, Poll, Waker};

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
    /// Written to the socket by the caller (at least begun; the task writes what the kernel did
    /// not take).
    Written,
    Queued,
    /// The queue was full and the frame was dropped (policy `DropFrame`).
    Dropped,
    /// The socket is closing (or just overflowed under policy `Disconnect`); nothing was queued.
    Closed,
}

/// What waits in one socket's queue (or, summed, in a node's).
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct Queued {
    pub frames: usize,
    pub bytes: usize,
}

impl Delivery {
    /// The frame reached the socket's queue or the socket itself.
    pub fn is_delivered(self) -> bool {
        matches!(self, Delivery::Written | Delivery::Queued)
    }
}

impl std::ops::AddAssign for Queued {
    fn add_assign(&mut self, other: Queued) {
        self.frames += other.frames;
        self.bytes += other.bytes;
    }
}

#[derive(Debug, Default)]
struct Outbox {
    frames: VecDeque<Bytes>,
    bytes: usize,
    /// The socket task's waker while it waits; taken by whoever wakes it.
    waker: Option<Waker>,
    /// The socket task has ended: nothing will read the queue again.
    receiver_gone: bool,
    /// Set for a plain-TCP socket while its task runs: publishers may write to it directly.
    direct: Option<direct::Writer>,
    /// Nothing is queued, the transport has nothing buffered and the task is not about to
    /// write: the next frame may be written directly (see [`direct`]).
    idle: bool,
    /// A publisher took the idle socket and is writing to it outside the mutex.
    writing: bool,
    /// Since the current direct write began, a frame was queued or the task claimed or held the
    /// socket: the writer must leave the socket to the task instead of marking it idle.
    disturbed: bool,
    /// The end of a directly written frame that the kernel did not take; written by the task
    /// before anything else, and counted in `bytes`. Boxed because it is rare (the kernel refused
    /// part of a frame) and every idle socket pays for the handle's size: unboxed, the handle
    /// would fall in jemalloc's next size class (224 bytes instead of 192).
    tail: Option<Box<Bytes>>,
}

#[derive(Debug)]
pub struct SocketHandle {
    pub id: SocketId,
    pub app_id: Arc<str>,
    outbox: Mutex<Outbox>,
    /// Shared by all of a node's sockets (every idle socket pays for its handle's size).
    limits: Arc<QueueLimits>,
    /// The close code requested by someone other than the socket's own task; 0 while open.
    close_code: AtomicU16,
    /// Set once, by a successful `pusher:signin`.
    user_id: OnceLock<Arc<str>>,
}

/// The receiving end, owned by the socket's task.
pub struct SocketQueue {
    handle: Arc<SocketHandle>,
}

impl SocketHandle {
    pub fn new(
        id: SocketId,
        app_id: Arc<str>,
        limits: Arc<QueueLimits>,
    ) -> (Arc<Self>, SocketQueue) {
        let handle = Arc::new(SocketHandle {
            id,
            app_id,
            outbox: Mutex::new(Outbox::default()),
            limits,
            close_code: AtomicU16::new(0),
            user_id: OnceLock::new(),
        });
        let queue = SocketQueue {
            handle: handle.clone(),
        };
        (handle, queue)
    }

    /// The lock is never held across an await or while waking a task; a panic while holding it
    /// cannot leave the queue half-updated, so a poisoned lock is used as is.
    fn outbox(&self) -> MutexGuard<'_, Outbox> {
        self.outbox.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Writes `frame` directly if the socket is idle, else queues it; never waits.
    pub fn send(&self, frame: Bytes) -> Delivery {
        if self.is_closing() {
            return Delivery::Closed;
        }
        let mut outbox = self.outbox();
        if outbox.receiver_gone {
            return Delivery::Closed;
        }
        if let (true, Some(writer)) = (outbox.idle, &outbox.direct) {
            // Take the socket and write outside the mutex: publishers that come meanwhile queue
            // their frames instead of waiting for this syscall.
            let tcp = writer.stream();
            outbox.idle = false;
            outbox.writing = true;
            outbox.disturbed = false;
            drop(outbox);
            let written = direct::write(&tcp, &frame);
            return self.finish_direct_write(frame, written);
        }
        self.enqueue(outbox, frame)
    }

    /// Gives the socket back after a direct write: idle again if nothing happened meanwhile,
    /// otherwise with what is left for the task to write.
    fn finish_direct_write(&self, frame: Bytes, written: direct::Written) -> Delivery {
        let mut outbox = self.outbox();
        outbox.writing = false;
        let tail = match written {
            direct::Written::All => None,
            direct::Written::Part(tail) => Some(tail),
            direct::Written::Nothing if outbox.receiver_gone => return Delivery::Closed,
            // Queued like any other, behind frames that other publishers queued meanwhile: those
            // were sent concurrently with this one, so either order is the publish order.
            direct::Written::Nothing => return self.enqueue(outbox, frame),
        };
        if let Some(writer) = &outbox.direct {
            writer.count(frame.len());
        }
        match tail {
            Some(tail) => {
                outbox.bytes += tail.len();
                outbox.tail = Some(Box::new(tail));
            }
            None if !outbox.disturbed => {
                outbox.idle = outbox.direct.is_some() && !self.is_closing();
                return Delivery::Written;
            }
            None => {}
        }
        wake_task(outbox);
        Delivery::Written
    }

    /// Queues `frame` for the task, or applies the slow-consumer policy when the queue is full.
    fn enqueue(&self, mut outbox: MutexGuard<'_, Outbox>, frame: Bytes) -> Delivery {
        let len = frame.len();
        let full = outbox.frames.len() >= self.limits.max_frames.max(1)
            || (outbox.bytes > 0 && outbox.bytes + len > self.limits.max_bytes);
        if !full {
            outbox.frames.push_back(frame);
            outbox.bytes += len;
            outbox.disturbed = true;
            wake_task(outbox);
            return Delivery::Queued;
        }
        drop(outbox);
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
            wake_task(self.outbox());
        }
    }

    /// Resolves once a close has been requested.
    pub async fn close_requested(&self) {
        poll_fn(|cx| {
            let mut outbox = self.outbox();
            if self.is_closing() {
                return Poll::Ready(());
            }
            register(&mut outbox.waker, cx);
            Poll::Pending
        })
        .await
    }

    /// Frames and bytes waiting in this socket's queue now, for the queued-frames gauges.
    pub fn queued(&self) -> Queued {
        let outbox = self.outbox();
        Queued {
            frames: outbox.frames.len(),
            bytes: outbox.bytes,
        }
    }

    /// Lets publishers write to this plain-TCP socket directly once its task reports it idle.
    pub fn write_directly(&self, writer: direct::Writer) {
        self.outbox().direct = Some(writer);
    }

    /// The task's transport is about to write: no direct write may start until the task reports
    /// the socket idle again. Pending while a publisher's direct write is in flight (the
    /// publisher wakes the task when done); then the tail of a direct write, which must go first.
    fn claim_transport(&self, cx: &Context<'_>) -> Poll<Option<Box<Bytes>>> {
        let mut outbox = self.outbox();
        outbox.idle = false;
        if outbox.writing {
            outbox.disturbed = true;
            register(&mut outbox.waker, cx);
            return Poll::Pending;
        }
        let Some(tail) = outbox.tail.take() else {
            return Poll::Ready(None);
        };
        outbox.bytes -= tail.len();
        Poll::Ready(Some(tail))
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

/// Wakes the socket's task if it waits, after letting go of the lock (the task takes it first).
fn wake_task(mut outbox: MutexGuard<'_, Outbox>) {
    let waker = outbox.waker.take();
    drop(outbox);
    if let Some(waker) = waker {
        waker.wake();
    }
}

fn register(slot: &mut Option<Waker>, cx: &Context<'_>) {
    match slot {
        Some(waker) if waker.will_wake(cx.waker()) => {}
        _ => *slot = Some(cx.waker().clone()),
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

    /// The close code when a close was requested; otherwise the next queued frame, or `Pending`
    /// with the task registered to be woken by the next frame or close request.
    pub fn poll_next(&mut self, cx: &Context<'_>) -> Poll<Next> {
        let mut outbox = self.handle.outbox();
        let code = self.handle.close_code.load(Ordering::Acquire);
        if code != 0 {
            return Poll::Ready(Next::Close(code));
        }
        match outbox.frames.pop_front() {
            Some(frame) => {
                outbox.bytes -= frame.len();
                Poll::Ready(Next::Frame(frame))
            }
            None => {
                register(&mut outbox.waker, cx);
                Poll::Pending
            }
        }
    }

    /// The close code when a close was requested; otherwise registers the task to be woken by a
    /// close request (or a new frame) without taking a frame.
    pub fn poll_close(&mut self, cx: &Context<'_>) -> Option<u16> {
        let mut outbox = self.handle.outbox();
        let code = self.handle.close_code.load(Ordering::Acquire);
        if code != 0 {
            return Some(code);
        }
        register(&mut outbox.waker, cx);
        None
    }

    /// Waits for a frame to write or a close request. Cancel-safe.
    pub async fn next(&mut self) -> Next {
        poll_fn(|cx| self.poll_next(cx)).await
    }

    /// The task is about to produce frames of its own (replies to a client's message): they
    /// must not be overtaken by direct writes of frames published after them.
    pub fn hold_direct_writes(&self) {
        let mut outbox = self.handle.outbox();
        outbox.idle = false;
        outbox.disturbed = true;
    }

    /// Called after a complete flush: with nothing queued, publishers may write directly again.
    pub fn release_direct_writes(&self) {
        let mut outbox = self.handle.outbox();
        outbox.idle = outbox.direct.is_some()
            && !outbox.writing
            && outbox.frames.is_empty()
            && outbox.tail.is_none()
            && !self.handle.is_closing();
    }

    /// Direct writes are held (a plain-TCP socket whose task must flush before releasing them).
    pub fn direct_writes_held(&self) -> bool {
        let outbox = self.handle.outbox();
        outbox.direct.is_some() && !outbox.idle
    }

    /// A directly written frame is partly unsent (the client is not reading it).
    pub fn has_unsent_tail(&self) -> bool {
        self.handle.outbox().tail.is_some()
    }

    /// A frame that is already queued, without waiting; used to write bursts back to back.
    pub fn try_next_frame(&mut self) -> Option<Bytes> {
        if self.handle.is_closing() {
            return None;
        }
        let mut outbox = self.handle.outbox();
        let frame = outbox.frames.pop_front()?;
        outbox.bytes -= frame.len();
        Some(frame)
    }
}

impl Drop for SocketQueue {
    fn drop(&mut self) {
        let mut outbox = self.handle.outbox();
        outbox.receiver_gone = true;
        outbox.waker = None;
        // The publishers' copy of the stream: the connection closes with the task's copy.
        // A tail stays: the transport writes it before the close frame.
        outbox.direct = None;
        outbox.idle = false;
        outbox.disturbed = true;
        // Free the frames now: the handle may live on in channel maps until they are cleaned up.
        outbox.frames = VecDeque::new();
        outbox.bytes = outbox.tail.as_ref().map_or(0, |tail| tail.len());
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_handle_fits_jemallocs_192_byte_class() {
        // Its `Arc` adds two counters; every idle socket holds one handle.
        assert!(std::mem::size_of::<SocketHandle>() + 2 * std::mem::size_of::<usize>() <= 192);
    }

    fn handle(
        policy: SlowConsumerPolicy,
        max_frames: usize,
        max_bytes: usize,
    ) -> (Arc<SocketHandle>, SocketQueue) {
        SocketHandle::new(
            SocketId::random(),
            Arc::from("app"),
            Arc::new(QueueLimits {
                max_frames,
                max_bytes,
                policy,
            }),
        )
    }

    #[tokio::test]
    async fn full_queue_drops_under_drop_policy() {
        let (h, mut q) = handle(SlowConsumerPolicy::DropFrame, 2, 1 << 20);
        assert_eq!(h.send(Bytes::from_static(b"a")), Delivery::Queued);
        assert_eq!(h.send(Bytes::from_static(b"b")), Delivery::Queued);
        assert_eq!(h.send(Bytes::from_static(b"c")), Delivery::Dropped);
        assert_eq!(
            h.queued(),
            Queued {
                frames: 2,
                bytes: 2
            }
        );
        assert!(matches!(q.next().await, Next::Frame(f) if f == "a"));
        assert_eq!(
            h.queued(),
            Queued {
                frames: 1,
                bytes: 1
            }
        );
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

    #[test]
    fn a_dropped_queue_holds_nothing() {
        let (h, q) = handle(SlowConsumerPolicy::DropFrame, 10, 100);
        assert_eq!(h.send(Bytes::from_static(b"abc")), Delivery::Queued);
        drop(q);
        assert_eq!(h.queued(), Queued::default());
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
