//! The call log and the failures tests inject.

use crate::{Call, Fault, Simulator};

impl Simulator {
    /// Every API call so far, in the order they were answered.
    pub fn calls(&self) -> Vec<Call> {
        self.shared.world().calls.clone()
    }

    /// Adds a fault behind those injected before it.
    pub fn inject(&self, fault: Fault) {
        self.shared.world().faults.inject(fault);
    }

    /// Makes that fraction of API calls fail at random: a 500, a 502, a 503 with
    /// `Retry-After: 1`, or, for a POST, a 502 after the work is done. 0 turns it off.
    pub fn set_random_failure_rate(&self, rate: f64) {
        self.shared.world().faults.set_random_failure_rate(rate);
    }
}
