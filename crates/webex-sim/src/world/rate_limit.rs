//! A rate limit on Create a Person, as Webex throttles bulk provisioning: at most so many
//! successful creates in any one-second window, beyond which a call answers 429.

use std::collections::VecDeque;
use std::time::{Duration, Instant};

use crate::error::ApiError;

/// The window the rate is counted over.
const WINDOW: Duration = Duration::from_secs(1);

/// At most `rate` successful creates in any window.
pub(super) struct CreateLimit {
    rate: u32,
    retry_after_secs: u64,
    /// When the creates of the last window succeeded, oldest first.
    recent: VecDeque<Instant>,
}

impl CreateLimit {
    /// A limit of `rate` creates a second; None for 0, which turns the limit off.
    pub(super) fn new(rate: u32, retry_after_secs: u64) -> Option<Self> {
        (rate > 0).then(|| Self {
            rate,
            retry_after_secs,
            recent: VecDeque::new(),
        })
    }

    /// Refuses with 429 and `Retry-After` a create beyond the rate of the last second.
    pub(super) fn check(&mut self, now: Instant) -> Result<(), ApiError> {
        while self
            .recent
            .front()
            .is_some_and(|at| now.duration_since(*at) >= WINDOW)
        {
            self.recent.pop_front();
        }
        if self.recent.len() < usize::try_from(self.rate).unwrap_or(usize::MAX) {
            return Ok(());
        }
        Err(ApiError::too_many_requests(self.retry_after_secs))
    }

    /// Counts a create that succeeded.
    pub(super) fn record(&mut self, now: Instant) {
        self.recent.push_back(now);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn at_most_the_rate_succeeds_in_any_one_second_window() {
        let mut limit = CreateLimit::new(2, 3).expect("a limit");
        let start = Instant::now();
        for at in [start, start + Duration::from_millis(400)] {
            assert!(limit.check(at).is_ok());
            limit.record(at);
        }

        let refused = limit.check(start + Duration::from_millis(900));
        assert!(refused.is_err_and(|error| error.status() == 429));
        assert!(limit.check(start + Duration::from_millis(1000)).is_ok());
        assert!(CreateLimit::new(0, 3).is_none());
    }
}
