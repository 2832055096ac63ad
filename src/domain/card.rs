//! The cards the bot sends.

/// Which card a message carries.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CardKind {
    /// The onboarding form.
    Onboarding,
    /// An approval card in the approvers' room.
    Approval,
    /// A batch's preview, with Confirm and Cancel.
    BatchPreview,
    /// A batch's approval card in the approvers' room.
    BatchApproval,
}

impl CardKind {
    /// The name stored in the `kind` column of a card.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Onboarding => "onboarding",
            Self::Approval => "approval",
            Self::BatchPreview => "batch-preview",
            Self::BatchApproval => "batch-approval",
        }
    }

    /// The kind a stored name stands for; the error names what was found.
    pub fn parse(s: &str) -> Result<Self, String> {
        match s {
            "onboarding" => Ok(Self::Onboarding),
            "approval" => Ok(Self::Approval),
            "batch-preview" => Ok(Self::BatchPreview),
            "batch-approval" => Ok(Self::BatchApproval),
            other => Err(format!("card kind {other}")),
        }
    }
}
