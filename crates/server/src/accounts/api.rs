//! Account endpoints: sign-up, e-mail verification, sessions, MFA, password, tokens.

use super::mfa::{self, TotpEnrolment};
use super::service::{self as flows, SignUp};
use super::signin;
use crate::platform::auth::Actor;
use crate::platform::auth::{clear_session_cookie, session_cookie};
use crate::platform::error::AppResult;
use crate::platform::forms::ApiJson;
use crate::platform::meta::RequestMeta;
use crate::platform::respond::Problem;
use crate::platform::state::AppState;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Json;
use rapport_core::{Role, TokenId};
use rapport_store::tokens::ApiToken;
use rapport_store::users::User;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// The signed-in account.
#[derive(Debug, Serialize, ToSchema)]
pub struct Me {
    pub id: String,
    pub email: String,
    pub display_name: String,
    pub pronouns: Option<String>,
    pub time_zone: String,
    pub role: Role,
    pub email_verified: bool,
    pub mfa_enabled: bool,
}

impl From<&User> for Me {
    fn from(u: &User) -> Self {
        Me {
            id: u.id.0.clone(),
            email: u.email.clone(),
            display_name: u.display_name.clone(),
            pronouns: u.pronouns.clone(),
            time_zone: u.time_zone.clone(),
            role: u.role,
            email_verified: u.email_verified_at.is_some(),
            mfa_enabled: u.mfa_enabled(),
        }
    }
}

/// A plain acknowledgement.
#[derive(Debug, Serialize, ToSchema)]
pub struct Accepted {
    pub message: String,
}

fn accepted(message: &str) -> Response {
    (
        StatusCode::ACCEPTED,
        Json(Accepted {
            message: message.into(),
        }),
    )
        .into_response()
}

#[utoipa::path(post, path = "/api/v1/accounts", tag = "accounts", request_body = SignUp,
    responses(
        (status = 202, description = "A confirmation link was mailed (or, if the address already has an account, a note saying so)", body = Accepted),
        (status = 400, description = "Malformed JSON", body = Problem, content_type = "application/problem+json"),
        (status = 415, description = "Not JSON", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "A field is invalid", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn sign_up(
    State(state): State<AppState>,
    meta: RequestMeta,
    ApiJson(input): ApiJson<SignUp>,
) -> AppResult<Response> {
    flows::sign_up(&state, input, &meta).await?;
    Ok(accepted(
        "Check your e-mail for a link to confirm your address.",
    ))
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct TokenBody {
    /// The token from the link in the e-mail.
    pub token: String,
}

#[utoipa::path(post, path = "/api/v1/accounts/verify-email", tag = "accounts", request_body = TokenBody,
    responses(
        (status = 204, description = "The address is confirmed"),
        (status = 400, description = "The link expired or was used", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Malformed body", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn verify_email(
    State(state): State<AppState>,
    meta: RequestMeta,
    ApiJson(b): ApiJson<TokenBody>,
) -> AppResult<StatusCode> {
    flows::verify_email(&state, &b.token, &meta).await?;
    Ok(StatusCode::NO_CONTENT)
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct LoginBody {
    pub email: String,
    #[schema(format = Password)]
    pub password: String,
}

/// The outcome of a login.
#[derive(Debug, Serialize, ToSchema)]
pub struct LoginResult {
    /// True when a TOTP or recovery code must follow at `/api/v1/session/mfa`.
    pub mfa_required: bool,
    /// True for a therapist or admin who must enrol in MFA before anything else.
    pub mfa_enrolment_required: bool,
    pub user: Me,
}

#[utoipa::path(post, path = "/api/v1/session", tag = "session", request_body = LoginBody,
    responses(
        (status = 200, description = "Signed in; the session cookie is set", body = LoginResult),
        (status = 401, description = "Incorrect e-mail or password", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "E-mail not confirmed yet", body = Problem, content_type = "application/problem+json"),
        (status = 429, description = "Too many attempts", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn log_in(
    State(state): State<AppState>,
    meta: RequestMeta,
    ApiJson(b): ApiJson<LoginBody>,
) -> AppResult<Response> {
    let login = signin::log_in(&state, &b.email, &b.password, &meta).await?;
    let pending = login.level == rapport_store::sessions::SessionLevel::PendingMfa;
    let body = LoginResult {
        mfa_required: pending,
        mfa_enrolment_required: !pending
            && login.user.role.requires_mfa()
            && !login.user.mfa_enabled(),
        user: Me::from(&login.user),
    };
    Ok((session_cookie(&login.token), Json(body)).into_response())
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CodeBody {
    /// A six-digit TOTP code, or a recovery code.
    pub code: String,
}

#[utoipa::path(post, path = "/api/v1/session/mfa", tag = "session", request_body = CodeBody,
    responses(
        (status = 200, description = "Second factor accepted; the session cookie is replaced", body = Me),
        (status = 401, description = "No login waiting for a second factor", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Wrong code", body = Problem, content_type = "application/problem+json"),
        (status = 429, description = "Too many attempts", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn complete_mfa(
    State(state): State<AppState>,
    actor: Actor,
    meta: RequestMeta,
    ApiJson(b): ApiJson<CodeBody>,
) -> AppResult<Response> {
    let token = signin::complete_mfa(&state, &actor, &b.code, &meta).await?;
    Ok((session_cookie(&token), Json(Me::from(&actor.user))).into_response())
}

#[utoipa::path(delete, path = "/api/v1/session", tag = "session",
    responses(
        (status = 204, description = "Signed out"),
        (status = 401, description = "Not signed in", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Missing CSRF token", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn log_out(
    State(state): State<AppState>,
    actor: Actor,
    meta: RequestMeta,
) -> AppResult<Response> {
    signin::log_out(&state, &actor, &meta).await?;
    Ok((clear_session_cookie(), StatusCode::NO_CONTENT).into_response())
}

#[utoipa::path(delete, path = "/api/v1/sessions", tag = "session",
    responses(
        (status = 204, description = "Every session of the account has ended"),
        (status = 401, description = "Not signed in", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Missing CSRF token", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn sign_out_everywhere(
    State(state): State<AppState>,
    actor: Actor,
    meta: RequestMeta,
) -> AppResult<Response> {
    signin::sign_out_everywhere(&state, &actor, &meta).await?;
    Ok((clear_session_cookie(), StatusCode::NO_CONTENT).into_response())
}

#[utoipa::path(get, path = "/api/v1/me", tag = "account",
    responses(
        (status = 200, description = "The signed-in account", body = Me),
        (status = 401, description = "Not signed in", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn me(actor: Actor) -> Json<Me> {
    Json(Me::from(&actor.user))
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ProfilePatch {
    pub display_name: Option<String>,
    /// An empty string removes the pronouns.
    pub pronouns: Option<String>,
    pub time_zone: Option<String>,
}

#[utoipa::path(patch, path = "/api/v1/me", tag = "account", request_body = ProfilePatch,
    responses(
        (status = 200, description = "Updated", body = Me),
        (status = 401, description = "Not signed in", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "A field is invalid", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn update_me(
    State(state): State<AppState>,
    actor: Actor,
    ApiJson(p): ApiJson<ProfilePatch>,
) -> AppResult<Json<Me>> {
    let u = &actor.user;
    let (name, pronouns, tz) = flows::parse_profile(
        p.display_name.as_deref().unwrap_or(&u.display_name),
        p.pronouns.as_deref().or(u.pronouns.as_deref()),
        p.time_zone.as_deref().unwrap_or(&u.time_zone),
    )?;
    let updated = state
        .store
        .update_profile(&u.id, &name, &pronouns, &tz)
        .await?;
    Ok(Json(Me::from(&updated)))
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PasswordChange {
    #[schema(format = Password)]
    pub current_password: String,
    #[schema(format = Password)]
    pub new_password: String,
}

#[utoipa::path(put, path = "/api/v1/me/password", tag = "account", request_body = PasswordChange,
    responses(
        (status = 204, description = "Changed; other sessions have ended"),
        (status = 401, description = "Not signed in", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Wrong current password or a weak new one", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn change_password(
    State(state): State<AppState>,
    actor: Actor,
    meta: RequestMeta,
    ApiJson(b): ApiJson<PasswordChange>,
) -> AppResult<Response> {
    let token =
        flows::change_password(&state, &actor, &b.current_password, &b.new_password, &meta).await?;
    Ok(match token {
        Some(t) => (session_cookie(&t), StatusCode::NO_CONTENT).into_response(),
        None => StatusCode::NO_CONTENT.into_response(),
    })
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct EmailBody {
    pub email: String,
}

#[utoipa::path(post, path = "/api/v1/password-reset", tag = "accounts", request_body = EmailBody,
    responses(
        (status = 202, description = "If the address has an account, a reset link was mailed", body = Accepted),
        (status = 422, description = "Not an e-mail address", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn request_reset(
    State(state): State<AppState>,
    meta: RequestMeta,
    ApiJson(b): ApiJson<EmailBody>,
) -> AppResult<Response> {
    flows::request_reset(&state, &b.email, &meta).await?;
    Ok(accepted(
        "If that address has an account, a reset link is on its way. It lasts 30 minutes.",
    ))
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ResetBody {
    pub token: String,
    #[schema(format = Password)]
    pub new_password: String,
}

#[utoipa::path(post, path = "/api/v1/password-reset/confirm", tag = "accounts", request_body = ResetBody,
    responses(
        (status = 204, description = "Password set; all sessions ended. Log in again (with MFA if enabled)."),
        (status = 400, description = "The link expired or was used", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "The new password is too weak", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn reset_password(
    State(state): State<AppState>,
    meta: RequestMeta,
    ApiJson(b): ApiJson<ResetBody>,
) -> AppResult<StatusCode> {
    flows::reset_password(&state, &b.token, &b.new_password, &meta).await?;
    Ok(StatusCode::NO_CONTENT)
}

#[utoipa::path(post, path = "/api/v1/me/mfa/totp", tag = "account",
    responses(
        (status = 201, description = "A new secret to confirm with a code", body = TotpEnrolment),
        (status = 401, description = "Not signed in", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "Already enabled", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn begin_totp(State(state): State<AppState>, actor: Actor) -> AppResult<Response> {
    let e = mfa::begin_totp(&state, &actor).await?;
    Ok((StatusCode::CREATED, Json(e)).into_response())
}

/// Recovery codes, shown this once.
#[derive(Debug, Serialize, ToSchema)]
pub struct RecoveryCodes {
    pub recovery_codes: Vec<String>,
}

#[utoipa::path(post, path = "/api/v1/me/mfa/totp/confirm", tag = "account", request_body = CodeBody,
    responses(
        (status = 200, description = "TOTP is on; the session cookie is replaced", body = RecoveryCodes),
        (status = 401, description = "Not signed in", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "No enrolment was started", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Wrong code", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn confirm_totp(
    State(state): State<AppState>,
    actor: Actor,
    meta: RequestMeta,
    ApiJson(b): ApiJson<CodeBody>,
) -> AppResult<Response> {
    let (codes, token) = mfa::confirm_totp(&state, &actor, &b.code, &meta).await?;
    let body = Json(RecoveryCodes {
        recovery_codes: codes,
    });
    Ok(match token {
        Some(t) => (session_cookie(&t), body).into_response(),
        None => body.into_response(),
    })
}

#[utoipa::path(get, path = "/api/v1/me/tokens", tag = "tokens",
    responses(
        (status = 200, description = "Your live API tokens (without secrets)", body = [ApiToken]),
        (status = 401, description = "Not signed in", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "MFA not set up", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn list_tokens(
    State(state): State<AppState>,
    actor: Actor,
) -> AppResult<Json<Vec<ApiToken>>> {
    Ok(Json(state.store.api_tokens(&actor.user.id).await?))
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewTokenBody {
    /// 1 to 60 characters, e.g. "my laptop".
    pub name: String,
}

/// A new token: `secret` is shown this once; send it as `Authorization: Bearer <secret>`.
#[derive(Debug, Serialize, ToSchema)]
pub struct CreatedToken {
    pub token: ApiToken,
    pub secret: String,
}

#[utoipa::path(post, path = "/api/v1/me/tokens", tag = "tokens", request_body = NewTokenBody,
    responses(
        (status = 201, description = "Created", body = CreatedToken),
        (status = 401, description = "Not signed in", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "MFA not set up", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Bad name", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn create_token(
    State(state): State<AppState>,
    actor: Actor,
    meta: RequestMeta,
    ApiJson(b): ApiJson<NewTokenBody>,
) -> AppResult<Response> {
    let (token, secret) = flows::create_api_token(&state, &actor, &b.name, &meta).await?;
    Ok((StatusCode::CREATED, Json(CreatedToken { token, secret })).into_response())
}

#[utoipa::path(delete, path = "/api/v1/me/tokens/{id}", tag = "tokens",
    params(("id" = String, Path, description = "The token's id")),
    responses(
        (status = 204, description = "Revoked"),
        (status = 401, description = "Not signed in", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such token of yours", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn revoke_token(
    State(state): State<AppState>,
    actor: Actor,
    meta: RequestMeta,
    Path(id): Path<String>,
) -> AppResult<StatusCode> {
    flows::revoke_api_token(&state, &actor, &TokenId(id), &meta).await?;
    Ok(StatusCode::NO_CONTENT)
}
