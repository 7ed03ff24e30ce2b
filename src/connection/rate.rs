//! A fixed one-second window counter: cheap enough to keep one per connection.

use std::time::{Duration, Instant};

#[derive(Debug)]
pub struct RateWindow {
    limit: u64,
    window: Duration,
    started: Instant,
    used: u64,
}

impl RateWindow {
    pub fn per_second(limit: u64) -> Self {
        RateWindow {
            limit,
            window: Duration::from_secs(1),
            started: Instant::now(),
            used: 0,
        }
    }

    /// Takes one unit if the current window has room.
    pub fn try_acquire(&mut self) -> bool {
        self.try_acquire_at(Instant::now())
    }

    fn try_acquire_at(&mut self, now: Instant) -> bool {
        if now.duration_since(self.started) >= self.window {
            self.started = now;
            self.used = 0;
        }
        if self.used >= self.limit {
            return false;
        }
        self.used += 1;
        true
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn allows_the_limit_per_window_then_resets() {
        let start = Instant::now();
        let mut rate = RateWindow::per_second(3);
        rate.started = start;
        assert!((0..3).all(|_| rate.try_acquire_at(start)));
        assert!(!rate.try_acquire_at(start + Duration::from_millis(999)));
        assert!(rate.try_acquire_at(start + Duration::from_secs(1)));
    }
}
