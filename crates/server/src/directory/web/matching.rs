//! The client's matching intake and its results.

use crate::directory::matching::{self, MatchResult};
use crate::platform::auth::Actor;
use crate::platform::error::{AppError, AppResult};
use crate::platform::layout::render;
use crate::platform::layout::{FormErrors, PageCtx};
use crate::platform::state::AppState;
use askama::Template;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use rapport_core::directory::{
    countries, languages, parse_language, IdentityPreferences, Jurisdiction, MatchRequest,
    Modality, SessionFormat, Specialty,
};
use rapport_core::Invalid;

#[derive(Default)]
pub struct Values {
    pub country: String,
    pub region: String,
    pub concerns: Vec<String>,
    pub language: String,
    pub modality: String,
    pub format: String,
    pub budget: String,
    pub sliding: bool,
    pub gender: String,
    pub faith: String,
    pub cultural_background: String,
}

#[derive(Template)]
#[template(path = "directory/match.html")]
pub struct MatchPage {
    pub ctx: PageCtx,
    pub v: Values,
    pub errors: FormErrors,
    pub countries: Vec<(&'static str, &'static str)>,
    pub concerns: Vec<(&'static str, &'static str, bool)>,
    pub languages: Vec<(&'static str, &'static str)>,
    pub modalities: Vec<(&'static str, &'static str)>,
    pub formats: Vec<(&'static str, &'static str)>,
    pub results: Option<Vec<MatchResult>>,
}

fn page(
    ctx: PageCtx,
    v: Values,
    errors: FormErrors,
    results: Option<Vec<MatchResult>>,
) -> MatchPage {
    MatchPage {
        ctx,
        errors,
        countries: countries().to_vec(),
        concerns: Specialty::ALL
            .iter()
            .map(|s| {
                (
                    s.as_str(),
                    s.label(),
                    v.concerns.iter().any(|c| c == s.as_str()),
                )
            })
            .collect(),
        languages: languages().to_vec(),
        modalities: Modality::ALL
            .iter()
            .map(|s| (s.as_str(), s.label()))
            .collect(),
        formats: SessionFormat::ALL
            .iter()
            .map(|s| (s.as_str(), s.label()))
            .collect(),
        results,
        v,
    }
}

pub async fn show(
    State(state): State<AppState>,
    ctx: PageCtx,
    actor: Actor,
) -> AppResult<Response> {
    let (country, region) = state
        .store
        .location(&actor.user.id)
        .await?
        .unwrap_or_else(|| ("US".into(), None));
    let v = Values {
        country,
        region: region.unwrap_or_default(),
        ..Default::default()
    };
    Ok(render(&page(ctx, v, FormErrors::default(), None))?.into_response())
}

fn nonempty(s: &str) -> Option<String> {
    let t = s.trim();
    (!t.is_empty()).then(|| t.chars().take(60).collect())
}

/// Turns the form into a request, naming every field that is wrong.
fn request(v: &Values) -> AppResult<MatchRequest> {
    let mut errors = Vec::new();
    let location = Jurisdiction::parse(&v.country, nonempty(&v.region).as_deref())
        .map_err(|e| errors.push(e))
        .ok();
    let concerns = v
        .concerns
        .iter()
        .filter_map(|c| Specialty::parse(c).map_err(|e| errors.push(e)).ok())
        .collect();
    let language = nonempty(&v.language)
        .and_then(|l| parse_language(&l).map_err(|e| errors.push(e)).ok())
        .map(str::to_string);
    let modality =
        nonempty(&v.modality).and_then(|m| Modality::parse(&m).map_err(|e| errors.push(e)).ok());
    let format =
        nonempty(&v.format).and_then(|f| SessionFormat::parse(&f).map_err(|e| errors.push(e)).ok());
    let budget = nonempty(&v.budget).and_then(|b| {
        b.parse::<u32>()
            .map(|n| n as i64 * 100)
            .map_err(|_| errors.push(Invalid::new("budget", "Enter a whole amount, such as 120.")))
            .ok()
    });
    let identity = IdentityPreferences {
        gender: nonempty(&v.gender),
        faith: nonempty(&v.faith),
        cultural_background: nonempty(&v.cultural_background),
    };
    let identity = (identity != IdentityPreferences::default()).then_some(identity);
    match (location, errors.is_empty()) {
        (Some(location), true) => Ok(MatchRequest {
            location,
            concerns,
            language,
            modality,
            format,
            budget_max_cents: budget,
            wants_sliding_scale: v.sliding,
            identity,
        }),
        _ => Err(AppError::Fields(errors)),
    }
}

pub async fn submit(
    State(state): State<AppState>,
    ctx: PageCtx,
    actor: Actor,
    body: Bytes,
) -> AppResult<Response> {
    let mut v = Values::default();
    for (k, val) in url::form_urlencoded::parse(&body) {
        let val = val.into_owned();
        match k.as_ref() {
            "country" => v.country = val,
            "region" => v.region = val,
            "concerns" => v.concerns.push(val),
            "language" => v.language = val,
            "modality" => v.modality = val,
            "format" => v.format = val,
            "budget" => v.budget = val,
            "wants_sliding_scale" => v.sliding = true,
            "gender" => v.gender = val,
            "faith" => v.faith = val,
            "cultural_background" => v.cultural_background = val,
            _ => {}
        }
    }
    match request(&v) {
        Ok(req) => {
            state
                .store
                .set_location(
                    &actor.user.id,
                    req.location.country(),
                    req.location.region(),
                )
                .await?;
            let results = matching::find(&state, &req, 20).await?;
            Ok(render(&page(ctx, v, FormErrors::default(), Some(results)))?.into_response())
        }
        Err(e @ AppError::Fields(_)) => Ok((
            StatusCode::UNPROCESSABLE_ENTITY,
            render(&page(ctx, v, FormErrors::from_error(&e), None))?,
        )
            .into_response()),
        Err(e) => Err(e),
    }
}
