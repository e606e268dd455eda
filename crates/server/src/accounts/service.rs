//! The account flows — sign-up, e-mail verification, profile, password change and reset,
//! API tokens — shared by the web pages and the API. Signing in is in `signin`, two-step
//! verification in `mfa`.

use super::mail;
use crate::platform::auth::{password, secrets, throttle, Actor};
use crate::platform::error::{AppError, AppResult};
use crate::platform::meta::RequestMeta;
use crate::platform::state::AppState;
use rapport_core::{
    DisplayName, Email, Invalid, NewPassword, Pronouns, Role, TimeZoneName, TokenId,
};
use rapport_store::tokens::{ApiToken, TokenPurpose};
use rapport_store::users::{NewUser, User};
use rapport_store::{token_hash, StoreError};

pub const VERIFY_LINK_VALID_MS: i64 = 48 * 3600 * 1000;
pub const RESET_LINK_VALID_MS: i64 = 30 * 60 * 1000;

/// What sign-up asks for (web form and JSON alike).
#[derive(Debug, Clone, serde::Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SignUp {
    pub email: String,
    /// 10 to 128 characters; not a common password; not easy to guess.
    #[schema(format = Password)]
    pub password: String,
    pub display_name: String,
    #[serde(default)]
    pub pronouns: Option<String>,
    /// An IANA time zone name such as `America/Chicago`.
    pub time_zone: String,
}

fn collect<T>(r: Result<T, Invalid>, errors: &mut Vec<Invalid>) -> Option<T> {
    r.map_err(|e| errors.push(e)).ok()
}

pub(crate) async fn record(state: &AppState, user: Option<&User>, kind: &str, meta: &RequestMeta) {
    let user_id = user.map(|u| &u.id);
    if let Err(e) = state
        .store
        .record_security_event(user_id, kind, Some(&meta.ip), Some(&meta.request_id))
        .await
    {
        tracing::error!(request_id = %meta.request_id, error = %e, kind, "could not record security event");
    }
    tracing::info!(request_id = %meta.request_id, event = kind, "security event");
}

/// Parses a profile (name, pronouns, time zone), reporting every bad field at once.
pub fn parse_profile(
    name: &str,
    pronouns: Option<&str>,
    time_zone: &str,
) -> AppResult<(DisplayName, Pronouns, TimeZoneName)> {
    let mut errors = Vec::new();
    let name = collect(DisplayName::parse_own(name), &mut errors);
    let pronouns = collect(Pronouns::parse(pronouns), &mut errors);
    let tz = collect(TimeZoneName::parse(time_zone), &mut errors);
    match (name, pronouns, tz) {
        (Some(n), Some(p), Some(t)) => Ok((n, p, t)),
        _ => Err(AppError::Fields(errors)),
    }
}

/// Creates a client account and mails a verification link. An address that already has
/// an account gets a mail saying so instead, and the caller sees the same outcome, so
/// sign-up cannot be used to find out who uses Rapport.
pub async fn sign_up(state: &AppState, input: SignUp, meta: &RequestMeta) -> AppResult<()> {
    let mut errors = Vec::new();
    let email = collect(Email::parse(&input.email), &mut errors);
    let name = collect(DisplayName::parse_own(&input.display_name), &mut errors);
    let pronouns = collect(Pronouns::parse(input.pronouns.as_deref()), &mut errors);
    let tz = collect(TimeZoneName::parse(&input.time_zone), &mut errors);
    let context: Vec<&str> = [input.email.as_str(), input.display_name.as_str()].into();
    let pw = collect(NewPassword::parse(&input.password, &context), &mut errors);
    let (Some(email), Some(name), Some(pronouns), Some(tz), Some(pw)) =
        (email, name, pronouns, tz, pw)
    else {
        return Err(AppError::Fields(errors));
    };
    let hash = password::hash(pw.expose().to_string()).await?;
    let created = state
        .store
        .create_user(NewUser {
            email: &email,
            password_hash: hash,
            display_name: &name,
            pronouns: &pronouns,
            time_zone: &tz,
            role: Role::Client,
            email_verified: false,
        })
        .await;
    let may_mail = throttle::may_mail(state, email.as_str(), &meta.ip).await?;
    match created {
        Ok(user) => {
            if may_mail {
                send_verification(state, &user).await?;
            }
            record(state, Some(&user), "signup", meta).await;
        }
        Err(StoreError::Conflict(_)) => {
            let existing = state.store.user_by_email(&email).await?;
            if may_mail {
                mail::account_exists(state, &email, existing.as_ref()).await?;
            }
            record(state, existing.as_ref(), "signup_existing_email", meta).await;
        }
        Err(e) => return Err(e.into()),
    }
    if !may_mail {
        record(state, None, "mail_rate_limited", meta).await;
    }
    Ok(())
}

pub async fn send_verification(state: &AppState, user: &User) -> AppResult<()> {
    let secret = secrets::random_token();
    state
        .store
        .issue_account_token(
            &user.id,
            TokenPurpose::VerifyEmail,
            &token_hash(&secret),
            VERIFY_LINK_VALID_MS,
        )
        .await?;
    mail::verify_email(state, user, &secret).await
}

pub async fn verify_email(state: &AppState, token: &str, meta: &RequestMeta) -> AppResult<()> {
    let user_id = state
        .store
        .consume_account_token(TokenPurpose::VerifyEmail, &token_hash(token.trim()))
        .await?
        .ok_or_else(|| {
            AppError::BadRequest(
                "This confirmation link has expired or was already used. Log in to get a new one."
                    .into(),
            )
        })?;
    state.store.mark_email_verified(&user_id).await?;
    let user = state.store.user(&user_id).await?;
    record(state, user.as_ref(), "email_verified", meta).await;
    Ok(())
}

/// Changes the password; every other session ends and this one gets a new token.
pub async fn change_password(
    state: &AppState,
    actor: &Actor,
    current: &str,
    new: &str,
    meta: &RequestMeta,
) -> AppResult<Option<String>> {
    let stored = state.store.password_hash(&actor.user.id).await?;
    if !password::verify(current.to_string(), stored).await? {
        record(state, Some(&actor.user), "password_change_failed", meta).await;
        return Err(AppError::Invalid(Invalid::new(
            "current_password",
            "Your current password is not right.",
        )));
    }
    let new = NewPassword::parse(new, &[&actor.user.email, &actor.user.display_name]).map_err(
        |mut e| {
            e.field = "new_password";
            e
        },
    )?;
    let hash = password::hash(new.expose().to_string()).await?;
    state.store.set_password_hash(&actor.user.id, &hash).await?;
    let keep = actor.session().map(|s| s.id.clone());
    state
        .store
        .revoke_user_sessions(&actor.user.id, keep.as_ref())
        .await?;
    state.store.revoke_user_api_tokens(&actor.user.id).await?;
    let new_token = match actor.session() {
        Some(s) => {
            let token = secrets::random_token();
            state
                .store
                .rotate_session(&s.id, &token_hash(&token), s.level)
                .await?;
            Some(token)
        }
        None => None,
    };
    mail::password_changed(state, &actor.user).await?;
    record(state, Some(&actor.user), "password_changed", meta).await;
    Ok(new_token)
}

/// How long a reset request takes to answer, whatever happened: the same for an address
/// with an account and one without, so the timing tells nothing either.
pub const RESET_ANSWER_MS: u64 = 250;

/// Mails a reset link if the address has an account; says the same either way, after the
/// same time.
pub async fn request_reset(state: &AppState, email: &str, meta: &RequestMeta) -> AppResult<()> {
    let answer_at = tokio::time::Instant::now() + std::time::Duration::from_millis(RESET_ANSWER_MS);
    let outcome = reset_work(state, email, meta).await;
    tokio::time::sleep_until(answer_at).await;
    outcome
}

async fn reset_work(state: &AppState, email: &str, meta: &RequestMeta) -> AppResult<()> {
    let email = Email::parse(email)?;
    if !throttle::may_mail(state, email.as_str(), &meta.ip).await? {
        record(state, None, "mail_rate_limited", meta).await;
        return Ok(());
    }
    let Some(user) = state.store.user_by_email(&email).await? else {
        record(state, None, "password_reset_unknown_email", meta).await;
        return Ok(());
    };
    let secret = secrets::random_token();
    state
        .store
        .issue_account_token(
            &user.id,
            TokenPurpose::ResetPassword,
            &token_hash(&secret),
            RESET_LINK_VALID_MS,
        )
        .await?;
    mail::reset_password(state, &user, &secret).await?;
    record(state, Some(&user), "password_reset_requested", meta).await;
    Ok(())
}

pub fn reset_link_dead() -> AppError {
    AppError::BadRequest(
        "This reset link has expired or was already used. Ask for a new one; links last 30 minutes.".into(),
    )
}

/// Sets a new password from a reset link. All sessions end; the person then logs in as
/// usual, second factor included: a reset never skips MFA.
pub async fn reset_password(
    state: &AppState,
    token: &str,
    new: &str,
    meta: &RequestMeta,
) -> AppResult<()> {
    let hash_of_token = token_hash(token.trim());
    if !state
        .store
        .account_token_live(TokenPurpose::ResetPassword, &hash_of_token)
        .await?
    {
        return Err(reset_link_dead());
    }
    let new = NewPassword::parse(new, &[]).map_err(|mut e| {
        e.field = "new_password";
        e
    })?;
    let hash = password::hash(new.expose().to_string()).await?;
    let user_id = state
        .store
        .consume_account_token(TokenPurpose::ResetPassword, &hash_of_token)
        .await?
        .ok_or_else(reset_link_dead)?;
    state.store.set_password_hash(&user_id, &hash).await?;
    state.store.revoke_user_sessions(&user_id, None).await?;
    state.store.revoke_user_api_tokens(&user_id).await?;
    // Following the link proves the address too.
    state.store.mark_email_verified(&user_id).await?;
    let user = state.store.user(&user_id).await?;
    if let Some(u) = &user {
        mail::password_changed(state, u).await?;
    }
    record(state, user.as_ref(), "password_reset", meta).await;
    Ok(())
}

/// A token name: trimmed, 1 to 60 characters.
pub fn token_name(raw: &str) -> AppResult<String> {
    let name = raw.trim();
    if name.is_empty() || name.chars().count() > 60 || name.chars().any(char::is_control) {
        return Err(AppError::Invalid(Invalid::new(
            "name",
            "Give the token a name of 1 to 60 characters, such as \"my laptop\".",
        )));
    }
    Ok(name.to_string())
}

/// Creates a personal API token; the secret is returned once and never stored.
pub async fn create_api_token(
    state: &AppState,
    actor: &Actor,
    name: &str,
    meta: &RequestMeta,
) -> AppResult<(ApiToken, String)> {
    let name = token_name(name)?;
    let secret = format!("rpt_{}", secrets::random_token());
    let token = state
        .store
        .create_api_token(
            &actor.user.id,
            &name,
            &token_hash(&secret),
            i64::from(state.config.api_token_days) * 86_400_000,
        )
        .await?;
    record(state, Some(&actor.user), "api_token_created", meta).await;
    Ok((token, secret))
}

pub async fn revoke_api_token(
    state: &AppState,
    actor: &Actor,
    id: &TokenId,
    meta: &RequestMeta,
) -> AppResult<()> {
    state.store.revoke_api_token(&actor.user.id, id).await?;
    record(state, Some(&actor.user), "api_token_revoked", meta).await;
    Ok(())
}
