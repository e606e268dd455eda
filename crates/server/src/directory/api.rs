//! Directory endpoints: search and public profiles, a therapist's licenses and profile,
//! the admin verification queue, and where a client will be during sessions.

use crate::directory::credentials::{self, Decision, LicenseInput};
use crate::directory::service::{self as dir, SearchParams};
use crate::platform::auth::{Actor, Identity};
use crate::platform::error::{AppError, AppResult};
use crate::platform::forms::{ApiJson, ApiQuery};
use crate::platform::respond::Problem;
use crate::platform::state::AppState;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::Json;
use rapport_core::directory::Jurisdiction;
use rapport_core::UserId;
use rapport_store::directory::{License, Profile};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

#[derive(Debug, Serialize, ToSchema)]
pub struct SearchResults {
    pub total: i64,
    pub page_size: i64,
    pub results: Vec<Profile>,
}

#[utoipa::path(get, path = "/api/v1/therapists", tag = "directory", params(SearchParams),
    responses(
        (status = 200, description = "Listed therapists (verified, licensed where the client will be)", body = SearchResults),
        (status = 400, description = "Unknown parameter", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "A filter value is not valid", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn search(
    State(state): State<AppState>,
    identity: Identity,
    ApiQuery(params): ApiQuery<SearchParams>,
) -> AppResult<Json<SearchResults>> {
    let fallback = dir::client_location(&state, &identity).await?;
    let (query, _) = params.to_query(fallback)?;
    let (results, total) = state.store.search_therapists(&query).await?;
    Ok(Json(SearchResults {
        total,
        page_size: dir::PAGE_SIZE,
        results,
    }))
}

#[derive(Debug, Serialize, ToSchema)]
pub struct PublicProfile {
    pub profile: Profile,
    /// Each verified license that counts today, in plain language.
    pub verified_licenses: Vec<String>,
    /// For a signed-in client with a location: whether this therapist may see them there.
    pub licensed_where_you_are: Option<bool>,
}

#[utoipa::path(get, path = "/api/v1/therapists/{id}", tag = "directory",
    params(("id" = String, Path, description = "The therapist's id")),
    responses(
        (status = 200, description = "A listed therapist", body = PublicProfile),
        (status = 404, description = "No listed therapist with that id", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn profile(
    State(state): State<AppState>,
    identity: Identity,
    Path(id): Path<String>,
) -> AppResult<Json<PublicProfile>> {
    let user = UserId(id);
    let profile = state
        .store
        .profile(&user)
        .await?
        .ok_or(AppError::NotFound)?;
    let licenses = state.store.licenses_of(&user).await?;
    let today = dir::today();
    let verified_licenses = dir::verified_lines(&licenses, today);
    if verified_licenses.is_empty() {
        return Err(AppError::NotFound);
    }
    let place = dir::client_location(&state, &identity).await?;
    Ok(Json(PublicProfile {
        licensed_where_you_are: place.map(|p| dir::licensed_for(&licenses, &p, today)),
        profile,
        verified_licenses,
    }))
}

#[utoipa::path(get, path = "/api/v1/me/licenses", tag = "directory",
    responses(
        (status = 200, description = "Your licenses with their status", body = [License]),
        (status = 403, description = "Not a therapist", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn my_licenses(
    State(state): State<AppState>,
    actor: Actor,
) -> AppResult<Json<Vec<License>>> {
    Ok(Json(state.store.licenses_of(&actor.user.id).await?))
}

#[utoipa::path(post, path = "/api/v1/me/licenses", tag = "directory", request_body = LicenseInput,
    responses(
        (status = 201, description = "Submitted for verification", body = License),
        (status = 403, description = "Not a therapist", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "A field is invalid", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn submit_license(
    State(state): State<AppState>,
    actor: Actor,
    ApiJson(input): ApiJson<LicenseInput>,
) -> AppResult<(StatusCode, Json<License>)> {
    Ok((
        StatusCode::CREATED,
        Json(credentials::submit(&state, &actor, &input).await?),
    ))
}

#[utoipa::path(get, path = "/api/v1/admin/licenses", tag = "admin",
    responses(
        (status = 200, description = "Licenses waiting for verification, oldest first", body = [License]),
        (status = 403, description = "Not an admin", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn queue(State(state): State<AppState>, _admin: Actor) -> AppResult<Json<Vec<License>>> {
    Ok(Json(state.store.pending_licenses().await?))
}

#[utoipa::path(post, path = "/api/v1/admin/licenses/{license}/decision", tag = "admin", request_body = Decision,
    params(("license" = String, Path, description = "The license's id")),
    responses(
        (status = 200, description = "Decided; recorded in the license's history", body = License),
        (status = 403, description = "Not an admin", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such license", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Missing method or reason", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn decide(
    State(state): State<AppState>,
    admin: Actor,
    Path(license): Path<String>,
    ApiJson(d): ApiJson<Decision>,
) -> AppResult<Json<License>> {
    Ok(Json(
        credentials::decide(&state, &admin, &license, &d).await?,
    ))
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Location {
    /// ISO 3166-1 alpha-2.
    pub country: String,
    /// ISO 3166-2 subdivision without the country (e.g. OH).
    #[serde(default)]
    pub region: Option<String>,
}

#[utoipa::path(put, path = "/api/v1/me/location", tag = "directory", request_body = Location,
    responses(
        (status = 204, description = "Saved: searches now show therapists licensed there"),
        (status = 403, description = "Not a client", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Unknown country or region", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn set_location(
    State(state): State<AppState>,
    actor: Actor,
    ApiJson(l): ApiJson<Location>,
) -> AppResult<StatusCode> {
    let place = Jurisdiction::parse(&l.country, l.region.as_deref())?;
    state
        .store
        .set_location(&actor.user.id, place.country(), place.region())
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

#[utoipa::path(put, path = "/api/v1/me/profile", tag = "directory", request_body = crate::directory::profiles::ProfileBody,
    responses(
        (status = 200, description = "Saved; listed once a license is verified", body = Profile),
        (status = 403, description = "Not a therapist", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "A field is invalid", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn save_profile(
    State(state): State<AppState>,
    actor: Actor,
    ApiJson(b): ApiJson<crate::directory::profiles::ProfileBody>,
) -> AppResult<Json<Profile>> {
    let input = crate::directory::profiles::parse(&b)?;
    state
        .store
        .save_profile(&actor.user.id, &actor.user.display_name, &input)
        .await?;
    state
        .store
        .profile(&actor.user.id)
        .await?
        .map(Json)
        .ok_or(AppError::NotFound)
}

#[utoipa::path(post, path = "/api/v1/match", tag = "directory", request_body = rapport_core::directory::MatchRequest,
    responses(
        (status = 200, description = "Therapists licensed where you will be, best first, each with its reasons", body = [crate::directory::matching::MatchResult]),
        (status = 403, description = "Not a client", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "A field is invalid", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn find_matches(
    State(state): State<AppState>,
    _client: Actor,
    ApiJson(req): ApiJson<rapport_core::directory::MatchRequest>,
) -> AppResult<Json<Vec<crate::directory::matching::MatchResult>>> {
    if let Some(l) = &req.language {
        rapport_core::directory::parse_language(l)?;
    }
    Ok(Json(
        crate::directory::matching::find(&state, &req, 20).await?,
    ))
}
