//! What the coach returns. Spans are byte offsets into the draft reply (`start..end`,
//! always on UTF-8 character boundaries) so a page can highlight them.

use serde::{Deserialize, Serialize};

/// How strongly a mechanism is present (EPITOME's 0/1/2).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Level {
    None,
    Weak,
    Strong,
}

/// A stretch of the draft reply.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Span {
    pub start: usize,
    pub end: usize,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum FindingKind {
    // Active-listening markers (good signs).
    Reflection,
    OpenQuestion,
    ClosedQuestion,
    Validation,
    Summary,
    // Risks to trust.
    PrematureAdvice,
    Minimising,
    Stigmatising,
}

impl FindingKind {
    /// True for findings that may cost the client's trust.
    pub fn is_risk(self) -> bool {
        matches!(
            self,
            FindingKind::PrematureAdvice | FindingKind::Minimising | FindingKind::Stigmatising
        )
    }
}

/// One thing the coach noticed, where, and what to consider.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Finding {
    pub kind: FindingKind,
    pub span: Span,
    /// A short, concrete suggestion ("Consider asking an open question about …").
    pub suggestion: String,
    /// For stigmatising wording: a respectful alternative ("died by suicide").
    #[serde(skip_serializing_if = "Option::is_none")]
    pub alternative: Option<String>,
}

/// One EPITOME mechanism's level, the spans that carry it, and a suggestion.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct MechanismResult {
    pub level: Level,
    /// Probability of each level (none, weak, strong), from the model.
    pub probabilities: [f32; 3],
    pub spans: Vec<Span>,
    pub suggestion: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct EmpathyLevels {
    pub emotional_reactions: MechanismResult,
    pub interpretations: MechanismResult,
    pub explorations: MechanismResult,
}

/// The coach's whole answer for one draft.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Feedback {
    /// `None` when no model file is configured: the rules still run.
    pub empathy: Option<EmpathyLevels>,
    /// Why `empathy` is missing, in words for the therapist.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub empathy_unavailable: Option<String>,
    pub findings: Vec<Finding>,
}
