//! When a failed job runs again.

use std::time::Duration;

use super::{JobError, WorkerSettings};

/// `Retry-After` when Webex sent one (capped), plus up to a tenth more (at least 100 ms), so
/// that the jobs Webex throttled together do not all come back in the same instant; else
/// exponential backoff with jitter: a random point in the upper half of the doubled delay, so
/// that retries spread but still back off.
pub(super) fn delay(settings: &WorkerSettings, attempts: i64, error: &JobError) -> Duration {
    let cap = settings.retry_cap;
    if let JobError::Webex(webex) = error
        && let Some(asked) = webex.retry_after()
    {
        let spread = (asked / 10).max(Duration::from_millis(100));
        return asked.min(cap) + spread.mul_f64(fastrand::f64());
    }
    let exponent = u32::try_from(attempts.saturating_sub(1))
        .unwrap_or(u32::MAX)
        .min(16);
    let ceiling = settings.retry_base.saturating_mul(1 << exponent).min(cap);
    let jitter = fastrand::f64() * 0.5 + 0.5;
    ceiling.mul_f64(jitter)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::webex::WebexError;

    fn throttled(after: Duration) -> JobError {
        JobError::Webex(WebexError::Api {
            status: 429,
            message: "slow down".into(),
            tracking_id: "T".into(),
            retry_after: Some(after),
        })
    }

    #[test]
    fn a_429_waits_as_asked_and_a_little_more_never_the_same_for_all() {
        let settings = WorkerSettings::default();
        let delays: Vec<Duration> = (0..50)
            .map(|_| delay(&settings, 1, &throttled(Duration::from_secs(2))))
            .collect();
        assert!(delays.iter().all(|d| *d >= Duration::from_secs(2)));
        assert!(delays.iter().all(|d| *d <= Duration::from_millis(2200)));
        let distinct: std::collections::HashSet<_> = delays.iter().collect();
        assert!(distinct.len() > 40, "no jitter: {delays:?}");
    }

    #[test]
    fn other_failures_back_off_with_jitter_up_to_the_cap() {
        let settings = WorkerSettings::default();
        let error = JobError::Permanent("x".into());
        for attempts in 1..20 {
            assert!(delay(&settings, attempts, &error) <= settings.retry_cap);
        }
    }
}
