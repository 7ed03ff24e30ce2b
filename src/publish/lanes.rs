//! Fan-out lanes: an HTTP API event is answered once it is accepted, and this node's fan-out of
//! it runs behind the answer, in order.
//!
//! Writing a channel's frame to 5,000 sockets takes tens of milliseconds; a publisher that waited
//! for it (as `POST /events` did) saw its request time grow with the channel, and a paced
//! publisher fell behind and then sent in bursts. Here each channel maps to one of a fixed set
//! of lanes (a hash of app and channel), and a lane runs one fan-out at a time, on a task of its
//! own that exists while the lane has work. So a channel's events reach every socket here in the
//! order the API accepted them, an event that a publisher sent after its previous one was
//! answered comes after it, and channels on different lanes fan out in parallel.
//!
//! The lanes hold at most [`BUDGET`] bytes of events together: a publish that does not
//! fit waits for room, which slows the publisher down as the inline fan-out did, instead of
//! letting an API client make the node hold unbounded events. `sockudo_publish_backlog_events`
//! and `_bytes` count what is waiting or being written.

use super::{Here, Message};
use crate::channels::Published;
use crate::filter::Tags;
use crate::metrics::Metrics;
use crate::protocol::SocketId;
use bytes::Bytes;
use parking_lot::Mutex;
use std::collections::VecDeque;
use std::hash::BuildHasher;
use std::sync::Arc;
use std::time::Instant;
use tokio::sync::{OwnedSemaphorePermit, Semaphore};

/// Lanes per node: enough that unrelated busy channels rarely share one on machines of a few
/// dozen cores, few enough to be a fixed array.
const LANES: usize = 64;

/// Bytes of events the lanes of a node may hold together.
pub const BUDGET: usize = 64 << 20;

/// The name, data and tags of an API event, shared by the jobs of its channels.
pub struct EventBody {
    pub name: String,
    pub data: String,
    pub tags: Option<Tags>,
}

/// One channel's fan-out of one accepted API event.
pub struct Job {
    pub app: Arc<str>,
    pub channel: String,
    pub frame: Bytes,
    pub except: Option<SocketId>,
    pub body: Arc<EventBody>,
}

impl Job {
    /// What the job makes the node hold: its frame, and its share of the event's text.
    pub(super) fn size(&self) -> usize {
        self.frame.len() + self.channel.len() + self.body.name.len() + self.body.data.len()
    }
}

struct Queued {
    job: Job,
    _room: OwnedSemaphorePermit,
    size: usize,
}

#[derive(Default)]
struct Lane {
    jobs: VecDeque<Queued>,
    /// A task is draining this lane; pushes only queue.
    draining: bool,
}

pub struct Lanes {
    lanes: Box<[Mutex<Lane>]>,
    room: Arc<Semaphore>,
    budget: usize,
    hasher: std::collections::hash_map::RandomState,
    here: Here,
}

impl Lanes {
    pub fn new(here: Here, budget: usize) -> Arc<Lanes> {
        Arc::new(Lanes {
            lanes: (0..LANES).map(|_| Mutex::new(Lane::default())).collect(),
            room: Arc::new(Semaphore::new(budget)),
            budget,
            hasher: Default::default(),
            here,
        })
    }

    /// Queues `job` behind the earlier events of its channel, waiting first for room in the
    /// budget. Returns once queued; the fan-out runs on the lane's task.
    pub async fn push(self: &Arc<Self>, job: Job) {
        // One job larger than the whole budget still goes, alone.
        let size = job.size();
        let wanted = size.clamp(1, self.budget) as u32;
        let Ok(room) = self.room.clone().acquire_many_owned(wanted).await else {
            unreachable!("the budget semaphore is never closed");
        };
        let metrics = &self.here.metrics;
        metrics.publish_backlog_events.inc();
        metrics.publish_backlog_bytes.add(size as i64);
        let index = self.lane_of(&job.app, &job.channel);
        let start = {
            let mut lane = self.lanes[index].lock();
            lane.jobs.push_back(Queued {
                job,
                _room: room,
                size,
            });
            !std::mem::replace(&mut lane.draining, true)
        };
        if start {
            tokio::spawn(self.clone().drain(index));
        }
    }

    /// Waits until every queued fan-out is done (a stopping node, before it closes sockets).
    pub async fn settle(&self) {
        let all = self.budget as u32;
        let _ = self.room.acquire_many(all).await;
    }

    fn lane_of(&self, app: &str, channel: &str) -> usize {
        (self.hasher.hash_one((app, channel)) as usize) % self.lanes.len()
    }

    /// The lane's task: fans its jobs out one by one until it is empty.
    async fn drain(self: Arc<Self>, index: usize) {
        loop {
            let queued = {
                let mut lane = self.lanes[index].lock();
                match lane.jobs.pop_front() {
                    Some(queued) => queued,
                    None => {
                        lane.draining = false;
                        return;
                    }
                }
            };
            self.fan_out(queued);
            // Other tasks (the HTTP requests that feed the lanes among them) get the worker
            // between two fan-outs.
            tokio::task::yield_now().await;
        }
    }

    fn fan_out(&self, queued: Queued) {
        let started = Instant::now();
        let Queued { job, size, .. } = queued;
        let message = Message {
            app: &job.app,
            channel: &job.channel,
            frame: &job.frame,
            except: job.except,
            event: Some(Published {
                name: &job.body.name,
                data: &job.body.data,
                tags: job.body.tags.as_ref(),
            }),
        };
        self.here.deliver(&message, None);
        let metrics: &Metrics = &self.here.metrics;
        metrics
            .broadcast_latency
            .observe(started.elapsed().as_secs_f64());
        metrics.publish_backlog_events.dec();
        metrics.publish_backlog_bytes.sub(size as i64);
    }
}
