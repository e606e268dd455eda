//! The web pages: server-rendered HTML forms that work without JavaScript.

pub mod account;
pub mod admin;
pub mod coach;
pub mod consents;
pub mod credentials;
pub mod directory;
pub mod layout;
pub mod matching;
pub mod pages;
pub mod profile;
pub mod public;
pub mod uploads;

use crate::error::AppError;
use axum::extract::{FromRequest, Request};
use serde::de::DeserializeOwned;

/// A URL-encoded form body; a malformed one becomes a 400 page that says what was wrong.
pub struct WebForm<T>(pub T);

impl<S: Send + Sync, T: DeserializeOwned> FromRequest<S> for WebForm<T> {
    type Rejection = AppError;
    async fn from_request(req: Request, state: &S) -> Result<Self, AppError> {
        match axum::Form::<T>::from_request(req, state).await {
            Ok(axum::Form(v)) => Ok(WebForm(v)),
            Err(rejection) => Err(crate::api::rejection_error(
                rejection.status(),
                rejection.body_text(),
            )),
        }
    }
}

/// Short, fixed notices shown after a redirect. Only codes travel in the URL, never text
/// a person typed.
pub fn notice(code: Option<&str>) -> Option<&'static str> {
    Some(match code? {
        "verified" => "Your e-mail address is confirmed. Log in to continue.",
        "password-reset" => "Your password was changed. Log in with your new password.",
        "signed-out" => "You are signed out.",
        "signed-out-everywhere" => "You are signed out on every device.",
        "profile-saved" => "Saved.",
        "password-changed" => "Your password was changed and your other devices were signed out.",
        "mfa-on" => "Two-step verification is on.",
        "mfa-off" => "Two-step verification is off.",
        "token-revoked" => "The token was revoked.",
        "session-expired" => "Your session ended. Please log in again.",
        "erased" => "Your account has been erased. Thank you for trusting Rapport with your care.",
        _ => return None,
    })
}

#[derive(serde::Deserialize, Default)]
pub struct NoticeQuery {
    pub notice: Option<String>,
}

#[derive(serde::Deserialize, Default)]
pub struct TokenQuery {
    pub token: Option<String>,
}

/// A `Set-Cookie` header carrying a new session token.
pub fn session_cookie(token: &str) -> [(axum::http::HeaderName, String); 1] {
    [(
        axum::http::header::SET_COOKIE,
        crate::auth::host_cookie(crate::auth::SESSION_COOKIE, token, None),
    )]
}

pub fn clear_session_cookie() -> [(axum::http::HeaderName, String); 1] {
    [(
        axum::http::header::SET_COOKIE,
        crate::auth::clear_cookie(crate::auth::SESSION_COOKIE),
    )]
}
