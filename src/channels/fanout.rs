//! What one broadcast did: frames queued, frames dropped by full queues, and delta compression.

use crate::metrics::DeltaTally;
use crate::socket::Delivery;

/// Delivery totals of one broadcast.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct Fanout {
    pub delivered: usize,
    pub dropped: usize,
    /// Frames that went to delta-enabled sockets.
    pub delta: DeltaTally,
}

impl Fanout {
    pub(super) fn count(&mut self, delivery: Delivery) {
        match delivery {
            Delivery::Written | Delivery::Queued => self.delivered += 1,
            Delivery::Dropped => self.dropped += 1,
            Delivery::Closed => {}
        }
    }
}

impl std::ops::AddAssign for Fanout {
    fn add_assign(&mut self, other: Fanout) {
        self.delivered += other.delivered;
        self.dropped += other.dropped;
        self.delta += other.delta;
    }
}
