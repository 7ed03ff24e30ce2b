//! Core-parallel fan-out: one publish to a large channel is split over the node's cores.
//!
//! Writing a frame to a socket costs a few microseconds of kernel time (the whole TCP send path
//! runs in the writer's thread, see `socket::direct`), so one publish to 5,000 sockets keeps one
//! core busy for tens of milliseconds while the last subscriber waits. Above
//! [`Spread::PARALLEL_FROM`] subscribers, the publishing thread takes one chunk of the channel and
//! helper threads (one per other core) take the rest. The publish returns only when every chunk
//! is done, so two consecutive publishes to a channel still reach each socket in order. Smaller
//! channels pay nothing: their loop runs in the publishing thread as before.

use super::fanout::Fanout;
use crate::protocol::SocketId;
use crate::socket::SocketHandle;
use bytes::Bytes;
use std::collections::HashMap;
use std::sync::Arc;

/// How a node spreads large fan-outs over its cores.
pub struct Spread {
    /// Threads that take chunks beside the publishing thread; `None` on a single core.
    helpers: Option<rayon::ThreadPool>,
}

impl Spread {
    /// Channels with fewer subscribers are fanned out by the publishing thread alone: below this,
    /// handing a chunk to another thread costs more than it saves.
    pub const PARALLEL_FROM: usize = 1024;

    /// A spread over `cores` cores: `cores - 1` helper threads. If the threads cannot be started,
    /// fan-outs run in the publishing thread (slower, never wrong).
    pub fn new(cores: usize) -> Self {
        let helpers = (cores > 1)
            .then(|| {
                rayon::ThreadPoolBuilder::new()
                    .num_threads(cores - 1)
                    .thread_name(|index| format!("sockudo-fanout-{index}"))
                    .build()
                    .inspect_err(|error| {
                        tracing::warn!(%error, "cannot start fan-out threads; large channels are fanned out on one core")
                    })
                    .ok()
            })
            .flatten();
        Spread { helpers }
    }

    /// A spread over every core this process may run on.
    pub fn all_cores() -> Self {
        Spread::new(std::thread::available_parallelism().map_or(1, usize::from))
    }

    /// Sends `frame` to every subscriber but `except`, in parallel chunks when there are enough.
    pub fn send(
        &self,
        subscribers: &HashMap<SocketId, Arc<SocketHandle>>,
        except: Option<SocketId>,
        frame: &Bytes,
    ) -> Fanout {
        let others = subscribers
            .iter()
            .filter(|(id, _)| Some(**id) != except)
            .map(|(_, socket)| socket);
        let helpers = match &self.helpers {
            Some(helpers) if subscribers.len() >= Self::PARALLEL_FROM => helpers,
            _ => return send_each(others, frame),
        };
        let sockets: Vec<&Arc<SocketHandle>> = others.collect();
        let parts = helpers.current_num_threads() + 1;
        let mut chunks = sockets.chunks(sockets.len().div_ceil(parts).max(1));
        let mut tallies = vec![Fanout::default(); chunks.len().saturating_sub(1)];
        let mut fanout = Fanout::default();
        // The scope returns once every spawned chunk is done; until then this thread does its own.
        helpers.in_place_scope(|scope| {
            let mine = chunks.next();
            for (chunk, tally) in chunks.zip(tallies.iter_mut()) {
                scope.spawn(move |_| *tally = send_each(chunk.iter().copied(), frame));
            }
            if let Some(mine) = mine {
                fanout = send_each(mine.iter().copied(), frame);
            }
        });
        for tally in tallies {
            fanout += tally;
        }
        fanout
    }
}

fn send_each<'a>(sockets: impl Iterator<Item = &'a Arc<SocketHandle>>, frame: &Bytes) -> Fanout {
    let mut fanout = Fanout::default();
    for socket in sockets {
        fanout.count(socket.send(frame.clone()));
    }
    fanout
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::socket::{QueueLimits, SlowConsumerPolicy, SocketQueue};

    fn channel(size: usize) -> (HashMap<SocketId, Arc<SocketHandle>>, Vec<SocketQueue>) {
        let limits = Arc::new(QueueLimits {
            max_frames: 100,
            max_bytes: 1 << 20,
            policy: SlowConsumerPolicy::DropFrame,
        });
        let mut subscribers = HashMap::new();
        let mut queues = Vec::new();
        for _ in 0..size {
            let (handle, queue) =
                SocketHandle::new(SocketId::random(), Arc::from("app"), limits.clone());
            subscribers.insert(handle.id, handle);
            queues.push(queue);
        }
        (subscribers, queues)
    }

    fn drain(queue: &mut SocketQueue) -> Vec<Bytes> {
        std::iter::from_fn(|| queue.try_next_frame()).collect()
    }

    #[test]
    fn consecutive_publishes_reach_every_socket_of_a_large_channel_once_in_order() {
        let spread = Spread::new(3);
        let (subscribers, mut queues) = channel(3 * Spread::PARALLEL_FROM);
        let except = queues[7].handle().id;
        let frames: Vec<Bytes> = (0..20).map(|n| Bytes::from(format!("frame {n}"))).collect();
        for frame in &frames {
            let fanout = spread.send(&subscribers, Some(except), frame);
            assert_eq!(fanout.delivered, subscribers.len() - 1);
            assert_eq!(fanout.dropped, 0);
        }
        for queue in &mut queues {
            let received = drain(queue);
            if queue.handle().id == except {
                assert!(received.is_empty());
            } else {
                assert_eq!(received, frames);
            }
        }
    }

    #[test]
    fn drops_by_full_queues_are_counted_from_every_chunk() {
        let spread = Spread::new(2);
        let (subscribers, mut queues) = channel(2 * Spread::PARALLEL_FROM);
        let frame = Bytes::from_static(b"x");
        for _ in 0..100 {
            spread.send(&subscribers, None, &frame);
        }
        let over = spread.send(&subscribers, None, &frame);
        assert_eq!((over.delivered, over.dropped), (0, subscribers.len()));
        assert!(queues.iter_mut().all(|queue| drain(queue).len() == 100));
    }
}
