//! The reply coach in the product: opt-in per therapist, never shown to clients, and
//! nothing of the text is stored or logged (handlers take it, review it, render it).

use crate::platform::auth::Actor;
use crate::platform::error::{AppError, AppResult};
use crate::platform::state::AppState;
use rapport_coach::{Feedback, FindingKind, Level};

/// Example client messages to practise on (written for Rapport).
pub const EXAMPLES: &[(&str, &str)] = &[
    ("Exhausted and behind at work", "I've been so tired lately. I keep falling behind at work and my manager noticed. I lie awake at night going over everything I got wrong, and then I'm too exhausted to focus the next day. I don't know how to get out of this loop."),
    ("Grief after a parent's death", "It's been six months since my dad died and everyone seems to expect me to be over it. I still pick up my phone to call him. Some days I'm fine and then something small sets me off and I can't stop crying."),
    ("Panic on the train", "I had another panic attack on the train this morning. My heart was pounding and I was sure I was going to faint in front of everyone. Now I'm scared to take the train tomorrow."),
    ("Conflict with a partner", "My partner and I had a huge fight again last night about money. I said things I regret. I feel like we keep having the same argument and nothing changes."),
];

/// Refuses unless the therapist has turned the coach on.
pub fn require_enabled(actor: &Actor) -> AppResult<()> {
    if actor.user.coach_enabled_at.is_none() {
        return Err(AppError::Refused(
            "The reply coach is off. Turn it on from the coach page first; it stays private to you.".into(),
        ));
    }
    Ok(())
}

pub fn kind_label(kind: FindingKind) -> &'static str {
    match kind {
        FindingKind::Reflection => "Reflection",
        FindingKind::OpenQuestion => "Open question",
        FindingKind::ClosedQuestion => "Closed question",
        FindingKind::Validation => "Validation",
        FindingKind::Summary => "Summary",
        FindingKind::PrematureAdvice => "Advice before understanding",
        FindingKind::Minimising => "Minimising",
        FindingKind::Stigmatising => "Stigmatising language",
    }
}

pub fn level_words(level: Level) -> &'static str {
    match level {
        Level::None => "none",
        Level::Weak => "weak",
        Level::Strong => "strong",
    }
}

/// A piece of the draft, highlighted if a finding covers it.
pub struct Segment {
    pub text: String,
    pub kind: Option<&'static str>,
    pub label: &'static str,
}

pub struct FindingView {
    pub class: &'static str,
    pub label: &'static str,
    pub quote: String,
    pub suggestion: String,
}

/// What the practice page shows for one review.
pub struct FeedbackView {
    pub segments: Vec<Segment>,
    pub findings: Vec<FindingView>,
    /// (mechanism, level, suggestion)
    pub levels: Vec<(&'static str, &'static str, String)>,
    pub unavailable: String,
}

pub fn view(draft: &str, fb: &Feedback) -> FeedbackView {
    let mut segments = Vec::new();
    let mut cursor = 0;
    for f in &fb.findings {
        let (start, end) = (f.span.start, f.span.end);
        if start < cursor
            || end > draft.len()
            || start >= end
            || !draft.is_char_boundary(start)
            || !draft.is_char_boundary(end)
        {
            continue;
        }
        if start > cursor {
            segments.push(Segment {
                text: draft[cursor..start].to_string(),
                kind: None,
                label: "",
            });
        }
        segments.push(Segment {
            text: draft[start..end].to_string(),
            kind: Some(if f.kind.is_risk() { "risk" } else { "good" }),
            label: kind_label(f.kind),
        });
        cursor = end;
    }
    if cursor < draft.len() {
        segments.push(Segment {
            text: draft[cursor..].to_string(),
            kind: None,
            label: "",
        });
    }
    let findings = fb
        .findings
        .iter()
        .map(|f| FindingView {
            class: if f.kind.is_risk() { "risk" } else { "good" },
            label: kind_label(f.kind),
            quote: draft
                .get(f.span.start..f.span.end)
                .unwrap_or("")
                .to_string(),
            suggestion: match &f.alternative {
                Some(alt) => format!("{} Consider: “{alt}”.", f.suggestion),
                None => f.suggestion.clone(),
            },
        })
        .collect();
    let levels = match &fb.empathy {
        Some(e) => [
            ("Emotional reactions", &e.emotional_reactions),
            ("Interpretations", &e.interpretations),
            ("Explorations", &e.explorations),
        ]
        .into_iter()
        .map(|(name, m)| {
            (
                name,
                level_words(m.level),
                m.suggestion.clone().unwrap_or_default(),
            )
        })
        .collect(),
        None => Vec::new(),
    };
    FeedbackView {
        segments,
        findings,
        levels,
        unavailable: fb.empathy_unavailable.clone().unwrap_or_default(),
    }
}

/// Runs the review off the async runtime (the model is CPU work).
pub async fn review(
    state: &AppState,
    client_message: String,
    draft: String,
) -> AppResult<Feedback> {
    let state = state.clone();
    tokio::task::spawn_blocking(move || state.coach.review(&client_message, &draft))
        .await
        .map_err(|e| AppError::Internal(e.into()))
}
