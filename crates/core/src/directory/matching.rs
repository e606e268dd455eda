//! Matching a client's request to therapists, with reasons the client can read.
//!
//! The rules, pinned by the tests below:
//!
//! * A therapist with no counting license that [covers](Jurisdiction::covers) the client's
//!   location is never shown: [`score`] returns `None`. `licensed_in` must hold only
//!   licenses that count today (see [`counts_on`](super::counts_on)).
//! * +20 if they speak the requested language.
//! * +30 per concern the therapist works with, for at most 3 concerns (90).
//! * +10 if they offer the requested approach; +10 if they offer the requested format.
//! * +15 if their fee is within the client's budget. Otherwise, +5 if the client wants a
//!   sliding scale and the therapist offers one (also when no budget was given).
//! * +10 for each identity preference (gender, faith, cultural background) that the client
//!   gave and that equals the therapist's own description, ignoring case and outer spaces.
//!   Preferences the client did not give are not looked at, so they change nothing.
//!
//! Reasons always come in this order: "licensed in …", "speaks …", "works with …",
//! "offers" + approach, "offers" + format, budget, then identity. [`rank`] orders by score
//! (highest first), then by lower fee, then by id, so equal requests give equal pages.

use super::{language_name, Jurisdiction, Modality, SessionFormat, Specialty};
use serde::{Deserialize, Serialize};

const PER_CONCERN: u32 = 30;
const MAX_CONCERNS_SCORED: usize = 3;
const LANGUAGE: u32 = 20;
const MODALITY: u32 = 10;
const FORMAT: u32 = 10;
const WITHIN_BUDGET: u32 = 15;
const SLIDING_SCALE: u32 = 5;
const IDENTITY: u32 = 10;

/// What a client asks for. Everything but the location is optional.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct MatchRequest {
    /// Where the client will be during sessions: licensure follows the client.
    pub location: Jurisdiction,
    #[serde(default)]
    pub concerns: Vec<Specialty>,
    /// ISO 639-1 code, e.g. `es`.
    pub language: Option<String>,
    pub modality: Option<Modality>,
    pub format: Option<SessionFormat>,
    /// The most the client can pay per session, in cents.
    pub budget_max_cents: Option<i64>,
    #[serde(default)]
    pub wants_sliding_scale: bool,
    /// Only given when the client chose to say; never inferred.
    pub identity: Option<IdentityPreferences>,
}

/// Who the client would like their therapist to be, in the client's own words.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct IdentityPreferences {
    pub gender: Option<String>,
    pub faith: Option<String>,
    pub cultural_background: Option<String>,
}

/// What matching needs to know about one therapist.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct TherapistFacts {
    /// Only licenses that count today.
    pub licensed_in: Vec<Jurisdiction>,
    pub specialties: Vec<Specialty>,
    pub modalities: Vec<Modality>,
    /// ISO 639-1 codes.
    pub languages: Vec<String>,
    pub formats: Vec<SessionFormat>,
    /// Standard fee per session, in cents.
    pub fee_cents: i64,
    pub sliding_scale: bool,
    /// Self-described; matched only against a preference the client gave.
    pub gender: Option<String>,
    pub faith: Option<String>,
    pub cultural_background: Option<String>,
}

/// A therapist shown to a client: higher scores first, with the reasons in plain words.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Match {
    pub score: u32,
    pub reasons: Vec<String>,
}

/// Scores one therapist for one request; `None` when they may not see this client.
pub fn score(req: &MatchRequest, facts: &TherapistFacts) -> Option<Match> {
    if !facts.licensed_in.iter().any(|l| l.covers(&req.location)) {
        return None;
    }
    let mut points = 0;
    let mut reasons = vec![format!("licensed in {}", req.location.name())];

    if let Some(lang) = given(req.language.as_deref()) {
        if facts
            .languages
            .iter()
            .any(|l| l.trim().eq_ignore_ascii_case(lang))
        {
            points += LANGUAGE;
            reasons.push(format!("speaks {}", language_name(lang).unwrap_or(lang)));
        }
    }

    let mut concerns: Vec<Specialty> = Vec::new();
    for c in &req.concerns {
        if facts.specialties.contains(c) && !concerns.contains(c) {
            concerns.push(*c);
        }
    }
    if !concerns.is_empty() {
        // The cap keeps a long list of concerns from outweighing everything else.
        let scored = concerns.len().min(MAX_CONCERNS_SCORED);
        points += PER_CONCERN * u32::try_from(scored).unwrap_or(0);
        let names: Vec<String> = concerns.iter().map(|c| mid_sentence(c.label())).collect();
        reasons.push(format!("works with {}", join_plain(&names)));
    }
    if let Some(m) = req.modality.filter(|m| facts.modalities.contains(m)) {
        points += MODALITY;
        reasons.push(format!("offers {}", mid_sentence(m.label())));
    }
    if let Some(f) = req.format.filter(|f| facts.formats.contains(f)) {
        points += FORMAT;
        reasons.push(format!("offers {}", mid_sentence(f.label())));
    }

    let within_budget = req
        .budget_max_cents
        .is_some_and(|max| facts.fee_cents <= max);
    if within_budget {
        points += WITHIN_BUDGET;
        reasons.push("within your budget".to_string());
    } else if req.wants_sliding_scale && facts.sliding_scale {
        points += SLIDING_SCALE;
        reasons.push("offers a sliding scale".to_string());
    }

    if let Some(pref) = &req.identity {
        let pairs = [
            (&pref.gender, &facts.gender, "gender"),
            (&pref.faith, &facts.faith, "faith"),
            (
                &pref.cultural_background,
                &facts.cultural_background,
                "cultural background",
            ),
        ];
        for (wanted, theirs, what) in pairs {
            if let (Some(w), Some(t)) = (given(wanted.as_deref()), given(theirs.as_deref())) {
                if w.to_lowercase() == t.to_lowercase() {
                    points += IDENTITY;
                    reasons.push(format!("matches your {what} preference"));
                }
            }
        }
    }

    Some(Match {
        score: points,
        reasons,
    })
}

/// Scores every candidate, drops those who may not see this client, and orders the rest:
/// highest score, then lower fee, then id, so the order never depends on input order.
pub fn rank<Id: Ord + Clone>(
    req: &MatchRequest,
    candidates: &[(Id, TherapistFacts)],
) -> Vec<(Id, Match)> {
    let mut scored: Vec<(&Id, i64, Match)> = candidates
        .iter()
        .filter_map(|(id, facts)| score(req, facts).map(|m| (id, facts.fee_cents, m)))
        .collect();
    scored.sort_by(|a, b| {
        b.2.score
            .cmp(&a.2.score)
            .then(a.1.cmp(&b.1))
            .then_with(|| a.0.cmp(b.0))
    });
    scored
        .into_iter()
        .map(|(id, _, m)| (id.clone(), m))
        .collect()
}

/// A text the person actually filled in: blank counts as not given.
fn given(s: Option<&str>) -> Option<&str> {
    s.map(str::trim).filter(|s| !s.is_empty())
}

/// "Anxiety" → "anxiety", but "OCD" and "LGBTQ+ identity" keep their capitals.
fn mid_sentence(label: &str) -> String {
    let mut chars = label.chars();
    match (chars.next(), chars.next()) {
        (Some(first), Some(second)) if !second.is_uppercase() => {
            first.to_lowercase().chain(label.chars().skip(1)).collect()
        }
        _ => label.to_string(),
    }
}

/// "a", "a and b", "a, b and c".
fn join_plain(items: &[String]) -> String {
    match items {
        [] => String::new(),
        [one] => one.clone(),
        [rest @ .., last] => format!("{} and {last}", rest.join(", ")),
    }
}

#[cfg(test)]
mod tests;
