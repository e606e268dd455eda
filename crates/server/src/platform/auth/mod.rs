//! Authentication: password hashing, secrets, sessions and bearer tokens, TOTP, CSRF and
//! login throttling. Handlers never see a cookie or a hash: they get an [`Actor`].

pub mod actor;
pub mod csrf;
pub mod password;
pub mod secrets;
pub mod throttle;
pub mod totp;

pub use actor::{Actor, AuthVia, Identity};

use axum::http::HeaderMap;

pub const SESSION_COOKIE: &str = "__Host-rapport-session";
pub const CSRF_COOKIE: &str = "__Host-rapport-csrf";
pub const CSRF_HEADER: &str = "x-csrf-token";
pub const CSRF_FIELD: &str = "csrf";

/// The value of cookie `name`, if the request sent it.
pub fn cookie_value(headers: &HeaderMap, name: &str) -> Option<String> {
    headers
        .get_all(axum::http::header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(k, _)| *k == name)
        .map(|(_, v)| v.trim().to_string())
}

/// A `Set-Cookie` value for a `__Host-` cookie: Secure, Path=/, no Domain, HttpOnly.
pub fn host_cookie(name: &str, value: &str, max_age_secs: Option<i64>) -> String {
    let age = max_age_secs
        .map(|s| format!("; Max-Age={s}"))
        .unwrap_or_default();
    format!("{name}={value}; Path=/; Secure; HttpOnly; SameSite=Lax{age}")
}

/// A `Set-Cookie` value that deletes cookie `name`.
pub fn clear_cookie(name: &str) -> String {
    host_cookie(name, "", Some(0))
}

/// Two `Set-Cookie` headers (appended, not one replacing the other).
pub type Cookies = axum::response::AppendHeaders<[(axum::http::HeaderName, String); 2]>;

/// `Set-Cookie` headers for a new session token, with a new CSRF token beside it: the
/// CSRF token changes whenever the session does, so one seen before (in a page, a log, a
/// URL) is useless after login, step-up or logout.
pub fn session_cookie(token: &str) -> Cookies {
    axum::response::AppendHeaders([
        (
            axum::http::header::SET_COOKIE,
            host_cookie(SESSION_COOKIE, token, None),
        ),
        (
            axum::http::header::SET_COOKIE,
            host_cookie(CSRF_COOKIE, &secrets::random_token(), None),
        ),
    ])
}

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

/// Clears the session cookie and sets a fresh CSRF token.
pub fn clear_session_cookie() -> Cookies {
    axum::response::AppendHeaders([
        (axum::http::header::SET_COOKIE, clear_cookie(SESSION_COOKIE)),
        (
            axum::http::header::SET_COOKIE,
            host_cookie(CSRF_COOKIE, &secrets::random_token(), None),
        ),
    ])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_cookies_among_many() {
        let mut h = HeaderMap::new();
        h.insert(
            "cookie",
            "a=1; __Host-rapport-session=abc; b=2".parse().unwrap(),
        );
        assert_eq!(cookie_value(&h, SESSION_COOKIE).as_deref(), Some("abc"));
        assert_eq!(cookie_value(&h, "missing"), None);
    }

    #[test]
    fn host_cookies_are_locked_down() {
        let c = host_cookie(SESSION_COOKIE, "v", None);
        assert!(c.starts_with("__Host-") && c.contains("Secure") && c.contains("HttpOnly"));
        assert!(c.contains("Path=/") && !c.contains("Domain"));
    }
}
