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
pub mod schedule;
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
/// `Set-Cookie` headers for a new session token, with a new CSRF token beside it: the
/// CSRF token changes whenever the session does, so one seen before (in a page, a log, a
/// URL) is useless after login, step-up or logout.
pub fn session_cookie(token: &str) -> Cookies {
    axum::response::AppendHeaders([
        (
            axum::http::header::SET_COOKIE,
            crate::auth::host_cookie(crate::auth::SESSION_COOKIE, token, None),
        ),
        (
            axum::http::header::SET_COOKIE,
            crate::auth::host_cookie(
                crate::auth::CSRF_COOKIE,
                &crate::auth::secrets::random_token(),
                None,
            ),
        ),
    ])
}

/// Two `Set-Cookie` headers (appended, not one replacing the other).
pub type Cookies = axum::response::AppendHeaders<[(axum::http::HeaderName, String); 2]>;

/// The CSRF token that [`session_cookie`] set, for a page rendered in the same response.
pub fn csrf_in(cookies: &Cookies) -> String {
    cookies.0[1]
        .1
        .split(';')
        .next()
        .and_then(|pair| pair.split_once('='))
        .map(|(_, v)| v.to_string())
        .unwrap_or_default()
}

pub fn clear_session_cookie() -> Cookies {
    axum::response::AppendHeaders([
        (
            axum::http::header::SET_COOKIE,
            crate::auth::clear_cookie(crate::auth::SESSION_COOKIE),
        ),
        (
            axum::http::header::SET_COOKIE,
            crate::auth::host_cookie(
                crate::auth::CSRF_COOKIE,
                &crate::auth::secrets::random_token(),
                None,
            ),
        ),
    ])
}
