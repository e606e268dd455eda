//! The mails of accounts: confirm an address, a second sign-up attempt, password reset
//! and change, two-step verification turned on. Links are single-use and short-lived.

use crate::platform::error::AppResult;
use crate::platform::mail::queue;
use crate::platform::state::AppState;
use rapport_core::Email;
use rapport_store::users::User;

pub async fn verify_email(state: &AppState, user: &User, secret: &str) -> AppResult<()> {
    let link = state.config.link(&format!("/verify-email?token={secret}"));
    let body = format!(
        "Hello {name},\n\nPlease confirm that this is your e-mail address by opening this link:\n\n{link}\n\n\
         The link works once and expires in 48 hours. If you did not create a Rapport account, you can ignore this e-mail.",
        name = user.display_name
    );
    queue(state, &user.email, "Confirm your e-mail for Rapport", body).await
}

pub async fn account_exists(state: &AppState, email: &Email, user: Option<&User>) -> AppResult<()> {
    let name = user.map(|u| u.display_name.as_str()).unwrap_or("there");
    let login = state.config.link("/login");
    let reset = state.config.link("/password-reset");
    let body = format!(
        "Hello {name},\n\nSomeone (perhaps you) tried to create a Rapport account with this e-mail address, \
         but you already have one.\n\nLog in: {login}\nForgot your password? {reset}\n\n\
         If this was not you, no action is needed: nothing about your account has changed."
    );
    queue(
        state,
        email.as_str(),
        "You already have a Rapport account",
        body,
    )
    .await
}

pub async fn reset_password(state: &AppState, user: &User, secret: &str) -> AppResult<()> {
    let link = state
        .config
        .link(&format!("/password-reset/confirm?token={secret}"));
    let body = format!(
        "Hello {name},\n\nYou asked to reset your Rapport password. Choose a new one here:\n\n{link}\n\n\
         The link works once and expires in 30 minutes. If you did not ask for this, ignore this e-mail; \
         your password stays as it is.",
        name = user.display_name
    );
    queue(state, &user.email, "Reset your Rapport password", body).await
}

pub async fn password_changed(state: &AppState, user: &User) -> AppResult<()> {
    let reset = state.config.link("/password-reset");
    let body = format!(
        "Hello {name},\n\nThe password for your Rapport account was just changed, and your other sessions were signed out.\n\n\
         If this was not you, reset your password now: {reset}",
        name = user.display_name
    );
    queue(
        state,
        &user.email,
        "Your Rapport password was changed",
        body,
    )
    .await
}

pub async fn mfa_enabled(state: &AppState, user: &User) -> AppResult<()> {
    let body = format!(
        "Hello {name},\n\nTwo-step verification is now on for your Rapport account. Keep your recovery codes somewhere safe.\n\n\
         If this was not you, reset your password and contact your practice.",
        name = user.display_name
    );
    queue(state, &user.email, "Two-step verification is on", body).await
}
