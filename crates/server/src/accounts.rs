//! The account flows — sign-up, e-mail verification, login with MFA, logout, password
//! change and reset, TOTP enrolment, API tokens — shared by the web pages and the API.

use crate::auth::{password, secrets, throttle, totp, Actor};
use crate::error::{AppError, AppResult};
use crate::mail;
use crate::meta::RequestMeta;
use crate::state::AppState;
use rapport_core::{
    DisplayName, Email, Invalid, NewPassword, Pronouns, Role, TimeZoneName, TokenId,
};
use rapport_store::sessions::{NewSession, SessionLevel};
use rapport_store::tokens::{ApiToken, TokenPurpose};
use rapport_store::users::{NewUser, User};
use rapport_store::{token_hash, StoreError};

pub const VERIFY_LINK_VALID_MS: i64 = 48 * 3600 * 1000;
pub const RESET_LINK_VALID_MS: i64 = 30 * 60 * 1000;
const PENDING_MFA_MS: i64 = 10 * 60 * 1000;

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

async fn record(state: &AppState, user: Option<&User>, kind: &str, meta: &RequestMeta) {
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
    let name = collect(DisplayName::parse(name), &mut errors);
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
    let name = collect(DisplayName::parse(&input.display_name), &mut errors);
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
    match created {
        Ok(user) => {
            send_verification(state, &user).await?;
            record(state, Some(&user), "signup", meta).await;
        }
        Err(StoreError::Conflict(_)) => {
            let existing = state.store.user_by_email(&email).await?;
            mail::account_exists(state, &email, existing.as_ref()).await?;
            record(state, existing.as_ref(), "signup_existing_email", meta).await;
        }
        Err(e) => return Err(e.into()),
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
    if throttle::is_locked(state, &key, &meta.ip).await? {
        record(state, None, "login_throttled", meta).await;
        return Err(AppError::TooManyRequests(throttle::LOCKED_MESSAGE.into()));
    }
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
    if !awaiting_code {
        state.store.record_login_attempt(&key, &meta.ip, ok).await?;
    }
    let creds = match creds {
        Some(c) if ok => c,
        other => {
            record(state, other.as_ref().map(|c| &c.user), "login_failed", meta).await;
            return Err(AppError::BadCredentials);
        }
    };
    let user = creds.user;
    if user.email_verified_at.is_none() {
        send_verification(state, &user).await?;
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
    if throttle::is_locked(state, &key, &meta.ip).await? {
        record(state, Some(&actor.user), "mfa_throttled", meta).await;
        return Err(AppError::TooManyRequests(throttle::LOCKED_MESSAGE.into()));
    }
    let ok = second_factor_ok(state, &actor.user, code).await?;
    state.store.record_login_attempt(&key, &meta.ip, ok).await?;
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
        let Some(secret) = state.store.totp_state(&user.id).await?.secret else {
            return Ok(false);
        };
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

fn now_secs() -> u64 {
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

/// Mails a reset link if the address has an account; says the same either way.
pub async fn request_reset(state: &AppState, email: &str, meta: &RequestMeta) -> AppResult<()> {
    let email = Email::parse(email)?;
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
    state
        .store
        .set_totp_pending(&actor.user.id, &secret)
        .await?;
    enrolment_for(&secret, &actor.user)
}

/// The enrolment already offered (so a page reload shows the same QR code), or a new one.
pub async fn current_or_new_enrolment(state: &AppState, actor: &Actor) -> AppResult<TotpEnrolment> {
    match state.store.totp_state(&actor.user.id).await?.pending {
        Some(secret) => enrolment_for(&secret, &actor.user),
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
    // Sessions elsewhere signed in without the new second factor end now.
    let keep = actor.session().map(|s| s.id.clone());
    state
        .store
        .revoke_user_sessions(&actor.user.id, keep.as_ref())
        .await?;
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
        .create_api_token(&actor.user.id, &name, &token_hash(&secret))
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
