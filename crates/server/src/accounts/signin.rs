//! Signing in and out: password, then the second factor for those who need it; logging
//! out of one device or all of them. Failures are throttled and recorded.

use super::service::{record, send_verification};
use crate::platform::auth::{password, secrets, throttle, totp, Actor};
use crate::platform::error::{AppError, AppResult};
use crate::platform::meta::RequestMeta;
use crate::platform::state::AppState;
use rapport_core::{Email, Invalid, Role};
use rapport_store::sessions::{NewSession, SessionLevel};
use rapport_store::token_hash;
use rapport_store::users::User;

const PENDING_MFA_MS: i64 = 10 * 60 * 1000;

/// A new session: the secret for the cookie and how far it is authenticated.
pub struct NewLogin {
    pub token: String,
    pub level: SessionLevel,
    pub user: User,
}

fn timeouts(state: &AppState, role: Role) -> (i64, i64) {
    let t = if role.requires_mfa() {
        state.config.clinician_sessions
    } else {
        state.config.client_sessions
    };
    (t.idle.as_millis() as i64, t.absolute.as_millis() as i64)
}

pub async fn log_in(
    state: &AppState,
    email: &str,
    password_text: &str,
    meta: &RequestMeta,
) -> AppResult<NewLogin> {
    let key = throttle::account_key(email);
    let Some(attempt) = throttle::begin(state, &key, &meta.ip).await? else {
        record(state, None, "login_throttled", meta).await;
        return Err(AppError::TooManyRequests(throttle::LOCKED_MESSAGE.into()));
    };
    let creds = match Email::parse(email) {
        Ok(e) => state.store.credentials_by_email(&e).await?,
        Err(_) => None,
    };
    let stored = match &creds {
        Some(c) => c.password_hash.clone(),
        None => password::dummy_hash().await,
    };
    let ok = password::verify(password_text.to_string(), stored).await? && creds.is_some();
    // A right password with a second factor still to come is not yet a success: recording
    // one would reset the failure count that also limits guesses at the code.
    let awaiting_code = ok && creds.as_ref().is_some_and(|c| c.user.mfa_enabled());
    let outcome = if awaiting_code { None } else { Some(ok) };
    state.store.settle_login_attempt(&attempt, outcome).await?;
    let creds = match creds {
        Some(c) if ok => c,
        other => {
            record(state, other.as_ref().map(|c| &c.user), "login_failed", meta).await;
            return Err(AppError::BadCredentials);
        }
    };
    let user = creds.user;
    if user.email_verified_at.is_none() {
        // A new link, unless this address has had its share of mails this hour.
        if throttle::may_mail(state, &user.email, &meta.ip).await? {
            send_verification(state, &user).await?;
        }
        record(state, Some(&user), "login_unverified", meta).await;
        return Err(AppError::Refused(
            "Please confirm your e-mail address first. We have sent you a new link.".into(),
        ));
    }
    let level = if user.mfa_enabled() {
        SessionLevel::PendingMfa
    } else {
        SessionLevel::Password
    };
    let (idle, absolute) = match level {
        SessionLevel::PendingMfa => (PENDING_MFA_MS, PENDING_MFA_MS),
        _ => timeouts(state, user.role),
    };
    let token = secrets::random_token();
    state
        .store
        .create_session(NewSession {
            user_id: &user.id,
            token_hash: &token_hash(&token),
            level,
            idle_timeout_ms: idle,
            absolute_timeout_ms: absolute,
            user_agent: meta.user_agent.as_deref(),
            ip: Some(&meta.ip),
        })
        .await?;
    let kind = if level == SessionLevel::PendingMfa {
        "login_password_ok_mfa_pending"
    } else {
        "login_succeeded"
    };
    record(state, Some(&user), kind, meta).await;
    Ok(NewLogin { token, level, user })
}

/// Completes a login with a TOTP code or a recovery code; returns the new cookie token.
pub async fn complete_mfa(
    state: &AppState,
    actor: &Actor,
    code: &str,
    meta: &RequestMeta,
) -> AppResult<String> {
    let session = actor.session().ok_or(AppError::Unauthenticated)?;
    let key = throttle::account_key(&actor.user.email);
    let Some(attempt) = throttle::begin(state, &key, &meta.ip).await? else {
        record(state, Some(&actor.user), "mfa_throttled", meta).await;
        return Err(AppError::TooManyRequests(throttle::LOCKED_MESSAGE.into()));
    };
    let ok = second_factor_ok(state, &actor.user, code).await?;
    state.store.settle_login_attempt(&attempt, Some(ok)).await?;
    if !ok {
        record(state, Some(&actor.user), "mfa_failed", meta).await;
        return Err(AppError::Invalid(Invalid::new(
            "code",
            "That code did not work. Enter the current six-digit code from your app, or a recovery code.",
        )));
    }
    let token = secrets::random_token();
    state
        .store
        .rotate_session(&session.id, &token_hash(&token), SessionLevel::Mfa)
        .await?;
    record(state, Some(&actor.user), "login_succeeded", meta).await;
    Ok(token)
}

async fn second_factor_ok(state: &AppState, user: &User, code: &str) -> AppResult<bool> {
    let digits: String = code.chars().filter(|c| !c.is_whitespace()).collect();
    if digits.len() == 6 && digits.chars().all(|c| c.is_ascii_digit()) {
        let Some(sealed) = state.store.totp_state(&user.id).await?.secret else {
            return Ok(false);
        };
        let secret = state
            .open_secret(rapport_vault::SecretAt::totp(user.id.as_str()), &sealed)
            .await?;
        return Ok(match totp::verify(&secret, &digits, now_secs()) {
            Some(step) => state.store.claim_totp_step(&user.id, step).await?,
            None => false,
        });
    }
    let normal = secrets::normalise_recovery_code(code);
    if normal.len() != 12 {
        return Ok(false);
    }
    Ok(state
        .store
        .use_recovery_code(&user.id, &token_hash(&normal))
        .await?)
}

pub(crate) fn now_secs() -> u64 {
    (rapport_store::now_ms() / 1000) as u64
}

pub async fn log_out(state: &AppState, actor: &Actor, meta: &RequestMeta) -> AppResult<()> {
    if let Some(s) = actor.session() {
        state.store.revoke_session(&s.id).await?;
    }
    record(state, Some(&actor.user), "logout", meta).await;
    Ok(())
}

/// Ends every session of the account, this one included.
pub async fn sign_out_everywhere(
    state: &AppState,
    actor: &Actor,
    meta: &RequestMeta,
) -> AppResult<u64> {
    let n = state
        .store
        .revoke_user_sessions(&actor.user.id, None)
        .await?;
    state.store.revoke_user_api_tokens(&actor.user.id).await?;
    record(state, Some(&actor.user), "signed_out_everywhere", meta).await;
    Ok(n)
}
