//! Account settings: profile, password, sessions, two-step verification, API tokens.

use super::pages::*;
use super::public::CodeForm;
use crate::accounts::service as accounts;
use crate::accounts::{mfa, signin};
use crate::platform::auth::Actor;
use crate::platform::auth::{clear_session_cookie, csrf_in, session_cookie};
use crate::platform::error::{AppError, AppResult};
use crate::platform::forms::{NoticeQuery, WebForm};
use crate::platform::layout::{render, FormErrors, PageCtx};
use crate::platform::meta::RequestMeta;
use crate::platform::state::AppState;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use rapport_core::{time::human, TokenId};
use serde::Deserialize;

fn device(ua: Option<&str>) -> String {
    let ua = ua.unwrap_or("");
    let browser = ["Firefox", "Edg", "Chrome", "Safari"]
        .into_iter()
        .find(|b| ua.contains(b))
        .map(|b| if b == "Edg" { "Edge" } else { b })
        .unwrap_or("A browser or program");
    let os = ["Android", "iPhone", "iPad", "Mac OS", "Windows", "Linux"]
        .into_iter()
        .find(|o| ua.contains(o))
        .map(|o| if o == "Mac OS" { "macOS" } else { o });
    match os {
        Some(os) => format!("{browser} on {os}"),
        None => browser.to_string(),
    }
}

async fn account_page(
    state: &AppState,
    ctx: PageCtx,
    actor: &Actor,
    notice: Option<&'static str>,
    errors: FormErrors,
    new_token: Option<String>,
) -> AppResult<AccountPage> {
    let user = state
        .store
        .user(&actor.user.id)
        .await?
        .ok_or(AppError::NotFound)?;
    let tz = user.time_zone();
    let current = actor.session().map(|s| s.id.clone());
    let sessions = state
        .store
        .user_sessions(&user.id)
        .await?
        .into_iter()
        .map(|s| SessionRow {
            device: device(s.user_agent.as_deref()),
            created: human(s.created_at, &tz),
            last_seen: human(s.last_seen_at, &tz),
            current: Some(&s.id) == current.as_ref(),
        })
        .collect();
    let tokens = state
        .store
        .api_tokens(&user.id)
        .await?
        .into_iter()
        .map(|t| TokenRow {
            id: t.id.0,
            name: t.name,
            created: human(t.created_at, &tz),
            last_used: t
                .last_used_at
                .map(|at| human(at, &tz))
                .unwrap_or_else(|| "never".into()),
            expires: if t.expires_at <= rapport_store::now_ms() {
                "expired".into()
            } else {
                human(t.expires_at, &tz)
            },
        })
        .collect();
    Ok(AccountPage {
        ctx,
        recovery_left: state.store.recovery_codes_left(&user.id).await?,
        can_create_tokens: actor.fully_authenticated(),
        token_days: state.config.api_token_days,
        user,
        notice,
        errors,
        sessions,
        tokens,
        new_token,
    })
}

pub async fn show(
    State(state): State<AppState>,
    ctx: PageCtx,
    actor: Actor,
    Query(q): Query<NoticeQuery>,
) -> AppResult<Response> {
    let page = account_page(
        &state,
        ctx,
        &actor,
        notice(q.notice.as_deref()),
        FormErrors::default(),
        None,
    )
    .await?;
    Ok(render(&page)?.into_response())
}

/// Re-shows the account page with the problems of a form that did not go through.
async fn with_errors(
    state: &AppState,
    ctx: PageCtx,
    actor: &Actor,
    e: AppError,
) -> AppResult<Response> {
    match e {
        AppError::Invalid(_)
        | AppError::Fields(_)
        | AppError::Conflict(_)
        | AppError::Refused(_) => {
            let status = e.status();
            let page =
                account_page(state, ctx, actor, None, FormErrors::from_error(&e), None).await?;
            Ok((status, render(&page)?).into_response())
        }
        other => Err(other),
    }
}

#[derive(Deserialize)]
pub struct ProfileForm {
    #[serde(default)]
    display_name: String,
    #[serde(default)]
    pronouns: String,
    #[serde(default)]
    time_zone: String,
}

pub async fn save_profile(
    State(state): State<AppState>,
    ctx: PageCtx,
    actor: Actor,
    WebForm(f): WebForm<ProfileForm>,
) -> AppResult<Response> {
    let parsed = accounts::parse_profile(&f.display_name, Some(&f.pronouns), &f.time_zone);
    match parsed {
        Ok((name, pronouns, tz)) => {
            state
                .store
                .update_profile(&actor.user.id, &name, &pronouns, &tz)
                .await?;
            Ok(Redirect::to("/account?notice=profile-saved").into_response())
        }
        Err(e) => with_errors(&state, ctx, &actor, e).await,
    }
}

#[derive(Deserialize)]
pub struct PasswordForm {
    #[serde(default)]
    current_password: String,
    #[serde(default)]
    new_password: String,
}

pub async fn change_password(
    State(state): State<AppState>,
    ctx: PageCtx,
    actor: Actor,
    meta: RequestMeta,
    WebForm(f): WebForm<PasswordForm>,
) -> AppResult<Response> {
    match accounts::change_password(&state, &actor, &f.current_password, &f.new_password, &meta)
        .await
    {
        Ok(Some(token)) => Ok((
            session_cookie(&token),
            Redirect::to("/account?notice=password-changed"),
        )
            .into_response()),
        Ok(None) => Ok(Redirect::to("/account?notice=password-changed").into_response()),
        Err(e) => with_errors(&state, ctx, &actor, e).await,
    }
}

pub async fn sign_out_everywhere(
    State(state): State<AppState>,
    actor: Actor,
    meta: RequestMeta,
) -> AppResult<Response> {
    signin::sign_out_everywhere(&state, &actor, &meta).await?;
    Ok((
        clear_session_cookie(),
        Redirect::to("/login?notice=signed-out-everywhere"),
    )
        .into_response())
}

pub async fn mfa_form(
    State(state): State<AppState>,
    ctx: PageCtx,
    actor: Actor,
) -> AppResult<Response> {
    if actor.user.mfa_enabled() {
        return Ok(Redirect::to("/account?notice=mfa-on").into_response());
    }
    mfa_page(&state, ctx, &actor, None, StatusCode::OK).await
}

async fn mfa_page(
    state: &AppState,
    ctx: PageCtx,
    actor: &Actor,
    error: Option<String>,
    status: StatusCode,
) -> AppResult<Response> {
    let enrolment = mfa::current_or_new_enrolment(state, actor).await?;
    let page = MfaSetupPage {
        ctx,
        required: actor.user.role.requires_mfa(),
        role_label: actor.role().label(),
        qr_svg: enrolment.qr_svg,
        secret_grouped: crate::platform::auth::totp::grouped(&enrolment.secret),
        error,
    };
    Ok((status, render(&page)?).into_response())
}

pub async fn mfa_confirm(
    State(state): State<AppState>,
    ctx: PageCtx,
    actor: Actor,
    meta: RequestMeta,
    WebForm(f): WebForm<CodeForm>,
) -> AppResult<Response> {
    match mfa::confirm_totp(&state, &actor, &f.code, &meta).await {
        Ok((codes, token)) => {
            // The session stepped up: the navigation must reflect the new state.
            let mut ctx = ctx;
            if let Some(u) = ctx.user.as_mut() {
                u.mfa = true;
            }
            let cookies = token.as_deref().map(session_cookie);
            if let Some(c) = &cookies {
                // This page's forms must carry the token set alongside it.
                ctx.csrf = csrf_in(c);
            }
            let page = render(&RecoveryCodesPage { ctx, codes })?;
            Ok(match cookies {
                Some(c) => (c, page).into_response(),
                None => page.into_response(),
            })
        }
        Err(AppError::Invalid(i)) => {
            mfa_page(
                &state,
                ctx,
                &actor,
                Some(i.message),
                StatusCode::UNPROCESSABLE_ENTITY,
            )
            .await
        }
        Err(e) => Err(e),
    }
}

#[derive(Deserialize)]
pub struct CurrentPasswordForm {
    #[serde(default)]
    current_password: String,
}

pub async fn mfa_disable(
    State(state): State<AppState>,
    ctx: PageCtx,
    actor: Actor,
    meta: RequestMeta,
    WebForm(f): WebForm<CurrentPasswordForm>,
) -> AppResult<Response> {
    match mfa::disable_totp(&state, &actor, &f.current_password, &meta).await {
        Ok(()) => Ok(Redirect::to("/account?notice=mfa-off").into_response()),
        Err(AppError::Invalid(mut i)) => {
            i.field = "current_password_mfa";
            with_errors(&state, ctx, &actor, AppError::Invalid(i)).await
        }
        Err(e) => with_errors(&state, ctx, &actor, e).await,
    }
}

#[derive(Deserialize)]
pub struct TokenNameForm {
    #[serde(default)]
    name: String,
}

pub async fn create_token(
    State(state): State<AppState>,
    ctx: PageCtx,
    actor: Actor,
    meta: RequestMeta,
    WebForm(f): WebForm<TokenNameForm>,
) -> AppResult<Response> {
    match accounts::create_api_token(&state, &actor, &f.name, &meta).await {
        Ok((_, secret)) => {
            let page = account_page(
                &state,
                ctx,
                &actor,
                None,
                FormErrors::default(),
                Some(secret),
            )
            .await?;
            Ok((StatusCode::CREATED, render(&page)?).into_response())
        }
        Err(e) => with_errors(&state, ctx, &actor, e).await,
    }
}

pub async fn revoke_token(
    State(state): State<AppState>,
    actor: Actor,
    meta: RequestMeta,
    Path(id): Path<String>,
) -> AppResult<Response> {
    accounts::revoke_api_token(&state, &actor, &TokenId(id), &meta).await?;
    Ok(Redirect::to("/account?notice=token-revoked").into_response())
}
