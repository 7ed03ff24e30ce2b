//! Connection limits that hold under bursts. Limits are checked before the upgrade and a socket
//! is registered only after it, so a connection admitted in between holds a [`Slot`] that counts
//! against the limit until it is registered (or its upgrade fails): simultaneous upgrades cannot
//! all pass a check that each made alone.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;

/// Connections admitted toward one limit and not yet registered.
#[derive(Debug, Default)]
pub struct Admitting(Arc<AtomicUsize>);

impl Admitting {
    /// A slot when `registered` sockets plus those being admitted stay below `max`.
    pub fn try_take(&self, registered: usize, max: u64) -> Option<Slot> {
        let mut admitting = self.0.load(Ordering::Acquire);
        loop {
            if (registered + admitting) as u64 >= max {
                return None;
            }
            match self.0.compare_exchange_weak(
                admitting,
                admitting + 1,
                Ordering::AcqRel,
                Ordering::Acquire,
            ) {
                Ok(_) => return Some(Slot(self.0.clone())),
                Err(now) => admitting = now,
            }
        }
    }
}

/// One admitted connection's place; given back when dropped, once the socket is registered.
#[derive(Debug)]
pub struct Slot(Arc<AtomicUsize>);

impl Drop for Slot {
    fn drop(&mut self) {
        self.0.fetch_sub(1, Ordering::AcqRel);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn slots_count_until_dropped() {
        let admitting = Admitting::default();
        let first = admitting
            .try_take(1, 2)
            .expect("1 registered + 0 admitting < 2");
        let second = admitting.try_take(1, 2);
        assert!(second.is_none(), "1 registered + 1 admitting reaches 2");
        drop(first);
        let again = admitting
            .try_take(1, 2)
            .expect("the dropped slot is free again");
        drop(again);
        assert!(admitting.try_take(2, 2).is_none());
    }
}
