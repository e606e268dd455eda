//! Public directory pages: search (filters, free text, sort, pages) and a therapist's
//! profile with their verified licenses.

use crate::directory::service::{self as dir, SearchParams};
use crate::platform::auth::Identity;
use crate::platform::error::{AppError, AppResult};
use crate::platform::layout::render;
use crate::platform::layout::PageCtx;
use crate::platform::state::AppState;
use askama::Template;
use axum::extract::{Path, Query, RawQuery, State};
use axum::response::{IntoResponse, Response};
use rapport_core::directory::{countries, languages, regions, Modality, SessionFormat, Specialty};
use rapport_core::UserId;
use rapport_store::directory::Profile;

pub struct ResultRow {
    pub id: String,
    pub name: String,
    pub pronouns: Option<String>,
    pub intro: String,
    pub facts: String,
}

/// The form's values, echoed back.
#[derive(Default)]
pub struct Echo {
    pub text: String,
    pub country: String,
    pub region: String,
    pub specialty: String,
    pub modality: String,
    pub language: String,
    pub format: String,
    pub fee_max: String,
    pub insurance: String,
    pub pronouns: String,
    pub sliding_scale: bool,
    pub sort: String,
}

#[derive(Template)]
#[template(path = "directory/directory.html")]
pub struct DirectoryPage {
    pub ctx: PageCtx,
    pub q: Echo,
    pub countries: Vec<(&'static str, &'static str)>,
    pub regions: Vec<(&'static str, &'static str)>,
    pub specialties: Vec<(&'static str, &'static str)>,
    pub modalities: Vec<(&'static str, &'static str)>,
    pub languages: Vec<(&'static str, &'static str)>,
    pub formats: Vec<(&'static str, &'static str)>,
    pub results: Vec<ResultRow>,
    pub total: i64,
    pub error: Option<String>,
    pub prev_link: Option<String>,
    pub next_link: Option<String>,
}

fn page_link(raw: &Option<String>, page: i64) -> String {
    let kept: Vec<(String, String)> =
        url::form_urlencoded::parse(raw.as_deref().unwrap_or("").as_bytes())
            .filter(|(k, _)| k != "page")
            .map(|(k, v)| (k.into_owned(), v.into_owned()))
            .collect();
    let mut s = url::form_urlencoded::Serializer::new(String::new());
    s.extend_pairs(kept).append_pair("page", &page.to_string());
    format!("/therapists?{}", s.finish())
}

pub async fn search(
    State(state): State<AppState>,
    ctx: PageCtx,
    identity: Identity,
    RawQuery(raw): RawQuery,
    Query(params): Query<SearchParams>,
) -> AppResult<Response> {
    let fallback = dir::client_location(&state, &identity).await?;
    let (results, total, error, place, offset) = match params.to_query(fallback) {
        Ok((query, place)) => {
            let (list, total) = state.store.search_therapists(&query).await?;
            (list, total, None, place, query.offset)
        }
        Err(e) => (Vec::new(), 0, Some(e.public_message()), None, 0),
    };
    let country = place
        .as_ref()
        .map(|p| p.country().to_string())
        .unwrap_or_default();
    let page = offset / dir::PAGE_SIZE + 1;
    let q = Echo {
        text: params.q.clone().unwrap_or_default(),
        region: place
            .as_ref()
            .and_then(|p| p.region().map(str::to_string))
            .unwrap_or_default(),
        specialty: params.specialty.clone().unwrap_or_default(),
        modality: params.modality.clone().unwrap_or_default(),
        language: params.language.clone().unwrap_or_default(),
        format: params.format.clone().unwrap_or_default(),
        fee_max: params.fee_max.clone().unwrap_or_default(),
        insurance: params.insurance.clone().unwrap_or_default(),
        pronouns: params.pronouns.clone().unwrap_or_default(),
        sliding_scale: params
            .sliding_scale
            .as_deref()
            .is_some_and(|s| !s.is_empty()),
        sort: params.sort.clone().unwrap_or_default(),
        country: country.clone(),
    };
    let rows = results
        .iter()
        .map(|p: &Profile| ResultRow {
            id: p.user_id.clone(),
            name: p.display_name.clone(),
            pronouns: p.pronouns.clone(),
            intro: p.short_intro.clone(),
            facts: format!(
                "{} · {} · {} per session{}",
                dir::specialties(p),
                dir::languages(p),
                dir::fee(p),
                if p.sliding_scale {
                    " · sliding scale"
                } else {
                    ""
                }
            ),
        })
        .collect();
    let page_view = DirectoryPage {
        ctx,
        countries: countries().to_vec(),
        regions: if country.is_empty() {
            Vec::new()
        } else {
            regions(&country).to_vec()
        },
        specialties: Specialty::ALL
            .iter()
            .map(|s| (s.as_str(), s.label()))
            .collect(),
        modalities: Modality::ALL
            .iter()
            .map(|s| (s.as_str(), s.label()))
            .collect(),
        languages: languages().to_vec(),
        formats: SessionFormat::ALL
            .iter()
            .map(|s| (s.as_str(), s.label()))
            .collect(),
        results: rows,
        total,
        error,
        prev_link: (page > 1).then(|| page_link(&raw, page - 1)),
        next_link: (page * dir::PAGE_SIZE < total).then(|| page_link(&raw, page + 1)),
        q,
    };
    Ok(render(&page_view)?.into_response())
}

#[derive(Template)]
#[template(path = "directory/therapist_public.html")]
pub struct PublicProfilePage {
    pub ctx: PageCtx,
    pub p: Profile,
    pub has_photo: bool,
    pub licenses: Vec<String>,
    pub where_note: Option<String>,
    /// Reliability in plain words, once there are enough sessions to say it.
    pub reliability: Vec<String>,
    /// Whether the therapist offers any session type for booking.
    pub bookable: bool,
    pub long_intro: Vec<String>,
    pub specialties: String,
    pub modalities: String,
    pub populations: String,
    pub languages: String,
    pub formats: String,
    pub fee: String,
    pub insurance: String,
}

pub async fn profile(
    State(state): State<AppState>,
    ctx: PageCtx,
    identity: Identity,
    Path(id): Path<String>,
) -> AppResult<Response> {
    let user = UserId(id);
    let p = state
        .store
        .profile(&user)
        .await?
        .ok_or(AppError::NotFound)?;
    let licenses = state.store.licenses_of(&user).await?;
    let today = dir::today();
    let lines = dir::verified_lines(&licenses, today);
    if lines.is_empty() {
        // Only verified therapists are listed: an unverified profile is not public.
        return Err(AppError::NotFound);
    }
    let where_note = dir::client_location(&state, &identity).await?.map(|place| {
        if dir::licensed_for(&licenses, &place, today) {
            format!("Licensed where you will be: {}.", place.name())
        } else {
            format!("Not licensed in {}, where you said you will be during sessions, so they cannot see you there.", place.name())
        }
    });
    let (measured, _) =
        crate::scheduling::service::reliability(&state, &user, chrono::Utc::now(), 0).await?;
    let bookable = state
        .store
        .session_types(&user)
        .await?
        .iter()
        .any(|t| t.active);
    let page = PublicProfilePage {
        ctx,
        reliability: measured.public_lines().unwrap_or_default(),
        bookable,
        has_photo: state.store.photo(&user).await?.is_some(),
        licenses: lines,
        where_note,
        long_intro: p
            .long_intro
            .split("\n\n")
            .map(|s| s.trim().to_string())
            .filter(|s| !s.is_empty())
            .collect(),
        specialties: dir::specialties(&p),
        modalities: dir::modalities(&p),
        populations: dir::populations(&p),
        languages: dir::languages(&p),
        formats: dir::formats(&p),
        fee: dir::fee(&p),
        insurance: if p.insurance.is_empty() {
            "None (self-pay)".into()
        } else {
            p.insurance.join(", ")
        },
        p,
    };
    Ok(render(&page)?.into_response())
}
