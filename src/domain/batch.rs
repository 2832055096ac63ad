//! A batch: a cohort's file, its rows checked, and where the batch stands.

use super::batch_file::DEFAULT_MAX_ROWS;

/// How large a batch may be, and how fast its people are created.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct BulkLimits {
    /// `ONBOARD_BULK_RATE`: creates a second, shared by every batch and replica.
    pub rate: f64,
    /// `ONBOARD_BULK_MAX_ROWS`: the most people one file may hold.
    pub max_rows: usize,
}

impl Default for BulkLimits {
    fn default() -> Self {
        Self {
            rate: 2.0,
            max_rows: DEFAULT_MAX_ROWS,
        }
    }
}

impl BulkLimits {
    /// The time between two creates, in milliseconds: 2% longer than the rate says, so that
    /// the jitter of the network never puts one create too many into Webex's window (its
    /// answer, a 429, would hold every create back for a whole `Retry-After`).
    pub fn every_ms(&self) -> i64 {
        // At least a millisecond: a rate too high to pace is no pace.
        ((1020.0 / self.rate).floor() as i64).max(1)
    }
}

/// Where a batch stands. Only the batch use cases move it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BatchState {
    /// Its preview is posted; its sender may confirm or cancel it.
    Previewed,
    /// Confirmed, waiting for an approver's decision.
    AwaitingApproval,
    /// Its rows are being created.
    Running,
    /// Cancelled while running: the rows not started yet are not created.
    Cancelling,
    /// Every row has its outcome and the report is sent.
    Done,
    /// Cancelled before anything was created.
    Cancelled,
    /// An approver said no: nothing was created.
    Rejected,
}

impl BatchState {
    /// The name stored in the database.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Previewed => "previewed",
            Self::AwaitingApproval => "awaiting_approval",
            Self::Running => "running",
            Self::Cancelling => "cancelling",
            Self::Done => "done",
            Self::Cancelled => "cancelled",
            Self::Rejected => "rejected",
        }
    }

    /// The value a stored name stands for; the error names what was found.
    pub fn parse(s: &str) -> Result<Self, String> {
        Ok(match s {
            "previewed" => Self::Previewed,
            "awaiting_approval" => Self::AwaitingApproval,
            "running" => Self::Running,
            "cancelling" => Self::Cancelling,
            "done" => Self::Done,
            "cancelled" => Self::Cancelled,
            "rejected" => Self::Rejected,
            other => return Err(format!("batch state {other}")),
        })
    }

    /// Whether rows may still be started.
    pub fn creates(self) -> bool {
        self == Self::Running
    }
}

/// What became of one line of the file, as the report names it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RowOutcome {
    /// Valid and new: a request of the batch creates the person once the batch runs.
    New,
    /// The line breaks a rule of the card; the error says which.
    Invalid,
    /// The email is on an earlier line of the file.
    Repeated,
    /// The person existed before the batch ran.
    Existed,
    /// Created by the batch.
    Created,
    /// Webex refused it, or the bot gave up; the error says why.
    Failed,
    /// Not started: the batch was cancelled, rejected or never confirmed.
    Cancelled,
    /// Waiting for its turn.
    Pending,
}

impl RowOutcome {
    /// The name stored in the database and written in the report.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::New => "new",
            Self::Invalid => "invalid",
            Self::Repeated => "repeated",
            Self::Existed => "existed",
            Self::Created => "created",
            Self::Failed => "failed",
            Self::Cancelled => "cancelled",
            Self::Pending => "pending",
        }
    }

    /// The value a stored name stands for; the error names what was found.
    pub fn parse(s: &str) -> Result<Self, String> {
        Ok(match s {
            "new" => Self::New,
            "invalid" => Self::Invalid,
            "repeated" => Self::Repeated,
            "existed" => Self::Existed,
            "created" => Self::Created,
            "failed" => Self::Failed,
            "cancelled" => Self::Cancelled,
            "pending" => Self::Pending,
            other => return Err(format!("row outcome {other}")),
        })
    }

    /// Whether the row has its last word.
    pub fn is_final(self) -> bool {
        !matches!(self, Self::New | Self::Pending)
    }
}
