//! The coach endpoint, ready for the message composer.

use crate::platform::auth::Actor;
use crate::platform::error::AppResult;
use crate::platform::forms::ApiJson;
use crate::platform::respond::Problem;
use crate::platform::state::AppState;
use axum::extract::State;
use axum::http::StatusCode;
use axum::Json;
use rapport_coach::Feedback;
use serde::Deserialize;
use utoipa::ToSchema;

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ReviewBody {
    /// The client's message being answered (may be empty).
    #[serde(default)]
    pub client_message: String,
    /// The therapist's draft reply. Longer than 10,000 bytes is reviewed up to that point.
    pub draft: String,
}

#[utoipa::path(post, path = "/api/v1/coach/review", tag = "coach", request_body = ReviewBody,
    responses(
        (status = 200, description = "Feedback with byte spans into the draft; nothing is stored", body = Feedback),
        (status = 401, description = "Not signed in", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Not a therapist, or the coach is off", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Malformed body", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn review(
    State(state): State<AppState>,
    actor: Actor,
    ApiJson(b): ApiJson<ReviewBody>,
) -> AppResult<Json<Feedback>> {
    crate::coach::service::require_enabled(&actor)?;
    Ok(Json(
        crate::coach::service::review(&state, b.client_message, b.draft).await?,
    ))
}

#[utoipa::path(put, path = "/api/v1/coach/opt-in", tag = "coach",
    responses(
        (status = 204, description = "The coach is on for you"),
        (status = 401, description = "Not signed in", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Not a therapist", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn opt_in(State(state): State<AppState>, actor: Actor) -> AppResult<StatusCode> {
    state.store.set_coach_enabled(&actor.user.id, true).await?;
    Ok(StatusCode::NO_CONTENT)
}

#[utoipa::path(delete, path = "/api/v1/coach/opt-in", tag = "coach",
    responses(
        (status = 204, description = "The coach is off for you"),
        (status = 401, description = "Not signed in", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Not a therapist", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn opt_out(State(state): State<AppState>, actor: Actor) -> AppResult<StatusCode> {
    state.store.set_coach_enabled(&actor.user.id, false).await?;
    Ok(StatusCode::NO_CONTENT)
}
