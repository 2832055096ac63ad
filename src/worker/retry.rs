//! When a failed job runs again.

use std::time::Duration;

use super::{JobError, WorkerSettings};

/// `Retry-After` when Webex sent one (capped), else exponential backoff with jitter: a random
/// point in the upper half of the doubled delay, so that retries spread but still back off.
pub(super) fn delay(settings: &WorkerSettings, attempts: i64, error: &JobError) -> Duration {
    let cap = settings.retry_cap;
    if let JobError::Webex(webex) = error
        && let Some(asked) = webex.retry_after()
    {
        return asked.min(cap);
    }
    let exponent = u32::try_from(attempts.saturating_sub(1))
        .unwrap_or(u32::MAX)
        .min(16);
    let ceiling = settings.retry_base.saturating_mul(1 << exponent).min(cap);
    let jitter = fastrand::f64() * 0.5 + 0.5;
    ceiling.mul_f64(jitter)
}
