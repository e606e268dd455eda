//! Two-step verification with an authenticator app (TOTP): enrolment with a QR code,
//! confirmation with a first code, ten recovery codes, and turning it off (clients only).

use super::mail;
use super::service::record;
use super::signin::now_secs;
use crate::platform::auth::{password, secrets, totp, Actor};
use crate::platform::error::{AppError, AppResult};
use crate::platform::meta::RequestMeta;
use crate::platform::state::AppState;
use rapport_core::Invalid;
use rapport_store::sessions::SessionLevel;
use rapport_store::token_hash;
use rapport_store::users::User;
use rapport_vault::SecretAt;

/// A TOTP secret offered for enrolment, with what the page or app needs to show it.
#[derive(Debug, Clone, serde::Serialize, utoipa::ToSchema)]
pub struct TotpEnrolment {
    /// Base32 secret, for typing into an authenticator app.
    pub secret: String,
    pub otpauth_uri: String,
    /// The same URI as an SVG QR code.
    pub qr_svg: String,
}

pub async fn begin_totp(state: &AppState, actor: &Actor) -> AppResult<TotpEnrolment> {
    if actor.user.mfa_enabled() {
        return Err(AppError::Conflict(
            "Two-step verification is already on.".into(),
        ));
    }
    let secret = totp::new_secret();
    let sealed = state
        .seal_secret(SecretAt::totp(actor.user.id.as_str()), &secret)
        .await?;
    state
        .store
        .set_totp_pending(&actor.user.id, &sealed)
        .await?;
    enrolment_for(&secret, &actor.user)
}

/// The enrolment already offered (so a page reload shows the same QR code), or a new one.
pub async fn current_or_new_enrolment(state: &AppState, actor: &Actor) -> AppResult<TotpEnrolment> {
    match state.store.totp_state(&actor.user.id).await?.pending {
        Some(sealed) => {
            let secret = state
                .open_secret(SecretAt::totp(actor.user.id.as_str()), &sealed)
                .await?;
            enrolment_for(&secret, &actor.user)
        }
        None => begin_totp(state, actor).await,
    }
}

fn enrolment_for(secret: &str, user: &User) -> AppResult<TotpEnrolment> {
    let uri = totp::otpauth_uri(secret, &user.email)
        .ok_or_else(|| AppError::Internal(anyhow::anyhow!("could not build otpauth URI")))?;
    let qr_svg = totp::qr_svg(&uri)
        .ok_or_else(|| AppError::Internal(anyhow::anyhow!("could not draw QR code")))?;
    Ok(TotpEnrolment {
        secret: secret.to_string(),
        otpauth_uri: uri,
        qr_svg,
    })
}

/// Turns TOTP on after the first good code; returns the recovery codes (shown once) and
/// the session's new token, since the session has just stepped up to MFA.
pub async fn confirm_totp(
    state: &AppState,
    actor: &Actor,
    code: &str,
    meta: &RequestMeta,
) -> AppResult<(Vec<String>, Option<String>)> {
    let pending = state
        .store
        .totp_state(&actor.user.id)
        .await?
        .pending
        .ok_or_else(|| {
            AppError::Conflict("Start setting up two-step verification first.".into())
        })?;
    let pending = state
        .open_secret(SecretAt::totp(actor.user.id.as_str()), &pending)
        .await?;
    let step = totp::verify(&pending, code, now_secs()).ok_or_else(|| {
        AppError::Invalid(Invalid::new(
            "code",
            "That code did not match. Check the time on your phone and enter the current six-digit code.",
        ))
    })?;
    let codes: Vec<String> = (0..10).map(|_| secrets::recovery_code()).collect();
    let hashes: Vec<String> = codes
        .iter()
        .map(|c| token_hash(&secrets::normalise_recovery_code(c)))
        .collect();
    state
        .store
        .enable_totp(&actor.user.id, step, &hashes)
        .await?;
    // Sessions elsewhere signed in without the new second factor end now, and so do API
    // tokens made before it: they were made with less proof than the account now asks.
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
                .rotate_session(&s.id, &token_hash(&token), SessionLevel::Mfa)
                .await?;
            Some(token)
        }
        None => None,
    };
    mail::mfa_enabled(state, &actor.user).await?;
    record(state, Some(&actor.user), "mfa_enabled", meta).await;
    Ok((codes, new_token))
}

/// Clients may turn MFA off again (with their password); clinicians and admins may not.
pub async fn disable_totp(
    state: &AppState,
    actor: &Actor,
    current_password: &str,
    meta: &RequestMeta,
) -> AppResult<()> {
    if actor.user.role.requires_mfa() {
        return Err(AppError::Refused(
            "Therapists and administrators must keep two-step verification on.".into(),
        ));
    }
    let stored = state.store.password_hash(&actor.user.id).await?;
    if !password::verify(current_password.to_string(), stored).await? {
        return Err(AppError::Invalid(Invalid::new(
            "current_password",
            "Your current password is not right.",
        )));
    }
    state.store.disable_totp(&actor.user.id).await?;
    // API tokens end with the factor they were made under.
    state.store.revoke_user_api_tokens(&actor.user.id).await?;
    if let Some(s) = actor.session() {
        state
            .store
            .rotate_session(
                &s.id,
                &token_hash(&secrets::random_token()),
                SessionLevel::Password,
            )
            .await?;
    }
    record(state, Some(&actor.user), "mfa_disabled", meta).await;
    Ok(())
}
