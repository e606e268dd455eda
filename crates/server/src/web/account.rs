//! Account settings: profile, password, sessions, two-step verification, API tokens.

use super::layout::{FormErrors, PageCtx};
use super::pages::*;
use super::public::CodeForm;
use super::{notice, session_cookie, NoticeQuery, WebForm};
use crate::accounts;
use crate::auth::Actor;
use crate::error::{AppError, AppResult};
use crate::meta::RequestMeta;
use crate::state::AppState;
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
        })
        .collect();
    Ok(AccountPage {
        ctx,
        recovery_left: state.store.recovery_codes_left(&user.id).await?,
        can_create_tokens: actor.fully_authenticated(),
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
    accounts::sign_out_everywhere(&state, &actor, &meta).await?;
    Ok((
        super::clear_session_cookie(),
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
    let enrolment = accounts::current_or_new_enrolment(state, actor).await?;
    let page = MfaSetupPage {
        ctx,
        required: actor.user.role.requires_mfa(),
        role_label: actor.role().label(),
        qr_svg: enrolment.qr_svg,
        secret_grouped: crate::auth::totp::grouped(&enrolment.secret),
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
    match accounts::confirm_totp(&state, &actor, &f.code, &meta).await {
        Ok((codes, token)) => {
            // The session stepped up: the navigation must reflect the new state.
            let mut ctx = ctx;
            if let Some(u) = ctx.user.as_mut() {
                u.mfa = true;
            }
            let cookies = token.as_deref().map(session_cookie);
            if let Some(c) = &cookies {
                // This page's forms must carry the token set alongside it.
                ctx.csrf = super::csrf_in(c);
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
    match accounts::disable_totp(&state, &actor, &f.current_password, &meta).await {
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

async fn privacy_page(
    state: &AppState,
    ctx: PageCtx,
    actor: &Actor,
    errors: FormErrors,
) -> AppResult<PrivacyPage> {
    let entries =
        crate::privacy::access_log(state, &actor.user.id, &actor.user.time_zone()).await?;
    let emergencies = entries.iter().filter(|e| e.emergency).cloned().collect();
    let plan = crate::erasure::plan(state, actor).await?;
    let tz = actor.user.time_zone();
    let mut grants = Vec::new();
    for g in state
        .store
        .emergency_grants_for_client(&actor.user.id)
        .await?
    {
        let admin = state
            .store
            .user(&rapport_core::UserId(g.admin_id.clone()))
            .await?;
        grants.push(format!(
            "{} (administrator) was given emergency access to your records on {} until {}. Reason: {}",
            admin.map(|a| a.display_name).unwrap_or_else(|| "An administrator".into()),
            human(g.created_at, &tz),
            human(g.ended_at.unwrap_or(g.expires_at).min(g.expires_at), &tz),
            g.reason
        ));
    }
    Ok(PrivacyPage {
        ctx,
        entries,
        emergencies,
        plan,
        errors,
        grants,
    })
}

pub async fn privacy(
    State(state): State<AppState>,
    ctx: PageCtx,
    actor: Actor,
) -> AppResult<Response> {
    Ok(render(&privacy_page(&state, ctx, &actor, FormErrors::default()).await?)?.into_response())
}

#[derive(Deserialize)]
pub struct EraseForm {
    #[serde(default)]
    current_password: String,
    #[serde(default)]
    confirm: Option<String>,
}

pub async fn erase(
    State(state): State<AppState>,
    ctx: PageCtx,
    actor: Actor,
    meta: RequestMeta,
    WebForm(f): WebForm<EraseForm>,
) -> AppResult<Response> {
    match crate::erasure::erase(
        &state,
        &actor,
        &f.current_password,
        f.confirm.is_some(),
        &meta,
    )
    .await
    {
        Ok(_) => Ok((
            super::clear_session_cookie(),
            Redirect::to("/?notice=erased"),
        )
            .into_response()),
        Err(e @ AppError::Invalid(_)) => {
            let status = e.status();
            let page = privacy_page(&state, ctx, &actor, FormErrors::from_error(&e)).await?;
            Ok((status, render(&page)?).into_response())
        }
        Err(e) => Err(e),
    }
}
