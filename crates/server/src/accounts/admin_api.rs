//! Admin endpoints: accounts and security events. No clinical content is reachable here.

use crate::platform::auth::Actor;
use crate::platform::error::AppResult;
use crate::platform::forms::ApiQuery;
use crate::platform::respond::Problem;
use crate::platform::state::AppState;
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
