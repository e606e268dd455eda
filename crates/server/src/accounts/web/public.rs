//! Pages for everyone: home, sign-up, e-mail confirmation, login (with MFA), logout,
//! password reset and the crisis lines.

use super::pages::*;
use crate::accounts::service::{self as accounts, SignUp};
use crate::accounts::signin;
use crate::platform::auth::{clear_session_cookie, session_cookie};
use crate::platform::auth::{Actor, Identity};
use crate::platform::error::{AppError, AppResult};
use crate::platform::forms::{NoticeQuery, TokenQuery, WebForm};
use crate::platform::layout::{render, FormErrors, PageCtx};
use crate::platform::meta::RequestMeta;
use crate::platform::state::AppState;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use rapport_store::sessions::SessionLevel;
use rapport_store::token_hash;
use rapport_store::tokens::TokenPurpose;
use serde::Deserialize;

pub async fn signup_form(ctx: PageCtx) -> AppResult<Response> {
    Ok(render(&SignupPage {
        ctx,
        errors: FormErrors::default(),
        email: String::new(),
        display_name: String::new(),
        pronouns: String::new(),
        time_zone: "UTC".into(),
    })?
    .into_response())
}

#[derive(Deserialize)]
pub struct SignupForm {
    #[serde(default)]
    email: String,
    #[serde(default)]
    password: String,
    #[serde(default)]
    display_name: String,
    #[serde(default)]
    pronouns: String,
    #[serde(default)]
    time_zone: String,
}

pub async fn signup(
    State(state): State<AppState>,
    ctx: PageCtx,
    meta: RequestMeta,
    WebForm(f): WebForm<SignupForm>,
) -> AppResult<Response> {
    let input = SignUp {
        email: f.email.clone(),
        password: f.password,
        display_name: f.display_name.clone(),
        pronouns: Some(f.pronouns.clone()),
        time_zone: f.time_zone.clone(),
    };
    match accounts::sign_up(&state, input, &meta).await {
        Ok(()) => Ok(Redirect::to("/signup/check-email").into_response()),
        Err(e @ (AppError::Fields(_) | AppError::Invalid(_))) => {
            let page = SignupPage {
                ctx,
                errors: FormErrors::from_error(&e),
                email: f.email,
                display_name: f.display_name,
                pronouns: f.pronouns,
                time_zone: f.time_zone,
            };
            Ok((StatusCode::UNPROCESSABLE_ENTITY, render(&page)?).into_response())
        }
        Err(e) => Err(e),
    }
}

pub async fn check_email(ctx: PageCtx) -> AppResult<Response> {
    Ok(render(&CheckEmailPage { ctx })?.into_response())
}

pub async fn verify_email_form(
    State(state): State<AppState>,
    ctx: PageCtx,
    Query(q): Query<TokenQuery>,
) -> AppResult<Response> {
    let token = q.token.unwrap_or_default();
    let live = !token.is_empty()
        && state
            .store
            .account_token_live(TokenPurpose::VerifyEmail, &token_hash(&token))
            .await?;
    Ok(render(&VerifyEmailPage { ctx, live, token })?.into_response())
}

#[derive(Deserialize)]
pub struct TokenForm {
    #[serde(default)]
    token: String,
}

pub async fn verify_email(
    State(state): State<AppState>,
    meta: RequestMeta,
    WebForm(f): WebForm<TokenForm>,
) -> AppResult<Response> {
    accounts::verify_email(&state, &f.token, &meta).await?;
    Ok(Redirect::to("/login?notice=verified").into_response())
}

pub async fn login_form(
    ctx: PageCtx,
    identity: Identity,
    Query(q): Query<NoticeQuery>,
) -> AppResult<Response> {
    if let Some(a) = &identity.0 {
        if a.pending_mfa() {
            return Ok(Redirect::to("/login/mfa").into_response());
        }
        return Ok(Redirect::to("/").into_response());
    }
    Ok(render(&LoginPage {
        ctx,
        notice: notice(q.notice.as_deref()),
        error: None,
        email: String::new(),
        no_errors: FormErrors::default(),
    })?
    .into_response())
}

#[derive(Deserialize)]
pub struct LoginForm {
    #[serde(default)]
    email: String,
    #[serde(default)]
    password: String,
}

pub async fn login(
    State(state): State<AppState>,
    ctx: PageCtx,
    meta: RequestMeta,
    WebForm(f): WebForm<LoginForm>,
) -> AppResult<Response> {
    match signin::log_in(&state, &f.email, &f.password, &meta).await {
        Ok(login) => {
            let next = match login.level {
                SessionLevel::PendingMfa => "/login/mfa",
                _ if login.user.role.requires_mfa() => "/account/mfa",
                _ => "/",
            };
            Ok((session_cookie(&login.token), Redirect::to(next)).into_response())
        }
        Err(
            e @ (AppError::BadCredentials | AppError::TooManyRequests(_) | AppError::Refused(_)),
        ) => {
            let status = e.status();
            let page = LoginPage {
                ctx,
                notice: None,
                error: Some(e.public_message()),
                email: f.email,
                no_errors: FormErrors::default(),
            };
            Ok((status, render(&page)?).into_response())
        }
        Err(e) => Err(e),
    }
}

pub async fn login_mfa_form(ctx: PageCtx) -> AppResult<Response> {
    Ok(render(&LoginMfaPage { ctx, error: None })?.into_response())
}

#[derive(Deserialize)]
pub struct CodeForm {
    #[serde(default)]
    pub code: String,
}

pub async fn login_mfa(
    State(state): State<AppState>,
    ctx: PageCtx,
    actor: Actor,
    meta: RequestMeta,
    WebForm(f): WebForm<CodeForm>,
) -> AppResult<Response> {
    match signin::complete_mfa(&state, &actor, &f.code, &meta).await {
        Ok(token) => Ok((session_cookie(&token), Redirect::to("/")).into_response()),
        Err(e @ (AppError::Invalid(_) | AppError::TooManyRequests(_))) => {
            let status = e.status();
            let page = LoginMfaPage {
                ctx,
                error: Some(e.public_message()),
            };
            Ok((status, render(&page)?).into_response())
        }
        Err(e) => Err(e),
    }
}

pub async fn logout(
    State(state): State<AppState>,
    identity: Identity,
    meta: RequestMeta,
) -> AppResult<Response> {
    if let Some(actor) = &identity.0 {
        signin::log_out(&state, actor, &meta).await?;
    }
    Ok((
        clear_session_cookie(),
        Redirect::to("/login?notice=signed-out"),
    )
        .into_response())
}

pub async fn reset_form(ctx: PageCtx) -> AppResult<Response> {
    Ok(render(&ResetRequestPage {
        ctx,
        sent: false,
        email: String::new(),
        error: None,
    })?
    .into_response())
}

#[derive(Deserialize)]
pub struct EmailForm {
    #[serde(default)]
    email: String,
}

pub async fn reset_request(
    State(state): State<AppState>,
    ctx: PageCtx,
    meta: RequestMeta,
    WebForm(f): WebForm<EmailForm>,
) -> AppResult<Response> {
    match accounts::request_reset(&state, &f.email, &meta).await {
        Ok(()) => Ok(render(&ResetRequestPage {
            ctx,
            sent: true,
            email: String::new(),
            error: None,
        })?
        .into_response()),
        Err(AppError::Invalid(i)) => Ok((
            StatusCode::UNPROCESSABLE_ENTITY,
            render(&ResetRequestPage {
                ctx,
                sent: false,
                email: f.email,
                error: Some(i.message),
            })?,
        )
            .into_response()),
        Err(e) => Err(e),
    }
}

pub async fn reset_confirm_form(
    State(state): State<AppState>,
    ctx: PageCtx,
    Query(q): Query<TokenQuery>,
) -> AppResult<Response> {
    let token = q.token.unwrap_or_default();
    let live = !token.is_empty()
        && state
            .store
            .account_token_live(TokenPurpose::ResetPassword, &token_hash(&token))
            .await?;
    Ok(render(&ResetConfirmPage {
        ctx,
        live,
        token,
        error: None,
    })?
    .into_response())
}

#[derive(Deserialize)]
pub struct ResetForm {
    #[serde(default)]
    token: String,
    #[serde(default)]
    new_password: String,
}

pub async fn reset_confirm(
    State(state): State<AppState>,
    ctx: PageCtx,
    meta: RequestMeta,
    WebForm(f): WebForm<ResetForm>,
) -> AppResult<Response> {
    match accounts::reset_password(&state, &f.token, &f.new_password, &meta).await {
        Ok(()) => Ok((
            clear_session_cookie(),
            Redirect::to("/login?notice=password-reset"),
        )
            .into_response()),
        Err(AppError::Invalid(i)) => Ok((
            StatusCode::UNPROCESSABLE_ENTITY,
            render(&ResetConfirmPage {
                ctx,
                live: true,
                token: f.token,
                error: Some(i.message),
            })?,
        )
            .into_response()),
        Err(e) => Err(e),
    }
}
