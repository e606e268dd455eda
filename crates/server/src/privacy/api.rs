//! Privacy endpoints: the client's access log (also as FHIR AuditEvents), export of
//! everything (JSON and FHIR R4), erasure, emergency grants seen by the client and given
//! by an admin, and consents.

use super::access_log::{self, AccessEntry};
use super::{emergency, erasure, export};
use crate::platform::auth::{clear_session_cookie, Actor};
use crate::platform::error::AppResult;
use crate::platform::forms::ApiJson;
use crate::platform::meta::RequestMeta;
use crate::platform::respond::Problem;
use crate::platform::state::AppState;
use axum::extract::State;
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde::Deserialize;
use utoipa::ToSchema;

#[utoipa::path(get, path = "/api/v1/me/access-log", tag = "privacy",
    responses(
        (status = 200, description = "Who accessed your clinical records, newest first", body = [AccessEntry]),
        (status = 401, description = "Not signed in", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Only clients have an access log", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn access_log(
    State(state): State<AppState>,
    actor: Actor,
) -> AppResult<Json<Vec<AccessEntry>>> {
    Ok(Json(
        access_log::access_log(&state, &actor.user.id, &actor.user.time_zone()).await?,
    ))
}

#[utoipa::path(get, path = "/api/v1/me/access-log/fhir", tag = "privacy",
    responses(
        (status = 200, description = "The access log as an HL7 FHIR R4 Bundle of AuditEvent resources", content_type = "application/fhir+json", body = Object),
        (status = 401, description = "Not signed in", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Only clients have an access log", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn access_log_fhir(State(state): State<AppState>, actor: Actor) -> AppResult<Response> {
    let entries = access_log::access_log(&state, &actor.user.id, &actor.user.time_zone()).await?;
    let bundle = access_log::fhir_bundle(&actor.user.id, &entries);
    Ok((
        [
            (axum::http::header::CONTENT_TYPE, "application/fhir+json"),
            (
                axum::http::header::CONTENT_DISPOSITION,
                "attachment; filename=\"rapport-access-log.fhir.json\"",
            ),
        ],
        bundle.to_string(),
    )
        .into_response())
}

fn download(content_type: &'static str, filename: &'static str, body: String) -> Response {
    (
        [
            (axum::http::header::CONTENT_TYPE, content_type),
            (axum::http::header::CONTENT_DISPOSITION, filename),
        ],
        body,
    )
        .into_response()
}

#[utoipa::path(get, path = "/api/v1/me/export", tag = "privacy",
    responses(
        (status = 200, description = "Everything Rapport holds about you, as JSON", content_type = "application/json", body = Object),
        (status = 401, description = "Not signed in", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Only clients export their records here", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn export_json(State(state): State<AppState>, actor: Actor) -> AppResult<Response> {
    let body = export::json_export(&state, &actor.user).await?;
    Ok(download(
        "application/json",
        "attachment; filename=\"rapport-export.json\"",
        body.to_string(),
    ))
}

#[utoipa::path(get, path = "/api/v1/me/export/fhir", tag = "privacy",
    responses(
        (status = 200, description = "Everything Rapport holds about you, as an HL7 FHIR R4 Bundle (Patient, Consent, AuditEvent)", content_type = "application/fhir+json", body = Object),
        (status = 401, description = "Not signed in", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Only clients export their records here", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn export_fhir(State(state): State<AppState>, actor: Actor) -> AppResult<Response> {
    let body = export::fhir_export(&state, &actor.user).await?;
    Ok(download(
        "application/fhir+json",
        "attachment; filename=\"rapport-export.fhir.json\"",
        body.to_string(),
    ))
}

#[utoipa::path(get, path = "/api/v1/me/erasure", tag = "privacy",
    responses(
        (status = 200, description = "What erasing your account would remove now, what stays, until when and why", body = erasure::ErasurePlan),
        (status = 401, description = "Not signed in", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Not a client", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn erasure_plan(
    State(state): State<AppState>,
    actor: Actor,
) -> AppResult<Json<erasure::ErasurePlan>> {
    Ok(Json(erasure::plan(&state, &actor).await?))
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct EraseBody {
    #[schema(format = Password)]
    pub current_password: String,
    /// Must be true: you understand what erasure does.
    pub confirm: bool,
}

#[utoipa::path(post, path = "/api/v1/me/erasure", tag = "privacy", request_body = EraseBody,
    responses(
        (status = 200, description = "Erased; the plan that was carried out", body = erasure::ErasurePlan),
        (status = 401, description = "Not signed in", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Wrong password or not confirmed", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn erase(
    State(state): State<AppState>,
    actor: Actor,
    meta: RequestMeta,
    ApiJson(b): ApiJson<EraseBody>,
) -> AppResult<Response> {
    let plan = erasure::erase(&state, &actor, &b.current_password, b.confirm, &meta).await?;
    Ok((clear_session_cookie(), Json(plan)).into_response())
}

#[utoipa::path(get, path = "/api/v1/me/emergency-access", tag = "privacy",
    responses(
        (status = 200, description = "Every emergency access granted to your records", body = [emergency::Grant]),
        (status = 401, description = "Not signed in", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Not a client", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn emergency_grants(
    State(state): State<AppState>,
    actor: Actor,
) -> AppResult<Json<Vec<emergency::Grant>>> {
    Ok(Json(
        emergency::grants_for_client(&state, &actor.user.id).await?,
    ))
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct EmergencyBody {
    pub client_email: String,
    /// Why, in full: the client reads this.
    pub reason: String,
    /// 5 to 60.
    pub minutes: i64,
}

#[utoipa::path(post, path = "/api/v1/admin/emergency-access", tag = "admin", request_body = EmergencyBody,
    responses(
        (status = 201, description = "Granted; the client and their therapists were told", body = emergency::Grant),
        (status = 401, description = "Not signed in", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Not an admin", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Missing reason, bad duration or unknown client", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn grant_emergency(
    State(state): State<AppState>,
    admin: Actor,
    meta: RequestMeta,
    ApiJson(b): ApiJson<EmergencyBody>,
) -> AppResult<(axum::http::StatusCode, Json<emergency::Grant>)> {
    let g = emergency::grant(&state, &admin, &b.client_email, &b.reason, b.minutes, &meta).await?;
    Ok((axum::http::StatusCode::CREATED, Json(g)))
}
