//! Per-connection rates, cheap enough to keep one of each per connection: a fixed one-second
//! window (client events) and a token bucket (subscriptions, which come in a burst on connect).

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

/// Starts full with `burst` tokens and refills `per_second` tokens a second, up to `burst`.
#[derive(Debug)]
pub struct TokenBucket {
    burst: f64,
    per_second: f64,
    tokens: f64,
    refilled: Instant,
}

impl TokenBucket {
    pub fn new(burst: u64, per_second: u64) -> Self {
        TokenBucket {
            burst: burst as f64,
            per_second: per_second as f64,
            tokens: burst as f64,
            refilled: Instant::now(),
        }
    }

    /// Takes one token if there is one.
    pub fn try_take(&mut self) -> bool {
        self.try_take_at(Instant::now())
    }

    fn try_take_at(&mut self, now: Instant) -> bool {
        let elapsed = now.saturating_duration_since(self.refilled).as_secs_f64();
        self.tokens = (self.tokens + elapsed * self.per_second).min(self.burst);
        self.refilled = now;
        if self.tokens < 1.0 {
            return false;
        }
        self.tokens -= 1.0;
        true
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_bucket_allows_its_burst_then_its_rate() {
        let start = Instant::now();
        let mut bucket = TokenBucket::new(5, 2);
        bucket.refilled = start;
        assert!((0..5).all(|_| bucket.try_take_at(start)));
        assert!(!bucket.try_take_at(start));
        // Half a second refills one token at 2 a second.
        assert!(bucket.try_take_at(start + Duration::from_millis(500)));
        assert!(!bucket.try_take_at(start + Duration::from_millis(500)));
        // A long pause refills only up to the burst.
        let later = start + Duration::from_secs(60);
        assert!((0..5).all(|_| bucket.try_take_at(later)));
        assert!(!bucket.try_take_at(later));
    }

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
