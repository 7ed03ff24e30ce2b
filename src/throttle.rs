//! Warnings about something that can repeat many times a second (a full queue, a stalled bus,
//! refused messages): each occurrence is counted in a metric, the log says so at most once per
//! interval.

use std::time::{Duration, Instant};

/// How often such a warning is logged.
pub const LOG_INTERVAL: Duration = Duration::from_secs(10);

/// Lets a warning through at most once per [`LOG_INTERVAL`].
#[derive(Debug, Default)]
pub struct LogThrottle {
    last: Option<Instant>,
}

impl LogThrottle {
    /// True when the warning should be logged now (and starts a new interval).
    pub fn due(&mut self) -> bool {
        if self.last.is_some_and(|at| at.elapsed() < LOG_INTERVAL) {
            return false;
        }
        self.last = Some(Instant::now());
        true
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn once_per_interval() {
        let mut throttle = LogThrottle::default();
        assert!(throttle.due());
        assert!(!throttle.due());
        throttle.last = Some(Instant::now() - LOG_INTERVAL);
        assert!(throttle.due());
        assert!(!throttle.due());
    }
}
