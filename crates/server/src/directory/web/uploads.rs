//! Upload and download routes for photos and license evidence.

use crate::directory::uploads;
use crate::platform::auth::Actor;
use crate::platform::error::{AppError, AppResult};
use crate::platform::meta::RequestMeta;
use crate::platform::state::AppState;
use axum::extract::{Multipart, Path, State};
use axum::http::header;
use axum::response::{IntoResponse, Redirect, Response};
use rapport_core::UserId;

pub async fn upload_photo(
    State(state): State<AppState>,
    actor: Actor,
    form: Multipart,
) -> AppResult<Response> {
    let bytes = crate::platform::forms::multipart_field(form, "photo").await?;
    let png = uploads::reencode_photo(bytes).await?;
    state.store.save_photo(&actor.user.id, &png).await?;
    Ok(Redirect::to("/therapist/profile?notice=saved").into_response())
}

/// A listed therapist's photo (unlisted therapists have no public page, so no photo either).
pub async fn photo(State(state): State<AppState>, Path(id): Path<String>) -> AppResult<Response> {
    let user = UserId(id);
    crate::directory::service::listed_licenses(&state, &user).await?;
    let png = state.store.photo(&user).await?.ok_or(AppError::NotFound)?;
    Ok((
        [
            (header::CONTENT_TYPE, "image/png"),
            (header::CACHE_CONTROL, "public, max-age=300"),
        ],
        png,
    )
        .into_response())
}

pub async fn upload_evidence(
    State(state): State<AppState>,
    actor: Actor,
    meta: RequestMeta,
    Path(id): Path<String>,
    form: Multipart,
) -> AppResult<Response> {
    let bytes = crate::platform::forms::multipart_field(form, "evidence").await?;
    uploads::store_evidence(&state, &actor, &id, &bytes, &meta.request_id).await?;
    Ok(Redirect::to("/therapist/licenses?notice=evidence").into_response())
}

/// The evidence file, for its therapist (route rule: owner) or an admin (logged).
pub async fn evidence(
    State(state): State<AppState>,
    actor: Actor,
    meta: RequestMeta,
    Path(id): Path<String>,
) -> AppResult<Response> {
    let (content_type, bytes) =
        uploads::read_evidence(&state, &actor, &id, &meta.request_id).await?;
    let disposition = format!("attachment; filename=\"license-evidence-{id}\"");
    Ok((
        [
            (header::CONTENT_TYPE, content_type),
            (header::CONTENT_DISPOSITION, disposition),
        ],
        bytes,
    )
        .into_response())
}
