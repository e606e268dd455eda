//! Matching as the server does it (`rapport_server::directory::matching::find`), and the
//! part of it that is not the search: the server's `facts` for every candidate, then
//! `rapport_core::directory::rank`.

use anyhow::{ensure, Context, Result};
use rapport_core::directory::{rank, MatchRequest, TherapistFacts};
use rapport_server::directory::matching::{facts, find};
use rapport_server::directory::service::today;
use rapport_server::platform::config::Config;
use rapport_server::platform::state::AppState;
use rapport_store::directory::SearchQuery;
use rapport_store::Store;
use rapport_vault::{KeyEncryptionKey, Vault};
use std::hint::black_box;
use std::time::{Duration, Instant};

/// Results a page of matches shows (what the web page and the API ask `find` for).
pub const SHOWN: usize = 20;

/// The server's state over `store` (rules-only coach, a vault with throw-away keys; the
/// data dir is never written by matching).
pub fn app_state(store: &Store) -> Result<AppState> {
    let config = Config::new(
        url::Url::parse("http://localhost:8080").context("base URL")?,
        std::env::temp_dir().join("rapport-bench-directory"),
    );
    let vault = Vault::new(
        KeyEncryptionKey::generate(),
        ed25519_dalek::SigningKey::from_bytes(&[1; 32]),
    );
    Ok(AppState::new(store.clone(), config, vault))
}

/// One request matched twice over.
pub struct Timed {
    /// `find(req, 20)`: the whole of matching.
    pub whole: Duration,
    /// Matches `find` returned.
    pub shown: usize,
    /// Building facts + `rank` over the candidates of the same search, timed alone.
    pub ranking: Duration,
    /// Candidates ranked (those the rules did not rule out).
    pub ranked: usize,
    /// Therapists the location search found in all.
    pub total: i64,
}

/// The search `find` makes for its candidates (licensed where the client will be, lowest
/// fee first, 500 of them). Only to time `facts` + `rank` apart from it: [`once`] fails if
/// the ranking over these candidates stops agreeing with what `find` returned.
fn candidates_query(req: &MatchRequest) -> SearchQuery {
    SearchQuery {
        country: Some(req.location.country().to_string()),
        region: req.location.region().map(str::to_string),
        limit: 500,
        today: today().format("%Y-%m-%d").to_string(),
        lowest_fee_first: true,
        ..SearchQuery::default()
    }
}

/// Times `find` for `req`, then, apart from it, the server's `facts` and `rank` over the
/// same candidates.
pub async fn once(state: &AppState, req: &MatchRequest) -> Result<Timed> {
    let t = Instant::now();
    let found = black_box(find(state, req, SHOWN).await?);
    let whole = t.elapsed();

    let (rows, total) = state
        .store
        .search_therapists(&candidates_query(req))
        .await?;
    let t = Instant::now();
    let candidates: Vec<(String, TherapistFacts)> = rows
        .iter()
        .map(|p| (p.user_id.clone(), facts(p, &req.location)))
        .collect();
    let ranked = black_box(rank(req, &candidates));
    let ranking = t.elapsed();

    let ours: Vec<&str> = ranked
        .iter()
        .take(SHOWN)
        .map(|(id, _)| id.as_str())
        .collect();
    let theirs: Vec<&str> = found.iter().map(|m| m.therapist.user_id.as_str()).collect();
    ensure!(
        ours == theirs,
        "the candidates timed apart no longer give what `find` gives (the search `find` \
         makes has changed; update `candidates_query`)"
    );
    Ok(Timed {
        whole,
        shown: found.len(),
        ranking,
        ranked: ranked.len(),
        total,
    })
}
