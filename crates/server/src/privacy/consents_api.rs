//! Consent endpoints: statuses, signing, withdrawal, and the signed copy.

use crate::platform::auth::Actor;
use crate::platform::error::AppResult;
use crate::platform::forms::ApiJson;
use crate::platform::respond::Problem;
use crate::platform::state::AppState;
use crate::privacy::consent::{self, ConsentStatus};
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::Json;
use serde::Deserialize;
use utoipa::ToSchema;

#[utoipa::path(get, path = "/api/v1/consents", tag = "consents",
    responses(
        (status = 200, description = "Each consent document and where you stand with it", body = [ConsentStatus]),
        (status = 401, description = "Not signed in", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Only clients sign consents", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn list(
    State(state): State<AppState>,
    actor: Actor,
) -> AppResult<Json<Vec<ConsentStatus>>> {
    Ok(Json(consent::statuses(&state, &actor.user.id).await?))
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SignBody {
    /// Your full name, typed: your signature.
    pub typed_name: String,
    /// The version you read; refused if the document changed since.
    pub version: Option<i64>,
}

#[utoipa::path(post, path = "/api/v1/consents/{key}/signature", tag = "consents", request_body = SignBody,
    params(("key" = String, Path, description = "informed-consent, privacy-notice or messaging-policy")),
    responses(
        (status = 201, description = "Signed", body = [ConsentStatus]),
        (status = 401, description = "Not signed in", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such document", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "The document changed since the version you read", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "The typed name is missing or too long", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn sign(
    State(state): State<AppState>,
    actor: Actor,
    Path(key): Path<String>,
    ApiJson(b): ApiJson<SignBody>,
) -> AppResult<(StatusCode, Json<Vec<ConsentStatus>>)> {
    consent::sign(&state, &actor.user.id, &key, &b.typed_name, b.version).await?;
    Ok((
        StatusCode::CREATED,
        Json(consent::statuses(&state, &actor.user.id).await?),
    ))
}

#[utoipa::path(delete, path = "/api/v1/consents/{key}/signature", tag = "consents",
    params(("key" = String, Path, description = "An optional consent, e.g. messaging-policy")),
    responses(
        (status = 204, description = "Withdrawn"),
        (status = 403, description = "This consent cannot be withdrawn", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such document", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "Not signed", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn withdraw(
    State(state): State<AppState>,
    actor: Actor,
    Path(key): Path<String>,
) -> AppResult<StatusCode> {
    consent::withdraw(&state, &actor.user.id, &key).await?;
    Ok(StatusCode::NO_CONTENT)
}
