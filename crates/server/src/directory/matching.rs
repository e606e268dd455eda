//! Matching a client to therapists with plain-language reasons. The scoring rules live in
//! `rapport_core::directory::matching`; this fetches the candidates who are licensed where
//! the client will be and turns each profile into the facts the rules read.

use crate::platform::error::AppResult;
use crate::platform::state::AppState;
use rapport_core::directory::{
    rank, Jurisdiction, MatchRequest, Modality, SessionFormat, Specialty, TherapistFacts,
};
use rapport_store::directory::{Profile, SearchQuery};
use serde::Serialize;

/// One matched therapist with the score and the reasons behind it.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct MatchResult {
    pub therapist: Profile,
    pub score: u32,
    /// "licensed in Ohio", "speaks Spanish", "works with anxiety", "within your budget"…
    pub reasons: Vec<String>,
}

pub fn facts(p: &Profile, location: &Jurisdiction) -> TherapistFacts {
    TherapistFacts {
        // Candidates come from a search filtered to licenses that count where the client is.
        licensed_in: vec![location.clone()],
        specialties: p
            .specialties
            .iter()
            .filter_map(|s| Specialty::parse(s).ok())
            .collect(),
        modalities: p
            .modalities
            .iter()
            .filter_map(|s| Modality::parse(s).ok())
            .collect(),
        languages: p.languages.clone(),
        formats: p
            .formats
            .iter()
            .filter_map(|s| SessionFormat::parse(s).ok())
            .collect(),
        fee_cents: p.fee_cents,
        sliding_scale: p.sliding_scale,
        gender: p.gender.clone(),
        faith: p.faith.clone(),
        cultural_background: p.cultural_background.clone(),
    }
}

/// The best matches for `req`, at most `limit`.
pub async fn find(
    state: &AppState,
    req: &MatchRequest,
    limit: usize,
) -> AppResult<Vec<MatchResult>> {
    let query = SearchQuery {
        country: Some(req.location.country().to_string()),
        region: req.location.region().map(str::to_string),
        limit: 500,
        today: crate::directory::service::today()
            .format("%Y-%m-%d")
            .to_string(),
        lowest_fee_first: true,
        ..Default::default()
    };
    let (candidates, _) = state.store.search_therapists(&query).await?;
    let facts: Vec<(String, TherapistFacts)> = candidates
        .iter()
        .map(|p| (p.user_id.clone(), facts(p, &req.location)))
        .collect();
    let ranked = rank(req, &facts);
    Ok(ranked
        .into_iter()
        .take(limit)
        .filter_map(|(id, m)| {
            candidates
                .iter()
                .find(|p| p.user_id == id)
                .map(|p| MatchResult {
                    therapist: p.clone(),
                    score: m.score,
                    reasons: m.reasons,
                })
        })
        .collect())
}
