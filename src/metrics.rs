//! The bot's Prometheus metrics: what happened, counted, for one running bot.
//!
//! Each [`Metrics`] has its own registry rather than a process-wide one, so that several bots
//! in one process (as in the tests) each count only their own. `GET /metrics` renders it in the
//! Prometheus text format, on `METRICS_ADDR`, never on the webhook port.

use std::sync::Arc;

use metrics::{Key, Label, Level, Metadata, Recorder, SharedString, Unit};
use metrics_exporter_prometheus::{PrometheusBuilder, PrometheusHandle, PrometheusRecorder};

/// What a webhook delivery came to, as `webex_onboard_webhook_deliveries_total` counts it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DeliveryOutcome {
    /// A new event, committed as a job.
    Recorded,
    /// A redelivery of an event recorded before.
    Duplicate,
    /// No valid `X-Spark-Signature`.
    BadSignature,
    /// Signed, but not an envelope the bot can read.
    Malformed,
    /// A resource or event the bot does not handle.
    Ignored,
}

impl DeliveryOutcome {
    fn as_str(self) -> &'static str {
        match self {
            Self::Recorded => "recorded",
            Self::Duplicate => "duplicate",
            Self::BadSignature => "bad_signature",
            Self::Malformed => "malformed",
            Self::Ignored => "ignored",
        }
    }
}

/// The names the bot exports, with their help lines.
const DESCRIPTIONS: [(&str, &str); 10] = [
    (
        "webex_onboard_webhook_deliveries_total",
        "Webhook deliveries received, by resource and outcome.",
    ),
    (
        "webex_onboard_ack_seconds",
        "How long a webhook delivery waited for its answer.",
    ),
    ("webex_onboard_jobs", "Jobs in the database, by state."),
    (
        "webex_onboard_oldest_waiting_job_seconds",
        "How long the oldest job that could run has waited for a worker.",
    ),
    (
        "webex_onboard_job_outcomes_total",
        "How job runs ended, by kind and outcome.",
    ),
    (
        "webex_onboard_webex_requests_total",
        "Webex API calls, by operation (method and path template) and status.",
    ),
    (
        "webex_onboard_webex_request_seconds",
        "How long Webex API calls took, by operation.",
    ),
    (
        "webex_onboard_onboarding_requests_total",
        "Onboarding requests answered, by outcome.",
    ),
    (
        "webex_onboard_admin_token_expires_in_seconds",
        "How long the admin access token has left.",
    ),
    (
        "webex_onboard_webhooks_active",
        "The bot's own webhooks that are active, at the last check.",
    ),
];

/// Histogram buckets for the acknowledgement: milliseconds matter.
const ACK_BUCKETS: [f64; 12] = [
    0.0005, 0.001, 0.002, 0.005, 0.01, 0.02, 0.05, 0.1, 0.25, 0.5, 1.0, 5.0,
];

/// Histogram buckets for Webex calls: up to the call timeout and beyond.
const CALL_BUCKETS: [f64; 11] = [0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0];

static METADATA: Metadata<'static> = Metadata::new("webex_onboard", Level::INFO, None);

/// A running bot's metrics; cheap to clone.
#[derive(Clone)]
pub struct Metrics {
    inner: Arc<Inner>,
}

struct Inner {
    recorder: PrometheusRecorder,
    handle: PrometheusHandle,
    /// The webhook path's own handles, registered once: counting a delivery then costs an
    /// atomic add, not a key built and looked up.
    deliveries: [[metrics::Counter; OUTCOMES.len()]; RESOURCES.len()],
    ack: metrics::Histogram,
}

/// The resources a delivery is counted under.
const RESOURCES: [&str; 4] = ["messages", "attachmentActions", "unknown", "other"];

/// What a delivery came to, in the order of [`DeliveryOutcome`].
const OUTCOMES: [DeliveryOutcome; 5] = [
    DeliveryOutcome::Recorded,
    DeliveryOutcome::Duplicate,
    DeliveryOutcome::BadSignature,
    DeliveryOutcome::Malformed,
    DeliveryOutcome::Ignored,
];

impl Default for Metrics {
    fn default() -> Self {
        Self::new()
    }
}

impl Metrics {
    /// An empty registry, with the histograms' buckets set (so they render as histograms).
    pub fn new() -> Self {
        let builder = PrometheusBuilder::new()
            .set_buckets_for_metric(
                metrics_exporter_prometheus::Matcher::Full("webex_onboard_ack_seconds".into()),
                &ACK_BUCKETS,
            )
            .and_then(|builder| {
                builder.set_buckets_for_metric(
                    metrics_exporter_prometheus::Matcher::Full(
                        "webex_onboard_webex_request_seconds".into(),
                    ),
                    &CALL_BUCKETS,
                )
            });
        // Only empty bucket lists are refused, and these are constants.
        let recorder = builder
            .unwrap_or_else(|e| unreachable!("the buckets are valid: {e}"))
            .build_recorder();
        for (name, help) in DESCRIPTIONS {
            let unit = name.ends_with("_seconds").then_some(Unit::Seconds);
            recorder.describe_counter(name.into(), unit, SharedString::const_str(help));
        }
        let handle = recorder.handle();
        let deliveries = RESOURCES.map(|resource| {
            OUTCOMES.map(|outcome| {
                let key = Self::key(
                    "webex_onboard_webhook_deliveries_total",
                    &[("resource", resource), ("outcome", outcome.as_str())],
                );
                recorder.register_counter(&key, &METADATA)
            })
        });
        let ack =
            recorder.register_histogram(&Key::from_name("webex_onboard_ack_seconds"), &METADATA);
        Self {
            inner: Arc::new(Inner {
                recorder,
                handle,
                deliveries,
                ack,
            }),
        }
    }

    /// Drains what the histograms gathered into their buckets, so that their memory stays
    /// bounded when nobody scrapes `/metrics` (every few seconds, see [`Metrics::keep_tidy`]).
    pub fn upkeep(&self) {
        self.inner.handle.run_upkeep();
    }

    /// Runs [`Metrics::upkeep`] every five seconds until `stop`.
    pub async fn keep_tidy(self, stop: tokio_util::sync::CancellationToken) {
        let mut every = tokio::time::interval(std::time::Duration::from_secs(5));
        loop {
            tokio::select! {
                _ = every.tick() => self.upkeep(),
                () = stop.cancelled() => return,
            }
        }
    }

    /// Everything, in the Prometheus text format.
    pub fn render(&self) -> String {
        self.inner.handle.render()
    }

    fn key(name: &'static str, labels: &[(&'static str, &str)]) -> Key {
        let labels: Vec<Label> = labels
            .iter()
            .map(|(name, value)| Label::new(*name, (*value).to_owned()))
            .collect();
        Key::from_parts(name, labels)
    }

    fn count(&self, name: &'static str, labels: &[(&'static str, &str)]) {
        let key = Self::key(name, labels);
        self.inner
            .recorder
            .register_counter(&key, &METADATA)
            .increment(1);
    }

    fn set(&self, name: &'static str, labels: &[(&'static str, &str)], value: f64) {
        let key = Self::key(name, labels);
        self.inner
            .recorder
            .register_gauge(&key, &METADATA)
            .set(value);
    }

    fn observe(&self, name: &'static str, labels: &[(&'static str, &str)], value: f64) {
        let key = Self::key(name, labels);
        self.inner
            .recorder
            .register_histogram(&key, &METADATA)
            .record(value);
    }

    /// A webhook delivery and what it came to. `resource` is the envelope's, when it could be
    /// read: only the two the bot handles are named, so that nobody can grow the label set.
    pub fn delivery(&self, resource: &str, outcome: DeliveryOutcome) {
        let resource = match resource {
            "messages" => 0,
            "attachmentActions" => 1,
            "" => 2,
            _ => 3,
        };
        self.inner.deliveries[resource][outcome as usize].increment(1);
    }

    /// How long a delivery waited for its answer.
    pub fn ack(&self, seconds: f64) {
        self.inner.ack.record(seconds);
    }

    /// How many jobs are in each state.
    pub fn jobs(&self, by_state: &[(String, i64)]) {
        for state in ["queued", "running", "done", "failed"] {
            let count = by_state
                .iter()
                .filter(|(s, _)| s == state)
                .map(|(_, n)| *n)
                .sum::<i64>();
            self.set("webex_onboard_jobs", &[("state", state)], count as f64);
        }
    }

    /// How long the oldest job that could run has waited.
    pub fn oldest_waiting_job(&self, seconds: f64) {
        self.set("webex_onboard_oldest_waiting_job_seconds", &[], seconds);
    }

    /// How a job's run ended: done, retry, gave_up, conflict, waiting, lost_lease, released.
    pub fn job_outcome(&self, kind: &str, outcome: &'static str) {
        self.count(
            "webex_onboard_job_outcomes_total",
            &[("kind", kind), ("outcome", outcome)],
        );
    }

    /// A Webex call: its operation (method and path template), its status (or `timeout`,
    /// `unanswered`), and how long it took.
    pub fn webex_request(&self, operation: &'static str, status: &str, seconds: f64) {
        self.count(
            "webex_onboard_webex_requests_total",
            &[("operation", operation), ("status", status)],
        );
        self.observe(
            "webex_onboard_webex_request_seconds",
            &[("operation", operation)],
            seconds,
        );
    }

    /// An onboarding request's answer: created, existed, refused, rejected or failed.
    pub fn onboarding(&self, outcome: &'static str) {
        self.count(
            "webex_onboard_onboarding_requests_total",
            &[("outcome", outcome)],
        );
    }

    /// How long the admin access token has left.
    pub fn admin_token_expires_in(&self, seconds: f64) {
        self.set("webex_onboard_admin_token_expires_in_seconds", &[], seconds);
    }

    /// How many of the bot's own webhooks are active.
    pub fn webhooks_active(&self, count: usize) {
        self.set("webex_onboard_webhooks_active", &[], count as f64);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_outcome_counts_under_its_own_name() {
        for (at, outcome) in OUTCOMES.iter().enumerate() {
            assert_eq!(*outcome as usize, at, "{outcome:?}");
        }
    }

    #[test]
    fn counters_histograms_and_gauges_render_as_prometheus_text() {
        let metrics = Metrics::new();
        metrics.delivery("messages", DeliveryOutcome::Recorded);
        metrics.delivery("memberships", DeliveryOutcome::Ignored);
        metrics.ack(0.003);
        metrics.jobs(&[("queued".into(), 2)]);
        let text = metrics.render();
        assert!(
            text.contains(
                "webex_onboard_webhook_deliveries_total{resource=\"messages\",outcome=\"recorded\"} 1"
            ),
            "{text}"
        );
        assert!(
            text.contains("resource=\"other\",outcome=\"ignored\"} 1"),
            "{text}"
        );
        assert!(
            text.contains("webex_onboard_ack_seconds_bucket{le=\"0.005\"} 1"),
            "{text}"
        );
        assert!(
            text.contains("webex_onboard_jobs{state=\"queued\"} 2"),
            "{text}"
        );
        assert!(
            text.contains("webex_onboard_jobs{state=\"failed\"} 0"),
            "{text}"
        );
    }
}
