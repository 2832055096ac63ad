//! Failures on demand: the faults a test injects, and random ones for soak runs.

use std::time::Duration;

/// What a fault does to a call it applies to.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum FaultKind {
    /// Answer this status, with a Webex error body, without doing the work.
    Status {
        status: u16,
        /// Seconds to send in `Retry-After`, as Webex does on 429, 423 and 503.
        retry_after: Option<u64>,
    },
    /// Answer this status without doing the work, with `Retry-After` as an HTTP-date
    /// (RFC 9110's IMF-fixdate) `after` from now, rounded up to the whole second.
    StatusRetryAt { status: u16, after: Duration },
    /// Do the work, then answer after the delay.
    Delay(Duration),
    /// Do the work (the person is created), then answer this error status anyway,
    /// as Create a Person is documented to do when one of its back ends fails.
    DoThenStatus { status: u16 },
    /// Do the work, then never answer: only the client's timeout ends the call.
    DoThenHang,
}

/// A fault for the next `times` calls with this method whose path starts with `path_prefix`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Fault {
    /// The HTTP method, such as "POST"; compared without regard to case.
    pub method: String,
    /// The start of the paths it applies to, such as "/v1/people".
    pub path_prefix: String,
    pub kind: FaultKind,
    /// How many matching calls it applies to.
    pub times: usize,
}

/// The faults still to apply, and the rate of random failures.
#[derive(Debug, Default)]
pub(crate) struct FaultPlan {
    /// In injection order: the first fault that matches a call applies to it.
    injected: Vec<Fault>,
    /// The fraction of calls, from 0 to 1, that fail at random.
    random_failure_rate: f64,
}

impl FaultPlan {
    /// Queues a fault behind those injected before it.
    pub(crate) fn inject(&mut self, fault: Fault) {
        if fault.times > 0 {
            self.injected.push(fault);
        }
    }

    /// Makes that fraction of calls fail at random; 0 turns random failures off.
    pub(crate) fn set_random_failure_rate(&mut self, rate: f64) {
        self.random_failure_rate = rate.clamp(0.0, 1.0);
    }

    /// The fault for this call, if any; an injected fault is used up one call at a time.
    pub(crate) fn next_for(&mut self, method: &str, path: &str) -> Option<FaultKind> {
        self.take_injected(method, path)
            .or_else(|| self.random_failure(method))
    }

    fn take_injected(&mut self, method: &str, path: &str) -> Option<FaultKind> {
        let index = self.injected.iter().position(|fault| {
            fault.method.eq_ignore_ascii_case(method) && path.starts_with(&fault.path_prefix)
        })?;
        let fault = &mut self.injected[index];
        fault.times -= 1;
        let kind = fault.kind.clone();
        if fault.times == 0 {
            self.injected.remove(index);
        }
        Some(kind)
    }

    fn random_failure(&self, method: &str) -> Option<FaultKind> {
        if fastrand::f64() >= self.random_failure_rate {
            return None;
        }
        // Only a POST has work worth doing before failing: it is what makes retries unsafe.
        let choices = if method.eq_ignore_ascii_case("POST") {
            4
        } else {
            3
        };
        Some(match fastrand::usize(..choices) {
            0 => FaultKind::Status {
                status: 500,
                retry_after: None,
            },
            1 => FaultKind::Status {
                status: 502,
                retry_after: None,
            },
            2 => FaultKind::Status {
                status: 503,
                retry_after: Some(1),
            },
            _ => FaultKind::DoThenStatus { status: 502 },
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn status(status: u16) -> FaultKind {
        FaultKind::Status {
            status,
            retry_after: None,
        }
    }

    fn fault(method: &str, path_prefix: &str, kind: FaultKind, times: usize) -> Fault {
        Fault {
            method: method.to_owned(),
            path_prefix: path_prefix.to_owned(),
            kind,
            times,
        }
    }

    #[test]
    fn injected_faults_apply_in_order_to_matching_calls_only_as_often_as_asked() {
        let mut plan = FaultPlan::default();
        plan.inject(fault("POST", "/v1/people", status(500), 1));
        plan.inject(fault("post", "/v1/people", status(503), 2));

        assert_eq!(plan.next_for("GET", "/v1/people"), None);
        assert_eq!(plan.next_for("POST", "/v1/messages"), None);
        assert_eq!(plan.next_for("POST", "/v1/people"), Some(status(500)));
        assert_eq!(plan.next_for("POST", "/v1/people"), Some(status(503)));
        assert_eq!(plan.next_for("POST", "/v1/people"), Some(status(503)));
        assert_eq!(plan.next_for("POST", "/v1/people"), None);
    }

    #[test]
    fn random_failures_at_rate_one_fail_every_call_and_at_zero_none() {
        let mut plan = FaultPlan::default();
        assert!((0..100).all(|_| plan.next_for("GET", "/v1/people/me").is_none()));

        plan.set_random_failure_rate(1.0);
        for _ in 0..100 {
            match plan.next_for("GET", "/v1/people/me") {
                Some(FaultKind::Status {
                    status: 503,
                    retry_after,
                }) => {
                    assert_eq!(retry_after, Some(1));
                }
                Some(FaultKind::Status { status, .. }) => assert!(status == 500 || status == 502),
                other => panic!("a GET must fail without doing work, got {other:?}"),
            }
        }
    }
}
