//! An onboarding request's life: where it stands, and what an approver decided.

/// Where a request stands. Only the onboarding use cases move it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RequestState {
    /// Validated and authorized, waiting for an approver's decision.
    AwaitingApproval,
    /// Validated, authorized (and approved, where approval is required); no create call yet.
    Accepted,
    /// A create call has been (or is being) made: its outcome must be looked up, never assumed.
    Creating,
    /// The person exists because of this request.
    Created,
    /// The person already existed; nothing was created.
    Exists,
    /// Given up, with a reason.
    Failed,
    /// An approver said no.
    Rejected,
    /// Nobody decided it within `ONBOARD_REQUEST_TTL_DAYS`.
    Expired,
}

impl RequestState {
    /// The name stored in the database.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::AwaitingApproval => "awaiting_approval",
            Self::Accepted => "accepted",
            Self::Creating => "creating",
            Self::Created => "created",
            Self::Exists => "exists",
            Self::Failed => "failed",
            Self::Rejected => "rejected",
            Self::Expired => "expired",
        }
    }

    /// The value a stored name stands for; the error names what was found.
    pub fn parse(s: &str) -> Result<Self, String> {
        Ok(match s {
            "awaiting_approval" => Self::AwaitingApproval,
            "accepted" => Self::Accepted,
            "creating" => Self::Creating,
            "created" => Self::Created,
            "exists" => Self::Exists,
            "failed" => Self::Failed,
            "rejected" => Self::Rejected,
            "expired" => Self::Expired,
            other => return Err(format!("request state {other}")),
        })
    }

    /// Whether the request has its final answer.
    pub fn is_final(self) -> bool {
        matches!(
            self,
            Self::Created | Self::Exists | Self::Failed | Self::Rejected | Self::Expired
        )
    }
}

/// What an approver decided.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Decision {
    /// The account may be created.
    Approved,
    /// It may not; the requester is told who said so, and why.
    Rejected,
}

impl Decision {
    /// The name stored in the database.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Approved => "approved",
            Self::Rejected => "rejected",
        }
    }

    /// The value a stored name stands for; the error names what was found.
    pub fn parse(s: &str) -> Result<Self, String> {
        match s {
            "approved" => Ok(Self::Approved),
            "rejected" => Ok(Self::Rejected),
            other => Err(format!("decision {other}")),
        }
    }
}
