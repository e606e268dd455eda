//! Admin endpoints: accounts and security events. No clinical content is reachable here.

use crate::api::ApiQuery;
use crate::auth::Actor;
use crate::error::AppResult;
use crate::respond::Problem;
use crate::state::AppState;
use axum::extract::State;
use axum::Json;
use rapport_core::Role;
use rapport_store::security::SecurityEvent;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

#[derive(Debug, Serialize, ToSchema)]
pub struct AdminUser {
    pub id: String,
    pub display_name: String,
    pub role: Role,
    pub email_verified: bool,
    pub mfa_enabled: bool,
    pub created_at: i64,
}

#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
pub struct Page {
    /// At most 200; default 50.
    pub limit: Option<i64>,
    pub offset: Option<i64>,
}

#[utoipa::path(get, path = "/api/v1/admin/users", tag = "admin", params(Page),
    responses(
        (status = 200, description = "Accounts, newest first", body = [AdminUser]),
        (status = 400, description = "Bad paging parameters", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "Not signed in", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Not an admin", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn users(
    State(state): State<AppState>,
    _admin: Actor,
    ApiQuery(p): ApiQuery<Page>,
) -> AppResult<Json<Vec<AdminUser>>> {
    let limit = p.limit.unwrap_or(50).clamp(1, 200);
    let offset = p.offset.unwrap_or(0).max(0);
    let users = state.store.list_users(limit, offset).await?;
    Ok(Json(
        users
            .into_iter()
            .map(|u| AdminUser {
                email_verified: u.email_verified_at.is_some(),
                mfa_enabled: u.mfa_enabled(),
                id: u.id.0,
                display_name: u.display_name,
                role: u.role,
                created_at: u.created_at,
            })
            .collect(),
    ))
}

#[utoipa::path(get, path = "/api/v1/admin/security-events", tag = "admin",
    responses(
        (status = 200, description = "The 200 most recent security events", body = [SecurityEvent]),
        (status = 401, description = "Not signed in", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Not an admin", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn security_events(
    State(state): State<AppState>,
    _admin: Actor,
) -> AppResult<Json<Vec<SecurityEvent>>> {
    Ok(Json(state.store.security_events(None, 200).await?))
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
        (status = 201, description = "Granted; the client and their therapists were told", body = rapport_store::emergency::EmergencyGrant),
        (status = 401, description = "Not signed in", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Not an admin", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Missing reason, bad duration or unknown client", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn grant_emergency(
    State(state): State<AppState>,
    admin: Actor,
    meta: crate::meta::RequestMeta,
    crate::api::ApiJson(b): crate::api::ApiJson<EmergencyBody>,
) -> AppResult<(
    axum::http::StatusCode,
    Json<rapport_store::emergency::EmergencyGrant>,
)> {
    let g = crate::emergency::grant(&state, &admin, &b.client_email, &b.reason, b.minutes, &meta)
        .await?;
    Ok((axum::http::StatusCode::CREATED, Json(g)))
}
